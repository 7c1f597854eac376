// The one NovitaClient (and so the one pooled undici dispatcher) for the current settings and key, rebuilt when
// either changes, and a keyless one for sample checks and downloads, which never need (and never get) the key.
import { CoreError } from '../errors';
import type { ConnectionSettings, LogPort, ProgressPort, SecretsPort } from '../flows/ports';
import { NovitaClient, type RequestLogEntry } from './client';

export interface ConnectionPorts {
  secrets: SecretsPort;
  log: LogPort;
  /** Read on every request: a changed setting builds a new client. */
  settings: () => ConnectionSettings;
}

export class NovitaConnections {
  private client: { instance: NovitaClient; signature: string; settings: string } | undefined;
  private sampleClient: { instance: NovitaClient; signature: string } | undefined;
  private readonly retryListeners = new Set<ProgressPort>();

  constructor(private readonly ports: ConnectionPorts) {}

  /** The client for the current key. Throws CoreError 'unauthorized' (missing) when there is none. */
  async api(): Promise<NovitaClient> {
    const key = await this.ports.secrets.apiKey();
    if (!key) throw new CoreError({ kind: 'unauthorized', cause: 'missing' });
    const settings = this.ports.settings();
    const signature = keyedSignature(settings, key);
    if (this.client?.signature === signature) return this.client.instance;
    this.reset();
    const instance = new NovitaClient({
      baseUrl: settings.apiBaseUrl,
      apiKey: key,
      timeoutMs: settings.requestTimeoutMs,
      proxy: settings.proxy,
      log: (e) => this.logRequest(e),
      onRetry: (r) => {
        const seconds = Math.max(1, Math.round(r.delayMs / 1000));
        this.ports.log.warn(`retrying in ${seconds} s (attempt ${r.attempt}: ${r.reason})`);
        for (const listener of this.retryListeners) listener({ step: 'retryWait', seconds });
      },
    });
    this.client = { instance, signature, settings: JSON.stringify(settings) };
    return instance;
  }

  /**
   * True when the client in use was built for these settings (and this key, when given): a change event that arrives
   * after `api()` already rebuilt the client for the change must not close it under a request it is serving.
   */
  isBuiltFor(settings: ConnectionSettings, key?: string): boolean {
    if (!this.client) return false;
    return key === undefined ? this.client.settings === JSON.stringify(settings) : this.client.signature === keyedSignature(settings, key);
  }

  /** A client without the key, for sample checks and sample playback. */
  keyless(): NovitaClient {
    const settings = this.ports.settings();
    const signature = JSON.stringify(settings);
    if (this.sampleClient?.signature === signature) return this.sampleClient.instance;
    void this.sampleClient?.instance.close();
    const instance = new NovitaClient({
      baseUrl: settings.apiBaseUrl,
      keyless: true,
      timeoutMs: settings.requestTimeoutMs,
      proxy: settings.proxy,
      log: (e) => this.ports.log.info(requestLine(e)),
    });
    this.sampleClient = { instance, signature };
    return instance;
  }

  /** Runs `fn` while `listener` hears of every retry wait, so a progress display can show it. */
  async withRetryNotices<T>(listener: ProgressPort | undefined, fn: () => Promise<T>): Promise<T> {
    if (!listener) return fn();
    this.retryListeners.add(listener);
    try {
      return await fn();
    } finally {
      this.retryListeners.delete(listener);
    }
  }

  /** Closes the keyed client (a new key or settings): the next request builds another. */
  reset(): void {
    void this.client?.instance.close();
    this.client = undefined;
  }

  dispose(): void {
    this.reset();
    void this.sampleClient?.instance.close();
    this.sampleClient = undefined;
  }

  private logRequest(e: RequestLogEntry): void {
    if (e.error || (e.status ?? 0) >= 400) this.ports.log.warn(requestLine(e));
    else this.ports.log.info(requestLine(e));
  }
}

function requestLine(e: RequestLogEntry): string {
  return `${e.method} ${e.url} → ${e.status ?? e.error ?? '?'} (${Math.round(e.ms)} ms)`;
}

function keyedSignature(settings: ConnectionSettings, key: string): string {
  return JSON.stringify([settings, key.length, fingerprint(key)]);
}

/** A cheap fingerprint so a changed key rebuilds the client without keeping a second copy of the key around. */
function fingerprint(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
