// The pooled connection for every request: direct, or through the user's proxy (a bundled undici does not get
// VS Code's proxy support, so the settings are applied here).
import { undici, type Dispatcher } from './undici';

export interface ProxyConfig {
  /** An explicit proxy (VS Code's `http.proxy`); takes precedence over the environment. */
  url?: string;
  /** Verify TLS certificates of the proxy and of the hosts reached through it (VS Code's `http.proxyStrictSSL`). */
  strictSSL?: boolean;
  /** Hosts that bypass the proxy, NO_PROXY syntax; defaults to the NO_PROXY environment variable. */
  noProxy?: string;
  /** Use HTTP_PROXY / HTTPS_PROXY / NO_PROXY from the environment when no `url` is given. */
  useEnv?: boolean;
}

/** The first non-empty value among these environment variables. */
function envValue(...names: string[]): string | undefined {
  for (const n of names) {
    const v = process.env[n]?.trim();
    if (v) return v;
  }
  return undefined;
}

/**
 * The dispatcher for `proxy`: an explicit proxy URL first, else HTTPS_PROXY/HTTP_PROXY (with `useEnv`), else direct.
 * Hosts matching `noProxy` (or NO_PROXY when none is configured) go direct, and so do localhost, 127.0.0.1 and ::1:
 * VS Code's own proxy resolver never proxies those either, and a remote proxy could not reach this machine's loopback.
 */
export function createDispatcher(proxy: ProxyConfig | undefined): Dispatcher {
  const { Agent, EnvHttpProxyAgent } = undici();
  const strict = proxy?.strictSSL ?? true;
  const explicit = proxy?.url?.trim();
  const envProxy = proxy?.useEnv ? envValue('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy') : undefined;
  if (!explicit && !envProxy) return new Agent();
  const configured = proxy?.noProxy !== undefined ? proxy.noProxy : envValue('NO_PROXY', 'no_proxy');
  // NO_PROXY=* turns the proxy off; undici only honours a lone "*", which the loopback entries below would hide.
  if (configured?.split(/[,\s]+/).includes('*')) return new Agent();
  const noProxy = [configured ?? '', 'localhost', '127.0.0.1', '[::1]'].filter((s) => s.trim() !== '').join(',');
  const tls = strict ? {} : { requestTls: { rejectUnauthorized: false }, proxyTls: { rejectUnauthorized: false } };
  const http = explicit ?? envValue('HTTP_PROXY', 'http_proxy') ?? envProxy;
  const https = explicit ?? envProxy;
  // proxyTunnel false: plain http goes as an absolute-form request, as proxies expect (many allow CONNECT only to 443);
  // https still goes through a CONNECT tunnel.
  return new EnvHttpProxyAgent({ httpProxy: http, httpsProxy: https, noProxy, proxyTunnel: false, ...tls });
}
