// The Novita GLM audio API over undici: one pooled dispatcher, bounded safe retries, validated answers, and a
// CoreError (a kind with data, no sentence) for every failure.
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { preflightSample, type PreflightOptions, type SamplePreflight } from '../audio/preflight';
import { looksLikeHtml, sniffAudio, SNIFF_BYTES, WEBVIEW_PLAYABLE, type AudioFormat } from '../audio/sniff';
import { wavHeader } from '../audio/wav';
import { CoreError, InternalError, sanitizeDetail, type Problem } from '../errors';
import { createDispatcher, type ProxyConfig } from '../http/dispatcher';
import { abortableSleep, followRedirects, headerValue as header, parseRetryAfter, readCapped, urlForLog } from '../http/get';
import { checkedApiKey, downloadStart, logSafely, readJsonAnswer, redirectFailure, speechAnswer } from '../http/answers';
import { classifyNetworkError } from '../http/network';
import { undici, type Dispatcher, type ResponseData } from '../http/undici';
import { codePointLength, LIMITS } from '../limits';
import { problemForStatus } from './status';

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
export const DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const POLL_CAP_MS = 3000;
/** Consecutive failed polls tolerated: a task-result GET is safe to repeat, and giving up loses an accepted clone. */
const POLL_FAILURES_TOLERATED = 2;

const CLONE_FIELDS = ['text', 'input', 'audio_url', 'voice_name'] as const;
const TTS_FIELDS = ['input', 'voice', 'speed', 'volume', 'response_format', 'watermark_enabled'] as const;
const ASR_FIELDS = ['file', 'prompt', 'hotwords'] as const;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The base URL normalised (no trailing slash, query or fragment), or CoreError 'insecureUrl':
 * https to any host, http only to loopback, since the API key travels with every request.
 */
export function validateBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new CoreError({ kind: 'insecureUrl', problem: 'invalid', value: sanitizeDetail(raw, undefined, 80) });
  }
  if (url.username || url.password) throw new CoreError({ kind: 'insecureUrl', problem: 'credentials' });
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }
  if (url.protocol === 'http:') throw new CoreError({ kind: 'insecureUrl', problem: 'plainHttp', value: url.origin });
  throw new CoreError({ kind: 'insecureUrl', problem: 'scheme', value: url.protocol.replace(':', '') });
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function nonEmptyString(x: unknown): x is string {
  return typeof x === 'string' && x.trim() !== '';
}

const cancelled = () => new CoreError({ kind: 'cancelled' });

async function onDisk<T>(path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new CoreError({ kind: 'localFile', path, code: (err as { code?: string }).code }, { cause: err });
  }
}

interface Exchange {
  method: 'GET' | 'POST';
  url: URL;
  body?: string;
  /** Send the API key: only ever to the base URL's origin. */
  auth: boolean;
  source: 'api' | 'download';
  /** Statuses handed to the handler; others become errors. Default 2xx. */
  accept?: (status: number) => boolean;
  fields?: readonly string[];
  signal?: AbortSignal;
  acceptHeader?: string;
  /** The call is a clone, whose timeout or dropped connection may have created the voice anyway. */
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
    this.apiKey = checkedApiKey(options.apiKey, undefined, { optional: options.keyless });
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
    if (!nonEmptyString(req.audioUrl)) throw fieldError('audio_url', 'empty');
    if (!nonEmptyString(req.voiceName)) throw fieldError('voice_name', 'empty');
    const body: Record<string, string> = {};
    if (req.transcript !== undefined && req.transcript.trim() !== '') body.text = req.transcript;
    body.input = req.input;
    body.audio_url = req.audioUrl;
    body.voice_name = req.voiceName;
    const answer = await this.postJson('/v3/glm-tts-voice-clone', body, CLONE_FIELDS, options.signal, true);
    if (!isObject(answer)) throw this.malformed('the clone answer is not a JSON object');
    if (answer.voice !== undefined || answer.audio_url !== undefined || answer.task_id === undefined) {
      if (!nonEmptyString(answer.voice)) throw this.malformed(answer.voice === undefined ? 'no “voice” in the clone answer' : '“voice” is not a string');
      if (!nonEmptyString(answer.audio_url)) {
        throw this.malformed(answer.audio_url === undefined ? 'no “audio_url” in the clone answer' : '“audio_url” is not a string');
      }
      return { voiceId: answer.voice, audioUrl: answer.audio_url };
    }
    if (!nonEmptyString(answer.task_id)) throw this.malformed('“task_id” is not a string');
    return this.pollCloneTask(answer.task_id, options);
  }

  /** Speech for `input` (≤ 1024 code points) in `voice`: WAV bytes, or raw 24 kHz 16-bit mono PCM. */
  async synthesize(req: SynthesizeRequest, options: CallOptions = {}): Promise<Buffer> {
    this.checkInput(req.input);
    if (!nonEmptyString(req.voice)) throw fieldError('voice', 'empty');
    const { speed, volume } = LIMITS;
    if (req.speed !== undefined && !(req.speed >= speed.min && req.speed <= speed.max)) throw fieldError('speed', 'range');
    if (req.volume !== undefined && !(req.volume > volume.min && req.volume <= volume.max)) throw fieldError('volume', 'range');
    if (req.format !== 'wav' && req.format !== 'pcm') throw fieldError('response_format', 'format');
    const body: Record<string, unknown> = { input: req.input, voice: req.voice };
    if (req.speed !== undefined) body.speed = req.speed;
    if (req.volume !== undefined) body.volume = req.volume;
    body.response_format = req.format;
    if (req.watermark !== undefined) body.watermark_enabled = req.watermark;
    return this.exchange(
      { method: 'POST', url: this.apiUrl('/v3/glm-tts'), body: JSON.stringify(body), auth: true, source: 'api', fields: TTS_FIELDS, signal: options.signal, acceptHeader: '*/*' },
      async (res) => {
        const type = header(res, 'content-type') ?? '';
        const bytes = await readCapped(res.body, this.maxAudioBytes, () => new CoreError({ kind: 'tooLarge', what: 'speech', limitBytes: this.maxAudioBytes }));
        return speechAnswer(bytes, type, req.format, (what) => this.malformed(what));
      },
    );
  }

  /** Text spoken in a sample (a URL Novita can fetch, or base64 audio). */
  async transcribe(req: TranscribeRequest, options: CallOptions = {}): Promise<{ text: string }> {
    if (!nonEmptyString(req.file)) throw fieldError('file', 'empty');
    const body: Record<string, unknown> = { file: req.file };
    if (req.prompt !== undefined && req.prompt !== '') body.prompt = req.prompt;
    if (req.hotwords !== undefined && req.hotwords.length > 0) body.hotwords = req.hotwords;
    const answer = await this.postJson('/v3/glm-asr', body, ASR_FIELDS, options.signal, false);
    if (!isObject(answer)) throw this.malformed('the transcription answer is not a JSON object');
    if (typeof answer.text !== 'string') throw this.malformed(answer.text === undefined ? 'no “text” in the transcription answer' : '“text” is not a string');
    return { text: answer.text };
  }

  /**
   * Saves audio from `url` (a preview link, a sample) to `destPath`, never sending the API key. Streams to a temp
   * file beside it and renames on success; leaves nothing behind on failure. Throws CoreError (`localFile` when the
   * file cannot be written here).
   */
  async downloadAudio(url: string, destPath: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
    const start = downloadStart(url, this.apiKey);
    let followed: { url: URL; res: ResponseData };
    try {
      // Each hop is its own exchange (safe retries, a log line); the answer is read below, once no redirect follows.
      followed = await followRedirects(
        start,
        (hop) =>
          this.exchange(
            { method: 'GET', url: hop, auth: false, source: 'download', accept: (s) => s < 400, signal: options.signal, acceptHeader: 'audio/*, */*;q=0.5' },
            async (res) => res,
          ),
        options.maxRedirects ?? 5,
      );
    } catch (err) {
      throw redirectFailure(err, this.apiKey);
    }
    const { url: final, res } = followed;
    if (res.statusCode >= 300) {
      await res.body.dump().catch(() => undefined);
      throw new CoreError({ kind: 'notAudio', found: 'badRedirect', status: res.statusCode });
    }
    try {
      return await this.saveBody(res, final, destPath, maxBytes, options.assumePcm ?? false, options.keepBytesUpTo ?? 0, options.onComplete);
    } catch (err) {
      throw this.bodyFailure(err, final, options.signal);
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

  private malformed(what: string): CoreError {
    return new CoreError({ kind: 'malformed', what: sanitizeDetail(what, this.apiKey, 160) });
  }

  private checkInput(input: string): void {
    if (typeof input !== 'string' || input.trim() === '') throw fieldError('input', 'empty');
    const n = codePointLength(input);
    if (n > LIMITS.inputChars) throw new CoreError({ kind: 'badRequest', field: 'input', rule: 'tooLong', length: n, max: LIMITS.inputChars });
  }

  private postJson(path: string, body: object, fields: readonly string[], signal: AbortSignal | undefined, clone: boolean): Promise<unknown> {
    return this.exchange({ method: 'POST', url: this.apiUrl(path), body: JSON.stringify(body), auth: true, source: 'api', fields, signal, clone }, (res) =>
      this.readJson(res),
    );
  }

  private readJson(res: ResponseData): Promise<unknown> {
    return readJsonAnswer(res, (what) => this.malformed(what));
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
    const taskTimeout = () => new CoreError({ kind: 'taskTimeout', seconds: Math.round(this.taskTimeoutMs / 1000) }, { taskId });
    let interval = this.pollIntervalMs;
    const cap = Math.max(POLL_CAP_MS, this.pollIntervalMs);
    let failures = 0;
    for (;;) {
      let answer: unknown;
      try {
        await abortableSleep(interval, signal, cancelled);
        interval = Math.min(cap, interval * 1.5);
        answer = await this.exchange(
          { method: 'GET', url: this.apiUrl(`/v3/async/task-result?task_id=${encodeURIComponent(taskId)}`), auth: true, source: 'api', fields: ['task_id'], signal },
          (res) => this.readJson(res),
        );
      } catch (err) {
        if (!(err instanceof CoreError)) throw err;
        if (err.kind === 'cancelled') throw options.signal?.aborted ? err.withTask(taskId) : taskTimeout();
        if ((err.kind === 'timeout' || err.kind === 'server' || err.kind === 'network') && ++failures <= POLL_FAILURES_TOLERATED) continue;
        // The clone was accepted (and paid for): the task id tells the user it may still finish.
        throw err.withTask(taskId);
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
    const bad = (what: string) => this.malformed(what).withTask(taskId);
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
        const reason = nonEmptyString(task.reason) ? sanitizeDetail(task.reason, this.apiKey) : undefined;
        throw new CoreError({ kind: 'taskFailed', reason }, { taskId });
      }
      case 'TASK_STATUS_QUEUED':
        return { done: false, status: 'queued' };
      default:
        // PROCESSING, or a status newer than this code: keep waiting until the deadline.
        return { done: false, status: 'processing' };
    }
  }

  private log(entry: RequestLogEntry): void {
    logSafely(this.logSink, entry, this.apiKey);
  }

  /** One logical request: attempts, safe retries (429, 503, refused connection), error mapping. */
  private async exchange<T>(x: Exchange, handle: (res: ResponseData) => Promise<T>): Promise<T> {
    if (this.closed) throw cancelled();
    // a guard on the client's own URLs: every keyed path is built on the base URL
    if (x.auth && x.url.origin !== this.origin) throw new InternalError('refusing to send the API key outside the base URL');
    if (x.auth && !this.apiKey) throw new CoreError({ kind: 'unauthorized', cause: 'missing' });
    const started = Date.now();
    const accept = x.accept ?? ((s: number) => s >= 200 && s < 300);
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: x.acceptHeader ?? 'application/json' };
    if (x.auth) headers.authorization = `Bearer ${this.apiKey}`;
    if (x.body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 1; ; attempt++) {
      if (x.signal?.aborted) throw cancelled();
      const t0 = Date.now();
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = x.signal ? AbortSignal.any([x.signal, timeout]) : timeout;
      let failure: CoreError;
      let retryDelay: number | undefined;
      let status: number | undefined;
      let transportOrContent = false;
      try {
        const res = await undici().request(x.url, { method: x.method, headers, body: x.body, signal, dispatcher: this.dispatcher });
        status = res.statusCode;
        if (accept(res.statusCode)) {
          const value = await handle(res);
          this.log({ method: x.method, url: urlForLog(x.url), status, ms: Date.now() - t0 });
          return value;
        }
        const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        let text = '';
        try {
          text = (await readCapped(res.body, MAX_ERROR_BODY_BYTES, () => new InternalError('error body too large'))).toString('utf8');
        } catch {
          // the status says enough
        }
        if (res.statusCode < 400) {
          failure = this.malformed(`unexpected status ${res.statusCode}`);
        } else {
          failure = new CoreError(
            problemForStatus(res.statusCode, text, header(res, 'content-type'), { fields: x.fields, retryAfterMs, secret: this.apiKey, path: x.url.pathname, source: x.source }),
          );
          if (res.statusCode === 429 || res.statusCode === 503) retryDelay = retryAfterMs ?? this.baseDelayMs * 2 ** (attempt - 1);
        }
      } catch (err) {
        if (err instanceof CoreError && err.kind === 'localFile') {
          this.log({ method: x.method, url: urlForLog(x.url), status, ms: Date.now() - t0, error: err.message });
          throw err;
        }
        failure = this.transportFailure(err, x, signal, timeout, status !== undefined);
        if (failure.kind === 'network' && classifyNetworkError(err).retryable) retryDelay = this.baseDelayMs * 2 ** (attempt - 1);
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
      await abortableSleep(retryDelay, x.signal, cancelled);
    }
  }

  /** A request that failed without an answer, or whose answer failed while being read. */
  private transportFailure(err: unknown, x: Exchange, signal: AbortSignal, timeout: AbortSignal, gotHeaders: boolean): CoreError {
    if (err instanceof CoreError) return err;
    if (x.signal?.aborted) return cancelled();
    const host = x.url.host;
    const net = classifyNetworkError(err, timeout.aborted);
    if (net.failure === 'timeout' && (timeout.aborted || net.code !== 'UND_ERR_CONNECT_TIMEOUT')) {
      return new CoreError({ kind: 'timeout', source: x.source, host, seconds: Math.round(this.timeoutMs / 1000), clone: x.clone }, { cause: err });
    }
    if (signal.aborted) return cancelled();
    // Nothing was sent: the TLS handshake failed. Usually a proxy or middlebox that re-signs traffic.
    if (net.failure === 'certificate' && net.nothingSent) return new CoreError({ kind: 'network', host, stage: 'tls', code: net.code }, { cause: err });
    // A clone whose connection dropped after it was sent may have been created (and charged): say so before a retry.
    const sent = gotHeaders || !net.nothingSent;
    const stage = gotHeaders ? 'receiving' : sent ? 'sent' : 'connect';
    return new CoreError({ kind: 'network', host, stage, code: net.code, clone: x.clone && sent }, { cause: err });
  }

  /** A failure while a download's body was being read: mapped like any transport failure of that request. */
  private bodyFailure(err: unknown, url: URL, signal: AbortSignal | undefined): unknown {
    if (err instanceof CoreError) return err;
    if (signal?.aborted) return cancelled();
    const net = classifyNetworkError(err);
    if (net.failure === 'timeout') return new CoreError({ kind: 'timeout', source: 'download', host: url.host, seconds: Math.round(this.timeoutMs / 1000) }, { cause: err });
    return new CoreError({ kind: 'network', host: url.host, stage: 'receiving', code: net.code }, { cause: err });
  }

  /** Streams an audio answer to a temp file beside `destPath`; checks its magic bytes and size; renames on success. */
  private async saveBody(
    res: ResponseData,
    url: URL,
    destPath: string,
    maxBytes: number,
    assumePcm: boolean,
    keepUpTo: number,
    onComplete: DownloadOptions['onComplete'],
  ): Promise<DownloadResult> {
    const declared = Number(header(res, 'content-length'));
    const hasLength = header(res, 'content-length') !== undefined && Number.isFinite(declared);
    const tooLarge = () => new CoreError({ kind: 'tooLarge', what: 'audio', limitBytes: maxBytes });
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
      const host = url.host;
      const decide = async (bytes: Buffer) => {
        const sniffed = sniffAudio(bytes);
        if (sniffed && (WEBVIEW_PLAYABLE as readonly AudioFormat[]).includes(sniffed)) format = sniffed as PlayableFormat;
        else if (sniffed) throw new CoreError({ kind: 'notAudio', host, found: 'unplayable', format: sniffed });
        else if (/html/i.test(type) || looksLikeHtml(bytes)) throw new CoreError({ kind: 'notAudio', host, found: 'html' });
        else if (assumePcm && bytes.length > 0 && !/json|^text\//i.test(type)) {
          wrap = true;
          format = 'wav';
          const provisional = wavHeader(0);
          await write(provisional);
          keep(provisional);
        } else if (bytes.length === 0) throw new CoreError({ kind: 'notAudio', host, found: 'empty' });
        else throw new CoreError({ kind: 'notAudio', host, found: 'unknown' });
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
      if (hasLength && received !== declared) throw new CoreError({ kind: 'network', host, stage: 'truncated', received, declared });
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

/** A request refused here, before sending: `field` of the request body breaks `rule`. */
function fieldError(field: string, rule: 'empty' | 'range' | 'format'): CoreError {
  return new CoreError({ kind: 'badRequest', field, rule } satisfies Problem);
}
