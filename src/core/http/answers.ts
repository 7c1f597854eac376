// What both API clients (Novita's and Zhipu's) do alike with a request and its answer: the key checked before it can
// be a header, a JSON answer read within its cap, a speech answer checked against the format asked for, a download's
// first URL and its redirects' failures mapped to CoreErrors, and a log line that can never break a request or carry
// the key. Each client keeps what is its own (its statuses, its error bodies, retries, streaming).
import { looksLikeHtml, sniffAudio } from '../audio/sniff';
import { tryParseWavHeader } from '../audio/wav';
import { CoreError, sanitizeDetail, type Source } from '../errors';
import { headerValue as header, readCapped, RedirectError, urlForLog } from './get';
import type { ResponseData } from './undici';

/** The largest JSON answer read (a clone, a task, a voice list are a few hundred bytes). */
export const MAX_JSON_BYTES = 1024 * 1024;

/** The key, trimmed, fit for an Authorization header; throws CoreError `unauthorized` (never echoing it) otherwise. */
export function checkedApiKey(raw: string | undefined, source: Source | undefined, options: { optional?: boolean } = {}): string {
  const key = raw?.trim() ?? '';
  if (!key && !options.optional) throw new CoreError({ kind: 'unauthorized', cause: 'missing', ...(source ? { source } : {}) });
  // A key with spaces or control characters cannot be a header value; say so without echoing it.
  if (key && !/^[\x21-\x7e]+$/.test(key)) throw new CoreError({ kind: 'unauthorized', cause: 'badCharacters', ...(source ? { source } : {}) });
  return key;
}

/** A JSON answer (at most 1 MB); a web page, an empty or unparsable answer is `malformed`. */
export async function readJsonAnswer(res: ResponseData, malformed: (what: string) => CoreError): Promise<unknown> {
  const bytes = await readCapped(res.body, MAX_JSON_BYTES, () => malformed('the answer is larger than 1 MB'));
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    const type = header(res, 'content-type') ?? '';
    throw malformed(/html/i.test(type) || looksLikeHtml(bytes) ? 'a web page instead of JSON' : text.trim() === '' ? 'an empty answer' : 'the answer is not valid JSON');
  }
}

/**
 * A whole speech answer as asked: a WAV file for 'wav'; raw PCM for 'pcm' (a WAV's samples when the server wrapped
 * them anyway). Anything else (a page, JSON, another audio format, nothing) is `malformed`.
 */
export function speechAnswer(bytes: Buffer, contentType: string, format: 'wav' | 'pcm', malformed: (what: string) => CoreError): Buffer {
  if (/json/i.test(contentType)) throw malformed('expected audio, got JSON');
  if (/html|^text\//i.test(contentType) || looksLikeHtml(bytes)) throw malformed('expected audio, got a web page or text');
  if (bytes.length === 0) throw malformed('the audio answer is empty');
  const sniffed = sniffAudio(bytes);
  if (format === 'wav') {
    if (sniffed !== 'wav') throw malformed(`expected a WAV file, got ${sniffed ?? 'unrecognised bytes'}`);
    return bytes;
  }
  if (sniffed === 'wav') {
    const info = tryParseWavHeader(bytes);
    if (!info) throw malformed('a WAV answer without a data chunk');
    return bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
  }
  if (sniffed !== undefined) throw malformed(`expected raw PCM, got ${sniffed}`);
  return bytes;
}

/** The earliest of `fields` named in an error's `detail` (a 400's message names the field it refuses). */
export function fieldInDetail(detail: string | undefined, fields: readonly string[]): string | undefined {
  if (!detail) return undefined;
  let best: { field: string; at: number } | undefined;
  for (const field of fields) {
    const m = new RegExp(`(^|[^A-Za-z0-9_])${field}(?![A-Za-z0-9_])`).exec(detail);
    if (m && (!best || m.index < best.at)) best = { field, at: m.index };
  }
  return best?.field;
}

/** A download's first URL: http or https (a preview link, a sample); CoreError `insecureUrl` otherwise. */
export function downloadStart(url: string, secret: string): URL {
  let start: URL;
  try {
    start = new URL(url);
  } catch {
    throw new CoreError({ kind: 'insecureUrl', problem: 'download', value: sanitizeDetail(url, secret, 80) });
  }
  if (start.protocol !== 'https:' && start.protocol !== 'http:') throw new CoreError({ kind: 'insecureUrl', problem: 'downloadScheme', value: start.protocol.replace(':', '') });
  return start;
}

/** A redirect chain abandoned by `followRedirects`, as the CoreError to throw; any other error as it is. */
export function redirectFailure(err: unknown, secret: string): unknown {
  if (!(err instanceof RedirectError)) return err;
  const p = err.problem;
  if (p.code === 'loop') return new CoreError({ kind: 'redirectLoop', target: sanitizeDetail(urlForLog(p.target), secret) });
  if (p.code === 'tooMany') return new CoreError({ kind: 'redirectLoop', max: p.max });
  if (p.code === 'scheme') return new CoreError({ kind: 'insecureUrl', problem: 'downloadScheme', value: p.protocol.replace(':', '') });
  return new CoreError({ kind: 'notAudio', found: 'badRedirect' });
}

/** Hands `entry` to `sink` with the key taken out of its error; a sink that throws never breaks the request. */
export function logSafely<E extends { error?: string }>(sink: ((e: E) => void) | undefined, entry: E, secret: string): void {
  try {
    const { error, ...rest } = entry;
    sink?.(error === undefined ? (rest as E) : { ...entry, error: sanitizeDetail(error, secret) });
  } catch {
    // logging must never break a request
  }
}
