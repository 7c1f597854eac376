// Zhipu's cloned voices (`GET /voice/list`) for the library view: fetched when a Zhipu key is set, when the view is
// first shown, on Refresh, after a deletion and when the key or the base URL changes; kept in memory between fetches. A failure is
// kept as its words (the tree shows them on a row of their own) and never touches the local records.
import vscode = require('vscode');
import type { RemoteList } from '../../core/library/remoteVoices';
import type { ProviderVoice } from '../../core/providers/port';
import type { ApiKeyStore } from '../platform/apiKey';
import { describe } from '../platform/describe';
import { Disposable } from '../platform/dispose';
import type { NovitaService } from '../services/novitaService';

export type RemoteVoicesState = { kind: 'noKey' } | { kind: 'loading' } | { kind: 'listed'; list: RemoteList; at: number } | { kind: 'failed'; message: string };

export class RemoteVoices extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private current: RemoteVoicesState | undefined;
  private running: Promise<RemoteVoicesState> | undefined;

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly novita: NovitaService,
  ) {
    super();
    this._register(keys.onDidChange((provider) => provider === 'zhipu' && void this.refresh()));
    // Another base URL is another list (a double's, the international host's): fetched again once one was shown.
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('glmVoiceClone.zhipu.apiBaseUrl') && this.current && void this.refresh()));
  }

  /** What is known now (undefined until the first fetch was asked for). */
  get state(): RemoteVoicesState | undefined {
    return this.current;
  }

  /** The voices last listed, when the last fetch succeeded. */
  get voices(): readonly ProviderVoice[] | undefined {
    return this.current?.kind === 'listed' ? this.current.list.voices : undefined;
  }

  /** Fetches once if nothing was fetched yet. */
  ensure(): Promise<RemoteVoicesState> {
    return this.current && this.current.kind !== 'loading' ? Promise.resolve(this.current) : this.refresh();
  }

  /** Fetches the list again (one fetch at a time: a call during one waits for it). */
  refresh(): Promise<RemoteVoicesState> {
    this.running ??= this.fetch().finally(() => (this.running = undefined));
    return this.running;
  }

  private async fetch(): Promise<RemoteVoicesState> {
    const set = (s: RemoteVoicesState) => {
      this.current = s;
      this.changed.fire();
      return s;
    };
    if (!(await this.keys.has('zhipu').catch(() => false))) return set({ kind: 'noKey' });
    if (this.current?.kind !== 'listed') set({ kind: 'loading' });
    try {
      const provider = await this.novita.providers.provider('zhipu');
      const voices = await provider.listVoices({ signal: AbortSignal.timeout(30_000) });
      return set({ kind: 'listed', list: { provider: 'zhipu', voices }, at: Date.now() });
    } catch (err) {
      this.novita.log.warn(`zhipu: the voice list could not be fetched (${err instanceof Error ? err.name : 'error'})`);
      return set({ kind: 'failed', message: describe(err).message });
    }
  }
}
