import * as vscode from 'vscode';
import { isNovitaError } from '../../core/novita/errors';
import type { NovitaClient } from '../../core/novita/index';
import { ApiKeyStore } from '../platform/apiKey';
import { readProxySettings, readSettings, SECTION } from '../platform/config';
import { loadNovita } from '../shell/lazy';
import { Log } from '../platform/log';

/** What the user is shown for a failure: one actionable sentence, the field it concerns, a follow-up action. */
export interface UserFacingError {
  message: string;
  field?: 'sampleUrl' | 'transcript' | 'text' | 'voiceName';
  action?: 'setApiKey' | 'retry' | 'cloneAnyway';
  cancelled?: boolean;
}

const API_FIELD_TO_FORM: Record<string, UserFacingError['field']> = {
  audio_url: 'sampleUrl',
  text: 'transcript',
  input: 'text',
  voice_name: 'voiceName',
};

export class MissingKeyError extends Error {
  constructor() {
    super('No Novita API key is set. Run “GLM Voice Clone: Set API Key”, or set NOVITA_API_KEY.');
  }
}

/**
 * Owns the one NovitaClient (and so the one pooled undici dispatcher) for the current settings and key;
 * rebuilds it when either changes. The client bundle is loaded on the first request, never at activation.
 */
export class NovitaService implements vscode.Disposable {
  private client: { instance: NovitaClient; signature: string; settings: string } | undefined;
  /** Keyless: checks and downloads samples, which never need (and never get) the key. */
  private sampleClient: { instance: NovitaClient; signature: string } | undefined;
  private readonly retryListeners = new Set<(message: string) => void>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    readonly keys: ApiKeyStore,
    readonly log: Log,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        // getClient() rebuilds by itself for new settings; an event that arrives after that rebuild must not close
        // the new client under a request it is already serving.
        if ((e.affectsConfiguration(SECTION) || e.affectsConfiguration('http')) && this.client?.settings !== settingsSignature()) this.reset();
      }),
      keys.onDidChange(() => void this.resetUnlessBuiltFor(this.keys.get())),
    );
  }

  /** The client for the current key, asking for a key when none is set. Throws MissingKeyError if the user declines. */
  async getClient(): Promise<NovitaClient> {
    const key = await this.keys.require();
    if (!key) throw new MissingKeyError();
    this.log.redact(key);
    const settings = readSettings();
    const proxy = readProxySettings();
    const signature = JSON.stringify([settings, proxy, key.length, hashKey(key)]);
    if (this.client?.signature === signature) return this.client.instance;
    const builtFor = JSON.stringify([settings, proxy]);
    this.reset();
    const { NovitaClient } = loadNovita();
    const instance = new NovitaClient({
      baseUrl: settings.apiBaseUrl,
      apiKey: key,
      timeoutMs: settings.requestTimeoutMs,
      proxy: this.proxyConfig(proxy),
      log: (e) => {
        const line = `${e.method} ${e.url} → ${e.status ?? e.error ?? '?'} (${Math.round(e.ms)} ms)`;
        if (e.error || (e.status ?? 0) >= 400) this.log.warn(line);
        else this.log.info(line);
      },
      onRetry: (r) => {
        const message = `Novita asked us to wait; retrying in ${Math.max(1, Math.round(r.delayMs / 1000))} s…`;
        this.log.warn(`${message} (attempt ${r.attempt}: ${r.reason})`);
        for (const listener of this.retryListeners) listener(message);
      },
    });
    this.client = { instance, signature, settings: builtFor };
    return instance;
  }

  private proxyConfig(proxy: ReturnType<typeof readProxySettings>) {
    return proxy.off ? undefined : { url: proxy.url, strictSSL: proxy.strictSSL, noProxy: proxy.noProxy, useEnv: true };
  }

  /** A client without the key, for sample checks and sample playback: never asks for a key. */
  getSampleClient(): NovitaClient {
    const settings = readSettings();
    const proxy = readProxySettings();
    const signature = JSON.stringify([settings, proxy]);
    if (this.sampleClient?.signature === signature) return this.sampleClient.instance;
    void this.sampleClient?.instance.close();
    const { NovitaClient } = loadNovita();
    const instance = new NovitaClient({
      baseUrl: settings.apiBaseUrl,
      keyless: true,
      timeoutMs: settings.requestTimeoutMs,
      proxy: this.proxyConfig(proxy),
      log: (e) => this.log.info(`${e.method} ${e.url} → ${e.status ?? e.error ?? '?'} (${Math.round(e.ms)} ms)`),
    });
    this.sampleClient = { instance, signature };
    return instance;
  }

  /** Runs `fn` while `listener` is told of every retry wait ("retrying in 4 s…"), so progress UIs can show it. */
  async withRetryNotices<T>(listener: (message: string) => void, fn: () => Promise<T>): Promise<T> {
    this.retryListeners.add(listener);
    try {
      return await fn();
    } finally {
      this.retryListeners.delete(listener);
    }
  }

  /** Turns anything thrown by a Novita call into what the user should read. Never includes the key. */
  describe(err: unknown): UserFacingError {
    if (err instanceof MissingKeyError) return { message: err.message, action: 'setApiKey' };
    if (isNovitaError(err)) {
      const e = err;
      const out: UserFacingError = { message: e.message };
      if (e.kind === 'cancelled') out.cancelled = true;
      if (e.kind === 'unauthorized') out.action = 'setApiKey';
      // No "Retry" once Novita accepted a clone task: retrying would send (and charge) the clone a second time.
      if ((e.kind === 'server' || e.kind === 'timeout' || e.kind === 'rateLimited' || e.kind === 'network') && !e.taskId) out.action = 'retry';
      if (e.kind === 'badRequest' && e.field) out.field = API_FIELD_TO_FORM[e.field];
      return out;
    }
    if (err instanceof Error && err.name === 'AbortError') return { message: 'Cancelled.', cancelled: true };
    this.log.error(`unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
    return { message: `Something went wrong: ${err instanceof Error ? err.message : String(err)}. See the “GLM Voice Clone” output for details.` };
  }

  /** After a key change: keeps a client that getClient() already built for the new key (the event can come late). */
  private async resetUnlessBuiltFor(key: Promise<string | undefined>): Promise<void> {
    const current = await key.catch(() => undefined);
    const built = this.client;
    if (!built || !current || built.signature !== JSON.stringify([readSettings(), readProxySettings(), current.length, hashKey(current)])) {
      if (this.client === built) this.reset();
    }
  }

  reset(): void {
    void this.client?.instance.close();
    this.client = undefined;
  }

  dispose(): void {
    this.reset();
    void this.sampleClient?.instance.close();
    this.sampleClient = undefined;
    for (const s of this.subscriptions) s.dispose();
  }
}

function settingsSignature(): string {
  return JSON.stringify([readSettings(), readProxySettings()]);
}

/** A cheap fingerprint so a changed key rebuilds the client without keeping a second copy of the key around. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
