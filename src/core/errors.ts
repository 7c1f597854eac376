// Every failure the core reports is a CoreError: a kind to branch on and the data a sentence needs. The sentences
// themselves live in src/messages (one place, translated by the caller); `message` here is for logs and stack traces.
import type { FieldProblems } from './validation';

/**
 * Where an HTTP answer came from: Novita's API (with the key), a file host (previews, samples; never the key), or
 * Zhipu's API (bigmodel.cn, the second host of GLM-TTS).
 */
export type Source = 'api' | 'download' | 'zhipu';

/** Why a streamed speech ended without its end mark (Zhipu's `finish_reason: "stop"`). */
export type StreamBreak =
  /** The stream sent an `error` line: `cause` is what its code means. */
  | 'error'
  /** It ended with a `finish_reason` other than "stop" (`finishReason`). */
  | 'finishReason'
  /** The connection closed, or broke, after some audio and before the end mark. */
  | 'cut'
  /** No audio at all: a body-less answer, or an end mark with nothing before it. */
  | 'empty';

/** Why a sample cannot be cloned from: checked before paying for a clone. */
export type SampleRefusal =
  | { code: 'notUrl'; value: string }
  | { code: 'scheme'; protocol: string }
  | { code: 'timeout'; host: string; seconds: number }
  | { code: 'hostNotFound'; host: string }
  | { code: 'refused'; host: string }
  | { code: 'certificate'; host: string; errorCode: string }
  | { code: 'unreachable'; host: string; errorCode: string }
  | { code: 'redirectNotUrl'; location: string }
  | { code: 'redirectScheme'; protocol: string }
  | { code: 'redirectLoop'; target: string }
  | { code: 'tooManyRedirects'; max: number }
  | { code: 'empty'; host: string }
  | { code: 'status'; status: number; host: string }
  | { code: 'tooBig'; sizeBytes: number; maxBytes: number }
  | { code: 'webPage'; host: string }
  | { code: 'notAudio'; host: string; contentType?: string }
  /** A local file (a clone from a file): empty, over the upload limit, or not a format the provider takes. */
  | { code: 'fileEmpty'; file: string }
  | { code: 'fileTooBig'; file: string; sizeBytes: number; maxBytes: number }
  | { code: 'fileFormat'; file: string; format?: string; allowed: string[] };

/** Cloning would work but is not advised; the user may clone anyway. */
export type SampleWarning =
  | { code: 'contentType'; host: string; contentType: string; format: string; codec?: string }
  | { code: 'unknownSize'; host: string }
  | { code: 'unknownDuration'; format: string; codec?: string }
  | { code: 'tooShort'; seconds: number; min: number; max: number }
  | { code: 'tooLong'; seconds: number; min: number; max: number }
  | { code: 'unplayable'; format: string; codec?: string }
  | { code: 'unreachable'; host: string };

/**
 * Something wrong in a settings file the user edits by hand: the cast (`.vscode/glm-voice-cast.json` or a script's
 * front matter `voices:`) or the pronunciation list. Reported as data, never thrown: the rest of the file still
 * applies. `path` is where in the file (`voices.Bob.speed`, `entries[2].say`); `start`/`end` are source offsets
 * when the problem is in a document's front matter.
 */
export interface SettingsFileProblem {
  file: 'cast' | 'frontMatter' | 'pronunciations';
  path: string;
  code:
    | 'json' // not valid JSON (`detail`: the parser's message)
    | 'notObject' // a value that should be an object (`{ … }`) is not
    | 'noVoices' // a cast without a `voices` object
    | 'noEntries' // a pronunciation list that is neither `{ entries: […] }` nor a map of words
    | 'notString' // a value that should be text is not
    | 'empty' // a name, a voice or a word that is empty
    | 'tooLong' // a speaker name longer than `max` characters
    | 'notNumber' // speed/volume not a number
    | 'range' // speed/volume outside [min, max] (volume: above min)
    | 'notBoolean' // caseSensitive not true/false
    | 'unknownKey' // a key the file does not know (a typo: `speeed`)
    | 'duplicate' // the same speaker or word twice: the first one is used
    | 'syntax'; // a front matter line that could not be read
  value?: string;
  min?: number;
  max?: number;
  detail?: string;
  start?: number;
  end?: number;
}

export type Problem =
  /** Novita refused the parameters (status set), or a local check refused them before sending (no status). */
  | { kind: 'badRequest'; status?: number; field?: string; detail?: string; rule?: 'empty' | 'tooLong' | 'range' | 'format'; length?: number; max?: number; source?: Source; code?: string }
  | { kind: 'unauthorized'; cause: 'rejected' | 'missing' | 'badCharacters'; status?: number; source?: Source; code?: string }
  | { kind: 'forbidden'; source: Source; status: number; detail?: string }
  | { kind: 'notFound'; source: Source; path?: string; detail?: string }
  | { kind: 'tooLarge'; what: 'request' | 'audio' | 'speech'; limitBytes?: number; detail?: string; status?: number }
  | { kind: 'rateLimited'; status?: number; retryAfterMs?: number; source?: Source; code?: string }
  | { kind: 'server'; source: Source; status: number; retryAfterMs?: number; code?: string }
  /** No answer in time; `clone`: the request was a clone, which may have been created anyway. */
  | { kind: 'timeout'; source: Source; host: string; seconds: number; clone?: boolean }
  /** An accepted clone task that has not finished by the deadline. */
  | { kind: 'taskTimeout'; seconds: number }
  /**
   * The connection failed. `stage`: 'connect' (nothing was sent), 'tls' (certificate not trusted, nothing sent), 'sent'
   * (closed before an answer), 'receiving' (broke during the answer), 'truncated' (the body stopped early).
   */
  | { kind: 'network'; host: string; stage: 'connect' | 'tls' | 'sent' | 'receiving' | 'truncated'; code?: string; clone?: boolean; received?: number; declared?: number }
  /** An answer that parsed but is not what the contract promises; `what` is a technical note. */
  | { kind: 'malformed'; what: string; source?: Source }
  /** The account has no balance left (Zhipu's 1113): paying, not retrying, fixes it. */
  | { kind: 'noBalance'; source: Source; status?: number; code?: string; detail?: string }
  /** The provider's content filter blocked the input or the output (Zhipu's 1301). */
  | { kind: 'contentFiltered'; source: Source; status?: number; code?: string; detail?: string }
  /** The daily quota of this API is used up (Zhipu's 1304). */
  | { kind: 'quotaReached'; source: Source; status?: number; code?: string; detail?: string }
  /**
   * A streamed speech broke before its end mark, after `receivedBytes` bytes of audio: the caller may ask for the
   * same text whole instead. `cause`: what the stream's own error line said (reason 'error').
   */
  | { kind: 'streamBroken'; source: Source; reason: StreamBreak; receivedBytes: number; finishReason?: string; code?: string; cause?: Problem }
  /** Stopped by the user; a chunked run says how many of its `total` chunks were done. */
  /** The provider cannot do this at all (Novita clones only from a URL and cannot list or delete voices). */
  | { kind: 'notSupported'; provider: 'novita' | 'zhipu'; what: 'cloneFromFile' | 'cloneFromUrl' | 'upload' | 'listVoices' | 'deleteVoice' | 'transcribe' }
  | { kind: 'cancelled'; completed?: number; total?: number }
  | { kind: 'taskFailed'; reason?: string }
  | { kind: 'notAudio'; host?: string; found: 'html' | 'empty' | 'unknown' | 'unplayable' | 'badRedirect'; format?: string; status?: number }
  | { kind: 'insecureUrl'; problem: 'invalid' | 'credentials' | 'plainHttp' | 'scheme' | 'download' | 'downloadScheme'; value?: string }
  | { kind: 'redirectLoop'; target?: string; max?: number }
  /** Writing a file on this machine failed (disk full, folder missing): not Novita's fault, never retried. */
  | { kind: 'localFile'; path: string; code?: string }
  /** The clone succeeded and the voice was recorded, but its preview could not be downloaded. */
  | { kind: 'previewLost'; voiceName: string; voiceId: string; cause: Problem }
  | { kind: 'sampleRefused'; refusal: SampleRefusal }
  | { kind: 'sampleWarnings'; warnings: SampleWarning[] }
  | { kind: 'formInvalid'; problems: FieldProblems }
  /** A sample never cloned with the user's word that they may clone the voice: refused before anything is sent. */
  | { kind: 'consentRequired'; sampleUrl: string }
  /** A narration chunk failed for good: chunks before it are done (and kept in `keptFile` when asked). */
  /** `keptFile`: the full path of the WAV holding the completed chunks. */
  | { kind: 'chunkFailed'; index: number; total: number; completed: number; keptFile?: string; cause: Problem }
  | { kind: 'chunkFormat'; reason: 'noSections' | 'notPcm' | 'mismatch' | 'compressed' | 'torn'; format?: string; expected?: string; bytes?: number; frame?: number }
  /** The narration cache could not store a chunk (disk full, no permission): the chunk itself was not lost. */
  | { kind: 'cacheWrite'; dir: string; code?: string }
  /**
   * The voice library file cannot be read and could not be renamed aside either, so it is left as it is (starting
   * empty would overwrite it). `code`: why the rename failed; `detail`: why the file could not be read (for the log).
   */
  | { kind: 'libraryUnreadable'; file: string; code?: string; detail?: string }
  /**
   * MP3 encoding failed: the encoder is missing from the build (`encoderMissing`), the file to encode is not a WAV
   * (`notWav`) or not 16-bit integer PCM in one or two channels (`notPcm16`), or the encoder's thread stopped
   * (`stopped`, with its exit code).
   */
  | { kind: 'mp3Encoding'; reason: 'encoderMissing' | 'notWav' | 'notPcm16' | 'stopped'; path?: string; bitsPerSample?: number; channels?: number; exitCode?: number }
  | { kind: 'narrationBusy' }
  /** The cover image an export's tags name (front matter `cover:`, `--cover`) cannot be read, or is not a JPEG or PNG. */
  | { kind: 'coverImage'; path: string; reason: 'unreadable' | 'notImage' | 'tooLarge'; code?: string; limitBytes?: number }
  | { kind: 'nothingToSpeak' }
  /** A bug or an error from outside the core: `detail` is its message. */
  | { kind: 'unexpected'; detail: string };

export type ProblemKind = Problem['kind'];

export interface CoreErrorOptions {
  /** The clone task that was accepted before the failure: the clone may still finish. */
  taskId?: string;
  cause?: unknown;
}

export class CoreError extends Error {
  readonly problem: Problem;
  readonly taskId?: string;

  constructor(problem: Problem, options: CoreErrorOptions = {}) {
    super(summarize(problem), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CoreError';
    this.problem = problem;
    if (options.taskId !== undefined) this.taskId = options.taskId;
  }

  get kind(): ProblemKind {
    return this.problem.kind;
  }

  /** `status` of an HTTP answer, where the problem has one. */
  get status(): number | undefined {
    const p = this.problem as { status?: unknown };
    return typeof p.status === 'number' ? p.status : undefined;
  }

  get retryAfterMs(): number | undefined {
    const p = this.problem as { retryAfterMs?: unknown };
    return typeof p.retryAfterMs === 'number' ? p.retryAfterMs : undefined;
  }

  get field(): string | undefined {
    const p = this.problem as { field?: unknown };
    return typeof p.field === 'string' ? p.field : undefined;
  }

  get detail(): string | undefined {
    const p = this.problem as { detail?: unknown; reason?: unknown };
    return typeof p.detail === 'string' ? p.detail : typeof p.reason === 'string' ? p.reason : undefined;
  }

  /** The same problem, now known to concern the accepted clone task `taskId`. */
  withTask(taskId: string): CoreError {
    return new CoreError(this.problem, { taskId, cause: this.cause });
  }
}

/**
 * A broken internal invariant (a caller broke the contract: a bug) or a signal caught inside the core: never a
 * situation the user is in, so it has no kind and no sentence; if one escapes, the user reads it as `unexpected`.
 * The core throws nothing else but CoreError (test/unit/core/coreThrows.test.ts; RangeError and TypeError only for an
 * argument outside a function's contract).
 */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export function isCoreError(x: unknown): x is CoreError {
  return x instanceof CoreError;
}

/** What the user is told for anything thrown: a CoreError's problem, an AbortError as cancelled, else unexpected. */
export function problemOf(err: unknown): Problem {
  if (err instanceof CoreError) return err.problem;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) return { kind: 'cancelled' };
  return { kind: 'unexpected', detail: err instanceof Error ? err.message : String(err) };
}

/** Novita's transient failures: the rate limit, a busy server, no answer in time, a dropped connection. */
export function isTransient(err: unknown): boolean {
  return err instanceof CoreError && (err.kind === 'rateLimited' || err.kind === 'server' || err.kind === 'timeout' || err.kind === 'network');
}

/**
 * Novita refused the key (401) or the account (403), or there is no usable key: no other request with this key can
 * succeed, so a run stops at the first one instead of sending the rest (a chunk that failed for it counts too).
 */
export function isKeyRefusal(problem: Problem): boolean {
  if (problem.kind === 'chunkFailed' || problem.kind === 'previewLost') return isKeyRefusal(problem.cause);
  return problem.kind === 'unauthorized' || (problem.kind === 'forbidden' && problem.source === 'api');
}

/** A one-line technical summary for logs and stack traces (never shown as the user-facing sentence). */
function summarize(p: Problem): string {
  const data = Object.entries(p)
    .filter(([k, v]) => k !== 'kind' && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return data ? `${p.kind} (${data})` : p.kind;
}

export const DETAIL_MAX_CHARS = 300;

/** `text` with every occurrence of `secret` (raw or URL-encoded) and any bearer token replaced by "***". */
export function redact(text: string, secret?: string): string {
  let out = text;
  if (secret) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  }
  return out.replace(/\b(Bearer)\s+[^\s"',;]+/gi, '$1 ***');
}

/** A server-supplied reason fit for a message: one line, no control characters, no secret, at most `max` characters. */
export function sanitizeDetail(text: string, secret?: string, max = DETAIL_MAX_CHARS): string {
  // eslint-disable-next-line no-control-regex
  const flat = redact(text, secret).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
