// Zhipu's GLM audio API (open.bigmodel.cn/api/paas/v4, shared/zhipu-api.md) over undici: the same model as Novita's,
// plus clone from an uploaded file, streamed speech (SSE), and listing / deleting cloned voices. Same habits as
// NovitaClient: one pooled dispatcher, bounded safe retries, a request log without the key, and a CoreError (a kind
// with data, no sentence) for every failure.
import { randomBytes } from 'node:crypto';
import { looksLikeHtml, sniffAudio, WEBVIEW_PLAYABLE, type AudioFormat } from '../audio/sniff';
import { CoreError, InternalError, sanitizeDetail, type Problem } from '../errors';
import { createDispatcher, type ProxyConfig } from '../http/dispatcher';
import { abortableSleep, followRedirects, headerValue as header, parseRetryAfter, readCapped, urlForLog } from '../http/get';
import { checkedApiKey, downloadStart, logSafely, MAX_JSON_BYTES, readJsonAnswer, redirectFailure, speechAnswer } from '../http/answers';
import { classifyNetworkError } from '../http/network';
import { undici, type Dispatcher, type ResponseData } from '../http/undici';
import { codePointLength, LIMITS } from '../limits';
import { problemForStatus } from '../novita/status';
import { errorObjectDetail, isRetryableZhipu, problemForZhipuCode, problemForZhipuStatus, zhipuErrorDetail } from './status';

export type { ProxyConfig } from '../http/dispatcher';

/** Zhipu's base URL (the OpenAPI servers entry plus `/paas/v4`); Z.ai's twin is https://api.z.ai/api/paas/v4. */
export const ZHIPU_BASE_URL = 'https://open.bigmodel.cn/api/paas/v4';
export const ZHIPU_DEFAULT_TIMEOUT_MS = 60_000;
export const ZHIPU_MAX_AUDIO_BYTES = 50 * 1024 * 1024;
/** Zhipu's speech rate: `delta.return_sample_rate` of every stream chunk; PCM is 16-bit little-endian mono. */
export const ZHIPU_SAMPLE_RATE = 24000;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** One SSE event longer than this is not a chunk of speech: refuse it rather than buffer without end. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

export interface ZhipuRequestLogEntry {
  method: string;
  /** Origin and path; query values are elided. */
  url: string;
  status?: number;
  ms: number;
  /** Zhipu's `error.code`, when the answer (or the stream) carried one. */
  code?: string;
  error?: string;
}

export interface ZhipuRetryInfo {
  /** The attempt about to be made after the wait (2 for the first retry). */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface ZhipuClientOptions {
  /** Default ZHIPU_BASE_URL. https to any host, http only to loopback. */
  baseUrl?: string;
  apiKey: string;
  /** Per request until its headers, and then per pause between two pieces of a body; default 60 s. */
  timeoutMs?: number;
  proxy?: ProxyConfig;
  log?: (e: ZhipuRequestLogEntry) => void;
  retry?: { maxAttempts?: number; maxTotalMs?: number; baseDelayMs?: number };
  onRetry?: (info: ZhipuRetryInfo) => void;
  maxAudioBytes?: number;
  userAgent?: string;
}

export interface ZhipuCallOptions {
  signal?: AbortSignal;
}

export interface ZhipuFile {
  id: string;
  bytes: number;
  filename: string;
  purpose: string;
  createdAt?: number;
}

export interface ZhipuCloneRequest {
  /** The uploaded sample (`upload`'s id). */
  fileId: string;
  /** The caller's unique name; Zhipu answers with a different `voice` id, which is the one to keep. */
  voiceName: string;
  /** The preview's text. */
  input: string;
  /** What the sample says; omitted when empty. */
  text?: string;
  requestId?: string;
}

export interface ZhipuCloneResult {
  /** The id for speech and deletion (not the voice_name). */
  voiceId: string;
  /** The generated preview audio's file id. */
  previewFileId: string;
  requestId?: string;
}

export interface ZhipuSpeechRequest {
  input: string;
  voice: string;
  speed?: number;
  volume?: number;
  /** Whole answers only: `wav` (a WAV file) or `pcm` (raw 24 kHz 16-bit mono). Default wav. */
  format?: 'wav' | 'pcm';
  watermark?: boolean;
}

export interface ZhipuStreamRequest extends Omit<ZhipuSpeechRequest, 'format'> {
  /** The text encoding of each chunk on the wire; default base64. */
  encoding?: 'base64' | 'hex';
}

export interface ZhipuVoice {
  voiceId: string;
  voiceName: string;
  type: 'OFFICIAL' | 'PRIVATE' | string;
  downloadUrl?: string;
  createTime?: string;
}

export interface ZhipuPreview {
  bytes: Buffer;
  format: 'wav' | 'mp3' | 'ogg' | 'flac';
}

const CLONE_FIELDS = ['model', 'voice_name', 'input', 'file_id', 'text', 'request_id'] as const;
const SPEECH_FIELDS = ['model', 'input', 'voice', 'speed', 'volume', 'response_format', 'stream', 'encode_format', 'watermark_enabled'] as const;
const UPLOAD_FIELDS = ['file', 'purpose'] as const;

interface Exchange {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  body?: string | Buffer;
  /** The body's type when it is not JSON (a multipart upload). */
  contentType?: string;
  /** Send the key: only ever to the base URL's origin. */
  auth: boolean;
  fields?: readonly string[];
  signal?: AbortSignal;
  acceptHeader?: string;
  /** Repeating it cannot do harm: 5xx are retried (a clone's 500 may have created the voice, so it is not). */
  idempotent: boolean;
  /** Statuses handed to the handler; others become errors. Default 2xx. */
  accept?: (status: number) => boolean;
  /** The handler reads the body in its own time (a stream): the per-request timeout stops at the headers. */
  streaming?: boolean;
  /** A file host's link (a preview), not Zhipu's API: its errors are a download's. */
  download?: boolean;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function nonEmptyString(x: unknown): x is string {
  return typeof x === 'string' && x.trim() !== '';
}

const cancelled = () => new CoreError({ kind: 'cancelled' });

function fieldError(field: string, rule: 'empty' | 'tooLong' | 'range' | 'format', extra: { length?: number; max?: number } = {}): CoreError {
  return new CoreError({ kind: 'badRequest', field, rule, source: 'zhipu', ...extra });
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

function validateZhipuBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new CoreError({ kind: 'insecureUrl', problem: 'invalid', value: sanitizeDetail(raw, undefined, 80) });
  }
  if (url.username || url.password) throw new CoreError({ kind: 'insecureUrl', problem: 'credentials' });
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (url.protocol === 'http:') throw new CoreError({ kind: 'insecureUrl', problem: 'plainHttp', value: url.origin });
  throw new CoreError({ kind: 'insecureUrl', problem: 'scheme', value: url.protocol.replace(':', '') });
}

/**
 * Whether a failed `speechStream` is worth asking again as a whole `speech` (the same text, one request): the stream
 * broke, ended without audio or with an odd finish_reason, or its error line reported something a retry can cure.
 * Not for a content filter, an empty account or a refused key: the whole request would fail the same way.
 */
export function canFallBackToWhole(err: unknown): boolean {
  if (!(err instanceof CoreError) || err.problem.kind !== 'streamBroken') return false;
  const p = err.problem;
  if (p.reason !== 'error') return true;
  const cause = p.cause?.kind;
  return cause === 'server' || cause === 'rateLimited' || cause === 'timeout' || cause === 'network';
}

/** A multipart/form-data body (RFC 7578) with a random boundary: a part is a field, or a file when it has a filename. */
export function multipart(parts: ReadonlyArray<{ name: string; data: Buffer; filename?: string; type?: string }>): { body: Buffer; contentType: string } {
  const boundary = `----gvc${randomBytes(12).toString('hex')}`;
  // Quotes, CR and LF cannot stand in a quoted header parameter: percent-encoded, as browsers do.
  const quoted = (s: string) => s.replace(/["\r\n]/g, (c) => encodeURIComponent(c));
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(part.name)}"`;
    if (part.filename !== undefined) head += `; filename="${quoted(part.filename)}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}`;
    chunks.push(Buffer.from(`${head}\r\n\r\n`, 'utf8'), part.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A resettable deadline: aborts `signal` once `ms` pass without a `touch()`. */
class IdleDeadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;
  fired = false;

  constructor(private readonly ms: number) {
    this.timer = this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = this.arm();
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  private arm(): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new DOMException('idle', 'TimeoutError'));
    }, this.ms);
    t.unref?.();
    return t;
  }
}

export class ZhipuClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxTotalMs: number;
  private readonly baseDelayMs: number;
  private readonly maxAudioBytes: number;
  private readonly userAgent: string;
  private readonly logSink?: (e: ZhipuRequestLogEntry) => void;
  private readonly onRetry?: (info: ZhipuRetryInfo) => void;
  private readonly dispatcher: Dispatcher;
  private closed = false;

  constructor(options: ZhipuClientOptions) {
    this.baseUrl = validateZhipuBaseUrl(options.baseUrl ?? ZHIPU_BASE_URL);
    this.origin = new URL(this.baseUrl).origin;
    this.apiKey = checkedApiKey(options.apiKey, 'zhipu');
    this.timeoutMs = options.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : ZHIPU_DEFAULT_TIMEOUT_MS;
    this.maxAttempts = Math.max(1, Math.floor(options.retry?.maxAttempts ?? 3));
    this.maxTotalMs = Math.max(0, options.retry?.maxTotalMs ?? 30_000);
    this.baseDelayMs = Math.max(0, options.retry?.baseDelayMs ?? 2000);
    this.maxAudioBytes = options.maxAudioBytes ?? ZHIPU_MAX_AUDIO_BYTES;
    this.userAgent = options.userAgent ?? 'glm-voice-clone-vscode';
    this.logSink = options.log;
    this.onRetry = options.onRetry;
    this.dispatcher = createDispatcher(options.proxy);
  }

  /** Uploads a clone sample (mp3 or wav, at most 10 MB) with purpose `voice-clone-input`; its id is the clone's file_id. */
  async upload(bytes: Uint8Array, filename: string, options: ZhipuCallOptions = {}): Promise<ZhipuFile> {
    if (bytes.length === 0) throw fieldError('file', 'empty');
    if (bytes.length > LIMITS.sampleBytes) throw fieldError('file', 'tooLong', { length: bytes.length, max: LIMITS.sampleBytes });
    const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
    if (ext !== 'mp3' && ext !== 'wav') throw fieldError('file', 'format');
    const type = ext === 'mp3' ? 'audio/mpeg' : 'audio/wav';
    const data = Buffer.from(bytes);
    // Built by hand: the bundled HTTP library has no FormData body (cut from dist/undici.js to keep the .vsix small).
    const { body: form, contentType } = multipart([
      { name: 'file', filename, type, data },
      { name: 'purpose', data: Buffer.from('voice-clone-input') },
    ]);
    const answer = await this.exchange({ method: 'POST', url: this.apiUrl('/files'), body: form, contentType, auth: true, fields: UPLOAD_FIELDS, signal: options.signal, idempotent: true }, (res) =>
      this.readJson(res),
    );
    if (!isObject(answer) || !nonEmptyString(answer.id)) throw this.malformed('no file “id” in the upload answer');
    return {
      id: answer.id,
      bytes: typeof answer.bytes === 'number' ? answer.bytes : data.length,
      filename: typeof answer.filename === 'string' ? answer.filename : filename,
      purpose: typeof answer.purpose === 'string' ? answer.purpose : 'voice-clone-input',
      ...(typeof answer.created_at === 'number' ? { createdAt: answer.created_at } : {}),
    };
  }

  /** Deletes an uploaded file (the sample, once cloned). */
  async deleteFile(fileId: string, options: ZhipuCallOptions = {}): Promise<{ id: string; deleted: boolean }> {
    if (!nonEmptyString(fileId)) throw fieldError('file_id', 'empty');
    const answer = await this.exchange(
      { method: 'DELETE', url: this.apiUrl(`/files/${encodeURIComponent(fileId)}`), auth: true, signal: options.signal, idempotent: true },
      (res) => this.readJson(res),
    );
    if (!isObject(answer)) throw this.malformed('the file deletion answer is not a JSON object');
    return { id: nonEmptyString(answer.id) ? answer.id : fileId, deleted: answer.deleted === true };
  }

  /** Clones a voice from an uploaded sample; synchronous (no task). Keep the answer's `voiceId`, not the name. */
  async clone(req: ZhipuCloneRequest, options: ZhipuCallOptions = {}): Promise<ZhipuCloneResult> {
    this.checkInput(req.input);
    if (!nonEmptyString(req.fileId)) throw fieldError('file_id', 'empty');
    if (!nonEmptyString(req.voiceName)) throw fieldError('voice_name', 'empty');
    const body: Record<string, string> = { model: 'glm-tts-clone', voice_name: req.voiceName, input: req.input, file_id: req.fileId };
    if (req.text !== undefined && req.text.trim() !== '') body.text = req.text;
    if (req.requestId !== undefined && req.requestId !== '') body.request_id = req.requestId;
    const answer = await this.exchange(
      { method: 'POST', url: this.apiUrl('/voice/clone'), body: JSON.stringify(body), auth: true, fields: CLONE_FIELDS, signal: options.signal, idempotent: false },
      (res) => this.readJson(res),
    );
    if (!isObject(answer)) throw this.malformed('the clone answer is not a JSON object');
    if (!nonEmptyString(answer.voice)) throw this.malformed(answer.voice === undefined ? 'no “voice” in the clone answer' : '“voice” is not a string');
    if (!nonEmptyString(answer.file_id)) throw this.malformed('no preview “file_id” in the clone answer');
    return { voiceId: answer.voice, previewFileId: answer.file_id, ...(nonEmptyString(answer.request_id) ? { requestId: answer.request_id } : {}) };
  }

  /** Speech for `input` (≤ 1024 code points), whole: a WAV file, or raw 24 kHz 16-bit mono PCM. */
  async speech(req: ZhipuSpeechRequest, options: ZhipuCallOptions = {}): Promise<Buffer> {
    const format = req.format ?? 'wav';
    if (format !== 'wav' && format !== 'pcm') throw fieldError('response_format', 'format');
    const body = this.speechBody(req);
    body.response_format = format;
    return this.exchange(
      { method: 'POST', url: this.apiUrl('/audio/speech'), body: JSON.stringify(body), auth: true, fields: SPEECH_FIELDS, signal: options.signal, acceptHeader: '*/*', idempotent: true },
      async (res) => {
        const type = header(res, 'content-type') ?? '';
        const bytes = await readCapped(res.body, this.maxAudioBytes, () => new CoreError({ kind: 'tooLarge', what: 'speech', limitBytes: this.maxAudioBytes }));
        // A 200 carrying an error body: map it like an error answer. (Raw PCM may well start with "{": only a body
        // that parses as Zhipu's error object counts.)
        const { code, detail } = /json/i.test(type) || bytes[0] === 0x7b ? zhipuErrorDetail(bytes.toString('utf8'), 'application/json') : {};
        if (code) throw new CoreError(problemForZhipuCode(code, undefined, detail, { fields: SPEECH_FIELDS, secret: this.apiKey }));
        return speechAnswer(bytes, type, format, (what) => this.malformed(what));
      },
    );
  }

  /**
   * Speech for `input`, streamed: raw 24 kHz 16-bit mono PCM buffers as Zhipu sends them (each a whole number of
   * samples). The request leaves on the first `next()`; breaking out of the loop closes it. Ends cleanly only on the
   * end mark (`finish_reason: "stop"`, or `data: [DONE]`); anything else throws CoreError `streamBroken` (the caller may
   * then ask for the text whole with `speech`).
   */
  speechStream(req: ZhipuStreamRequest, options: ZhipuCallOptions = {}): AsyncIterable<Buffer> {
    const encoding = req.encoding ?? 'base64';
    if (encoding !== 'base64' && encoding !== 'hex') throw fieldError('encode_format', 'format');
    const body = this.speechBody(req);
    body.response_format = 'pcm';
    body.stream = true;
    body.encode_format = encoding;
    const json = JSON.stringify(body);
    return { [Symbol.asyncIterator]: () => this.streamSpeech(json, encoding, options.signal) };
  }

  /** Voices of the account: OFFICIAL (the system voices) and PRIVATE (cloned), filtered by type and a name search. */
  async listVoices(filter: { type?: 'OFFICIAL' | 'PRIVATE'; name?: string } = {}, options: ZhipuCallOptions = {}): Promise<ZhipuVoice[]> {
    const query = new URLSearchParams();
    if (filter.type) query.set('voiceType', filter.type);
    if (filter.name) query.set('voiceName', filter.name);
    const q = query.toString();
    const answer = await this.exchange(
      { method: 'GET', url: this.apiUrl(`/voice/list${q ? `?${q}` : ''}`), auth: true, signal: options.signal, idempotent: true },
      (res) => this.readJson(res),
    );
    if (!isObject(answer)) throw this.malformed('the voice list is not a JSON object');
    const list = answer.voice_list ?? [];
    if (!Array.isArray(list)) throw this.malformed('“voice_list” is not a list');
    return list.map((v: unknown): ZhipuVoice => {
      if (!isObject(v) || !nonEmptyString(v.voice)) throw this.malformed('a voice_list entry has no “voice”');
      return {
        voiceId: v.voice,
        voiceName: typeof v.voice_name === 'string' ? v.voice_name : v.voice,
        type: typeof v.voice_type === 'string' ? v.voice_type : 'PRIVATE',
        ...(nonEmptyString(v.download_url) ? { downloadUrl: v.download_url } : {}),
        ...(typeof v.create_time === 'string' ? { createTime: v.create_time } : {}),
      };
    });
  }

  /** Deletes a cloned voice; speech with it fails afterwards. */
  async deleteVoice(voiceId: string, options: ZhipuCallOptions = {}): Promise<{ voiceId: string; updateTime?: string }> {
    if (!nonEmptyString(voiceId)) throw fieldError('voice', 'empty');
    const answer = await this.exchange(
      { method: 'POST', url: this.apiUrl('/voice/delete'), body: JSON.stringify({ voice: voiceId }), auth: true, fields: ['voice'], signal: options.signal, idempotent: true },
      (res) => this.readJson(res),
    );
    if (!isObject(answer)) throw this.malformed('the voice deletion answer is not a JSON object');
    return { voiceId: nonEmptyString(answer.voice) ? answer.voice : voiceId, ...(typeof answer.update_time === 'string' ? { updateTime: answer.update_time } : {}) };
  }

  /**
   * The preview audio at a voice's `download_url`, in memory (download it at once: how long the link lives is not
   * documented). Never sends the key; follows redirects; checks that it is playable audio.
   */
  async downloadPreview(url: string, options: ZhipuCallOptions & { maxBytes?: number } = {}): Promise<ZhipuPreview> {
    const maxBytes = options.maxBytes ?? this.maxAudioBytes;
    const start = downloadStart(url, this.apiKey);
    let followed: { url: URL; res: ResponseData };
    let bytes: Buffer = Buffer.alloc(0);
    try {
      followed = await followRedirects(
        start,
        (hop) =>
          this.exchange(
            { method: 'GET', url: hop, auth: false, accept: (s) => s < 400, signal: options.signal, acceptHeader: 'audio/*, */*;q=0.5', idempotent: true, download: true },
            async (res) => {
              // A redirect's body is dropped by followRedirects; any other answer is read here, within the deadline.
              if (res.statusCode >= 300 && header(res, 'location')) return res;
              bytes = await readCapped(res.body, maxBytes, () => new CoreError({ kind: 'tooLarge', what: 'audio', limitBytes: maxBytes }));
              return res;
            },
          ),
        5,
      );
    } catch (err) {
      throw redirectFailure(err, this.apiKey);
    }
    const { url: final, res } = followed;
    const host = final.host;
    if (res.statusCode >= 300) throw new CoreError({ kind: 'notAudio', found: 'badRedirect', status: res.statusCode });
    const type = header(res, 'content-type') ?? '';
    const sniffed = sniffAudio(bytes);
    if (sniffed && (WEBVIEW_PLAYABLE as readonly AudioFormat[]).includes(sniffed)) return { bytes, format: sniffed as ZhipuPreview['format'] };
    if (sniffed) throw new CoreError({ kind: 'notAudio', host, found: 'unplayable', format: sniffed });
    if (/html/i.test(type) || looksLikeHtml(bytes)) throw new CoreError({ kind: 'notAudio', host, found: 'html' });
    throw new CoreError({ kind: 'notAudio', host, found: bytes.length === 0 ? 'empty' : 'unknown' });
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
    return new CoreError({ kind: 'malformed', what: sanitizeDetail(what, this.apiKey, 160), source: 'zhipu' });
  }

  private checkInput(input: string): void {
    if (typeof input !== 'string' || input.trim() === '') throw fieldError('input', 'empty');
    const n = codePointLength(input);
    if (n > LIMITS.inputChars) throw fieldError('input', 'tooLong', { length: n, max: LIMITS.inputChars });
  }

  private speechBody(req: ZhipuSpeechRequest | ZhipuStreamRequest): Record<string, unknown> {
    this.checkInput(req.input);
    if (!nonEmptyString(req.voice)) throw fieldError('voice', 'empty');
    const { speed, volume } = LIMITS;
    if (req.speed !== undefined && !(req.speed >= speed.min && req.speed <= speed.max)) throw fieldError('speed', 'range');
    if (req.volume !== undefined && !(req.volume > volume.min && req.volume <= volume.max)) throw fieldError('volume', 'range');
    const body: Record<string, unknown> = { model: 'glm-tts', input: req.input, voice: req.voice };
    if (req.speed !== undefined) body.speed = req.speed;
    if (req.volume !== undefined) body.volume = req.volume;
    if (req.watermark !== undefined) body.watermark_enabled = req.watermark;
    return body;
  }

  private async readJson(res: ResponseData): Promise<unknown> {
    const value = await readJsonAnswer(res, (what) => this.malformed(what));
    // A 200 that carries Zhipu's error body is still an error.
    if (isObject(value) && isObject(value.error)) {
      const { code, detail } = errorObjectDetail(value.error);
      if (code) throw new CoreError(problemForZhipuCode(code, undefined, detail, { secret: this.apiKey }));
    }
    return value;
  }

  private log(entry: ZhipuRequestLogEntry): void {
    logSafely(this.logSink, entry, this.apiKey);
  }

  /**
   * One logical request: attempts, retries with backoff for what a pause can cure (1302/1305, a 429 without a code,
   * 5xx of a request safe to repeat, a refused connection), error mapping. `handle` gets the 2xx answer.
   */
  private async exchange<T>(x: Exchange, handle: (res: ResponseData, deadline: IdleDeadline) => Promise<T>): Promise<T> {
    if (this.closed) throw cancelled();
    if (x.auth && x.url.origin !== this.origin) throw new InternalError('refusing to send the API key outside the base URL');
    const started = Date.now();
    const accept = x.accept ?? ((s: number) => s >= 200 && s < 300);
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: x.acceptHeader ?? 'application/json' };
    if (x.auth) headers.authorization = `Bearer ${this.apiKey}`;
    if (x.contentType) headers['content-type'] = x.contentType;
    else if (typeof x.body === 'string') headers['content-type'] = 'application/json';
    for (let attempt = 1; ; attempt++) {
      if (x.signal?.aborted) throw cancelled();
      const t0 = Date.now();
      const deadline = new IdleDeadline(this.timeoutMs);
      const signal = x.signal ? AbortSignal.any([x.signal, deadline.signal]) : deadline.signal;
      let failure: CoreError;
      let retryDelay: number | undefined;
      let status: number | undefined;
      let code: string | undefined;
      let transportOrContent = false;
      let handedOver = false;
      try {
        const res = await undici().request(x.url, { method: x.method, headers, body: x.body, signal, dispatcher: this.dispatcher });
        status = res.statusCode;
        if (accept(res.statusCode)) {
          if (x.streaming) {
            // The handler owns the body and its deadline from here; the log line is its to write.
            handedOver = true;
            return await handle(res, deadline);
          }
          // The deadline covers the body too (one timeout per attempt, as NovitaClient's).
          const value = await handle(res, deadline);
          this.log({ method: x.method, url: urlForLog(x.url), status, ms: Date.now() - t0 });
          return value;
        }
        const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        let text = '';
        try {
          text = (await readCapped(res.body, MAX_ERROR_BODY_BYTES, () => this.malformed('error body too large'))).toString('utf8');
        } catch {
          // the status says enough
        }
        if (res.statusCode < 400) {
          failure = this.malformed(`unexpected status ${res.statusCode}`);
        } else {
          if (x.download) {
            failure = new CoreError(problemForStatus(res.statusCode, text, header(res, 'content-type'), { retryAfterMs, secret: this.apiKey, path: x.url.pathname, source: 'download' }));
            if (res.statusCode === 429 || res.statusCode === 503) retryDelay = retryAfterMs ?? this.baseDelayMs * 2 ** (attempt - 1);
          } else {
            code = zhipuErrorDetail(text, header(res, 'content-type')).code;
            failure = new CoreError(problemForZhipuStatus(res.statusCode, text, header(res, 'content-type'), { fields: x.fields, retryAfterMs, secret: this.apiKey, path: x.url.pathname }));
            if (isRetryableZhipu(res.statusCode, code, x.idempotent)) retryDelay = retryAfterMs ?? this.baseDelayMs * 2 ** (attempt - 1);
          }
        }
      } catch (err) {
        if (handedOver) throw err;
        failure = this.transportFailure(err, x, signal, deadline, status !== undefined ? 'receiving' : undefined);
        if (failure.kind === 'network' && classifyNetworkError(err).retryable) retryDelay = this.baseDelayMs * 2 ** (attempt - 1);
        transportOrContent = true;
      } finally {
        if (!handedOver) deadline.clear();
      }
      this.log({ method: x.method, url: urlForLog(x.url), status, ms: Date.now() - t0, ...(code ? { code } : {}), error: transportOrContent ? failure.message : undefined });
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
  private transportFailure(err: unknown, x: { url: URL; signal?: AbortSignal; download?: boolean }, signal: AbortSignal, deadline: IdleDeadline, stage?: 'receiving'): CoreError {
    if (err instanceof CoreError) return err;
    if (x.signal?.aborted) return cancelled();
    const host = x.url.host;
    const net = classifyNetworkError(err, deadline.fired);
    if (net.failure === 'timeout' && (deadline.fired || net.code !== 'UND_ERR_CONNECT_TIMEOUT')) {
      return new CoreError({ kind: 'timeout', source: x.download ? 'download' : 'zhipu', host, seconds: Math.round(this.timeoutMs / 1000) }, { cause: err });
    }
    if (signal.aborted) return cancelled();
    if (net.failure === 'certificate' && net.nothingSent) return new CoreError({ kind: 'network', host, stage: 'tls', code: net.code }, { cause: err });
    return new CoreError({ kind: 'network', host, stage: stage ?? (net.nothingSent ? 'connect' : 'sent'), code: net.code }, { cause: err });
  }

  /** The streamed speech: the request, then SSE events turned into PCM buffers until the end mark. */
  private async *streamSpeech(json: string, encoding: 'base64' | 'hex', userSignal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    const url = this.apiUrl('/audio/speech');
    const t0 = Date.now();
    let res!: ResponseData;
    let deadline!: IdleDeadline;
    await this.exchange(
      { method: 'POST', url, body: json, auth: true, fields: SPEECH_FIELDS, signal: userSignal, acceptHeader: 'text/event-stream', idempotent: true, streaming: true },
      async (r, d) => {
        res = r;
        deadline = d;
      },
    );
    const status = res.statusCode;
    let received = 0;
    let carry: Buffer | undefined;
    let finished = false;
    let failure: unknown;
    const broken = (reason: 'error' | 'finishReason' | 'cut' | 'empty', extra: { finishReason?: string; code?: string; cause?: Problem } = {}) =>
      new CoreError({ kind: 'streamBroken', source: 'zhipu', reason, receivedBytes: received, ...extra });
    /** Whole samples only: an odd byte waits for the next chunk. */
    const frame = (pcm: Buffer): Buffer | undefined => {
      const all = carry ? Buffer.concat([carry, pcm]) : pcm;
      const whole = all.length - (all.length % 2);
      carry = whole < all.length ? all.subarray(whole) : undefined;
      return whole > 0 ? all.subarray(0, whole) : undefined;
    };
    const type = header(res, 'content-type') ?? '';
    try {
      if (/json/i.test(type)) {
        // Not a stream: an error body (or something else) that came with a 2xx.
        const bytes = await readCapped(res.body, MAX_JSON_BYTES, () => this.malformed('the answer is larger than 1 MB'));
        const { code, detail } = zhipuErrorDetail(bytes.toString('utf8'), type);
        if (code) throw new CoreError(problemForZhipuCode(code, undefined, detail, { fields: SPEECH_FIELDS, secret: this.apiKey }));
        throw this.malformed('expected an event stream, got JSON');
      }
      const decoder = new TextDecoder('utf-8');
      let text = '';
      let dataLines: string[] = [];
      const events: string[] = [];
      /** Splits `text` into lines; a blank line ends an event (its data lines joined by "\n"). */
      const takeEvents = (final: boolean) => {
        for (;;) {
          const nl = text.search(/\r\n|\r|\n/);
          if (nl < 0) break;
          const line = text.slice(0, nl);
          text = text.slice(nl + (text.startsWith('\r\n', nl) ? 2 : 1));
          if (line === '') {
            if (dataLines.length) events.push(dataLines.join('\n'));
            dataLines = [];
          } else if (line.startsWith('data:')) dataLines.push(line.slice(line.startsWith('data: ') ? 6 : 5));
          // comments (":…"), event:, id:, retry: carry nothing this reader needs
        }
        if (final) {
          if (text.startsWith('data:')) dataLines.push(text.slice(text.startsWith('data: ') ? 6 : 5));
          text = '';
          if (dataLines.length) events.push(dataLines.join('\n'));
          dataLines = [];
        }
        if (text.length > MAX_EVENT_CHARS || dataLines.reduce((n, l) => n + l.length, 0) > MAX_EVENT_CHARS) throw this.malformed('a stream event larger than 8 MB');
      };
      /** One event: audio to hand on, the end, or a failure. */
      const handleEvent = (data: string): Buffer | 'end' | undefined => {
        const trimmed = data.trim();
        if (trimmed === '[DONE]') return 'end';
        if (trimmed === '') return undefined;
        let chunk: unknown;
        try {
          chunk = JSON.parse(trimmed);
        } catch {
          throw this.malformed('a stream event is not valid JSON');
        }
        if (!isObject(chunk)) throw this.malformed('a stream event is not a JSON object');
        if (chunk.error !== undefined && chunk.error !== null) {
          const { code, detail } = errorObjectDetail(chunk.error);
          throw broken('error', { code, cause: problemForZhipuCode(code, undefined, detail ?? (code ? undefined : 'an error without a code'), { secret: this.apiKey }) });
        }
        const choice: unknown = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
        if (!isObject(choice)) return undefined;
        const delta = choice.delta;
        let audio: Buffer | undefined;
        if (isObject(delta) && typeof delta.content === 'string' && delta.content !== '') {
          const content = delta.content.trim();
          if (encoding === 'hex') {
            if (!/^[0-9a-fA-F]*$/.test(content) || content.length % 2 !== 0) throw this.malformed('a stream chunk is not hex');
            audio = Buffer.from(content, 'hex');
          } else {
            if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(content)) throw this.malformed('a stream chunk is not base64');
            audio = Buffer.from(content, 'base64');
          }
          received += audio.length;
          if (received > this.maxAudioBytes) throw new CoreError({ kind: 'tooLarge', what: 'speech', limitBytes: this.maxAudioBytes });
        }
        const reason = choice.finish_reason;
        if (reason !== undefined && reason !== null) {
          if (reason !== 'stop') throw broken('finishReason', { finishReason: sanitizeDetail(String(reason), this.apiKey, 60) });
          if (audio) throw this.malformed('audio in the end chunk');
          return 'end';
        }
        return audio ? frame(audio) : undefined;
      };
      try {
        reading: for await (const piece of res.body as AsyncIterable<Buffer>) {
          deadline.touch();
          text += decoder.decode(piece, { stream: true });
          takeEvents(false);
          while (events.length) {
            const out = handleEvent(events.shift()!);
            if (out === 'end') {
              finished = true;
              break reading;
            }
            if (out) {
              // The reader's own pace is not the server's silence: the deadline waits while it holds a buffer.
              deadline.clear();
              yield out;
              deadline.touch();
            }
          }
        }
        if (!finished) {
          text += decoder.decode();
          takeEvents(true);
          for (const event of events.splice(0)) {
            const out = handleEvent(event);
            if (out === 'end') {
              finished = true;
              break;
            }
            if (out) yield out;
          }
        }
      } catch (err) {
        if (err instanceof CoreError) throw err;
        if (userSignal?.aborted) throw cancelled();
        if (deadline.fired) throw new CoreError({ kind: 'timeout', source: 'zhipu', host: url.host, seconds: Math.round(this.timeoutMs / 1000) }, { cause: err });
        // The connection broke mid-stream: no end mark.
        throw broken(received === 0 ? 'empty' : 'cut', { code: classifyNetworkError(err).code });
      }
      if (!finished) throw broken(received === 0 ? 'empty' : 'cut');
      if (received === 0) throw broken('empty');
      // a torn last sample (an odd byte) is dropped: it cannot be played
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      deadline.clear();
      // After the end mark, whatever follows ([DONE], the close) is read in the background; otherwise the body goes.
      if (finished) void res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      else res.body.destroy();
      const e = failure instanceof CoreError ? failure : undefined;
      const code = e && 'code' in e.problem && typeof e.problem.code === 'string' ? e.problem.code : undefined;
      this.log({
        method: 'POST',
        url: urlForLog(url),
        status,
        ms: Date.now() - t0,
        ...(code ? { code } : {}),
        ...(failure !== undefined ? { error: failure instanceof Error ? failure.message : String(failure) } : !finished ? { error: 'stream closed by the reader' } : {}),
      });
    }
  }
}
