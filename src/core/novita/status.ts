// Novita's error answers ({ code, reason, message, metadata }, or whatever came instead) as problems with data.
import { sanitizeDetail, type Problem, type Source } from '../errors';
import { fieldInDetail } from '../http/answers';

export interface NovitaErrorBody {
  code?: unknown;
  reason?: unknown;
  message?: unknown;
  metadata?: unknown;
}

/** What the caller knows about the request when mapping an HTTP error status. */
export interface StatusContext {
  /** Fields of the request body, so a 400 can name the one the server complained about. */
  fields?: readonly string[];
  retryAfterMs?: number;
  secret?: string;
  /** Path (no query) of the request, for 404s. */
  path?: string;
  source?: Source;
}

/** Novita's `{ code, reason, message, metadata }`, or whatever text came instead. */
export function errorBodyDetail(bodyText: string, contentType?: string): { detail?: string; body?: NovitaErrorBody } {
  const text = bodyText.trim();
  if (!text) return {};
  if (/html/i.test(contentType ?? '') || /^<(!doctype|html)/i.test(text)) return { detail: 'the server answered with a web page' };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const body = parsed as NovitaErrorBody;
      const parts = [body.message, body.reason].filter((p): p is string => typeof p === 'string' && p.trim() !== '');
      // The message usually says more than the reason code; keep both only when they differ.
      const detail = parts.length === 2 && parts[0].includes(parts[1]) ? parts[0] : parts.join(' — ');
      return { detail: detail || undefined, body };
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return { detail: text };
}

/** The request field a 400 names: `metadata.field`/`param` first, else the earliest field name in its text. */
export function fieldFromErrorBody(body: NovitaErrorBody | undefined, detail: string | undefined, fields: readonly string[]): string | undefined {
  const meta = body?.metadata;
  if (meta && typeof meta === 'object') {
    for (const key of ['field', 'param', 'parameter', 'name']) {
      const v = (meta as Record<string, unknown>)[key];
      if (typeof v === 'string' && fields.includes(v)) return v;
    }
  }
  return fieldInDetail(detail, fields);
}

/** The problem a non-2xx answer reports. */
export function problemForStatus(status: number, bodyText: string, contentType: string | undefined, ctx: StatusContext = {}): Problem {
  const { detail: raw, body } = errorBodyDetail(bodyText, contentType);
  const detail = raw === undefined ? undefined : sanitizeDetail(raw, ctx.secret);
  const source = ctx.source ?? 'api';
  const retryAfterMs = ctx.retryAfterMs;
  if (status === 401) return source === 'download' ? { kind: 'forbidden', source, status, detail } : { kind: 'unauthorized', cause: 'rejected', status };
  if (status === 403) return { kind: 'forbidden', source, status, detail };
  if (status === 404) return { kind: 'notFound', source, path: ctx.path, detail };
  if (status === 413) return { kind: 'tooLarge', what: 'request', detail, status };
  if (status === 429) return { kind: 'rateLimited', status, retryAfterMs };
  if (status >= 500) return { kind: 'server', source, status, retryAfterMs };
  if (status >= 400) return { kind: 'badRequest', status, field: fieldFromErrorBody(body, detail, ctx.fields ?? []), detail };
  return { kind: 'malformed', what: `unexpected status ${status}` };
}
