// Zhipu's error answers ({ error: { code, message } }, code a string of digits) as problems with data
// (shared/zhipu-api.md, "Errors"): the HTTP status gives the class, `error.code` the detail.
import { sanitizeDetail, type Problem } from '../errors';
import { fieldInDetail } from '../http/answers';

export interface ZhipuErrorBody {
  error?: { code?: unknown; message?: unknown };
}

/** What the caller knows about the request when mapping an error. */
export interface ZhipuStatusContext {
  /** Fields of the request body, so a 400 can name the one the server complained about. */
  fields?: readonly string[];
  retryAfterMs?: number;
  secret?: string;
  /** Path (no query) of the request, for 404s. */
  path?: string;
}

/** Zhipu's codes that a retry after a pause can cure: rate limit, (older) frequency limit, model overloaded. */
export const ZHIPU_RETRYABLE_CODES: ReadonlySet<string> = new Set(['1302', '1303', '1305']);

/** `{ code, message }` of Zhipu's error body (or of a stream's `error` line), or the raw text when it is not one. */
export function zhipuErrorDetail(bodyText: string, contentType?: string): { code?: string; detail?: string } {
  const text = bodyText.trim();
  if (!text) return {};
  if (/html/i.test(contentType ?? '') || /^<(!doctype|html)/i.test(text)) return { detail: 'the server answered with a web page' };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return errorObjectDetail((parsed as ZhipuErrorBody).error);
  } catch {
    // not JSON: the raw text
  }
  return { detail: text };
}

/** `{ code, message }` of an `error` object; a numeric code is read as its digits. */
export function errorObjectDetail(error: unknown): { code?: string; detail?: string } {
  if (!error || typeof error !== 'object') return {};
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' && e.code.trim() !== '' ? e.code.trim() : typeof e.code === 'number' ? String(e.code) : undefined;
  const detail = typeof e.message === 'string' && e.message.trim() !== '' ? e.message : undefined;
  return { code, detail };
}

/**
 * The problem Zhipu's `code` (with the HTTP `status`, when there is one) reports. The code decides where it is known
 * (it is the more precise of the two); otherwise the status class does.
 */
export function problemForZhipuCode(code: string | undefined, status: number | undefined, rawDetail: string | undefined, ctx: ZhipuStatusContext = {}): Problem {
  const source = 'zhipu' as const;
  const detail = rawDetail === undefined ? undefined : sanitizeDetail(rawDetail, ctx.secret);
  const retryAfterMs = ctx.retryAfterMs;
  switch (code) {
    case '1000':
    case '1001':
    case '1002':
    case '1003':
    case '1004':
      return { kind: 'unauthorized', cause: 'rejected', status: status ?? 401, source, code };
    case '1113':
      return { kind: 'noBalance', source, status, code, detail };
    case '1301':
      return { kind: 'contentFiltered', source, status, code, detail };
    case '1302':
    case '1303':
      return { kind: 'rateLimited', status: status ?? 429, retryAfterMs, source, code };
    case '1304':
      return { kind: 'quotaReached', source, status, code, detail };
    case '1305':
      return { kind: 'server', source, status: status ?? 429, retryAfterMs, code };
    case '1220':
      return { kind: 'forbidden', source, status: status ?? 403, detail };
    case '1210':
    case '1211':
    case '1212':
    case '1213':
    case '1214':
    case '1261':
      return { kind: 'badRequest', status: status ?? 400, field: fieldInDetail(detail, ctx.fields ?? []), detail, source, code };
    case '1200':
    case '1230':
    case '1234':
      return { kind: 'server', source, status: status ?? 500, retryAfterMs, code };
  }
  if (status === undefined) return { kind: 'server', source, status: 500, code };
  if (status === 401) return { kind: 'unauthorized', cause: 'rejected', status, source, code };
  if (status === 403) return { kind: 'forbidden', source, status, detail };
  if (status === 404) return { kind: 'notFound', source, path: ctx.path, detail };
  if (status === 429) return { kind: 'rateLimited', status, retryAfterMs, source, code };
  if (status >= 500) return { kind: 'server', source, status, retryAfterMs, code };
  if (status >= 400) return { kind: 'badRequest', status, field: fieldInDetail(detail, ctx.fields ?? []), detail, source, code };
  return { kind: 'malformed', what: `unexpected status ${status}`, source };
}

/** The problem a non-2xx answer of Zhipu's API reports. */
export function problemForZhipuStatus(status: number, bodyText: string, contentType: string | undefined, ctx: ZhipuStatusContext = {}): Problem {
  const { code, detail } = zhipuErrorDetail(bodyText, contentType);
  return problemForZhipuCode(code, status, detail, ctx);
}

/**
 * Whether a failed answer is worth repeating after a pause: the rate limit and overload codes always; a 429 without a
 * known code; a 5xx only when the request is safe to repeat (a clone that failed with 500 may exist anyway).
 * Never the arrears (1113), the content filter (1301), the daily quota (1304) or a parameter error (12xx).
 */
export function isRetryableZhipu(status: number, code: string | undefined, idempotent: boolean): boolean {
  if (code !== undefined && ZHIPU_RETRYABLE_CODES.has(code)) return true;
  if (code === '1113' || code === '1301' || code === '1304' || (code !== undefined && /^12\d\d$/.test(code) && status < 500)) return false;
  if (status === 429) return code === undefined;
  return status >= 500 && idempotent;
}
