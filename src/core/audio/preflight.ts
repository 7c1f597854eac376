// Checks a sample URL before a clone is paid for: reachable, audio, at most 10 MB, 3–30 s. Never sends the API key.
import { CoreError, type SampleRefusal, type SampleWarning } from '../errors';
import { followRedirects, headerValue as header, readPrefix, RedirectError } from '../http/get';
import { classifyNetworkError, errorCode } from '../http/network';
import { undici, type Dispatcher, type ResponseData } from '../http/undici';
import { LIMITS } from '../limits';
import type { ProbeInfo, SampleProbe } from './probe';
import { looksLikeHtml, sniffAudio, WEBVIEW_PLAYABLE } from './sniff';

export type { SampleRefusal, SampleWarning } from '../errors';

export const DEFAULT_PREFLIGHT_TIMEOUT_MS = 5000;
export const DEFAULT_PROBE_BYTES = 256 * 1024;
/** The end of a file, fetched only when its length is kept there (Ogg's last granule, an M4A's trailing moov). */
const TAIL_BYTES = 64 * 1024;

/** `probeSampleBytes` (./probe.ts, which loads music-metadata on first use), or a stand-in in tests. */
export type SampleProber = (bytes: Uint8Array, info: ProbeInfo) => Promise<SampleProbe>;

/** What was learnt about a sample: the input of `assessSample`. */
export interface SampleFacts {
  /** The final URL, after redirects. */
  url: string;
  /** Status of the GET that read the first bytes (0: no HTTP answer). */
  status: number;
  /** Why no usable answer came (unreachable, timed out, a redirect loop): the sample is refused. */
  refusal?: SampleRefusal;
  contentType?: string;
  sizeBytes?: number;
  /** The first bytes are a web page (an error page, a login wall, a file host's download page). */
  html?: boolean;
  /** The container ('wav', 'mp3', 'ogg', 'flac', 'aac', 'm4a', or music-metadata's name for another); undefined: not audio. */
  format?: string;
  codec?: string;
  durationSec?: number;
  /** Worked out from the bitrate and the size, not read from the file. */
  durationEstimated?: boolean;
  sampleRate?: number;
  channels?: number;
}

export interface SamplePreflight extends SampleFacts {
  /** False: cloning is refused, `refusal` says why. */
  ok: boolean;
  playableInWebview: boolean;
  /** No usable answer came at all (the summary says "No answer" or the status). */
  failed?: boolean;
  /** Overridable: the user may clone anyway. */
  warnings: SampleWarning[];
}

export interface PreflightOptions {
  /** Measures the first bytes: `probeSampleBytes` (music-metadata loads only then). */
  probe: SampleProber;
  /**
   * The undici dispatcher to use (one with the user's proxy settings); it is not closed. Default: a private Agent,
   * closed when the check ends.
   */
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** For the whole check, redirects and all. Default 5 s. */
  timeoutMs?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Bytes read from the start of the file. Default 256 KB. */
  probeBytes?: number;
  userAgent?: string;
}


/** Refusal on the way: carries the facts known when the check stopped. */
class Stop extends Error {
  constructor(readonly facts: SampleFacts) {
    super(facts.refusal?.code);
  }
}

interface Context {
  dispatcher: Dispatcher;
  signal: AbortSignal;
  deadline: AbortSignal;
  userSignal?: AbortSignal;
  timeoutMs: number;
  userAgent: string;
  maxRedirects: number;
}

/**
 * HEAD (size and type), then a ranged GET of the first `probeBytes` (measured by `probe`), then, only when the length
 * of the audio is kept at its end, a ranged GET of the last 64 KB. Redirects are followed by hand, up to
 * `maxRedirects`. Sample problems come back as `ok: false` with a `refusal`; only cancellation by `signal` throws
 * (CoreError 'cancelled'). Sends no Authorization header, cookie or API key: a sample URL may point at any host.
 */
export async function preflightSample(rawUrl: string, options: PreflightOptions): Promise<SamplePreflight> {
  if (options.signal?.aborted) throw cancelled();
  let url: URL;
  try {
    url = new URL(rawUrl.trim());
  } catch {
    return assessSample({ url: rawUrl, status: 0, refusal: { code: 'notUrl', value: clip(rawUrl) } });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return assessSample({ url: url.href, status: 0, refusal: { code: 'scheme', protocol: url.protocol } });
  }
  const timeoutMs = options.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_PREFLIGHT_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const own = options.dispatcher ? undefined : new (undici().Agent)();
  const ctx: Context = {
    dispatcher: options.dispatcher ?? own!,
    signal: options.signal ? AbortSignal.any([options.signal, deadline]) : deadline,
    deadline,
    userSignal: options.signal,
    timeoutMs,
    userAgent: options.userAgent ?? 'glm-voice-clone-vscode',
    maxRedirects: Math.max(0, Math.floor(options.maxRedirects ?? 5)),
  };
  try {
    return assessSample(await gather(url, ctx, Math.max(64, Math.floor(options.probeBytes ?? DEFAULT_PROBE_BYTES)), options.probe));
  } catch (err) {
    if (options.signal?.aborted) throw cancelled();
    if (err instanceof Stop) return assessSample(err.facts);
    throw err;
  } finally {
    await own?.destroy().catch(() => undefined);
  }
}

async function gather(start: URL, ctx: Context, probeBytes: number, probe: SampleProber): Promise<SampleFacts> {
  // HEAD tells size and type cheaply; a host that refuses it (405, 501, 403 for a URL signed for GET) is judged by the GET.
  const head = await follow('HEAD', start, {}, ctx);
  await head.res.body.dump().catch(() => undefined);
  const headOk = head.res.statusCode >= 200 && head.res.statusCode < 300;
  const headType = headOk ? header(head.res, 'content-type') : undefined;
  const headSize = headOk ? nonNegative(header(head.res, 'content-length')) : undefined;

  const got = await follow('GET', head.url, { range: `bytes=0-${probeBytes - 1}` }, ctx);
  const res = got.res;
  const url = got.url.href;
  const status = res.statusCode;
  const contentType = header(res, 'content-type') ?? headType;
  const range = parseContentRange(header(res, 'content-range'));
  if (status === 416) {
    await res.body.dump().catch(() => undefined);
    // "bytes */0": the first byte is out of range because there is none.
    return { url, status, contentType, sizeBytes: range?.total ?? headSize };
  }
  if (status !== 200 && status !== 206) {
    await res.body.dump().catch(() => undefined);
    return { url, status, contentType };
  }
  let sizeBytes = status === 206 ? (range?.total ?? headSize) : (nonNegative(header(res, 'content-length')) ?? headSize);
  const prefix = await readSome(res.body, probeBytes, got.url, ctx);
  // A 200 that ended within the cap was the whole file, whatever the headers said.
  if (prefix.complete && (status === 200 || (range && range.start === 0 && range.end + 1 === range.total))) sizeBytes = prefix.bytes.length;
  const bytes = prefix.bytes;
  const mimeType = contentType?.split(';')[0].trim().toLowerCase() || undefined;
  let meta = await measure(probe, bytes, { size: sizeBytes, mimeType, partial: !prefix.complete });
  const partial = sizeBytes !== undefined && sizeBytes > bytes.length;
  if (meta.durationSec === undefined && meta.format !== undefined && partial && status === 206) {
    const tail = await readTail(got.url, sizeBytes!, ctx);
    if (tail) meta = await measure(probe, bytes, { size: sizeBytes, mimeType, partial: true, tail });
  }
  return {
    url,
    status,
    contentType,
    sizeBytes,
    html: looksLikeHtml(bytes),
    format: meta.format,
    codec: meta.codec,
    durationSec: meta.durationSec,
    durationEstimated: meta.durationEstimated,
    sampleRate: meta.sampleRate,
    channels: meta.channels,
  };
}

async function measure(probe: SampleProber, bytes: Uint8Array, info: ProbeInfo): Promise<SampleProbe> {
  try {
    return await probe(bytes, info);
  } catch {
    // a prober that throws still leaves the magic bytes to judge by
    return { format: sniffAudio(bytes) };
  }
}

async function follow(method: 'HEAD' | 'GET', start: URL, extra: Record<string, string>, ctx: Context): Promise<{ url: URL; res: ResponseData }> {
  try {
    return await followRedirects(start, (url) => send(method, url, extra, ctx), ctx.maxRedirects);
  } catch (err) {
    if (!(err instanceof RedirectError)) throw err;
    const p = err.problem;
    const stop = (refusal: SampleRefusal) => new Stop({ url: p.from.href, status: p.status, refusal });
    if (p.code === 'notUrl') throw stop({ code: 'redirectNotUrl', location: clip(p.location) });
    if (p.code === 'scheme') throw stop({ code: 'redirectScheme', protocol: p.protocol });
    if (p.code === 'loop') throw stop({ code: 'redirectLoop', target: `${p.target.host}${p.target.pathname}` });
    throw stop({ code: 'tooManyRedirects', max: p.max });
  }
}

async function send(method: 'HEAD' | 'GET', url: URL, extra: Record<string, string>, ctx: Context): Promise<ResponseData> {
  // Built here and nowhere else: no Authorization, no cookies, whatever host the sample (or a redirect) points at.
  const headers = { 'user-agent': ctx.userAgent, accept: 'audio/*, */*;q=0.5', 'accept-encoding': 'identity', ...extra };
  try {
    return await undici().request(url, { method, headers, signal: ctx.signal, dispatcher: ctx.dispatcher });
  } catch (err) {
    throw unreachable(err, url, ctx);
  }
}

async function readSome(body: ResponseData['body'], cap: number, url: URL, ctx: Context): Promise<{ bytes: Buffer; complete: boolean }> {
  try {
    return await readPrefix(body, cap);
  } catch (err) {
    throw unreachable(err, url, ctx);
  }
}

/** The last bytes of the file, or undefined when the host will not send them; the length is then left unknown. */
async function readTail(url: URL, size: number, ctx: Context): Promise<Uint8Array | undefined> {
  try {
    const res = await send('GET', url, { range: `bytes=${Math.max(0, size - TAIL_BYTES)}-${size - 1}` }, ctx);
    if (res.statusCode !== 206) {
      res.body.destroy();
      return undefined;
    }
    return (await readSome(res.body, TAIL_BYTES, url, ctx)).bytes;
  } catch (err) {
    if (err instanceof Stop) return undefined;
    throw err;
  }
}

/** A transport failure as the refusal it means; the user's own cancel as CoreError 'cancelled'. */
function unreachable(err: unknown, url: URL, ctx: Context): Error {
  if (ctx.userSignal?.aborted) return cancelled();
  const net = classifyNetworkError(err, ctx.deadline.aborted);
  const host = url.host;
  let refusal: SampleRefusal;
  switch (net.failure) {
    case 'timeout':
      refusal = { code: 'timeout', host, seconds: Number((ctx.timeoutMs / 1000).toFixed(ctx.timeoutMs < 1000 ? 1 : 0)) };
      break;
    case 'hostNotFound':
      refusal = { code: 'hostNotFound', host: url.hostname };
      break;
    case 'refused':
      refusal = { code: 'refused', host };
      break;
    case 'certificate':
      refusal = { code: 'certificate', host: url.hostname, errorCode: net.code };
      break;
    default:
      if (errorCode(err) === undefined) return err instanceof Error ? err : new CoreError({ kind: 'unexpected', detail: String(err) });
      refusal = { code: 'unreachable', host, errorCode: net.code };
  }
  return new Stop({ url: url.href, status: 0, refusal });
}

/** The rules of the issue, without HTTP: refusals (unreachable, not audio, over 10 MB) and overridable warnings. */
export function assessSample(facts: SampleFacts): SamplePreflight {
  const { html, ...known } = facts;
  const playableInWebview = isPlayable(facts.format, facts.codec);
  const warnings: SampleWarning[] = [];
  const done = (refusal?: SampleRefusal): SamplePreflight => ({
    ...stripUndefined(known),
    ...(html ? { html } : {}),
    ok: refusal === undefined,
    playableInWebview,
    ...(facts.refusal ? { failed: true } : {}),
    ...(refusal === undefined ? {} : { refusal }),
    warnings: refusal === undefined ? warnings : [],
  });
  const host = hostOf(facts.url);
  if (facts.refusal) return done(facts.refusal);
  if (facts.sizeBytes === 0) return done({ code: 'empty', host });
  if (facts.status < 200 || facts.status >= 300) return done({ code: 'status', status: facts.status, host });
  if (facts.sizeBytes !== undefined && facts.sizeBytes > LIMITS.sampleBytes) return done({ code: 'tooBig', sizeBytes: facts.sizeBytes, maxBytes: LIMITS.sampleBytes });
  const type = facts.contentType?.split(';')[0].trim().toLowerCase();
  if (facts.format === undefined) {
    if (html || type?.includes('html')) return done({ code: 'webPage', host });
    return done({ code: 'notAudio', host, ...(type ? { contentType: type } : {}) });
  }
  const format = { format: facts.format, ...(facts.codec ? { codec: facts.codec } : {}) };
  if (type && /^(text\/|application\/(json|xml|xhtml))/.test(type)) warnings.push({ code: 'contentType', host, contentType: type, ...format });
  if (facts.sizeBytes === undefined) warnings.push({ code: 'unknownSize', host });
  const d = facts.durationSec;
  const { min, max } = LIMITS.sampleSeconds;
  if (d === undefined) warnings.push({ code: 'unknownDuration', ...format });
  else if (round1(d) < min) warnings.push({ code: 'tooShort', seconds: d, min, max });
  else if (round1(d) > max) warnings.push({ code: 'tooLong', seconds: d, min, max });
  if (!playableInWebview) warnings.push({ code: 'unplayable', ...format });
  return done();
}

/** WAV, MP3, Ogg Vorbis and FLAC play in a desktop webview; Opus, AAC and M4A do not (novita-api.md). */
function isPlayable(format: string | undefined, codec: string | undefined): boolean {
  if (!format || !(WEBVIEW_PLAYABLE as readonly string[]).includes(format)) return false;
  return !(format === 'ogg' && /opus/i.test(codec ?? ''));
}







function round1(x: number): number {
  return Math.round(x * 10) / 10;
}


function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || 'The host';
  } catch {
    return 'The host';
  }
}

function clip(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return t.length > 80 ? `${t.slice(0, 79)}…` : t;
}


function nonNegative(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v);
}

/** `bytes 0-262143/1048576` → its numbers; total undefined for `*`. */
function parseContentRange(v: string | undefined): { start: number; end: number; total?: number } | undefined {
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(v ?? '');
  if (!m) return undefined;
  const total = m[3] === '*' ? undefined : Number(m[3]);
  return m[1] === undefined ? { start: 0, end: -1, total } : { start: Number(m[1]), end: Number(m[2]), total };
}

function cancelled(): CoreError {
  return new CoreError({ kind: 'cancelled' });
}

/**
 * The same check for a local file (a clone from a file): its bytes measured with `probe`, the size against the upload
 * limit, and the format against `allowed` (Zhipu: mp3, wav) before anything is sent. `file` names it in the refusal.
 */
export async function assessSampleFile(bytes: Uint8Array, file: string, probe: SampleProber, allowed: readonly string[]): Promise<SamplePreflight> {
  const refuse = (refusal: SampleRefusal): SamplePreflight => ({ url: file, status: 0, sizeBytes: bytes.length, ok: false, playableInWebview: false, refusal, warnings: [] });
  if (bytes.length === 0) return refuse({ code: 'fileEmpty', file });
  if (bytes.length > LIMITS.sampleBytes) return refuse({ code: 'fileTooBig', file, sizeBytes: bytes.length, maxBytes: LIMITS.sampleBytes });
  const measured = await probe(bytes, { size: bytes.length });
  if (measured.format === undefined || !allowed.includes(measured.format)) return refuse({ code: 'fileFormat', file, ...(measured.format ? { format: measured.format } : {}), allowed: [...allowed] });
  return assessSample({
    url: file,
    status: 200,
    sizeBytes: bytes.length,
    format: measured.format,
    ...(measured.codec ? { codec: measured.codec } : {}),
    ...(measured.durationSec !== undefined ? { durationSec: measured.durationSec } : {}),
    ...(measured.durationEstimated ? { durationEstimated: true } : {}),
    ...(measured.sampleRate ? { sampleRate: measured.sampleRate } : {}),
    ...(measured.channels ? { channels: measured.channels } : {}),
  });
}
