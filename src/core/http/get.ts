// One GET that follows redirects by hand (so every hop is checked and the key never follows one), and one capped
// body reader: used for preview downloads and sample checks alike.
import type { ResponseData } from './undici';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Why a redirect chain was abandoned. */
export type RedirectProblem =
  | { code: 'notUrl'; location: string; status: number; from: URL }
  | { code: 'scheme'; protocol: string; status: number; from: URL }
  | { code: 'loop'; target: URL; status: number; from: URL }
  | { code: 'tooMany'; max: number; status: number; from: URL };

export class RedirectError extends Error {
  constructor(readonly problem: RedirectProblem) {
    super(`redirect ${problem.code}`);
    this.name = 'RedirectError';
  }
}

/**
 * Sends `send(url)` and follows 301/302/303/307/308 answers with a Location, up to `maxRedirects`, to http(s) URLs
 * only and never back to a URL already visited. Returns the first answer that is not such a redirect (a 3xx without
 * a Location included) with the URL that gave it; throws RedirectError when the chain is abandoned.
 */
export async function followRedirects(
  start: URL,
  send: (url: URL) => Promise<ResponseData>,
  maxRedirects: number,
): Promise<{ url: URL; res: ResponseData }> {
  const visited = new Set<string>();
  let current = start;
  for (let hops = 0; ; hops++) {
    visited.add(current.href);
    const res = await send(current);
    const location = headerValue(res, 'location');
    if (!REDIRECT_STATUSES.has(res.statusCode) || !location) return { url: current, res };
    await res.body.dump().catch(() => undefined);
    const status = res.statusCode;
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new RedirectError({ code: 'notUrl', location, status, from: current });
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new RedirectError({ code: 'scheme', protocol: next.protocol, status, from: current });
    if (visited.has(next.href)) throw new RedirectError({ code: 'loop', target: next, status, from: current });
    if (hops + 1 > maxRedirects) throw new RedirectError({ code: 'tooMany', max: maxRedirects, status, from: current });
    current = next;
  }
}

export function headerValue(res: ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The whole body, or `onOver()` thrown (and the stream destroyed) once it passes `cap` bytes. */
export async function readCapped(body: ResponseData['body'], cap: number, onOver: () => Error): Promise<Buffer> {
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

/** At most the first `cap` bytes; `complete` when the body ended within them (leaving early destroys the stream). */
export async function readPrefix(body: ResponseData['body'], cap: number): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
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
  return { bytes: Buffer.concat(chunks, size), complete: true };
}

/** Retry-After as milliseconds: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** URL fit for a log line: the query's values are elided except task_id. */
export function urlForLog(url: URL): string {
  if (!url.search) return `${url.origin}${url.pathname}`;
  const parts = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${k === 'task_id' ? encodeURIComponent(v) : '…'}`);
  return `${url.origin}${url.pathname}?${parts.join('&')}`;
}

export function abortableSleep(ms: number, signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(onAbort());
    const abort = () => {
      clearTimeout(timer);
      reject(onAbort());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
