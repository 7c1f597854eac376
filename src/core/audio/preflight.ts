// Checks a sample URL before a clone is paid for: reachable, audio, at most 10 MB, 3–30 s. Never sends the API key.
import { Agent, request, type Dispatcher } from 'undici';
import { looksLikeHtml, sniffAudio, WEBVIEW_PLAYABLE } from './sniff';
// Types only: music-metadata stays in dist/audio-meta.js, and the caller hands its prober in.
import type { ProbeInfo, SampleProbe } from './probe';
import { NovitaError } from '../novita/errors';

/** Novita's limit for `audio_url` (the double enforces the same 10 × 1024 × 1024 bytes). */
export const MAX_SAMPLE_BYTES = 10 * 1024 * 1024;
export const MIN_RECOMMENDED_SEC = 3;
export const MAX_RECOMMENDED_SEC = 30;
export const DEFAULT_PREFLIGHT_TIMEOUT_MS = 5000;
export const DEFAULT_PROBE_BYTES = 256 * 1024;
/** The end of a file, fetched only when its length is kept there (Ogg's last granule, an M4A's trailing moov). */
const TAIL_BYTES = 64 * 1024;

/** `probeSampleBytes` from dist/audio-meta.js (src/novita/audioMeta.ts), or a stand-in in tests. */
export type SampleProber = (bytes: Uint8Array, info: ProbeInfo) => Promise<SampleProbe>;

export type SampleWarningCode = 'tooShort' | 'tooLong' | 'unknownDuration' | 'unknownSize' | 'unplayable' | 'contentType' | 'unreachable';

export interface SampleWarning {
  code: SampleWarningCode;
  /** A sentence the user can act on. */
  message: string;
  /** The user may clone anyway ("Clone anyway"). */
  overridable: boolean;
}

/** What was learnt about a sample: the input of `assessSample`. */
export interface SampleFacts {
  /** The final URL, after redirects. */
  url: string;
  /** Status of the GET that read the first bytes (0: no HTTP answer). */
  status: number;
  /** Why no usable answer came (unreachable, timed out, a redirect loop): a sentence; the sample is refused. */
  failure?: string;
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

export interface SamplePreflight extends Omit<SampleFacts, 'failure' | 'html'> {
  /** False: cloning is refused, `refusal` says why. */
  ok: boolean;
  playableInWebview: boolean;
  /** One line for the panel, e.g. "WAV · 12.4 s · 24 kHz mono · 580 KB". */
  summary: string;
  refusal?: string;
  warnings: SampleWarning[];
}

export interface PreflightOptions {
  /** Measures the first bytes: pass `require('./audio-meta.js').probeSampleBytes` so music-metadata loads only here. */
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

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Refusal on the way: carries the facts known when the check stopped. */
class Stop extends Error {
  constructor(readonly facts: SampleFacts) {
    super(facts.failure);
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
 * (NovitaError 'cancelled'). Sends no Authorization header, cookie or API key: a sample URL may point at any host.
 */
export async function preflightSample(rawUrl: string, options: PreflightOptions): Promise<SamplePreflight> {
  if (options.signal?.aborted) throw cancelled();
  let url: URL;
  try {
    url = new URL(rawUrl.trim());
  } catch {
    return assessSample({ url: rawUrl, status: 0, failure: `“${clip(rawUrl)}” is not a URL. Paste the link to the sample file (https://…).` });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return assessSample({ url: url.href, status: 0, failure: `Novita downloads the sample over the web: use an https:// or http:// link (not ${url.protocol}).` });
  }
  const timeoutMs = options.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_PREFLIGHT_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const own = options.dispatcher ? undefined : new Agent();
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
  const prefix = await readPrefix(res.body, probeBytes, got.url, ctx);
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

async function follow(method: 'HEAD' | 'GET', start: URL, extra: Record<string, string>, ctx: Context): Promise<{ url: URL; res: Dispatcher.ResponseData }> {
  const visited = new Set<string>();
  let current = start;
  for (let hops = 0; ; hops++) {
    visited.add(current.href);
    const res = await send(method, current, extra, ctx);
    const location = header(res, 'location');
    if (!REDIRECTS.has(res.statusCode) || !location) return { url: current, res };
    await res.body.dump().catch(() => undefined);
    const stop = (failure: string) => new Stop({ url: current.href, status: res.statusCode, failure });
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw stop(`The sample URL redirects to “${clip(location)}”, which is not a URL. Use the file's direct link.`);
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw stop(`The sample URL redirects to a ${next.protocol} address, which Novita cannot download. Use the file's direct https link.`);
    if (visited.has(next.href)) throw stop(`The sample URL redirects in a loop (back to ${next.host}${next.pathname}). Fix the link, or use the file's direct address.`);
    if (hops + 1 > ctx.maxRedirects) throw stop(`The sample URL redirects more than ${ctx.maxRedirects} time${ctx.maxRedirects === 1 ? '' : 's'}. Use the file's direct address.`);
    current = next;
  }
}

async function send(method: 'HEAD' | 'GET', url: URL, extra: Record<string, string>, ctx: Context): Promise<Dispatcher.ResponseData> {
  // Built here and nowhere else: no Authorization, no cookies, whatever host the sample (or a redirect) points at.
  const headers = { 'user-agent': ctx.userAgent, accept: 'audio/*, */*;q=0.5', 'accept-encoding': 'identity', ...extra };
  try {
    return await request(url, { method, headers, signal: ctx.signal, dispatcher: ctx.dispatcher });
  } catch (err) {
    throw unreachable(err, url, ctx);
  }
}

async function readPrefix(body: Dispatcher.ResponseData['body'], cap: number, url: URL, ctx: Context): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const room = cap - size;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        // Enough: leaving the loop destroys the stream, so a server that ignored Range sends no more.
        return { bytes: Buffer.concat(chunks, size), complete: false };
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch (err) {
    throw unreachable(err, url, ctx);
  }
  return { bytes: Buffer.concat(chunks, size), complete: true };
}

/** The last bytes of the file, or undefined when the host will not send them; the length is then left unknown. */
async function readTail(url: URL, size: number, ctx: Context): Promise<Uint8Array | undefined> {
  try {
    const res = await send('GET', url, { range: `bytes=${Math.max(0, size - TAIL_BYTES)}-${size - 1}` }, ctx);
    if (res.statusCode !== 206) {
      res.body.destroy();
      return undefined;
    }
    return (await readPrefix(res.body, TAIL_BYTES, url, ctx)).bytes;
  } catch (err) {
    if (err instanceof Stop) return undefined;
    throw err;
  }
}

function unreachable(err: unknown, url: URL, ctx: Context): Error {
  if (ctx.userSignal?.aborted) return cancelled();
  const host = url.host;
  const code = errorCode(err);
  let failure: string;
  if (ctx.deadline.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    failure = `${host} did not answer within ${seconds(ctx.timeoutMs)}. Check the sample URL, or host the sample somewhere that answers faster.`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    failure = `The host ${url.hostname} could not be found. Check the sample URL for typos.`;
  } else if (code === 'ECONNREFUSED') {
    failure = `${host} refused the connection. Check the sample URL and its port, or that the server is running.`;
  } else if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    failure = `The certificate of ${url.hostname} could not be verified (${code}), so Novita may refuse to download from it too. Use a link on a host with a valid certificate.`;
  } else if (code) {
    failure = `Could not reach ${host} (${code}). Check the sample URL and try again.`;
  } else {
    return err instanceof Error ? err : new Error(String(err));
  }
  return new Stop({ url: url.href, status: 0, failure });
}

/** The rules of the issue, without HTTP: refusals (unreachable, not audio, over 10 MB) and overridable warnings. */
export function assessSample(facts: SampleFacts): SamplePreflight {
  const { failure, html, ...known } = facts;
  const playableInWebview = isPlayable(facts.format, facts.codec);
  const warnings: SampleWarning[] = [];
  const done = (refusal?: string): SamplePreflight => ({
    ...stripUndefined(known),
    ok: refusal === undefined,
    playableInWebview,
    summary: summarize(facts),
    ...(refusal === undefined ? {} : { refusal }),
    warnings: refusal === undefined ? warnings : [],
  });
  const host = hostOf(facts.url);
  if (failure) return done(failure);
  if (facts.sizeBytes === 0) return done(`The sample at ${host} is an empty file. Upload it again and use the new link.`);
  if (facts.status < 200 || facts.status >= 300) return done(statusRefusal(facts.status, host));
  if (facts.sizeBytes !== undefined && facts.sizeBytes > MAX_SAMPLE_BYTES) {
    return done(`The sample is ${formatBytes(facts.sizeBytes)}; Novita accepts at most 10 MB. Trim it, or save it as a lower-bitrate MP3, and use the new link.`);
  }
  const type = facts.contentType?.split(';')[0].trim().toLowerCase();
  if (facts.format === undefined) {
    if (html || type?.includes('html')) {
      return done(`${host} sent a web page instead of audio. Check the link: it may need a login, or lead to a download page rather than to the file itself.`);
    }
    return done(`The file at ${host} is not audio Novita can clone from${type ? ` (it is ${type})` : ''}. Use a WAV or MP3 recording.`);
  }
  const label = formatLabel(facts.format, facts.codec);
  if (type && /^(text\/|application\/(json|xml|xhtml))/.test(type)) {
    warnings.push({
      code: 'contentType',
      message: `${host} labels the sample ${type} although it is ${label} audio; Novita may refuse it. If the clone fails, fix the file's type on the server.`,
      overridable: true,
    });
  }
  if (facts.sizeBytes === undefined) {
    warnings.push({ code: 'unknownSize', message: `${host} did not say how large the sample is; Novita refuses samples over 10 MB. Check its size, or clone anyway.`, overridable: true });
  }
  const d = facts.durationSec;
  if (d === undefined) {
    warnings.push({ code: 'unknownDuration', message: `The length of the ${label} sample could not be read; Novita recommends 3–30 s. Check it, or clone anyway.`, overridable: true });
  } else if (round1(d) < MIN_RECOMMENDED_SEC) {
    warnings.push({ code: 'tooShort', message: `The sample is ${formatSeconds(d)} long; Novita recommends 3–30 s. Record a longer one, or clone anyway.`, overridable: true });
  } else if (round1(d) > MAX_RECOMMENDED_SEC) {
    warnings.push({ code: 'tooLong', message: `The sample is ${formatSeconds(d)} long; Novita recommends 3–30 s. Trim it, or clone anyway.`, overridable: true });
  }
  if (!playableInWebview) {
    warnings.push({
      code: 'unplayable',
      message: `The sample is ${label}, which VS Code cannot play in the panel; Novita can still clone from it. Convert it to WAV or MP3 to listen to it here.`,
      overridable: true,
    });
  }
  return done();
}

/** WAV, MP3, Ogg Vorbis and FLAC play in a desktop webview; Opus, AAC and M4A do not (novita-api.md). */
function isPlayable(format: string | undefined, codec: string | undefined): boolean {
  if (!format || !(WEBVIEW_PLAYABLE as readonly string[]).includes(format)) return false;
  return !(format === 'ogg' && /opus/i.test(codec ?? ''));
}

function statusRefusal(status: number, host: string): string {
  if (status === 401 || status === 403) return `The sample URL answered ${status} (${status === 401 ? 'login required' : 'forbidden'}): Novita must be able to download it without logging in. Use a public or pre-signed link.`;
  if (status === 404 || status === 410) return `Nothing was found at the sample URL (${status}). Check the link; it may have expired or been deleted.`;
  if (status === 429) return `${host} is limiting requests (429). Wait a minute and check the sample again.`;
  if (status >= 500) return `The server hosting the sample answered ${status} (a server error). Try again later, or host the sample elsewhere.`;
  if (status >= 300 && status < 400) return `The sample URL answered ${status} without a usable redirect. Use the file's direct link.`;
  return `The sample URL answered ${status} instead of the file. Check the link.`;
}

function summarize(f: SampleFacts): string {
  const parts: string[] = [];
  if (f.format) {
    parts.push(formatLabel(f.format, f.codec));
    if (f.durationSec !== undefined) parts.push(`${f.durationEstimated ? '≈' : ''}${formatSeconds(f.durationSec)}`);
    const rate = f.sampleRate ? `${trimNumber(f.sampleRate / 1000, 2)} kHz` : '';
    const channels = f.channels === 1 ? 'mono' : f.channels === 2 ? 'stereo' : f.channels ? `${f.channels} channels` : '';
    if (rate || channels) parts.push([rate, channels].filter(Boolean).join(' '));
  } else if (f.failure) {
    parts.push(f.status ? `HTTP ${f.status}` : 'No answer');
  } else {
    if (f.status < 200 || f.status >= 300) parts.push(`HTTP ${f.status}`);
    parts.push(f.html ? 'web page' : (f.contentType?.split(';')[0].trim() ?? 'not audio'));
  }
  if (f.sizeBytes !== undefined) parts.push(formatBytes(f.sizeBytes));
  return parts.join(' · ');
}

function formatLabel(format: string, codec: string | undefined): string {
  if (format === 'ogg') return /opus/i.test(codec ?? '') ? 'Ogg Opus' : /flac/i.test(codec ?? '') ? 'Ogg FLAC' : 'Ogg Vorbis';
  return format.toUpperCase();
}

function formatSeconds(sec: number): string {
  return `${round1(sec).toFixed(1)} s`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${trimNumber(ms / 1000, 1)} s` : `${Math.round(ms / 1000)} s`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function trimNumber(x: number, decimals: number): string {
  return String(Number(x.toFixed(decimals)));
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

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
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

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown }; errors?: { code?: unknown }[] } | undefined;
  for (const c of [e?.code, e?.cause?.code, e?.errors?.[0]?.code]) if (typeof c === 'string') return c;
  // an aborted signal surfaces as a DOMException-like AbortError/TimeoutError without a code
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'ABORTED';
  return undefined;
}

function cancelled(): NovitaError {
  return new NovitaError('cancelled', 'Cancelled.');
}
