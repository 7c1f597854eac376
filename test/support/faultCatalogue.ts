// The faults of the fault matrix, shared by the unit layer (the client against the double) and the in-editor layer
// (the real commands in the extension host): how each is arranged on the double and what the user must be told.
import type { FaultPlan } from '../double/novitaDouble';
import type { MatrixRoute } from './matrix';

export interface RouteExpectation {
  /** 'ok' when the fault is retried away; else the NovitaError kind the call ends with. */
  outcome: string;
  /** The specific, actionable sentence the user reads. */
  message: RegExp;
  /** Requests the double receives on the faulted route (client level: the editor's narration retries on top). */
  requests?: number;
}

export interface FaultContext {
  /** Retry-After the double sends, in seconds (the unit layer uses fractions to stay fast). */
  retryAfter: string;
  /** Seconds of the client's per-request timeout. */
  timeoutSecs: number;
  /** Path of the preview the audio case downloads (a redirect loop sends it back there). */
  audioPath?: string;
}

export interface FaultSpec {
  id: string;
  title: string;
  /**
   * The double's plan for the faulted route. Absent for faults arranged otherwise: "refused" (nothing listens),
   * "taskFailed" and "taskNever" (the double's task outcome).
   */
  plan?: (route: MatrixRoute, ctx: FaultContext) => FaultPlan | FaultPlan[];
  expect: (ctx: FaultContext) => Partial<Record<MatrixRoute, RouteExpectation>>;
}

const HTML = '<!doctype html><html><head><title>Sign in</title></head><body><form>Sign in to continue</form></body></html>';
/** A failed check of an accepted clone task must say so: cloning again would be charged again. */
const ACCEPTED = /Novita had accepted the clone \(task \w+\); it may still finish/;
const both = (a: RegExp, b: RegExp) => new RegExp(`${a.source}[\\s\\S]*${b.source}`);

export const FAULTS: readonly FaultSpec[] = [
  {
    id: '401',
    title: '401 key rejected',
    plan: () => ({ status: 401 }),
    expect: () => ({
      clone: { outcome: 'unauthorized', message: /rejected the API key \(401\)\. Set a valid key with “GLM Voice Clone: Set API Key”/, requests: 1 },
      taskResult: { outcome: 'unauthorized', message: both(/rejected the API key \(401\)/, ACCEPTED), requests: 1 },
      tts: { outcome: 'unauthorized', message: /rejected the API key \(401\)\. Set a valid key/, requests: 1 },
      audio: { outcome: 'forbidden', message: /The audio host refused the download \(401\)\. The link may need a login or may have expired/, requests: 1 },
    }),
  },
  {
    id: '403',
    title: '403 no access',
    plan: () => ({ status: 403 }),
    expect: () => ({
      clone: { outcome: 'forbidden', message: /refused the request \(403\): this key has no access to the GLM voice-clone model, or identity verification is needed/, requests: 1 },
      taskResult: { outcome: 'forbidden', message: both(/refused the request \(403\)/, ACCEPTED), requests: 1 },
      tts: { outcome: 'forbidden', message: /refused the request \(403\)/, requests: 1 },
      audio: { outcome: 'forbidden', message: /refused the download \(403\)\. Preview links expire: request the audio again/, requests: 1 },
    }),
  },
  {
    id: '429+RA',
    title: '429 with Retry-After, every time',
    plan: (_r, ctx) => ({ status: 429, headers: { 'retry-after': ctx.retryAfter } }),
    expect: () => ({
      clone: { outcome: 'rateLimited', message: /rate limit was reached; wait 1 s and try again/, requests: 3 },
      taskResult: { outcome: 'rateLimited', message: both(/rate limit was reached; wait 1 s/, ACCEPTED), requests: 3 },
      tts: { outcome: 'rateLimited', message: /rate limit was reached; wait 1 s and try again/, requests: 3 },
      audio: { outcome: 'rateLimited', message: /rate limit was reached; wait 1 s/, requests: 3 },
    }),
  },
  {
    id: '429 once',
    title: '429 without Retry-After, once',
    plan: () => [{ status: 429 }],
    expect: () => ({
      clone: { outcome: 'ok', message: /^$/, requests: 2 },
      taskResult: { outcome: 'ok', message: /^$/, requests: 2 },
      tts: { outcome: 'ok', message: /^$/, requests: 2 },
      audio: { outcome: 'ok', message: /^$/, requests: 2 },
    }),
  },
  {
    id: '500',
    title: '500 server error',
    plan: () => ({ status: 500 }),
    expect: () => ({
      clone: { outcome: 'server', message: /Novita is busy \(500\); retry in a moment/, requests: 1 },
      // a task-result GET is safe to repeat: two failed checks are tolerated
      taskResult: { outcome: 'server', message: both(/Novita is busy \(500\)/, ACCEPTED), requests: 3 },
      tts: { outcome: 'server', message: /Novita is busy \(500\)/, requests: 1 },
      audio: { outcome: 'server', message: /The audio host is busy \(500\)/, requests: 1 },
    }),
  },
  {
    id: '503+RA once',
    title: '503 with Retry-After, once',
    plan: (_r, ctx) => [{ status: 503, headers: { 'retry-after': ctx.retryAfter } }],
    expect: () => ({
      clone: { outcome: 'ok', message: /^$/, requests: 2 },
      taskResult: { outcome: 'ok', message: /^$/, requests: 2 },
      tts: { outcome: 'ok', message: /^$/, requests: 2 },
      audio: { outcome: 'ok', message: /^$/, requests: 2 },
    }),
  },
  {
    id: '504',
    title: '504 gateway timeout',
    plan: () => ({ status: 504 }),
    expect: () => ({
      clone: { outcome: 'server', message: /Novita is busy \(504\); retry in a moment/, requests: 1 },
      taskResult: { outcome: 'server', message: both(/Novita is busy \(504\)/, ACCEPTED), requests: 3 },
      tts: { outcome: 'server', message: /Novita is busy \(504\)/, requests: 1 },
      audio: { outcome: 'server', message: /The audio host is busy \(504\)/, requests: 1 },
    }),
  },
  {
    id: 'refused',
    title: 'connection refused',
    expect: () => ({
      clone: { outcome: 'network', message: /Could not reach 127\.0\.0\.1:\d+: ECONNREFUSED/, requests: 0 },
      tts: { outcome: 'network', message: /Could not reach 127\.0\.0\.1:\d+: ECONNREFUSED/, requests: 0 },
      audio: { outcome: 'network', message: /Could not reach 127\.0\.0\.1:\d+: ECONNREFUSED/, requests: 0 },
    }),
  },
  {
    id: 'no headers',
    title: 'headers never come (timeout)',
    plan: () => ({ hang: true }),
    expect: (ctx) => ({
      clone: {
        outcome: 'timeout',
        message: new RegExp(`Novita is busy: no answer within ${ctx.timeoutSecs} s; retry in a moment\\. The voice may have been created anyway`),
        requests: 1,
      },
      // three checks time out, or the task's own deadline comes first: either way the user learns it may still finish
      taskResult: { outcome: 'taskTimeout', message: /no answer within \d+ s[\s\S]*Novita had accepted the clone \(task \w+\); it may still finish|has not finished the clone after \d+ s \(task \w+\)\. It may still finish/ },
      tts: { outcome: 'timeout', message: new RegExp(`Novita is busy: no answer within ${ctx.timeoutSecs} s`), requests: 1 },
      audio: { outcome: 'timeout', message: new RegExp(`The download from 127\\.0\\.0\\.1:\\d+ took longer than ${ctx.timeoutSecs} s`), requests: 1 },
    }),
  },
  {
    id: 'reset before headers',
    title: 'connection reset before any answer',
    plan: () => ({ reset: 'beforeHeaders' }),
    expect: () => ({
      // the request was sent: a clone may have been created, and the user is told so before retrying
      clone: { outcome: 'network', message: /The connection to 127\.0\.0\.1:\d+ closed before an answer: UND_ERR_SOCKET\. The voice may have been created anyway/, requests: 1 },
      taskResult: { outcome: 'network', message: both(/closed before an answer/, ACCEPTED), requests: 3 },
      tts: { outcome: 'network', message: /The connection to 127\.0\.0\.1:\d+ closed before an answer/, requests: 1 },
      audio: { outcome: 'network', message: /The connection to 127\.0\.0\.1:\d+ closed before an answer/, requests: 1 },
    }),
  },
  {
    id: 'reset mid-body',
    title: 'body stops halfway (reset)',
    plan: () => ({ reset: 'midBody' }),
    expect: () => ({
      clone: { outcome: 'network', message: /The connection to 127\.0\.0\.1:\d+ broke while receiving the answer: \w+\. The voice may have been created anyway/, requests: 1 },
      taskResult: { outcome: 'network', message: both(/broke while receiving the answer/, ACCEPTED), requests: 3 },
      tts: { outcome: 'network', message: /broke while receiving the answer/, requests: 1 },
      audio: { outcome: 'network', message: /broke while receiving the answer/, requests: 1 },
    }),
  },
  {
    id: 'truncated',
    title: 'truncated body (Content-Length not met)',
    plan: () => ({ truncateBytes: 60 }),
    expect: () => ({
      clone: { outcome: 'network', message: /broke while receiving the answer: \w+\. The voice may have been created anyway/, requests: 1 },
      taskResult: { outcome: 'network', message: both(/broke while receiving the answer/, ACCEPTED), requests: 3 },
      tts: { outcome: 'network', message: /broke while receiving the answer/, requests: 1 },
      audio: { outcome: 'network', message: /broke while receiving the answer/, requests: 1 },
    }),
  },
  {
    id: 'malformed JSON',
    title: 'malformed JSON',
    plan: () => ({ malformedJson: true }),
    expect: () => ({
      clone: { outcome: 'malformed', message: /does not understand \(the answer is not valid JSON\)/, requests: 1 },
      taskResult: { outcome: 'malformed', message: both(/the answer is not valid JSON/, ACCEPTED), requests: 1 },
      tts: { outcome: 'malformed', message: /does not understand \(expected audio, got JSON\)/, requests: 1 },
      audio: { outcome: 'notAudio', message: /is not audio this extension can play \(WAV, MP3, Ogg or FLAC\)/, requests: 1 },
    }),
  },
  {
    id: 'field missing',
    title: 'JSON with a field missing',
    plan: (route) =>
      route === 'clone'
        ? { bodyOverride: { audio_url: 'http://127.0.0.1:9/preview.wav' } }
        : { bodyOverride: { task: { task_id: 'x', status: 'TASK_STATUS_SUCCEED', reason: '' }, audios: [] } },
    expect: () => ({
      clone: { outcome: 'malformed', message: /does not understand \(no “voice” in the clone answer\)/, requests: 1 },
      taskResult: { outcome: 'malformed', message: both(/the finished task has no audio_url/, ACCEPTED), requests: 1 },
    }),
  },
  {
    id: 'wrong type',
    title: 'JSON with a field of the wrong type',
    plan: (route) => (route === 'clone' ? { bodyOverride: { voice: 42, audio_url: 'http://127.0.0.1:9/preview.wav' } } : { bodyOverride: { task: { status: 42 } } }),
    expect: () => ({
      clone: { outcome: 'malformed', message: /does not understand \(“voice” is not a string\)/, requests: 1 },
      taskResult: { outcome: 'malformed', message: both(/the task has no status/, ACCEPTED), requests: 1 },
    }),
  },
  {
    id: 'task FAILED',
    title: 'task ends FAILED with a reason',
    expect: () => ({
      taskResult: { outcome: 'taskFailed', message: /Novita could not clone the voice: the sample has loud background music/, requests: 1 },
    }),
  },
  {
    id: 'task never ends',
    title: 'task never finishes',
    expect: () => ({
      taskResult: { outcome: 'taskTimeout', message: /Novita has not finished the clone after \d+ s \(task \w+\)\. It may still finish: wait a minute before cloning again/ },
    }),
  },
  {
    id: '200 MB',
    title: 'an answer of 200 MB',
    plan: () => ({ hugeBodyBytes: 200 * 1024 * 1024 }),
    expect: () => ({
      clone: { outcome: 'malformed', message: /does not understand \(the answer is larger than 1 MB\)/, requests: 1 },
      taskResult: { outcome: 'malformed', message: both(/the answer is larger than 1 MB/, ACCEPTED), requests: 1 },
      tts: { outcome: 'tooLarge', message: /The speech is larger than 50 MB; it was not saved/, requests: 1 },
      audio: { outcome: 'tooLarge', message: /The audio is larger than 50 MB; it was not saved/, requests: 1 },
    }),
  },
  {
    id: 'redirect loop',
    title: 'redirect loop',
    plan: (_r, ctx) => ({ redirectTo: ctx.audioPath ?? '/audio/loop.wav' }),
    expect: () => ({
      clone: { outcome: 'malformed', message: /does not understand \(unexpected status 302\)/, requests: 1 },
      taskResult: { outcome: 'malformed', message: both(/unexpected status 302/, ACCEPTED), requests: 1 },
      tts: { outcome: 'malformed', message: /unexpected status 302/, requests: 1 },
      audio: { outcome: 'redirectLoop', message: /The audio URL redirects in a loop \(back to http:\/\/127\.0\.0\.1:\d+\/audio\/\w+\.wav\)/, requests: 1 },
    }),
  },
  {
    id: 'HTML 200',
    title: 'HTML where JSON or audio belongs',
    plan: () => ({ status: 200, body: HTML, headers: { 'content-type': 'text/html; charset=utf-8' } }),
    expect: () => ({
      clone: { outcome: 'malformed', message: /does not understand \(a web page instead of JSON\)/, requests: 1 },
      taskResult: { outcome: 'malformed', message: both(/a web page instead of JSON/, ACCEPTED), requests: 1 },
      tts: { outcome: 'malformed', message: /expected audio, got a web page or text/, requests: 1 },
      audio: { outcome: 'notAudio', message: /127\.0\.0\.1:\d+ sent a web page instead of audio\. Check the link/, requests: 1 },
    }),
  },
];

export const TASK_FAIL_REASON = 'the sample has loud background music';
