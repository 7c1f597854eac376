// A loopback stand-in for Novita's GLM audio API (shared/novita-api.md), with recording, concurrency counts and fault plans.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tryParseWavHeader, pcmToWav, wavHeader } from '../../src/core/audio/wav';
import { sniffAudio } from '../../src/core/audio/sniff';
import { LIMITS, SYSTEM_VOICES } from '../../src/core/limits';
import { labelFor, readLabel, speakPcm, synthesizePcm, type ToneSettings } from './synth';
import { mulberry32 } from './random';

export { labelFor, labelSamples, readLabel, samplesFor, synthesizePcm, fnv1a32, SAMPLE_RATE, LABEL_SAMPLES, type ToneSettings } from './synth';

export type DoubleRoute = 'clone' | 'taskResult' | 'tts' | 'asr' | 'audio' | 'file';
export const API_ROUTES: readonly DoubleRoute[] = ['clone', 'taskResult', 'tts', 'asr'];

// The documented limits, from the one table the extension uses too (src/core/limits.ts).
export { SYSTEM_VOICES };
export const MAX_INPUT_CHARS = LIMITS.inputChars;
export const MAX_SAMPLE_BYTES = LIMITS.sampleBytes;
export const MAX_ASR_BYTES = LIMITS.asrBytes;
const MAX_REQUEST_BYTES = 40 * 1024 * 1024;
/** What /v3/glm-asr answers for audio the double did not make itself. */
export const CANNED_TRANSCRIPT = 'This is a canned transcript from the Novita double.';

export type TaskStatus = 'TASK_STATUS_QUEUED' | 'TASK_STATUS_PROCESSING' | 'TASK_STATUS_SUCCEED' | 'TASK_STATUS_FAILED';

/**
 * One way to misbehave. Plans replace the real answer, or damage it on the way out:
 * `status`/`body` replace it (a status ≥ 400 without body gets a Novita error body); `malformedJson` and `bodyOverride`
 * send a 200 with broken or wrong JSON; `truncateBytes` and `reset: 'midBody'` declare the full Content-Length and
 * then cut the connection; `hang` never answers; `hugeBodyBytes` streams that many bytes (chunked unless `declareLength`).
 */
export interface FaultPlan {
  status?: number;
  headers?: Record<string, string>;
  body?: string | object;
  delayMs?: number;
  /** Never answer headers (the socket stays open until the client gives up or the double stops). */
  hang?: boolean;
  reset?: 'beforeHeaders' | 'midBody';
  /** Declare the full Content-Length, send this many bytes of the real body, then destroy the socket. */
  truncateBytes?: number;
  malformedJson?: boolean;
  /** A 200 JSON answer in place of the real one (e.g. a field missing or of the wrong type). */
  bodyOverride?: object;
  /** Stream this many bytes: a WAV header then silence on audio routes, a JSON-looking run of letters elsewhere. */
  hugeBodyBytes?: number;
  /** With `hugeBodyBytes`: declare Content-Length instead of chunked encoding. */
  declareLength?: boolean;
  /** 302 to this Location (absolute, or a path on the double). */
  redirectTo?: string;
  /** How many requests it applies to: Infinity for a lone plan, 1 for each plan of an array. */
  times?: number;
  /** 0..1: the share of requests it applies to, drawn from the double's seeded RNG. */
  probability?: number;
  /** Only requests to exactly this path. */
  path?: string;
  /** Only requests whose JSON `input` is exactly this (e.g. to fail one chunk of a narration). */
  matchInput?: string;
  /** Only requests with this method (e.g. `{ method: 'HEAD', status: 405 }` for a host that refuses HEAD). */
  method?: string;
  /** Files and audio: answer 200 with the whole body even when a Range was asked for. */
  ignoreRange?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  bodyText: string;
  json?: unknown;
  at: number;
  route?: DoubleRoute;
}

export interface NovitaDoubleOptions {
  apiKey?: string;
  /** Accept any non-empty Bearer token (the demo backend); a missing or malformed header is still a 401. */
  acceptAnyKey?: boolean;
  mode?: 'sync' | 'async';
  latencyMs?: number;
  /** Async clone tasks answer QUEUED, then PROCESSING, on this many polls; the next poll answers the outcome. */
  pollsUntilDone?: number;
  /** Speak with espeak-ng when it is on PATH (lengths then no longer follow `samplesFor`). */
  speak?: boolean;
  taskOutcome?: 'succeed' | 'failed' | 'never';
  failReason?: string;
  /** Seed of the RNG behind `FaultPlan.probability`. */
  seed?: number;
  /**
   * Host name put in the URLs the double hands out (its base URL, preview audio): e.g. 127.0.0.2, which a client
   * sends through a proxy (only 127.0.0.1, localhost and ::1 bypass one), while the double still listens on 127.0.0.1.
   */
  publicHost?: string;
  /** The level of the tone it speaks, noise under it, pauses (see `ToneSettings`); changeable later through `tone`. */
  tone?: ToneSettings;
}

interface ServedFile {
  bytes: Buffer;
  contentType: string;
  /** What /v3/glm-asr answers for this file. */
  transcript?: string;
}

interface CloneTask {
  id: string;
  voiceName: string;
  input: string;
  polls: number;
  pollsUntilDone: number;
  outcome: 'succeed' | 'failed' | 'never';
  failReason: string;
  voiceId?: string;
  audioUrl?: string;
}

interface Reply {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly metadata: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const REASONS: Record<number, string> = {
  400: 'INVALID_REQUEST_BODY',
  401: 'INVALID_API_KEY',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'REQUEST_TOO_LARGE',
  429: 'RATE_LIMIT_EXCEEDED',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

const MESSAGES: Record<number, string> = {
  400: 'invalid request',
  401: 'invalid api key',
  403: 'no access to this model; identity verification may be required',
  404: 'not found',
  429: 'rate limit exceeded, please retry later',
  500: 'internal server error',
  503: 'service unavailable, please retry later',
  504: 'upstream timeout',
};

/** Novita's error body: `{ code, reason, message, metadata }`. */
export function novitaErrorBody(status: number, message?: string, reason?: string, metadata: Record<string, unknown> = {}): object {
  return { code: status, reason: reason ?? REASONS[status] ?? 'ERROR', message: message ?? MESSAGES[status] ?? 'error', metadata };
}

function jsonReply(status: number, value: unknown, headers: Record<string, string | number> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: Buffer.from(JSON.stringify(value)) };
}

function fieldProblem(field: string, message: string): HttpProblem {
  return new HttpProblem(400, 'INVALID_REQUEST_BODY', `${field}: ${message}`, { field });
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export class NovitaDouble {
  apiKey: string;
  acceptAnyKey: boolean;
  mode: 'sync' | 'async';
  /** Overrides `mode` per clone by its voice_name, so sync and async clones can run side by side. */
  modeFor: ((voiceName: string) => 'sync' | 'async' | undefined) | undefined;
  /** Added before every API answer (not to hosted audio or files). */
  latencyMs: number;
  pollsUntilDone: number;
  speak: boolean;
  /** Outcome of clone tasks created from now on (async mode). */
  taskOutcome: 'succeed' | 'failed' | 'never';
  failReason: string;
  readonly publicHost: string;

  readonly requests: RecordedRequest[] = [];

  private server: http.Server | undefined;
  private url: string | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly files = new Map<string, ServedFile>();
  /** GET/HEAD path → [status, Location]. */
  private readonly redirects = new Map<string, [number, string]>();
  private readonly audios = new Map<string, { wav: Buffer; text: string }>();
  /** voice_name → voice id, or undefined while an async clone of that name is pending. */
  private readonly names = new Map<string, string | undefined>();
  private readonly voices = new Map<string, { name: string }>();
  private readonly tasks = new Map<string, CloneTask>();
  /** Label → text of every clip made here, so ASR of our own audio answers what was said. */
  private readonly spoken = new Map<number, string>();
  private readonly plans = new Map<DoubleRoute, { plan: FaultPlan; remaining: number }[]>();
  private readonly inflight = new Map<DoubleRoute, number>();
  private readonly maxInflight = new Map<DoubleRoute, number>();
  private random: () => number;
  private counter = 0;
  private accepted = 0;

  /** The level of the tone spoken from now on (see `ToneSettings`). */
  tone: ToneSettings;

  constructor(options: NovitaDoubleOptions = {}) {
    this.tone = options.tone ?? {};
    this.apiKey = options.apiKey ?? 'test-key';
    this.acceptAnyKey = options.acceptAnyKey ?? false;
    this.mode = options.mode ?? 'sync';
    this.latencyMs = options.latencyMs ?? 0;
    this.pollsUntilDone = options.pollsUntilDone ?? 2;
    this.speak = options.speak ?? false;
    this.taskOutcome = options.taskOutcome ?? 'succeed';
    this.failReason = options.failReason ?? 'voice clone failed: the sample audio could not be processed';
    this.random = mulberry32(options.seed ?? 1);
    this.publicHost = options.publicHost ?? '127.0.0.1';
  }

  /** Binds 127.0.0.1 (port 0 = any free one) and returns the base URL. */
  async start(port = 0): Promise<string> {
    if (this.server) throw new Error('NovitaDouble is already started');
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          const r = jsonReply(500, novitaErrorBody(500, `double failed: ${err instanceof Error ? err.message : String(err)}`));
          res.writeHead(r.status, r.headers).end(r.body);
        } else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    server.on('connection', (s: Socket) => {
      this.accepted++;
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
    this.url = `http://${this.publicHost}:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  get baseUrl(): string {
    if (!this.url) throw new Error('NovitaDouble is not started');
    return this.url;
  }

  /** Closes the server, destroys open (also hanging) connections and releases pending delays. */
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

  /** Serve `bytes` at GET/HEAD `path` (Range supported). `transcript` is what /v3/glm-asr answers for its URL. */
  addFile(path: string, bytes: Uint8Array, contentType: string, transcript?: string): string {
    if (!path.startsWith('/')) throw new Error('addFile: path must start with "/"');
    this.files.set(path, { bytes: Buffer.from(bytes), contentType, transcript });
    return this.url ? `${this.url}${path}` : path;
  }

  removeFile(path: string): void {
    this.files.delete(path);
    this.redirects.delete(path);
  }

  /** Answer GET/HEAD `path` with a redirect to `location` (a path on the double or an absolute URL); returns its URL. */
  addRedirect(path: string, location: string, status: 301 | 302 | 303 | 307 | 308 = 302): string {
    if (!path.startsWith('/')) throw new Error('addRedirect: path must start with "/"');
    this.redirects.set(path, [status, location]);
    return this.url ? `${this.url}${path}` : path;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Requests of `route` being answered right now. */
  inFlight(route: DoubleRoute): number {
    return this.inflight.get(route) ?? 0;
  }

  /** The most requests of `route` answered at once since the last `resetStats()`. */
  maxInFlight(route: DoubleRoute): number {
    return this.maxInflight.get(route) ?? 0;
  }

  resetStats(): void {
    this.maxInflight.clear();
    for (const [route, n] of this.inflight) this.maxInflight.set(route, n);
  }

  /** Replace `route`'s plans. An array applies its plans one after another (each once unless it says `times`). */
  setFault(route: DoubleRoute, plan: FaultPlan | FaultPlan[]): void {
    const list = Array.isArray(plan) ? plan.map((p) => ({ plan: p, remaining: p.times ?? 1 })) : [{ plan, remaining: plan.times ?? Infinity }];
    this.plans.set(route, list);
  }

  clearFaults(route?: DoubleRoute): void {
    if (route) this.plans.delete(route);
    else this.plans.clear();
  }

  /** TCP connections accepted since start: shows whether a client reuses pooled connections. */
  get connectionsAccepted(): number {
    return this.accepted;
  }

  /** Voices cloned here: id → name. */
  get clonedVoices(): ReadonlyMap<string, { name: string }> {
    return this.voices;
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

  private routeOf(method: string, path: string): DoubleRoute | undefined | 'wrongMethod' {
    const api: Record<string, [string, DoubleRoute]> = {
      '/v3/glm-tts-voice-clone': ['POST', 'clone'],
      '/v3/async/task-result': ['GET', 'taskResult'],
      '/v3/glm-tts': ['POST', 'tts'],
      '/v3/glm-asr': ['POST', 'asr'],
    };
    const hit = api[path];
    if (hit) return hit[0] === method ? hit[1] : 'wrongMethod';
    const readable = method === 'GET' || method === 'HEAD';
    if (/^\/audio\/[A-Za-z0-9_-]+\.wav$/.test(path)) return readable ? 'audio' : 'wrongMethod';
    if (this.files.has(path) || this.redirects.has(path)) return readable ? 'file' : 'wrongMethod';
    return undefined;
  }

  private takePlan(route: DoubleRoute, path: string, json: unknown, method: string): FaultPlan | undefined {
    for (const entry of this.plans.get(route) ?? []) {
      if (entry.remaining <= 0) continue;
      if (entry.plan.method !== undefined && entry.plan.method.toUpperCase() !== method) continue;
      if (entry.plan.path !== undefined && entry.plan.path !== path) continue;
      if (entry.plan.matchInput !== undefined && (json as { input?: unknown } | undefined)?.input !== entry.plan.matchInput) continue;
      if (entry.plan.probability !== undefined && this.random() >= entry.plan.probability) continue;
      entry.remaining--;
      return entry.plan;
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
      req.on('aborted', () => resolve(Buffer.alloc(0)));
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const found = this.routeOf(method, url.pathname);
    const route = found === 'wrongMethod' ? undefined : found;
    const raw = await this.readBody(req);
    const bodyText = raw?.toString('utf8') ?? '';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    const record: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, bodyText, at: Date.now(), route };
    if (bodyText && /json/i.test(headers['content-type'] ?? '')) {
      try {
        record.json = JSON.parse(bodyText);
      } catch {
        // recorded as text only
      }
    }
    this.requests.push(record);

    if (found === 'wrongMethod') return this.send(res, jsonReply(405, novitaErrorBody(405, `${method} is not allowed on ${url.pathname}`)));
    if (!route) return this.send(res, jsonReply(404, novitaErrorBody(404, `no route for ${method} ${url.pathname}`)));

    this.inflight.set(route, this.inFlight(route) + 1);
    this.maxInflight.set(route, Math.max(this.maxInFlight(route), this.inFlight(route)));
    let counted = true;
    const release = () => {
      if (counted) this.inflight.set(route, this.inFlight(route) - 1);
      counted = false;
    };
    res.on('close', release);

    const plan = this.takePlan(route, url.pathname, record.json, method);
    const isApi = API_ROUTES.includes(route);
    await this.sleep((isApi ? this.latencyMs : 0) + (plan?.delayMs ?? 0));
    if (res.destroyed || !this.server) return release();

    if (plan?.hang) return; // the socket is destroyed by the client or by stop()
    if (plan?.reset === 'beforeHeaders') {
      req.socket.destroy();
      return;
    }
    if (plan?.redirectTo !== undefined) {
      return this.send(res, { status: 302, headers: { location: plan.redirectTo, 'content-type': 'text/plain', ...plan.headers }, body: Buffer.from('Found') });
    }
    if (raw === undefined) return this.send(res, jsonReply(413, novitaErrorBody(413, 'request body too large')));

    // The recorded headers keep the Range the client sent; only the answer ignores it.
    const answerHeaders = plan?.ignoreRange ? Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'range')) : headers;
    let reply: Reply;
    if (plan && (plan.status !== undefined || plan.body !== undefined)) {
      const status = plan.status ?? 200;
      const body = plan.body ?? (status >= 400 ? novitaErrorBody(status) : undefined);
      reply =
        body === undefined
          ? await this.answer(route, method, url, raw, answerHeaders)
          : typeof body === 'string'
            ? { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(body) }
            : jsonReply(status, body);
      reply.status = status;
    } else if (plan?.malformedJson) {
      reply = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"voice": "voice-1", "audio_url": ') };
    } else if (plan?.bodyOverride) {
      reply = jsonReply(200, plan.bodyOverride);
    } else {
      reply = await this.answer(route, method, url, raw, answerHeaders);
    }
    Object.assign(reply.headers, plan?.headers);
    if (method === 'HEAD') reply = { ...reply, body: Buffer.alloc(0), headers: { 'content-length': reply.headers['content-length'] ?? reply.body.length, ...reply.headers } };

    if (plan?.hugeBodyBytes !== undefined) return this.sendHuge(res, route, plan.hugeBodyBytes, plan.declareLength ?? false, reply.headers);
    const cut = plan?.truncateBytes ?? (plan?.reset === 'midBody' ? Math.floor(reply.body.length / 2) : undefined);
    if (cut !== undefined) {
      res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length });
      res.write(reply.body.subarray(0, Math.min(cut, reply.body.length)), () => setTimeout(() => res.destroy(), 10));
      return;
    }
    this.send(res, reply);
  }

  private send(res: http.ServerResponse, reply: Reply): void {
    if (res.destroyed) return;
    const headers = { 'content-length': reply.body.length, ...reply.headers };
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  }

  private async sendHuge(res: http.ServerResponse, route: DoubleRoute, total: number, declareLength: boolean, headers: Reply['headers']): Promise<void> {
    const audio = route === 'audio' || route === 'file' || route === 'tts';
    const out: Record<string, string | number> = { ...headers, 'content-type': audio ? 'audio/wav' : 'application/json' };
    delete out['content-length'];
    if (declareLength) out['content-length'] = total;
    res.writeHead(200, out);
    const chunk = Buffer.alloc(64 * 1024, audio ? 0 : 0x61);
    let sent = 0;
    if (audio && total >= 44) {
      res.write(wavHeader(total - 44));
      sent = 44;
    } else if (!audio && total >= 8) {
      res.write('{"pad":"');
      sent = 8;
    }
    while (sent < total && !res.destroyed) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    if (!res.destroyed) res.end();
  }

  private async answer(route: DoubleRoute, method: string, url: URL, raw: Buffer, headers: Record<string, string>): Promise<Reply> {
    try {
      if (route === 'audio') {
        const id = /^\/audio\/([A-Za-z0-9_-]+)\.wav$/.exec(url.pathname)?.[1] ?? '';
        const audio = this.audios.get(id);
        if (!audio) throw new HttpProblem(404, 'NOT_FOUND', 'audio not found (it may have expired)');
        return this.serveBytes(audio.wav, 'audio/wav', headers.range);
      }
      if (route === 'file') {
        const redirect = this.redirects.get(url.pathname);
        if (redirect) return { status: redirect[0], headers: { location: redirect[1], 'content-type': 'text/plain' }, body: Buffer.from('Moved') };
        const file = this.files.get(url.pathname);
        if (!file) throw new HttpProblem(404, 'NOT_FOUND', 'file not found');
        return this.serveBytes(file.bytes, file.contentType, headers.range);
      }
      this.checkAuth(headers.authorization);
      const body = route === 'taskResult' ? {} : this.parseJsonObject(raw);
      switch (route) {
        case 'clone':
          return await this.clone(body);
        case 'taskResult':
          return await this.taskResult(url.searchParams.get('task_id'));
        case 'tts':
          return await this.tts(body);
        case 'asr':
          return this.asr(body);
      }
    } catch (err) {
      if (err instanceof HttpProblem) return jsonReply(err.status, novitaErrorBody(err.status, err.message, err.reason, err.metadata));
      throw err;
    }
    throw new Error(`unhandled ${method} ${route}`);
  }

  private checkAuth(header: string | undefined): void {
    const m = /^Bearer ([^\s]+)$/.exec(header?.trim() ?? '');
    if (!header) throw new HttpProblem(401, 'INVALID_API_KEY', 'missing Authorization header');
    if (!m) throw new HttpProblem(401, 'INVALID_API_KEY', 'malformed Authorization header, expected "Bearer <key>"');
    if (!this.acceptAnyKey && m[1] !== this.apiKey) throw new HttpProblem(401, 'INVALID_API_KEY', 'invalid api key');
  }

  private parseJsonObject(raw: Buffer): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpProblem(400, 'INVALID_REQUEST_BODY', 'request body is not valid JSON');
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HttpProblem(400, 'INVALID_REQUEST_BODY', 'request body must be a JSON object');
    return value as Record<string, unknown>;
  }

  private requireString(body: Record<string, unknown>, field: string): string {
    const v = body[field];
    if (v === undefined || v === null) throw fieldProblem(field, 'is required');
    if (typeof v !== 'string') throw fieldProblem(field, 'must be a string');
    if (!v.trim()) throw fieldProblem(field, 'must not be empty');
    return v;
  }

  private optionalString(body: Record<string, unknown>, field: string): string | undefined {
    const v = body[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw fieldProblem(field, 'must be a string');
    return v;
  }

  private checkInput(input: string): void {
    const n = codePoints(input);
    if (n > MAX_INPUT_CHARS) throw fieldProblem('input', `is ${n} characters, at most ${MAX_INPUT_CHARS} are allowed`);
  }

  private nextId(prefix: string): string {
    this.counter++;
    return `${prefix}${this.counter.toString().padStart(4, '0')}${(labelFor(`${prefix}${this.counter}${Date.now()}`) & 0xffff).toString(16).padStart(4, '0')}`;
  }

  private async makeAudio(text: string): Promise<string> {
    const pcm = this.speak ? await speakPcm(text) : synthesizePcm(text, this.tone);
    const id = this.nextId('a');
    this.audios.set(id, { wav: pcmToWav(pcm), text });
    this.spoken.set(labelFor(text), text);
    return `${this.baseUrl}/audio/${id}.wav`;
  }

  /** The double's own file behind `url`, if `url` points at this double. */
  private ownFile(url: URL): { bytes: Buffer; transcript?: string } | 'missing' | undefined {
    if (!this.url || url.origin !== new URL(this.url).origin) return undefined;
    const audioId = /^\/audio\/([A-Za-z0-9_-]+)\.wav$/.exec(url.pathname)?.[1];
    const audio = audioId ? this.audios.get(audioId) : undefined;
    if (audio) return { bytes: audio.wav, transcript: audio.text };
    const file = this.files.get(url.pathname);
    if (file) return { bytes: file.bytes, transcript: file.transcript };
    return 'missing';
  }

  private checkSampleUrl(raw: string): void {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw fieldProblem('audio_url', 'is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fieldProblem('audio_url', 'must be an http or https URL');
    const own = this.ownFile(url);
    if (own === 'missing') throw fieldProblem('audio_url', 'could not download the sample audio (404)');
    if (own && own.bytes.length > MAX_SAMPLE_BYTES) throw fieldProblem('audio_url', 'sample audio is larger than 10 MB');
    if (own && !sniffAudio(own.bytes)) throw fieldProblem('audio_url', 'the sample is not an audio file');
  }

  private async clone(body: Record<string, unknown>): Promise<Reply> {
    this.optionalString(body, 'text');
    const input = this.requireString(body, 'input');
    const audioUrl = this.requireString(body, 'audio_url');
    const voiceName = this.requireString(body, 'voice_name');
    this.checkInput(input);
    this.checkSampleUrl(audioUrl);
    if (this.names.has(voiceName)) throw fieldProblem('voice_name', `a voice named "${voiceName}" already exists`);
    if ((this.modeFor?.(voiceName) ?? this.mode) === 'async') {
      const id = this.nextId('task_');
      this.names.set(voiceName, undefined);
      this.tasks.set(id, {
        id,
        voiceName,
        input,
        polls: 0,
        pollsUntilDone: this.pollsUntilDone,
        outcome: this.taskOutcome,
        failReason: this.failReason,
      });
      return jsonReply(200, { task_id: id });
    }
    const voice = this.registerVoice(voiceName);
    return jsonReply(200, { voice, audio_url: await this.makeAudio(input) });
  }

  private registerVoice(name: string): string {
    const voice = this.nextId('voice_');
    this.voices.set(voice, { name });
    this.names.set(name, voice);
    return voice;
  }

  /**
   * Async clone results. Novita documents no place for the voice id in a task result, so the double puts it in
   * `extra.voice` (where Novita's async APIs keep per-task extras); clients should also accept a top-level `voice`.
   */
  private async taskResult(taskId: string | null): Promise<Reply> {
    if (!taskId) throw fieldProblem('task_id', 'is required');
    const task = this.tasks.get(taskId);
    if (!task) throw new HttpProblem(404, 'TASK_NOT_FOUND', `task ${taskId} not found`);
    task.polls++;
    let status: TaskStatus;
    let reason = '';
    if (task.outcome === 'never' || task.polls <= task.pollsUntilDone) {
      status = task.polls === 1 ? 'TASK_STATUS_QUEUED' : 'TASK_STATUS_PROCESSING';
    } else if (task.outcome === 'failed') {
      status = 'TASK_STATUS_FAILED';
      reason = task.failReason;
      if (this.names.get(task.voiceName) === undefined) this.names.delete(task.voiceName);
    } else {
      status = 'TASK_STATUS_SUCCEED';
      if (!task.voiceId) {
        task.voiceId = this.registerVoice(task.voiceName);
        task.audioUrl = await this.makeAudio(task.input);
      }
    }
    const done = status === 'TASK_STATUS_SUCCEED';
    return jsonReply(200, {
      task: {
        task_id: task.id,
        task_type: 'GLM_TTS_VOICE_CLONE',
        status,
        reason,
        eta: 0,
        progress_percent: done ? 100 : status === 'TASK_STATUS_PROCESSING' ? 50 : 0,
      },
      audios: done ? [{ audio_url: task.audioUrl, audio_url_ttl: '3600', audio_type: 'wav' }] : [],
      ...(done ? { extra: { voice: task.voiceId } } : {}),
    });
  }

  private async tts(body: Record<string, unknown>): Promise<Reply> {
    const input = this.requireString(body, 'input');
    this.checkInput(input);
    const voice = body.voice === undefined ? 'tongtong' : this.requireString(body, 'voice');
    if (!(SYSTEM_VOICES as readonly string[]).includes(voice) && !this.voices.has(voice)) throw fieldProblem('voice', `unknown voice "${voice}"`);
    if (body.speed !== undefined && (typeof body.speed !== 'number' || !(body.speed >= 0.5 && body.speed <= 2))) {
      throw fieldProblem('speed', 'must be a number from 0.5 to 2');
    }
    if (body.volume !== undefined && (typeof body.volume !== 'number' || !(body.volume > 0 && body.volume <= 10))) {
      throw fieldProblem('volume', 'must be a number greater than 0 and at most 10');
    }
    if (body.watermark_enabled !== undefined && typeof body.watermark_enabled !== 'boolean') throw fieldProblem('watermark_enabled', 'must be a boolean');
    const format = body.response_format ?? 'pcm';
    if (format !== 'wav' && format !== 'pcm') throw fieldProblem('response_format', 'must be "wav" or "pcm"');
    const pcm = this.speak ? await speakPcm(input) : synthesizePcm(input, this.tone);
    this.spoken.set(labelFor(input), input);
    return format === 'wav'
      ? { status: 200, headers: { 'content-type': 'audio/wav' }, body: pcmToWav(pcm) }
      : { status: 200, headers: { 'content-type': 'audio/pcm' }, body: pcm };
  }

  private asr(body: Record<string, unknown>): Reply {
    const file = this.requireString(body, 'file');
    this.optionalString(body, 'prompt');
    const hotwords = body.hotwords;
    if (hotwords !== undefined && !(Array.isArray(hotwords) && hotwords.every((h) => typeof h === 'string'))) {
      throw fieldProblem('hotwords', 'must be an array of strings');
    }
    if (/^https?:\/\//i.test(file)) {
      let url: URL;
      try {
        url = new URL(file);
      } catch {
        throw fieldProblem('file', 'is not a valid URL');
      }
      const own = this.ownFile(url);
      if (own === 'missing') throw fieldProblem('file', 'could not download the audio (404)');
      return jsonReply(200, { text: own?.transcript ?? CANNED_TRANSCRIPT });
    }
    const b64 = file.replace(/^data:[^,]*;base64,/i, '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw fieldProblem('file', 'must be an http(s) URL or base64 audio');
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length > MAX_ASR_BYTES) throw fieldProblem('file', 'audio is larger than 25 MB');
    const format = sniffAudio(bytes);
    if (format !== 'wav' && format !== 'mp3') throw fieldProblem('file', 'must be .wav or .mp3 audio');
    const wav = format === 'wav' ? tryParseWavHeader(bytes) : undefined;
    const label = wav ? readLabel(bytes.subarray(wav.dataOffset)) : undefined;
    return jsonReply(200, { text: (label !== undefined ? this.spoken.get(label) : undefined) ?? CANNED_TRANSCRIPT });
  }

  private serveBytes(bytes: Buffer, contentType: string, range: string | undefined): Reply {
    const base = { 'content-type': contentType, 'accept-ranges': 'bytes' };
    if (!range) return { status: 200, headers: base, body: bytes };
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    const size = bytes.length;
    let start: number;
    let end: number;
    if (!m || (m[1] === '' && m[2] === '')) return { status: 416, headers: { ...base, 'content-range': `bytes */${size}` }, body: Buffer.alloc(0) };
    if (m[1] === '') {
      start = Math.max(0, size - Number(m[2]));
      end = size - 1;
    } else {
      start = Number(m[1]);
      end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    }
    if (start >= size || start > end) return { status: 416, headers: { ...base, 'content-range': `bytes */${size}` }, body: Buffer.alloc(0) };
    return { status: 206, headers: { ...base, 'content-range': `bytes ${start}-${end}/${size}` }, body: bytes.subarray(start, end + 1) };
  }
}
