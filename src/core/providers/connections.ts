// The client for a provider with its own key: Novita's through NovitaConnections (unchanged: one keyed client per
// key + settings), Zhipu's the same way (rebuilt when its key or settings change). Each key is read from the
// SecretsPort by provider and never kept beyond the client that uses it.
import { CoreError } from '../errors';
import type { ConnectionSettings, LogPort, ProgressPort, SecretsPort } from '../flows/ports';
import { NovitaConnections } from '../novita/connections';
import type { NovitaClient } from '../novita/client';
import { ZhipuClient, ZHIPU_BASE_URL, type ZhipuRequestLogEntry } from '../zhipu/client';
import { NovitaProvider } from './novita';
import type { Provider, ProviderId } from './port';
import { ZhipuProvider } from './zhipu';

export interface ZhipuSettings {
  /** Default ZHIPU_BASE_URL; the double's for tests and `npm start`. */
  apiBaseUrl: string;
  /** Keep the uploaded sample at Zhipu after a clone (default: deleted). */
  keepUploadedSample: boolean;
}

export const DEFAULT_ZHIPU_SETTINGS: ZhipuSettings = { apiBaseUrl: ZHIPU_BASE_URL, keepUploadedSample: false };

export interface ProviderConnectionPorts {
  secrets: SecretsPort;
  log: LogPort;
  /** Novita's settings; Zhipu's client takes its timeout and proxy from here too. Read on every request. */
  settings: () => ConnectionSettings;
  zhipu?: () => ZhipuSettings;
  /** An existing NovitaConnections to share (the editor's, the CLI's); default a new one over the same ports. */
  novita?: NovitaConnections;
}

export class ProviderConnections {
  readonly novita: NovitaConnections;
  private novitaAdapter: { client: NovitaClient; endpoint: string; adapter: NovitaProvider } | undefined;
  private zhipuClient: { adapter: ZhipuProvider; signature: string } | undefined;
  private readonly retryListeners = new Set<ProgressPort>();

  constructor(private readonly ports: ProviderConnectionPorts) {
    this.novita = ports.novita ?? new NovitaConnections({ secrets: ports.secrets, log: ports.log, settings: ports.settings });
  }

  zhipuSettings(): ZhipuSettings {
    return this.ports.zhipu?.() ?? DEFAULT_ZHIPU_SETTINGS;
  }

  /** A provider's base URL, without building a client (the chunk cache's key). */
  endpoint(id: ProviderId): string {
    return id === 'zhipu' ? this.zhipuSettings().apiBaseUrl : this.ports.settings().apiBaseUrl;
  }

  /** The provider with its key. Throws CoreError 'unauthorized' (missing, with the provider's source) when none is set. */
  async provider(id: ProviderId): Promise<Provider> {
    if (id === 'novita') {
      const client = await this.novita.api();
      const endpoint = this.ports.settings().apiBaseUrl;
      // One adapter per client: the synthesizer's refusal latch tells clients (and so keys) apart by identity.
      if (this.novitaAdapter?.client !== client || this.novitaAdapter.endpoint !== endpoint) this.novitaAdapter = { client, endpoint, adapter: new NovitaProvider(client, endpoint) };
      return this.novitaAdapter.adapter;
    }
    const key = await this.ports.secrets.apiKey('zhipu');
    if (!key) throw new CoreError({ kind: 'unauthorized', cause: 'missing', source: 'zhipu' });
    const settings = this.ports.settings();
    const zhipu = this.zhipuSettings();
    const signature = JSON.stringify([settings.requestTimeoutMs, settings.proxy, zhipu.apiBaseUrl, key.length, fingerprint(key)]);
    if (this.zhipuClient?.signature === signature) return this.zhipuClient.adapter;
    this.resetZhipu();
    const client = new ZhipuClient({
      baseUrl: zhipu.apiBaseUrl,
      apiKey: key,
      timeoutMs: settings.requestTimeoutMs,
      proxy: settings.proxy,
      log: (e) => this.logRequest(e),
      onRetry: (r) => {
        const seconds = Math.max(1, Math.round(r.delayMs / 1000));
        this.ports.log.warn(`zhipu: retrying in ${seconds} s (attempt ${r.attempt}: ${r.reason})`);
        for (const listener of this.retryListeners) listener({ step: 'retryWait', seconds, provider: 'zhipu' });
      },
    });
    const adapter = new ZhipuProvider(client, (fileId) => this.ports.log.warn(`zhipu: the uploaded sample ${fileId} could not be deleted`));
    this.zhipuClient = { adapter, signature };
    return adapter;
  }

  /** Runs `fn` while `listener` hears of every retry wait, at either provider. */
  async withRetryNotices<T>(listener: ProgressPort | undefined, fn: () => Promise<T>): Promise<T> {
    if (!listener) return fn();
    this.retryListeners.add(listener);
    try {
      return await this.novita.withRetryNotices(listener, fn);
    } finally {
      this.retryListeners.delete(listener);
    }
  }

  /** Closes Zhipu's client (a new key or settings): the next request builds another. */
  resetZhipu(): void {
    void this.zhipuClient?.adapter.client.close();
    this.zhipuClient = undefined;
  }

  dispose(): void {
    this.resetZhipu();
    this.novitaAdapter = undefined;
    if (!this.ports.novita) this.novita.dispose();
  }

  private logRequest(e: ZhipuRequestLogEntry): void {
    const line = `${e.method} ${e.url} → ${e.status ?? e.error ?? '?'}${e.code ? ` [${e.code}]` : ''} (${Math.round(e.ms)} ms)`;
    if (e.error || (e.status ?? 0) >= 400) this.ports.log.warn(line);
    else this.ports.log.info(line);
  }
}

/** A cheap fingerprint so a changed key rebuilds the client without keeping a second copy of the key around. */
function fingerprint(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
