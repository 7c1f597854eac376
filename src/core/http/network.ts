// The one map from a failed connection to what it means: timed out, host unknown, refused, certificate not
// trusted, or dropped; and whether the request can have left this machine.

/** Node's codes for a certificate it does not trust. */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Failures that happen before a request leaves this machine: repeating or reporting them cannot double a clone. */
const NOTHING_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  ...TLS_TRUST_CODES,
]);

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export type NetworkFailure =
  /** No answer in time (our deadline, or undici's own header/body/connect timeouts). */
  | 'timeout'
  /** The host name does not resolve. */
  | 'hostNotFound'
  | 'refused'
  /** The TLS handshake failed on a certificate this machine does not trust. */
  | 'certificate'
  /** Anything else with an error code, or an error without one. */
  | 'other';

export interface NetworkError {
  failure: NetworkFailure;
  /** Node's or undici's code, else the error's name. */
  code: string;
  /** Nothing can have reached the server (refused, unresolved, TLS failed): safe to repeat, and no clone was made. */
  nothingSent: boolean;
  /** ECONNREFUSED: worth a retry after a pause (a restarting server). */
  retryable: boolean;
}

/** The code of an error from undici or Node, looking into `cause` and AggregateError's `errors`. */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown }; errors?: { code?: unknown }[] } | undefined;
  for (const c of [e?.code, e?.cause?.code, e?.errors?.[0]?.code]) if (typeof c === 'string') return c;
  return undefined;
}

/** What a transport error means. `timedOut`: the caller's own deadline fired. */
export function classifyNetworkError(err: unknown, timedOut = false): NetworkError {
  const code = errorCode(err);
  const name = err instanceof Error ? err.name : 'error';
  const label = code ?? name;
  const nothingSent = code !== undefined && NOTHING_SENT.has(code);
  let failure: NetworkFailure = 'other';
  if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code)) || name === 'TimeoutError') failure = 'timeout';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') failure = 'hostNotFound';
  else if (code === 'ECONNREFUSED') failure = 'refused';
  else if (code !== undefined && (TLS_TRUST_CODES.has(code) || /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))) failure = 'certificate';
  return { failure, code: label, nothingSent, retryable: code === 'ECONNREFUSED' };
}
