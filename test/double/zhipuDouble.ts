// A loopback stand-in for Zhipu's GLM audio API (shared/zhipu-api.md): file upload, clone by file_id, speech whole or
// streamed (SSE, paced so a test can tell streaming from buffering), voice list and deletion, and errors on demand
// (a per-double plan, or a magic marker in the `input` text). Node http only; multipart is read by Node's own Request.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pcmToWav } from '../../src/core/audio/wav';
import { sniffAudio } from '../../src/core/audio/sniff';
import { LIMITS, SYSTEM_VOICES } from '../../src/core/limits';
import { labelFor, synthesizePcm } from './synth';

export { labelFor, readLabel, samplesFor, synthesizePcm, SAMPLE_RATE } from './synth';

export const ZHIPU_PREFIX = '/api/paas/v4';
export const ZHIPU_SYSTEM_VOICES = SYSTEM_VOICES;
export const MAX_UPLOAD_BYTES = LIMITS.sampleBytes;
const MAX_REQUEST_BYTES = 40 * 1024 * 1024;

export type ZhipuRoute = 'upload' | 'deleteFile' | 'fileContent' | 'clone' | 'speech' | 'list' | 'deleteVoice' | 'preview';

/** HTTP status of each documented error code (shared/zhipu-api.md, "Errors"). */
export const ZHIPU_CODE_STATUS: Readonly<Record<string, number>> = {
  '1000': 401,
  '1001': 401,
  '1002': 401,
  '1003': 401,
  '1004': 401,
  '1113': 429,
  '1200': 500,
  '1210': 400,
  '1211': 400,
  '1213': 400,
  '1214': 400,
  '1220': 403,
  '1230': 500,
  '1234': 500,
  '1261': 400,
  '1301': 400,
  '1302': 429,
  '1303': 429,
  '1304': 429,
  '1305': 429,
};

const CODE_MESSAGES: Record<string, string> = {
  '1000': '身份验证失败。',
  '1001': 'Header中未收到Authorization参数，无法进行身份验证。',
  '1113': '您的账户已欠费，请充值后重试。',
  '1210': 'API 调用参数有误，请检查文档。',
  '1213': '未正常接收到参数。',
  '1214': '参数非法。',
  '1234': '网络错误，请联系客服。',
  '1301': '系统检测到输入或生成内容可能包含不安全或敏感内容，请您避免输入易产生敏感内容的提示语，感谢您的配合。',
  '1302': '您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。',
  '1304': '该API的当日调用次数已达上限。',
  '1305': '当前API请求过多，请稍后重试。',
};

/**
 * One way to misbehave. `code` answers Zhipu's error body with that code (and its documented status, unless `status`);
 * `stream` damages a streamed speech that otherwise goes well: `midError` sends an `error` line after `afterFrames`
 * chunks of audio, `finishReason` ends with that reason instead of "stop", `cut` destroys the socket after `afterFrames`
 * chunks (no end mark), `noStop` ends the answer cleanly after `afterFrames` chunks but without the end mark,
 * `bodyless` answers 200 with no body at all.
 */
export interface ZhipuFault {
  code?: string;
  status?: number;
  message?: string;
  stream?: 'midError' | 'finishReason' | 'cut' | 'noStop' | 'bodyless';
  afterFrames?: number;
  /** For `stream: 'midError'`: the code of the error line (default 1234). */
  streamCode?: string;
  /** For `stream: 'finishReason'` (default "sensitive"). */
  finishReason?: string;
  /** A 200 with this body (and `contentType`, default application/octet-stream) in place of the real answer. */
  body?: Buffer | string;
  contentType?: string;
  /** How many requests it applies to (default 1; Infinity for every one). */
  times?: number;
}

/**
 * The magic marker that makes a request fail, put anywhere in its `input` (speech, clone): `[[fault:1302]]` answers
 * that code; `[[fault:midError]]`, `[[fault:finishReason]]`, `[[fault:cut]]`, `[[fault:noStop]]`, `[[fault:bodyless]]` damage a stream;
 * `[[fault:done]]` / `[[fault:nodone]]` force the `data: [DONE]` line on or off; `[[fault:emptyFirst]]` sends an empty first chunk.
 */
export function magicInput(fault: string, text = 'Magic words.'): string {
  return `${text} [[fault:${fault}]]`;
}

export interface ZhipuRecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body as text (multipart included: a test can look for the purpose field). */
  bodyText: string;
  bodyBytes: number;
  json?: unknown;
  at: number;
  route?: ZhipuRoute;
  /** The status answered (set when the answer starts). */
  status?: number;
  code?: string;
}

export interface ZhipuUpload {
  id: string;
  filename: string;
  purpose: string;
  bytes: Buffer;
  contentType: string;
  createdAt: number;
  deleted: boolean;
}

export interface ZhipuClonedVoice {
  voice: string;
  voiceName: string;
  fileId: string;
  previewFileId: string;
  createTime: string;
  deleted: boolean;
}

/** What the double did with one streamed speech, updated as it goes: a test reads it while the client is still reading. */
export interface ZhipuStreamRecord {
  input: string;
  encoding: 'base64' | 'hex';
  /** Audio chunks written so far (the empty first chunk not counted). */
  framesSent: number;
  /** Audio bytes written so far (decoded). */
  bytesSent: number;
  totalFrames: number;
  stopSent: boolean;
  doneSent: boolean;
  errorSent: boolean;
  /** The response ended cleanly (after the end mark, or a body-less 200). */
  ended: boolean;
  /** The double destroyed the socket on purpose. */
  cut: boolean;
  /** The client went away before the end. */
  clientClosed: boolean;
  startedAt: number;
  firstFrameAt?: number;
  stopAt?: number;
}

export interface ZhipuDoubleOptions {
  /** When set, only this key is accepted (any other Bearer → 401 1000); unset, any non-empty Bearer is. */
  apiKey?: string;
  /** Keys answered with 401 1000 (authentication failed) even without `apiKey`. */
  refusedKeys?: string[];
  /** Added before every API answer. */
  latencyMs?: number;
  /** Wait before the first chunk of a stream. Default 0. */
  firstFrameDelayMs?: number;
  /** Wait before each later chunk (and before the end mark). Default 0. */
  frameDelayMs?: number;
  /** PCM bytes per stream chunk (even). Default 4800 (100 ms of 24 kHz 16-bit mono). */
  frameBytes?: number;
  /** Send an empty `content` chunk first, as one capture shows. Default false. */
  emptyFirstChunk?: boolean;
  /** Send `data: [DONE]` after the stop chunk. Default false (the captures show none). */
  sendDone?: boolean;
}

interface Reply {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer;
  code?: string;
}

class ZhipuProblem extends Error {
  constructor(
    readonly code: string,
    message?: string,
    readonly status = ZHIPU_CODE_STATUS[code] ?? 400,
  ) {
    super(message ?? CODE_MESSAGES[code] ?? 'error');
  }
}

/** Zhipu's error body: `{ error: { code, message } }`, the code a string. */
export function zhipuErrorBody(code: string, message?: string): object {
  return { error: { code, message: message ?? CODE_MESSAGES[code] ?? 'error' } };
}

function jsonReply(status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(JSON.stringify(value)) };
}

function missing(field: string): ZhipuProblem {
  return new ZhipuProblem('1213', `${field} 参数缺失 (missing ${field})`);
}

function invalid(field: string, why: string): ZhipuProblem {
  return new ZhipuProblem('1214', `${field} 参数非法: ${why}`);
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const MAGIC = /\[\[fault:([A-Za-z0-9]+)\]\]/g;

export class ZhipuDouble {
  apiKey: string | undefined;
  readonly refusedKeys: Set<string>;
  latencyMs: number;
  /** Added before the answers of one route (the preview's download included): a slow clone, a network's round trip. */
  readonly routeLatencyMs: Partial<Record<ZhipuRoute, number>> = {};
  firstFrameDelayMs: number;
  frameDelayMs: number;
  frameBytes: number;
  emptyFirstChunk: boolean;
  sendDone: boolean;

  readonly requests: ZhipuRecordedRequest[] = [];
  readonly streams: ZhipuStreamRecord[] = [];

  private server: http.Server | undefined;
  private url: string | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly files = new Map<string, ZhipuUpload>();
  private readonly voices = new Map<string, ZhipuClonedVoice>();
  private readonly plans = new Map<ZhipuRoute, { fault: ZhipuFault; remaining: number }[]>();
  private counter = 0;

  constructor(options: ZhipuDoubleOptions = {}) {
    this.apiKey = options.apiKey;
    this.refusedKeys = new Set(options.refusedKeys ?? []);
    this.latencyMs = options.latencyMs ?? 0;
    this.firstFrameDelayMs = options.firstFrameDelayMs ?? 0;
    this.frameDelayMs = options.frameDelayMs ?? 0;
    this.frameBytes = options.frameBytes ?? 4800;
    this.emptyFirstChunk = options.emptyFirstChunk ?? false;
    this.sendDone = options.sendDone ?? false;
  }

  /** Binds 127.0.0.1 (port 0 = any free one) and returns the base URL (with /api/paas/v4). */
  async start(port = 0): Promise<string> {
    if (this.server) throw new Error('ZhipuDouble is already started');
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          const r = jsonReply(500, zhipuErrorBody('1234', `double failed: ${err instanceof Error ? err.message : String(err)}`));
          res.writeHead(r.status, r.headers).end(r.body);
        } else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  /** The API's base URL, as a client is configured with: `http://127.0.0.1:<port>/api/paas/v4`. */
  get baseUrl(): string {
    if (!this.url) throw new Error('ZhipuDouble is not started');
    return `${this.url}${ZHIPU_PREFIX}`;
  }

  /** Closes the server, destroys open connections (streams too) and releases pending waits. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const [timer, release] of this.timers) {
      clearTimeout(timer);
      release();
    }
    this.timers.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    server.closeAllConnections();
    await closed;
  }

  /** Make the next request(s) of `route` fail as `fault` says (each plan of an array once, unless it says `times`). */
  setFault(route: ZhipuRoute, fault: ZhipuFault | ZhipuFault[]): void {
    const list = Array.isArray(fault) ? fault : [fault];
    this.plans.set(
      route,
      list.map((f) => ({ fault: f, remaining: f.times ?? 1 })),
    );
  }

  clearFaults(route?: ZhipuRoute): void {
    if (route) this.plans.delete(route);
    else this.plans.clear();
  }

  clearRequests(): void {
    this.requests.length = 0;
    this.streams.length = 0;
  }

  /** Files uploaded here (deleted ones flagged), by id. */
  get uploads(): ReadonlyMap<string, ZhipuUpload> {
    return this.files;
  }

  /** Voices cloned here (deleted ones flagged), by voice id. */
  get clonedVoices(): ReadonlyMap<string, ZhipuClonedVoice> {
    return this.voices;
  }

  /** The PCM the double speaks for `text` (whole, or streamed in chunks): synth.ts's labelled tone. */
  pcmFor(text: string): Buffer {
    return synthesizePcm(text);
  }

  /** Requests of one route. */
  requestsTo(route: ZhipuRoute): ZhipuRecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  // ---------------------------------------------------------------- plumbing

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }

  private nextId(prefix: string): string {
    this.counter++;
    return `${prefix}${Date.now().toString(36)}_${this.counter.toString().padStart(4, '0')}${(labelFor(`${prefix}${this.counter}`) & 0xfff).toString(16)}`;
  }

  private routeOf(method: string, path: string): ZhipuRoute | undefined | 'wrongMethod' {
    if (/^\/preview\/[A-Za-z0-9_.-]+\.wav$/.test(path)) return method === 'GET' || method === 'HEAD' ? 'preview' : 'wrongMethod';
    if (!path.startsWith(`${ZHIPU_PREFIX}/`)) return undefined;
    const p = path.slice(ZHIPU_PREFIX.length);
    const exact: Record<string, [string, ZhipuRoute]> = {
      '/files': ['POST', 'upload'],
      '/voice/clone': ['POST', 'clone'],
      '/audio/speech': ['POST', 'speech'],
      '/voice/list': ['GET', 'list'],
      '/voice/delete': ['POST', 'deleteVoice'],
    };
    const hit = exact[p];
    if (hit) return hit[0] === method ? hit[1] : 'wrongMethod';
    if (/^\/files\/[^/]+\/content$/.test(p)) return method === 'GET' ? 'fileContent' : 'wrongMethod';
    if (/^\/files\/[^/]+$/.test(p)) return method === 'DELETE' ? 'deleteFile' : 'wrongMethod';
    return undefined;
  }

  private takeFault(route: ZhipuRoute): ZhipuFault | undefined {
    for (const entry of this.plans.get(route) ?? []) {
      if (entry.remaining <= 0) continue;
      entry.remaining--;
      return entry.fault;
    }
    return undefined;
  }

  private readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_REQUEST_BYTES) chunks.push(c);
      });
      req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks)));
      req.on('error', () => resolve(Buffer.alloc(0)));
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const found = this.routeOf(method, url.pathname);
    const route = found === 'wrongMethod' ? undefined : found;
    const raw = await this.readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    const record: ZhipuRecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      bodyText: raw?.toString('utf8') ?? '',
      bodyBytes: raw?.length ?? 0,
      at: Date.now(),
      route,
    };
    if (raw && /json/i.test(headers['content-type'] ?? '')) {
      try {
        record.json = JSON.parse(raw.toString('utf8'));
      } catch {
        // recorded as text only
      }
    }
    this.requests.push(record);
    const send = (reply: Reply) => {
      record.status = reply.status;
      record.code = reply.code;
      if (res.destroyed) return;
      res.writeHead(reply.status, { 'content-length': reply.body.length, ...reply.headers });
      res.end(reply.body);
    };
    const fail = (p: ZhipuProblem) => send({ ...jsonReply(p.status, zhipuErrorBody(p.code, p.message)), code: p.code });

    if (found === 'wrongMethod') return send(jsonReply(405, zhipuErrorBody('1210', `${method} is not allowed on ${url.pathname}`)));
    if (!route) return send(jsonReply(404, zhipuErrorBody('1210', `no route for ${method} ${url.pathname}`)));
    await this.sleep((route === 'preview' ? 0 : this.latencyMs) + (this.routeLatencyMs[route] ?? 0));
    if (res.destroyed || !this.server) return;
    if (raw === undefined) return fail(new ZhipuProblem('1214', 'request body too large', 413));

    try {
      if (route === 'preview') return send(this.servePreview(url.pathname));
      this.checkAuth(headers.authorization);
      const planned = this.takeFault(route);
      const input = typeof (record.json as { input?: unknown } | undefined)?.input === 'string' ? ((record.json as { input: string }).input) : '';
      const magic = [...input.matchAll(MAGIC)].map((m) => m[1]);
      const fault: ZhipuFault | undefined = planned ?? magicFault(magic);
      if (fault?.code) throw new ZhipuProblem(fault.code, fault.message, fault.status);
      if (fault?.body !== undefined) return send({ status: 200, headers: { 'content-type': fault.contentType ?? 'application/octet-stream' }, body: Buffer.from(fault.body) });
      switch (route) {
        case 'upload':
          return send(await this.upload(raw, headers['content-type'] ?? ''));
        case 'deleteFile':
          return send(this.deleteFile(decodeURIComponent(url.pathname.split('/').at(-1) ?? '')));
        case 'fileContent':
          return send(this.fileContent(decodeURIComponent(url.pathname.split('/').at(-2) ?? '')));
        case 'clone':
          return send(this.clone(this.jsonBody(raw)));
        case 'list':
          return send(this.list(url.searchParams));
        case 'deleteVoice':
          return send(this.deleteVoice(this.jsonBody(raw)));
        case 'speech': {
          const body = this.jsonBody(raw);
          const speech = this.checkSpeech(body);
          if (!speech.stream) {
            const pcm = this.pcmFor(speech.input);
            return send(
              speech.format === 'wav'
                ? { status: 200, headers: { 'content-type': 'audio/wav' }, body: pcmToWav(pcm) }
                : { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: pcm },
            );
          }
          record.status = 200;
          return await this.stream(res, speech.input, speech.encoding, fault, magic);
        }
      }
    } catch (err) {
      if (err instanceof ZhipuProblem) return fail(err);
      throw err;
    }
  }

  private checkAuth(header: string | undefined): void {
    const m = /^Bearer\s+(\S+)$/.exec(header?.trim() ?? '');
    if (!m) throw new ZhipuProblem('1001');
    if (this.refusedKeys.has(m[1]) || (this.apiKey !== undefined && m[1] !== this.apiKey)) throw new ZhipuProblem('1000');
  }

  private jsonBody(raw: Buffer): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ZhipuProblem('1210', 'request body is not valid JSON');
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ZhipuProblem('1210', 'request body must be a JSON object');
    return value as Record<string, unknown>;
  }

  private requireString(body: Record<string, unknown>, field: string): string {
    const v = body[field];
    if (v === undefined || v === null || v === '') throw missing(field);
    if (typeof v !== 'string') throw invalid(field, 'must be a string');
    if (!v.trim()) throw invalid(field, 'must not be blank');
    return v;
  }

  private async upload(raw: Buffer, contentType: string): Promise<Reply> {
    if (!/^multipart\/form-data/i.test(contentType)) throw new ZhipuProblem('1210', 'expected multipart/form-data');
    let form: FormData;
    try {
      form = await new Request('http://double.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    } catch {
      throw new ZhipuProblem('1210', 'the multipart body could not be read');
    }
    const purpose = form.get('purpose');
    const file = form.get('file');
    if (purpose === null) throw missing('purpose');
    if (file === null) throw missing('file');
    if (typeof purpose !== 'string' || !['voice-clone-input', 'batch', 'code-interpreter', 'agent'].includes(purpose)) throw invalid('purpose', 'unknown purpose');
    if (typeof file === 'string') throw invalid('file', 'must be a file');
    const bytes = Buffer.from(await file.arrayBuffer());
    const filename = file.name;
    if (purpose === 'voice-clone-input') {
      const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
      if (ext !== 'mp3' && ext !== 'wav') throw invalid('file', 'voice-clone-input accepts mp3 and wav only');
      if (bytes.length > MAX_UPLOAD_BYTES) throw invalid('file', 'larger than 10 MB');
      if (bytes.length === 0) throw invalid('file', 'empty file');
    }
    const id = this.nextId('file_');
    const createdAt = Math.floor(Date.now() / 1000);
    this.files.set(id, { id, filename, purpose, bytes, contentType: file.type, createdAt, deleted: false });
    return jsonReply(200, { id, object: 'file', bytes: bytes.length, created_at: createdAt, filename, purpose });
  }

  private deleteFile(id: string): Reply {
    const file = this.files.get(id);
    if (!file || file.deleted) throw invalid('file_id', `unknown file ${id}`);
    file.deleted = true;
    return jsonReply(200, { id, object: 'file', deleted: true });
  }

  private fileContent(id: string): Reply {
    const file = this.files.get(id);
    if (!file || file.deleted) throw invalid('file_id', `unknown file ${id}`);
    return { status: 200, headers: { 'content-type': file.contentType || 'application/octet-stream' }, body: file.bytes };
  }

  private clone(body: Record<string, unknown>): Reply {
    const model = this.requireString(body, 'model');
    if (model !== 'glm-tts-clone') throw new ZhipuProblem('1211', `unknown model ${model}`);
    const voiceName = this.requireString(body, 'voice_name');
    const input = this.requireString(body, 'input');
    const fileId = this.requireString(body, 'file_id');
    if (body.text !== undefined && typeof body.text !== 'string') throw invalid('text', 'must be a string');
    if (body.request_id !== undefined && typeof body.request_id !== 'string') throw invalid('request_id', 'must be a string');
    if (codePoints(input) > LIMITS.inputChars) throw new ZhipuProblem('1261', `input is longer than ${LIMITS.inputChars} characters`);
    const file = this.files.get(fileId);
    if (!file || file.deleted || file.purpose !== 'voice-clone-input') throw invalid('file_id', `unknown file ${fileId}`);
    if (!sniffAudio(file.bytes)) throw invalid('file_id', 'the file is not audio');
    for (const v of this.voices.values()) if (!v.deleted && v.voiceName === voiceName) throw invalid('voice_name', `a voice named ${voiceName} already exists`);
    const voice = this.nextId('voice_clone_');
    const previewFileId = this.nextId('file_prev_');
    this.files.set(previewFileId, {
      id: previewFileId,
      filename: `${voice}.wav`,
      purpose: 'voice-clone-output',
      bytes: pcmToWav(this.pcmFor(input)),
      contentType: 'audio/wav',
      createdAt: Math.floor(Date.now() / 1000),
      deleted: false,
    });
    this.voices.set(voice, { voice, voiceName, fileId, previewFileId, createTime: timestamp(), deleted: false });
    const requestId = typeof body.request_id === 'string' && body.request_id !== '' ? body.request_id : this.nextId('req_');
    return jsonReply(200, { voice, file_id: previewFileId, file_purpose: 'voice-clone-output', request_id: requestId });
  }

  private list(query: URLSearchParams): Reply {
    const type = query.get('voiceType');
    if (type !== null && type !== 'OFFICIAL' && type !== 'PRIVATE') throw invalid('voiceType', 'must be OFFICIAL or PRIVATE');
    const name = query.get('voiceName') ?? '';
    const official = SYSTEM_VOICES.map((v) => ({ voice: v, voice_name: v, voice_type: 'OFFICIAL', download_url: `${this.url}/preview/${v}.wav`, create_time: '2025-12-01 00:00:00' }));
    const own = [...this.voices.values()]
      .filter((v) => !v.deleted)
      .map((v) => ({ voice: v.voice, voice_name: v.voiceName, voice_type: 'PRIVATE', download_url: `${this.url}/preview/${v.voice}.wav`, create_time: v.createTime }));
    const all = [...(type === 'PRIVATE' ? [] : official), ...(type === 'OFFICIAL' ? [] : own)];
    const voice_list = name ? all.filter((v) => v.voice_name.toLowerCase().includes(name.toLowerCase())) : all;
    return jsonReply(200, { voice_list });
  }

  private deleteVoice(body: Record<string, unknown>): Reply {
    const voice = this.requireString(body, 'voice');
    const v = this.voices.get(voice);
    if (!v || v.deleted) throw invalid('voice', `unknown voice ${voice}`);
    v.deleted = true;
    return jsonReply(200, { voice, update_time: timestamp() });
  }

  private servePreview(path: string): Reply {
    const id = /^\/preview\/([A-Za-z0-9_.-]+)\.wav$/.exec(path)?.[1] ?? '';
    const own = this.voices.get(id);
    if (own && !own.deleted) return { status: 200, headers: { 'content-type': 'audio/wav' }, body: this.files.get(own.previewFileId)!.bytes };
    if ((SYSTEM_VOICES as readonly string[]).includes(id)) return { status: 200, headers: { 'content-type': 'audio/wav' }, body: pcmToWav(this.pcmFor(`I am ${id}.`)) };
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: Buffer.from('not found') };
  }

  private checkSpeech(body: Record<string, unknown>): { input: string; stream: boolean; format: 'wav' | 'pcm'; encoding: 'base64' | 'hex' } {
    const model = this.requireString(body, 'model');
    if (model !== 'glm-tts') throw new ZhipuProblem('1211', `unknown model ${model}`);
    const input = this.requireString(body, 'input');
    if (codePoints(input) > LIMITS.inputChars) throw new ZhipuProblem('1261', `input is longer than ${LIMITS.inputChars} characters`);
    const voice = body.voice === undefined ? 'tongtong' : this.requireString(body, 'voice');
    const cloned = this.voices.get(voice);
    if (!(SYSTEM_VOICES as readonly string[]).includes(voice) && !(cloned && !cloned.deleted)) throw invalid('voice', `unknown voice ${voice}`);
    if (body.speed !== undefined && (typeof body.speed !== 'number' || !(body.speed >= 0.5 && body.speed <= 2))) throw invalid('speed', 'must be within [0.5, 2]');
    if (body.volume !== undefined && (typeof body.volume !== 'number' || !(body.volume > 0 && body.volume <= 10))) throw invalid('volume', 'must be within (0, 10]');
    if (body.watermark_enabled !== undefined && typeof body.watermark_enabled !== 'boolean') throw invalid('watermark_enabled', 'must be a boolean');
    if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalid('stream', 'must be a boolean');
    const stream = body.stream === true;
    const format = body.response_format ?? 'pcm';
    if (format !== 'wav' && format !== 'pcm') throw invalid('response_format', 'must be wav or pcm');
    if (stream && format !== 'pcm') throw invalid('response_format', 'streaming supports pcm only');
    const encoding = body.encode_format ?? 'base64';
    if (encoding !== 'base64' && encoding !== 'hex') throw invalid('encode_format', 'must be base64 or hex');
    return { input, stream, format, encoding };
  }

  /** The streamed answer: paced SSE chunks of the input's PCM, then the end mark, unless a fault says otherwise. */
  private async stream(res: http.ServerResponse, input: string, encoding: 'base64' | 'hex', fault: ZhipuFault | undefined, magic: string[]): Promise<void> {
    const pcm = this.pcmFor(input);
    const size = Math.max(2, this.frameBytes - (this.frameBytes % 2));
    const frames: Buffer[] = [];
    for (let at = 0; at < pcm.length; at += size) frames.push(pcm.subarray(at, at + size));
    const rec: ZhipuStreamRecord = {
      input,
      encoding,
      framesSent: 0,
      bytesSent: 0,
      totalFrames: frames.length,
      stopSent: false,
      doneSent: false,
      errorSent: false,
      ended: false,
      cut: false,
      clientClosed: false,
      startedAt: Date.now(),
    };
    this.streams.push(rec);
    res.on('close', () => {
      if (!rec.ended && !rec.cut) rec.clientClosed = true;
    });
    if (fault?.stream === 'bodyless') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': 0 });
      res.end();
      rec.ended = true;
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const id = this.nextId('');
    const created = Math.floor(Date.now() / 1000);
    let index = 0;
    const event = (choice: object) => `data: ${JSON.stringify({ id, created, model: 'glm-tts', choices: [{ index: index++, ...choice }] })}\n\n`;
    const audio = (bytes: Buffer) =>
      event({ delta: { role: 'assistant', content: encoding === 'hex' ? bytes.toString('hex') : bytes.toString('base64'), return_sample_rate: 24000, return_format: 'pcm' } });
    const alive = () => !res.destroyed && this.server !== undefined;
    const emptyFirst = magic.includes('emptyFirst') || this.emptyFirstChunk;
    const done = magic.includes('done') ? true : magic.includes('nodone') ? false : this.sendDone;
    const breakAt = fault?.stream && fault.stream !== 'finishReason' ? Math.min(fault.afterFrames ?? 1, frames.length) : undefined;

    await this.sleep(this.firstFrameDelayMs);
    if (!alive()) return;
    if (emptyFirst) res.write(event({ delta: { role: 'assistant', content: '', return_sample_rate: 24000, return_format: 'pcm' } }));
    for (let i = 0; i < frames.length; i++) {
      if (i === breakAt) break;
      if (i > 0) await this.sleep(this.frameDelayMs);
      if (!alive()) return;
      res.write(audio(frames[i]));
      rec.framesSent++;
      rec.bytesSent += frames[i].length;
      rec.firstFrameAt ??= Date.now();
    }
    if (fault?.stream === 'noStop') {
      rec.ended = true;
      res.end();
      return;
    }
    if (fault?.stream === 'cut') {
      // Let the written chunks leave, then drop the connection: no end mark, no terminating chunk.
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      await this.sleep(10);
      rec.cut = true;
      res.socket?.destroy();
      return;
    }
    await this.sleep(this.frameDelayMs);
    if (!alive()) return;
    if (fault?.stream === 'midError') {
      const code = fault.streamCode ?? '1234';
      res.write(`data: ${JSON.stringify(zhipuErrorBody(code, fault.message))}\n\n`);
      rec.errorSent = true;
    } else {
      res.write(event({ finish_reason: fault?.stream === 'finishReason' ? (fault.finishReason ?? 'sensitive') : 'stop' }));
      rec.stopSent = true;
      rec.stopAt = Date.now();
      if (done) {
        res.write('data: [DONE]\n\n');
        rec.doneSent = true;
      }
    }
    rec.ended = true;
    res.end();
  }
}

/** The fault a magic marker in the input asks for. */
function magicFault(magic: string[]): ZhipuFault | undefined {
  for (const m of magic) {
    if (/^\d{4}$/.test(m)) return { code: m };
    if (m === 'midError' || m === 'finishReason' || m === 'cut' || m === 'noStop' || m === 'bodyless') return { stream: m };
  }
  return undefined;
}
