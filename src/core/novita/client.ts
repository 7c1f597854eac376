// The Novita GLM audio API over undici: one pooled dispatcher, bounded safe retries, validated answers, NovitaError for every failure.
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { tryParseWavHeader, wavHeader } from '../audio/wav';
import { looksLikeHtml, sniffAudio, SNIFF_BYTES, WEBVIEW_PLAYABLE, type AudioFormat } from '../audio/sniff';
import { errorForStatus, isNovitaError, malformed, NovitaError, sanitizeDetail } from './errors';
import { preflightSample, type PreflightOptions, type SamplePreflight } from '../audio/preflight';

export interface ProxyConfig {
  /** An explicit proxy (VS Code's `http.proxy`); takes precedence over the environment. */
  url?: string;
  /** Verify TLS certificates of the proxy and of the hosts reached through it (VS Code's `http.proxyStrictSSL`). */
  strictSSL?: boolean;
  /** Hosts that bypass the proxy, NO_PROXY syntax; defaults to the NO_PROXY environment variable. */
  noProxy?: string;
  /** Use HTTP_PROXY / HTTPS_PROXY / NO_PROXY from the environment when no `url` is given. */
  useEnv?: boolean;
}

export interface RequestLogEntry {
  method: string;
  /** Origin and path; query values other than task_id are elided (signed URLs carry secrets). */
  url: string;
  status?: number;
  ms: number;
  error?: string;
}

export interface RetryInfo {
  /** The attempt about to be made after the wait (2 for the first retry). */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface RetryOptions {
  maxAttempts?: number;
  maxTotalMs?: number;
  /** Wait before the first retry when the server gives no Retry-After; doubles per retry. */
  baseDelayMs?: number;
}

export interface NovitaClientOptions {
  baseUrl: string;
  /** Required unless `keyless`: a keyless client checks and downloads samples, and refuses every API call. */
  apiKey?: string;
  keyless?: boolean;
  /** Per request (headers and body); default 60 s. */
  timeoutMs?: number;
  proxy?: ProxyConfig;
  log?: (e: RequestLogEntry) => void;
  retry?: RetryOptions;
  onRetry?: (info: RetryInfo) => void;
  /** First wait between polls of an async clone task (then ×1.5, capped at 3 s). Default 500 ms. */
  pollIntervalMs?: number;
  /** How long an async clone task may take in all before `timeout`. Default max(timeoutMs, 180 s). */
  taskTimeoutMs?: number;
  /** Cap for audio answers of /v3/glm-tts. Default 50 MB. */
  maxAudioBytes?: number;
  userAgent?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export type CloneProgress = 'submitted' | 'queued' | 'processing' | 'succeeded';

export interface CloneOptions extends CallOptions {
  /** Async clones only: 'submitted' once the task is accepted, then each status a poll reports. */
  onProgress?: (status: CloneProgress) => void;
}

export interface CloneRequest {
  audioUrl: string;
  /** What the sample says; omitted from the request when empty. */
  transcript?: string;
  input: string;
  voiceName: string;
}

export interface CloneResult {
  voiceId: string;
  /** The preview; hosted by Novita and may expire, so download it at once. */
  audioUrl: string;
  /** Set when Novita answered with an async task. */
  taskId?: string;
}

export interface SynthesizeRequest {
  input: string;
  voice: string;
  speed?: number;
  volume?: number;
  format: 'wav' | 'pcm';
  watermark?: boolean;
}

export interface TranscribeRequest {
  /** http(s) URL or base64 of a .wav/.mp3 (≤ 25 MB, ≤ 30 s). */
  file: string;
  prompt?: string;
  hotwords?: string[];
}

export interface DownloadOptions extends CallOptions {
  maxBytes?: number;
  maxRedirects?: number;
  /** The URL serves raw Novita PCM (24 kHz 16-bit mono): wrap it in a WAV header. */
  assumePcm?: boolean;
  /** Also return the file's bytes when it is at most this large (to hand them on without reading the file back). */
  keepBytesUpTo?: number;
  /**
   * With keepBytesUpTo: called with the bytes as soon as the whole body is in and checked, while the file is still
   * being finished (the download can still fail after it, if the file cannot be written).
   */
  onComplete?: (data: Buffer, format: PlayableFormat) => void;
}

export type PlayableFormat = 'wav' | 'mp3' | 'ogg' | 'flac';

export interface DownloadResult {
  path: string;
  bytes: number;
  format: PlayableFormat;
  /** The file's content, when it fit in `keepBytesUpTo`. */
  data?: Buffer;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
/** Node's codes for a certificate it does not trust. */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
export const MAX_INPUT_CODE_POINTS = 1024;
export const DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024;
const MAX_JSON_BYTES = 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const POLL_CAP_MS = 3000;
/** Consecutive failed polls tolerated: a task-result GET is safe to repeat, and giving up loses an accepted clone. */
const POLL_FAILURES_TOLERATED = 2;

/** Failures that happen before a request leaves this machine: repeating or reporting them cannot double a clone. */
const NOTHING_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const CLONE_FIELDS = ['text', 'input', 'audio_url', 'voice_name'] as const;
const TTS_FIELDS = ['input', 'voice', 'speed', 'volume', 'response_format', 'watermark_enabled'] as const;
const ASR_FIELDS = ['file', 'prompt', 'hotwords'] as const;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The base URL normalised (no trailing slash, query or fragment), or NovitaError 'insecureUrl':
 * https to any host, http only to loopback, since the API key travels with every request.
 */
export function validateBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new NovitaError('insecureUrl', `The API base URL “${sanitizeDetail(raw, undefined, 80)}” is not a valid URL. Use https://api.novita.ai.`);
  }
  if (url.username || url.password) {
    throw new NovitaError('insecureUrl', 'The API base URL must not contain a user name or password. Use https://api.novita.ai.');
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }
  if (url.protocol === 'http:') {
    throw new NovitaError(
      'insecureUrl',
      `The API base URL ${url.origin} uses plain http, which would send the API key unencrypted. Use https (http is allowed only for 127.0.0.1, localhost and ::1).`,
    );
  }
  throw new NovitaError('insecureUrl', `The API base URL must start with https:// (got ${url.protocol.replace(':', '')}:). Use https://api.novita.ai.`);
}

/** URL fit for a log line: the query's values are elided except task_id. */
export function urlForLog(url: URL): string {
  if (!url.search) return `${url.origin}${url.pathname}`;
  const parts = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${k === 'task_id' ? encodeURIComponent(v) : '…'}`);
  return `${url.origin}${url.pathname}?${parts.join('&')}`;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown }; errors?: { code?: unknown }[] } | undefined;
  for (const c of [e?.code, e?.cause?.code, e?.errors?.[0]?.code]) if (typeof c === 'string') return c;
  return undefined;
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new NovitaError('cancelled', 'Cancelled.'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new NovitaError('cancelled', 'Cancelled.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function readCapped(body: Dispatcher.ResponseData['body'], cap: number, onOver: () => NovitaError): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) {
      body.destroy();
      throw onOver();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function nonEmptyString(x: unknown): x is string {
  return typeof x === 'string' && x.trim() !== '';
}

function copyWith(err: NovitaError, extra: { taskId?: string; note?: string }): NovitaError {
  return new NovitaError(err.kind, extra.note ? `${err.message} ${extra.note}` : err.message, {
    status: err.status,
    field: err.field,
    retryAfterMs: err.retryAfterMs,
    detail: err.detail,
    taskId: extra.taskId ?? err.taskId,
  });
}

function acceptedNote(taskId: string): string {
  return `Novita had accepted the clone (task ${taskId}); it may still finish, so wait a minute before cloning this voice again.`;
}

/** Saving a download failed on this machine (disk full, folder missing): not Novita's fault, never retried. */
export class LocalFileError extends Error {
  readonly localFile = true;
  constructor(
    readonly path: string,
    readonly code: string | undefined,
  ) {
    super(`Could not save the audio to ${path}${code ? ` (${code})` : ''}.`);
    this.name = 'LocalFileError';
  }
}

async function onDisk<T>(path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new LocalFileError(path, errorCode(err));
  }
}

interface Exchange {
  method: 'GET' | 'POST';
  url: URL;
  body?: string;
  /** Send the API key: only ever to the base URL's origin. */
  auth: boolean;
  what: 'api' | 'download';
  /** Statuses handed to the handler; others become errors. Default 2xx. */
  accept?: (status: number) => boolean;
  fields?: readonly string[];
  signal?: AbortSignal;
  acceptHeader?: string;
  /** For messages: the call is a clone, whose timeout may have created the voice anyway. */
  clone?: boolean;
}

export class NovitaClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxTotalMs: number;
  private readonly baseDelayMs: number;
  private readonly pollIntervalMs: number;
  private readonly taskTimeoutMs: number;
  private readonly maxAudioBytes: number;
  private readonly userAgent: string;
  private readonly logSink?: (e: RequestLogEntry) => void;
  private readonly onRetry?: (info: RetryInfo) => void;
  private readonly dispatcher: Dispatcher;
  private closed = false;

  constructor(options: NovitaClientOptions) {
    this.baseUrl = validateBaseUrl(options.baseUrl);
    this.origin = new URL(this.baseUrl).origin;
    const key = options.apiKey?.trim() ?? '';
    if (!key && !options.keyless) throw new NovitaError('unauthorized', 'No Novita API key is set. Set one with “GLM Voice Clone: Set API Key”.');
    // A key with spaces or control characters cannot be a header value; say so without echoing it.
    if (key && !/^[\x21-\x7e]+$/.test(key)) {
      throw new NovitaError('unauthorized', 'The Novita API key contains characters a key cannot have (spaces or line breaks?). Paste it again with “GLM Voice Clone: Set API Key”.');
    }
    this.apiKey = key;
    this.timeoutMs = options.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_TIMEOUT_MS;
    this.maxAttempts = Math.max(1, Math.floor(options.retry?.maxAttempts ?? 3));
    this.maxTotalMs = Math.max(0, options.retry?.maxTotalMs ?? 30_000);
    this.baseDelayMs = Math.max(0, options.retry?.baseDelayMs ?? 2000);
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 500);
    this.taskTimeoutMs = options.taskTimeoutMs ?? Math.max(this.timeoutMs, 180_000);
    this.maxAudioBytes = options.maxAudioBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
    this.userAgent = options.userAgent ?? 'glm-voice-clone-vscode';
    this.logSink = options.log;
    this.onRetry = options.onRetry;
    this.dispatcher = createDispatcher(options.proxy);
  }

  /** Clone a voice from a sample; accepts Novita's sync answer and its async task (polled until it finishes). */
  async cloneVoice(req: CloneRequest, options: CloneOptions = {}): Promise<CloneResult> {
    this.checkInput(req.input);
    if (!nonEmptyString(req.audioUrl)) throw this.fieldError('audio_url', 'Enter the URL of the sample recording.');
    if (!nonEmptyString(req.voiceName)) throw this.fieldError('voice_name', 'Give the voice a name.');
    const body: Record<string, string> = {};
    if (req.transcript !== undefined && req.transcript.trim() !== '') body.text = req.transcript;
    body.input = req.input;
    body.audio_url = req.audioUrl;
    body.voice_name = req.voiceName;
    const answer = await this.postJson('/v3/glm-tts-voice-clone', body, CLONE_FIELDS, options.signal, true);
    if (!isObject(answer)) throw malformed('the clone answer is not a JSON object', this.apiKey);
    if (answer.voice !== undefined || answer.audio_url !== undefined || answer.task_id === undefined) {
      if (!nonEmptyString(answer.voice)) throw malformed(answer.voice === undefined ? 'no “voice” in the clone answer' : '“voice” is not a string', this.apiKey);
      if (!nonEmptyString(answer.audio_url)) {
        throw malformed(answer.audio_url === undefined ? 'no “audio_url” in the clone answer' : '“audio_url” is not a string', this.apiKey);
      }
      return { voiceId: answer.voice, audioUrl: answer.audio_url };
    }
    if (!nonEmptyString(answer.task_id)) throw malformed('“task_id” is not a string', this.apiKey);
    return this.pollCloneTask(answer.task_id, options);
  }

  /** Speech for `input` (≤ 1024 code points) in `voice`: WAV bytes, or raw 24 kHz 16-bit mono PCM. */
  async synthesize(req: SynthesizeRequest, options: CallOptions = {}): Promise<Buffer> {
    this.checkInput(req.input);
    if (!nonEmptyString(req.voice)) throw this.fieldError('voice', 'Choose a voice.');
    if (req.speed !== undefined && !(req.speed >= 0.5 && req.speed <= 2)) throw this.fieldError('speed', 'Speed must be between 0.5 and 2.');
    if (req.volume !== undefined && !(req.volume > 0 && req.volume <= 10)) throw this.fieldError('volume', 'Volume must be above 0 and at most 10.');
    if (req.format !== 'wav' && req.format !== 'pcm') throw this.fieldError('response_format', 'The audio format must be wav or pcm.');
    const body: Record<string, unknown> = { input: req.input, voice: req.voice };
    if (req.speed !== undefined) body.speed = req.speed;
    if (req.volume !== undefined) body.volume = req.volume;
    body.response_format = req.format;
    if (req.watermark !== undefined) body.watermark_enabled = req.watermark;
    return this.exchange(
      { method: 'POST', url: this.apiUrl('/v3/glm-tts'), body: JSON.stringify(body), auth: true, what: 'api', fields: TTS_FIELDS, signal: options.signal, acceptHeader: '*/*' },
      async (res) => {
        const type = header(res, 'content-type') ?? '';
        const bytes = await readCapped(res.body, this.maxAudioBytes, () => this.tooLarge(this.maxAudioBytes, 'The speech'));
        if (/json|html|^text\//i.test(type) || looksLikeHtml(bytes)) {
          throw malformed(`expected audio, got ${/json/i.test(type) ? 'JSON' : 'a web page or text'}`, this.apiKey);
        }
        if (bytes.length === 0) throw malformed('the audio answer is empty', this.apiKey);
        const sniffed = sniffAudio(bytes);
        if (req.format === 'wav') {
          if (sniffed !== 'wav') throw malformed(`expected a WAV file, got ${sniffed ?? 'unrecognised bytes'}`, this.apiKey);
          return bytes;
        }
        // Asked for pcm but got a WAV anyway: hand back the samples, as promised.
        if (sniffed === 'wav') {
          const info = tryParseWavHeader(bytes);
          if (!info) throw malformed('a WAV answer without a data chunk', this.apiKey);
          return bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
        }
        if (sniffed !== undefined) throw malformed(`expected raw PCM, got ${sniffed}`, this.apiKey);
        return bytes;
      },
    );
  }

  /** Text spoken in a sample (a URL Novita can fetch, or base64 audio). */
  async transcribe(req: TranscribeRequest, options: CallOptions = {}): Promise<{ text: string }> {
    if (!nonEmptyString(req.file)) throw this.fieldError('file', 'Give the URL or the contents of the audio to transcribe.');
    const body: Record<string, unknown> = { file: req.file };
    if (req.prompt !== undefined && req.prompt !== '') body.prompt = req.prompt;
    if (req.hotwords !== undefined && req.hotwords.length > 0) body.hotwords = req.hotwords;
    const answer = await this.postJson('/v3/glm-asr', body, ASR_FIELDS, options.signal, false);
    if (!isObject(answer)) throw malformed('the transcription answer is not a JSON object', this.apiKey);
    if (typeof answer.text !== 'string') throw malformed(answer.text === undefined ? 'no “text” in the transcription answer' : '“text” is not a string', this.apiKey);
    return { text: answer.text };
  }

  /**
   * Saves audio from `url` (a preview link, a sample) to `destPath`, never sending the API key. Streams to a temp
   * file beside it and renames on success; leaves nothing behind on failure. Throws NovitaError, or LocalFileError
   * when the file cannot be written here.
   */
  async downloadAudio(url: string, destPath: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
    const maxRedirects = options.maxRedirects ?? 5;
    let current: URL;
    try {
      current = new URL(url);
    } catch {
      throw new NovitaError('insecureUrl', `“${sanitizeDetail(url, this.apiKey, 80)}” is not a URL the audio can be downloaded from.`, { secret: this.apiKey });
    }
    const visited = new Set<string>();
    for (let hops = 0; ; hops++) {
      if (current.protocol !== 'https:' && current.protocol !== 'http:') {
        throw new NovitaError('insecureUrl', `Audio can only be downloaded over http or https (got ${current.protocol.replace(':', '')}:).`);
      }
      visited.add(current.href);
      const step = await this.exchange<{ redirect: string } | DownloadResult>(
        { method: 'GET', url: current, auth: false, what: 'download', accept: (s) => s < 400, signal: options.signal, acceptHeader: 'audio/*, */*;q=0.5' },
        async (res) => {
          if (res.statusCode >= 300) {
            const location = header(res, 'location');
            await res.body.dump();
            if (!location || ![301, 302, 303, 307, 308].includes(res.statusCode)) {
              throw new NovitaError('notAudio', `The audio URL answered ${res.statusCode} without a usable redirect.`, { status: res.statusCode });
            }
            return { redirect: location };
          }
          return this.saveBody(res, current, destPath, maxBytes, options.assumePcm ?? false, options.keepBytesUpTo ?? 0, options.onComplete);
        },
      );
      if (!('redirect' in step)) return step;
      let next: URL;
      try {
        next = new URL(step.redirect, current);
      } catch {
        throw new NovitaError('notAudio', 'The audio URL redirects to an address that is not a URL.');
      }
      if (visited.has(next.href)) throw new NovitaError('redirectLoop', `The audio URL redirects in a loop (back to ${urlForLog(next)}).`, { secret: this.apiKey });
      if (hops + 1 > maxRedirects) throw new NovitaError('redirectLoop', `The audio URL redirects more than ${maxRedirects} times; giving up.`);
      current = next;
    }
  }

  /**
   * Checks a sample URL before cloning (reachable, audio, size, duration), through this client's dispatcher so the
   * proxy settings apply. Sends no key. `probe` measures the first bytes (music-metadata, loaded on demand).
   */
  checkSample(url: string, options: Omit<PreflightOptions, 'dispatcher'>): Promise<SamplePreflight> {
    return preflightSample(url, { userAgent: this.userAgent, ...options, dispatcher: this.dispatcher });
  }

  /** Destroys the pooled connections; the client cannot be used afterwards. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.dispatcher.destroy().catch(() => undefined);
  }

  // ---------------------------------------------------------------- internals

  private apiUrl(pathAndQuery: string): URL {
    return new URL(`${this.baseUrl}${pathAndQuery}`);
  }

  private fieldError(field: string, message: string): NovitaError {
    return new NovitaError('badRequest', message, { field });
  }

  private checkInput(input: string): void {
    if (typeof input !== 'string' || input.trim() === '') throw this.fieldError('input', 'Enter the text to speak.');
    const n = codePointLength(input);
    if (n > MAX_INPUT_CODE_POINTS) {
      throw this.fieldError('input', `The text is ${n} characters; Novita takes at most ${MAX_INPUT_CODE_POINTS} per request. Shorten it or split it.`);
    }
  }

  private tooLarge(cap: number, what: string): NovitaError {
    return new NovitaError('tooLarge', `${what} is larger than ${Math.round(cap / (1024 * 1024))} MB; it was not saved.`);
  }

  private postJson(path: string, body: object, fields: readonly string[], signal: AbortSignal | undefined, clone: boolean): Promise<unknown> {
    return this.exchange({ method: 'POST', url: this.apiUrl(path), body: JSON.stringify(body), auth: true, what: 'api', fields, signal, clone }, (res) =>
      this.readJson(res),
    );
  }

  private async readJson(res: Dispatcher.ResponseData): Promise<unknown> {
    const bytes = await readCapped(res.body, MAX_JSON_BYTES, () => malformed('the answer is larger than 1 MB', this.apiKey));
    const text = bytes.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      const type = header(res, 'content-type') ?? '';
      const what = /html/i.test(type) || looksLikeHtml(bytes) ? 'a web page instead of JSON' : text.trim() === '' ? 'an empty answer' : 'the answer is not valid JSON';
      throw malformed(what, this.apiKey);
    }
  }

  private async pollCloneTask(taskId: string, options: CloneOptions): Promise<CloneResult> {
    const progress = (s: CloneProgress) => {
      try {
        options.onProgress?.(s);
      } catch {
        // a listener's bug must not break the clone
      }
    };
    progress('submitted');
    const deadline = AbortSignal.timeout(this.taskTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const taskTimeout = () =>
      new NovitaError(
        'timeout',
        `Novita has not finished the clone after ${Math.round(this.taskTimeoutMs / 1000)} s (task ${taskId}). It may still finish: wait a minute before cloning again.`,
        { taskId },
      );
    // The clone was accepted (and paid for): a failed check must not send the user to clone the same voice again.
    const stillRunning = acceptedNote(taskId);
    let interval = this.pollIntervalMs;
    const cap = Math.max(POLL_CAP_MS, this.pollIntervalMs);
    let failures = 0;
    for (;;) {
      let answer: unknown;
      try {
        await abortableSleep(interval, signal);
        interval = Math.min(cap, interval * 1.5);
        answer = await this.exchange(
          { method: 'GET', url: this.apiUrl(`/v3/async/task-result?task_id=${encodeURIComponent(taskId)}`), auth: true, what: 'api', fields: ['task_id'], signal },
          (res) => this.readJson(res),
        );
      } catch (err) {
        const e = isNovitaError(err) ? err : new NovitaError('network', 'The clone task could not be checked.');
        if (e.kind === 'cancelled') throw options.signal?.aborted ? copyWith(e, { taskId }) : taskTimeout();
        if ((e.kind === 'timeout' || e.kind === 'server' || e.kind === 'network') && ++failures <= POLL_FAILURES_TOLERATED) continue;
        throw copyWith(e, { taskId, note: stillRunning });
      }
      failures = 0;
      const result = this.readTaskResult(answer, taskId);
      if (result.done) {
        progress('succeeded');
        return { voiceId: result.voiceId, audioUrl: result.audioUrl, taskId };
      }
      progress(result.status);
    }
  }

  private readTaskResult(
    answer: unknown,
    taskId: string,
  ): { done: true; voiceId: string; audioUrl: string } | { done: false; status: 'queued' | 'processing' } {
    const bad = (what: string) => copyWith(malformed(what, this.apiKey), { taskId, note: acceptedNote(taskId) });
    if (!isObject(answer)) throw bad('the task result is not a JSON object');
    const task = answer.task;
    if (!isObject(task)) throw bad('no “task” in the task result');
    if (typeof task.status !== 'string') throw bad('the task has no status');
    switch (task.status) {
      case 'TASK_STATUS_SUCCEED': {
        const audios = answer.audios;
        const first: unknown = Array.isArray(audios) ? audios[0] : undefined;
        if (!isObject(first) || !nonEmptyString(first.audio_url)) throw bad('the finished task has no audio_url');
        const extra = isObject(answer.extra) ? answer.extra : {};
        // Novita documents no field for the voice id of an async clone: accept the places it could reasonably be.
        const voiceId = [answer.voice, answer.voice_id, extra.voice, extra.voice_id, task.voice, task.voice_id, first.voice].find(nonEmptyString);
        if (!voiceId) throw bad('the finished task names no voice id');
        return { done: true, voiceId, audioUrl: first.audio_url };
      }
      case 'TASK_STATUS_FAILED': {
        const reason = nonEmptyString(task.reason) ? sanitizeDetail(task.reason, this.apiKey) : '';
        throw new NovitaError('taskFailed', reason ? `Novita could not clone the voice: ${reason}` : 'Novita could not clone the voice (no reason given).', {
          detail: reason || undefined,
          taskId,
          secret: this.apiKey,
        });
      }
      case 'TASK_STATUS_QUEUED':
        return { done: false, status: 'queued' };
      default:
        // PROCESSING, or a status newer than this code: keep waiting until the deadline.
        return { done: false, status: 'processing' };
    }
  }

  private log(entry: RequestLogEntry): void {
    try {
      const { error, ...rest } = entry;
      this.logSink?.(error === undefined ? rest : { ...rest, error: sanitizeDetail(error, this.apiKey) });
    } catch {
      // logging must never break a request
    }
  }

  /** One logical request: attempts, safe retries (429, 503, refused connection), error mapping. */
  private async exchange<T>(x: Exchange, handle: (res: Dispatcher.ResponseData) => Promise<T>): Promise<T> {
    if (this.closed) throw new NovitaError('cancelled', 'The Novita client was closed.');
    if (x.auth && x.url.origin !== this.origin) throw new Error('refusing to send the API key outside the base URL');
    if (x.auth && !this.apiKey) throw new NovitaError('unauthorized', 'No Novita API key is set. Set one with “GLM Voice Clone: Set API Key”.');
    const started = Date.now();
    const accept = x.accept ?? ((s: number) => s >= 200 && s < 300);
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: x.acceptHeader ?? 'application/json' };
    if (x.auth) headers.authorization = `Bearer ${this.apiKey}`;
    if (x.body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 1; ; attempt++) {
      if (x.signal?.aborted) throw new NovitaError('cancelled', 'Cancelled.');
      const t0 = Date.now();
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = x.signal ? AbortSignal.any([x.signal, timeout]) : timeout;
      let failure: NovitaError;
      let retryDelay: number | undefined;
      let status: number | undefined;
      let transportOrContent = false;
      try {
        const res = await request(x.url, { method: x.method, headers, body: x.body, signal, dispatcher: this.dispatcher });
        status = res.statusCode;
        if (accept(res.statusCode)) {
          const value = await handle(res);
          this.log({ method: x.method, url: urlForLog(x.url), status, ms: Date.now() - t0 });
          return value;
        }
        const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        let text = '';
        try {
          text = (await readCapped(res.body, MAX_ERROR_BODY_BYTES, () => new NovitaError('malformed', 'error body too large'))).toString('utf8');
        } catch {
          // the status says enough
        }
        if (res.statusCode < 400) {
          failure = malformed(`unexpected status ${res.statusCode}`, this.apiKey);
        } else {
          failure = errorForStatus(res.statusCode, text, header(res, 'content-type'), {
            fields: x.fields,
            retryAfterMs,
            secret: this.apiKey,
            path: x.url.pathname,
            what: x.what,
          });
          if (res.statusCode === 429 || res.statusCode === 503) retryDelay = retryAfterMs ?? this.baseDelayMs * 2 ** (attempt - 1);
        }
      } catch (err) {
        if (err instanceof LocalFileError) {
          this.log({ method: x.method, url: urlForLog(x.url), status, ms: Date.now() - t0, error: err.message });
          throw err;
        }
        failure = this.mapError(err, x, signal, timeout, status !== undefined);
        if (failure.kind === 'network' && errorCode(err) === 'ECONNREFUSED') retryDelay = this.baseDelayMs * 2 ** (attempt - 1);
        transportOrContent = true;
      }
      // A non-2xx status speaks for itself in the log; anything else (no answer, a bad answer) needs its reason.
      this.log({ method: x.method, url: urlForLog(x.url), status, ms: Date.now() - t0, error: transportOrContent ? failure.message : undefined });
      if (retryDelay === undefined || attempt >= this.maxAttempts) throw failure;
      if (Date.now() - started + retryDelay > this.maxTotalMs) throw failure;
      try {
        this.onRetry?.({ attempt: attempt + 1, delayMs: retryDelay, reason: failure.message });
      } catch {
        // a listener's bug must not break the request
      }
      await abortableSleep(retryDelay, x.signal);
    }
  }

  private mapError(err: unknown, x: Exchange, signal: AbortSignal, timeout: AbortSignal, gotHeaders: boolean): NovitaError {
    if (isNovitaError(err)) return err;
    if (x.signal?.aborted) return new NovitaError('cancelled', 'Cancelled.');
    const host = x.url.host;
    const code = errorCode(err);
    if (timeout.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      const secs = Math.round(this.timeoutMs / 1000);
      if (x.what === 'download') return new NovitaError('timeout', `The download from ${host} took longer than ${secs} s; retry in a moment.`);
      const maybe = x.clone ? ' The voice may have been created anyway: if a retry says the name is taken, it was.' : '';
      return new NovitaError('timeout', `Novita is busy: no answer within ${secs} s; retry in a moment.${maybe}`);
    }
    if (signal.aborted) return new NovitaError('cancelled', 'Cancelled.');
    if (code && TLS_TRUST_CODES.has(code)) {
      // Nothing was sent: the TLS handshake failed. Usually a proxy or middlebox that re-signs traffic.
      return new NovitaError(
        'network',
        `The certificate of ${host} could not be verified (${code}). If a company proxy re-signs HTTPS traffic, add its certificate authority to the system, or set “http.proxyStrictSSL” to false.`,
        { detail: err instanceof Error ? err.message : undefined, secret: this.apiKey },
      );
    }
    const what = code ?? (err instanceof Error ? err.name : 'error');
    // A clone whose connection dropped after it was sent may have been created (and charged): say so before a retry.
    const sent = gotHeaders || code === undefined || !NOTHING_SENT.has(code);
    const maybe = x.clone && sent ? ' The voice may have been created anyway: if a retry says the name is taken, it was.' : '';
    const init = { detail: err instanceof Error ? err.message : undefined, secret: this.apiKey };
    if (gotHeaders) return new NovitaError('network', `The connection to ${host} broke while receiving the answer: ${what}.${maybe}`, init);
    if (sent) return new NovitaError('network', `The connection to ${host} closed before an answer: ${what}.${maybe}`, init);
    return new NovitaError('network', `Could not reach ${host}: ${what}.`, init);
  }

  /** Streams an audio answer to a temp file beside `destPath`; checks its magic bytes and size; renames on success. */
  private async saveBody(
    res: Dispatcher.ResponseData,
    url: URL,
    destPath: string,
    maxBytes: number,
    assumePcm: boolean,
    keepUpTo: number,
    onComplete: DownloadOptions['onComplete'],
  ): Promise<DownloadResult> {
    const declared = Number(header(res, 'content-length'));
    const hasLength = header(res, 'content-length') !== undefined && Number.isFinite(declared);
    const tooLarge = () => this.tooLarge(maxBytes, 'The audio');
    if (hasLength && declared > maxBytes) {
      res.body.destroy();
      throw tooLarge();
    }
    const type = header(res, 'content-type') ?? '';
    const tmp = join(dirname(destPath), `.${basename(destPath)}.${randomBytes(6).toString('hex')}.part`);
    let fh: FileHandle | undefined;
    // A body known to fit in keepUpTo is held in memory and written once, after onComplete has it: no disk wait
    // stands between its last byte and the caller. Any other body is written as it arrives.
    const inMemory = keepUpTo > 0 && hasLength && declared <= keepUpTo;
    try {
      if (!inMemory) fh = await onDisk(destPath, () => open(tmp, 'wx'));
      const write = async (bytes: Buffer) => {
        const handle = fh;
        if (handle) await onDisk(destPath, () => handle.write(bytes));
      };
      let head: Buffer | undefined = Buffer.alloc(0);
      let format: PlayableFormat | undefined;
      let wrap = false;
      let received = 0;
      // what was written, while it stays within keepUpTo (the WAV header of a wrapped PCM body included)
      let kept: Buffer[] | undefined = keepUpTo > 0 && !(hasLength && declared > keepUpTo) ? [] : undefined;
      let keptBytes = 0;
      const keep = (bytes: Buffer) => {
        if (!kept) return;
        keptBytes += bytes.length;
        // in memory, everything is kept (the declared length bounds it): it is the file
        if (keptBytes > keepUpTo && !inMemory) kept = undefined;
        else kept.push(bytes);
      };
      const decide = async (bytes: Buffer) => {
        const sniffed = sniffAudio(bytes);
        if (sniffed && (WEBVIEW_PLAYABLE as readonly AudioFormat[]).includes(sniffed)) format = sniffed as PlayableFormat;
        else if (sniffed) throw new NovitaError('notAudio', `The file at ${url.host} is ${sniffed.toUpperCase()}, which VS Code cannot play; use WAV or MP3.`);
        else if (/html/i.test(type) || looksLikeHtml(bytes)) throw new NovitaError('notAudio', `${url.host} sent a web page instead of audio. Check the link (it may need a login or may have expired).`);
        else if (assumePcm && bytes.length > 0 && !/json|^text\//i.test(type)) {
          wrap = true;
          format = 'wav';
          const provisional = wavHeader(0);
          await write(provisional);
          keep(provisional);
        } else if (bytes.length === 0) throw new NovitaError('notAudio', `${url.host} sent an empty file instead of audio.`);
        else throw new NovitaError('notAudio', `The file at ${url.host} is not audio this extension can play (WAV, MP3, Ogg or FLAC).`);
        await write(bytes);
        keep(bytes);
      };
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > maxBytes) {
          res.body.destroy();
          throw tooLarge();
        }
        if (head) {
          head = Buffer.concat([head, chunk]);
          if (head.length < SNIFF_BYTES) continue;
          const first = head;
          head = undefined;
          await decide(first);
          continue;
        }
        await write(chunk);
        keep(chunk);
      }
      if (head) await decide(head);
      if (hasLength && received !== declared) {
        throw new NovitaError('network', `The download from ${url.host} stopped early (${received} of ${declared} bytes).`);
      }
      let whole: Buffer | undefined;
      if (kept) {
        whole = Buffer.concat(kept, keptBytes);
        if (wrap) wavHeader(received).copy(whole, 0);
      }
      const data = whole && whole.length <= keepUpTo ? whole : undefined;
      if (data) onComplete?.(data, format ?? 'wav');
      if (inMemory) {
        // the whole file, final header included
        const file = await onDisk(destPath, () => open(tmp, 'wx'));
        fh = file;
        await onDisk(destPath, () => file.write(whole!));
      } else if (wrap) {
        const file = fh!;
        await onDisk(destPath, () => file.write(wavHeader(received), 0, 44, 0));
      }
      const handle = fh!;
      fh = undefined;
      await onDisk(destPath, () => handle.close());
      await onDisk(destPath, () => rename(tmp, destPath));
      return { path: destPath, bytes: received + (wrap ? 44 : 0), format: format ?? 'wav', ...(data ? { data } : {}) };
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }
}

/** The first non-empty value among these environment variables. */
function envValue(...names: string[]): string | undefined {
  for (const n of names) {
    const v = process.env[n]?.trim();
    if (v) return v;
  }
  return undefined;
}

/**
 * The dispatcher for `proxy`: an explicit proxy URL first, else HTTPS_PROXY/HTTP_PROXY (with `useEnv`), else direct.
 * Hosts matching `noProxy` (or NO_PROXY when none is configured) go direct, and so do localhost, 127.0.0.1 and ::1:
 * VS Code's own proxy resolver never proxies those either, and a remote proxy could not reach this machine's loopback.
 */
function createDispatcher(proxy: ProxyConfig | undefined): Dispatcher {
  const strict = proxy?.strictSSL ?? true;
  const explicit = proxy?.url?.trim();
  const envProxy = proxy?.useEnv ? envValue('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy') : undefined;
  if (!explicit && !envProxy) return new Agent();
  const configured = proxy?.noProxy !== undefined ? proxy.noProxy : envValue('NO_PROXY', 'no_proxy');
  // NO_PROXY=* turns the proxy off; undici only honours a lone "*", which the loopback entries below would hide.
  if (configured?.split(/[,\s]+/).includes('*')) return new Agent();
  const noProxy = [configured ?? '', 'localhost', '127.0.0.1', '[::1]'].filter((s) => s.trim() !== '').join(',');
  const tls = strict ? {} : { requestTls: { rejectUnauthorized: false }, proxyTls: { rejectUnauthorized: false } };
  const http = explicit ?? envValue('HTTP_PROXY', 'http_proxy') ?? envProxy;
  const https = explicit ?? envProxy;
  // proxyTunnel false: plain http goes as an absolute-form request, as proxies expect (many allow CONNECT only to 443);
  // https still goes through a CONNECT tunnel.
  return new EnvHttpProxyAgent({ httpProxy: http, httpsProxy: https, noProxy, proxyTunnel: false, ...tls });
}
