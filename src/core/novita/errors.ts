// Every failure of a Novita call becomes one NovitaError: a kind the host can branch on and a sentence a person can act on.

export type NovitaErrorKind =
  | 'badRequest'
  | 'unauthorized'
  | 'forbidden'
  | 'rateLimited'
  | 'server'
  | 'timeout'
  | 'network'
  | 'malformed'
  | 'cancelled'
  | 'taskFailed'
  | 'notFound'
  | 'tooLarge'
  | 'notAudio'
  | 'insecureUrl'
  | 'redirectLoop';

/** The brand `isNovitaError` looks for: `instanceof` fails across separately bundled copies of this class. */
export const NOVITA_ERROR_BRAND = 'glm-voice-clone/novita-error';

export const DETAIL_MAX_CHARS = 300;

export interface NovitaErrorInit {
  status?: number;
  field?: string;
  retryAfterMs?: number;
  detail?: string;
  /** The clone task that was accepted before the failure, so the user can tell a clone may still finish. */
  taskId?: string;
  /** Removed from the message and detail wherever it appears. */
  secret?: string;
}

export class NovitaError extends Error {
  readonly brand = NOVITA_ERROR_BRAND;
  readonly kind: NovitaErrorKind;
  readonly status?: number;
  readonly field?: string;
  readonly retryAfterMs?: number;
  readonly detail?: string;
  readonly taskId?: string;

  constructor(kind: NovitaErrorKind, message: string, init: NovitaErrorInit = {}) {
    super(redact(message, init.secret));
    this.name = 'NovitaError';
    this.kind = kind;
    if (init.status !== undefined) this.status = init.status;
    if (init.field !== undefined) this.field = init.field;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.detail !== undefined) this.detail = sanitizeDetail(init.detail, init.secret);
    if (init.taskId !== undefined) this.taskId = init.taskId;
  }
}

/** Duck-typed guard: works on errors thrown by another bundle's copy of NovitaError. */
export function isNovitaError(x: unknown): x is NovitaError {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as { brand?: unknown }).brand === NOVITA_ERROR_BRAND &&
    typeof (x as { kind?: unknown }).kind === 'string' &&
    typeof (x as { message?: unknown }).message === 'string'
  );
}

/** `text` with every occurrence of `secret` (raw or URL-encoded) and any bearer token replaced by "***". */
export function redact(text: string, secret?: string): string {
  let out = text;
  if (secret) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  }
  return out.replace(/\b(Bearer)\s+[^\s"',;]+/gi, '$1 ***');
}

/** A server-supplied reason fit for a message: one line, no control characters, no secret, at most `max` characters. */
export function sanitizeDetail(text: string, secret?: string, max = DETAIL_MAX_CHARS): string {
  // eslint-disable-next-line no-control-regex
  const flat = redact(text, secret).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** What the caller knows about the request when mapping an HTTP error status. */
export interface StatusContext {
  /** Fields of the request body, so a 400 can name the one the server complained about. */
  fields?: readonly string[];
  retryAfterMs?: number;
  secret?: string;
  /** Path (no query) of the request, for 404s. */
  path?: string;
  what?: 'api' | 'download';
}

export interface NovitaErrorBody {
  code?: unknown;
  reason?: unknown;
  message?: unknown;
  metadata?: unknown;
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
  if (!detail) return undefined;
  let best: { field: string; at: number } | undefined;
  for (const field of fields) {
    const m = new RegExp(`(^|[^A-Za-z0-9_])${field}(?![A-Za-z0-9_])`).exec(detail);
    if (m && (!best || m.index < best.at)) best = { field, at: m.index };
  }
  return best?.field;
}

function withDetail(sentence: string, detail?: string): string {
  return detail ? `${sentence} Novita said: “${detail}”` : sentence;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The NovitaError for a non-2xx answer. */
export function errorForStatus(status: number, bodyText: string, contentType: string | undefined, ctx: StatusContext = {}): NovitaError {
  const { detail: raw, body } = errorBodyDetail(bodyText, contentType);
  const detail = raw === undefined ? undefined : sanitizeDetail(raw, ctx.secret);
  const base = { status, detail, secret: ctx.secret, retryAfterMs: ctx.retryAfterMs };
  const download = ctx.what === 'download';
  if (status === 401) {
    if (download) return new NovitaError('forbidden', `The audio host refused the download (401). The link may need a login or may have expired.`, base);
    return new NovitaError('unauthorized', 'Novita rejected the API key (401). Set a valid key with “GLM Voice Clone: Set API Key”.', base);
  }
  if (status === 403) {
    if (download) return new NovitaError('forbidden', 'The audio host refused the download (403). Preview links expire: request the audio again.', base);
    return new NovitaError(
      'forbidden',
      withDetail('Novita refused the request (403): this key has no access to the GLM voice-clone model, or identity verification is needed at novita.ai.', detail),
      base,
    );
  }
  if (status === 404) {
    const where = ctx.path ? ` for ${ctx.path}` : '';
    if (download) return new NovitaError('notFound', `The audio file is gone (404)${where}. Preview links expire: request the audio again.`, base);
    return new NovitaError('notFound', withDetail(`Novita answered “not found” (404)${where}. Check the API base URL setting.`, detail), base);
  }
  if (status === 413) return new NovitaError('tooLarge', withDetail('Novita refused the request as too large (413).', detail), base);
  if (status === 429) {
    const wait = ctx.retryAfterMs !== undefined ? `wait ${seconds(ctx.retryAfterMs)} s` : 'wait a few seconds';
    return new NovitaError('rateLimited', `Novita's rate limit was reached; ${wait} and try again.`, base);
  }
  if (status >= 500) {
    const wait = ctx.retryAfterMs !== undefined ? `retry in ${seconds(ctx.retryAfterMs)} s` : 'retry in a moment';
    return new NovitaError('server', `${download ? 'The audio host' : 'Novita'} is busy (${status}); ${wait}.`, base);
  }
  if (status >= 400) {
    const field = fieldFromErrorBody(body, detail, ctx.fields ?? []);
    const subject = field ? `“${field}”` : 'the request';
    return new NovitaError('badRequest', withDetail(`Novita did not accept ${subject} (${status}).`, detail), { ...base, field });
  }
  return new NovitaError('malformed', `Novita sent an answer this extension does not understand (unexpected status ${status}).`, base);
}

/** Error for an answer that parsed but is not what the contract promises. */
export function malformed(what: string, secret?: string): NovitaError {
  return new NovitaError('malformed', `Novita sent an answer this extension does not understand (${sanitizeDetail(what, secret, 160)}).`, { secret });
}
