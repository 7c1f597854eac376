// The editor's side of the Novita connection: the core's NovitaConnections fed by SecretStorage (asking for a key
// when none is set), VS Code's settings and proxy, and the output channel; rebuilt when any of them changes.
import vscode = require('vscode');
import type { ConnectionSettings } from '../../core/flows/ports';
import { NovitaConnections } from '../../core/novita/connections';
import { ProviderConnections } from '../../core/providers/connections';
import type { ProviderId } from '../../core/providers/port';
import type { ApiKeyStore } from '../platform/apiKey';
import { readProviderSettings, readProxySettings, readSettings, SECTION } from '../platform/config';
import type { Log } from '../platform/log';

export function connectionSettings(): ConnectionSettings {
  const settings = readSettings();
  const proxy = readProxySettings();
  return {
    apiBaseUrl: settings.apiBaseUrl,
    requestTimeoutMs: settings.requestTimeoutMs,
    ...(proxy.off ? {} : { proxy: { url: proxy.url, strictSSL: proxy.strictSSL, noProxy: proxy.noProxy, useEnv: true } }),
  };
}

export class NovitaService implements vscode.Disposable {
  readonly connections: NovitaConnections;
  readonly providers: ProviderConnections;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    readonly keys: ApiKeyStore,
    readonly log: Log,
  ) {
    const secrets = {
      apiKey: async (provider?: ProviderId) => {
        // Zhipu's key is never asked for here (no prompt for a provider the user may not use).
        const key = provider === 'zhipu' ? await keys.getFor('zhipu') : await keys.require();
        // Registered before the first request, so no log line can carry it.
        if (key) log.redact(key);
        return key;
      },
    };
    this.connections = new NovitaConnections({ secrets, log, settings: connectionSettings });
    // Zhipu beside it (a voice recorded as Zhipu's is spoken there); Novita's requests still go through `connections`.
    this.providers = new ProviderConnections({ secrets, log, settings: connectionSettings, zhipu: () => readProviderSettings().zhipu, novita: this.connections });
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        // api() rebuilds by itself for new settings; an event that arrives after that rebuild must not close the new
        // client under a request it is already serving.
        if ((e.affectsConfiguration(SECTION) || e.affectsConfiguration('http')) && !this.connections.isBuiltFor(connectionSettings())) this.connections.reset();
      }),
      // Zhipu's client is rebuilt by ProviderConnections itself when its key changes.
      keys.onDidChange((provider) => provider === 'novita' && void this.resetUnlessBuiltFor(this.keys.get())),
    );
  }

  /** After a key change: keeps a client that api() already built for the new key (the event can come late). */
  private async resetUnlessBuiltFor(key: Promise<string | undefined>): Promise<void> {
    const current = await key.catch(() => undefined);
    if (!current || !this.connections.isBuiltFor(connectionSettings(), current)) this.connections.reset();
  }

  dispose(): void {
    this.providers.dispose();
    this.connections.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
