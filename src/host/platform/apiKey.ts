import vscode = require('vscode');
import { PROVIDER_IDS, type ProviderId } from '../../core/providers/port';
import { l10n } from './describe';

import { ENV_KEY, SECRET_KEY, ZHIPU_ENV_KEY, ZHIPU_SECRET_KEY } from './apiKeyNames';

export { ENV_KEY, ZHIPU_ENV_KEY } from './apiKeyNames';

/** The API key lives in SecretStorage only; `NOVITA_API_KEY` is read when nothing is stored (headless, CI). */
export class ApiKeyStore {
  /** Fires with the provider whose stored key changed. */
  private readonly changed = new vscode.EventEmitter<ProviderId>();
  readonly onDidChange = this.changed.event;

  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key === ZHIPU_SECRET_KEY) {
        this.zhipuStored = undefined;
        return this.changed.fire('zhipu');
      }
      if (e.key !== SECRET_KEY) return;
      this.stored = undefined;
      this.changed.fire('novita');
    });
  }

  /** The stored key, read once and then kept in memory until SecretStorage says it changed (saves a round trip per request). */
  private stored: Promise<string | undefined> | undefined;

  async get(): Promise<string | undefined> {
    const stored = await (this.stored ??= Promise.resolve(this.secrets.get(SECRET_KEY)).catch((err: unknown) => {
      this.stored = undefined;
      throw err;
    }));
    if (stored) return stored;
    const fromEnv = process.env[ENV_KEY]?.trim();
    return fromEnv || undefined;
  }

  /** Zhipu's stored key, kept like Novita's: every streamed chunk asks for it, and a read is a round trip (code-server). */
  private zhipuStored: Promise<string | undefined> | undefined;

  /** The key of `provider`: Novita's is `get()`; Zhipu's is its own secret (read once, until it changes), else ZHIPU_API_KEY. */
  async getFor(provider: ProviderId): Promise<string | undefined> {
    if (provider === 'novita') return this.get();
    const stored = await (this.zhipuStored ??= Promise.resolve(this.secrets.get(ZHIPU_SECRET_KEY)).catch((err: unknown) => {
      this.zhipuStored = undefined;
      throw err;
    }));
    return stored || process.env[ZHIPU_ENV_KEY]?.trim() || undefined;
  }

  /** Stores (or with an empty key, clears) the key of `provider`. */
  async storeFor(provider: ProviderId, key: string): Promise<void> {
    if (provider === 'novita') return key.trim() ? this.store(key) : this.clear();
    this.zhipuStored = undefined;
    if (key.trim()) await this.secrets.store(ZHIPU_SECRET_KEY, key.trim());
    else await this.secrets.delete(ZHIPU_SECRET_KEY);
    this.zhipuStored = undefined;
  }

  async has(provider: ProviderId = 'novita'): Promise<boolean> {
    return (await this.getFor(provider)) !== undefined;
  }

  /** Whether any provider has a key (stored or in the environment). */
  async hasAny(): Promise<boolean> {
    for (const p of PROVIDER_IDS) if (await this.has(p).catch(() => false)) return true;
    return false;
  }

  /** Where the key of `provider` comes from, never the key itself: what a picker may show. */
  async whereIs(provider: ProviderId): Promise<'stored' | 'environment' | undefined> {
    const stored = await this.secrets.get(provider === 'novita' ? SECRET_KEY : ZHIPU_SECRET_KEY);
    if (stored) return 'stored';
    return process.env[provider === 'novita' ? ENV_KEY : ZHIPU_ENV_KEY]?.trim() ? 'environment' : undefined;
  }

  async store(key: string): Promise<void> {
    this.stored = undefined;
    await this.secrets.store(SECRET_KEY, key.trim());
    this.stored = undefined;
  }

  async clear(): Promise<void> {
    this.stored = undefined;
    await this.secrets.delete(SECRET_KEY);
    this.stored = undefined;
  }

  /** Asks for a key in a password box and stores it. Returns it, or undefined when the user gave up. */
  async prompt(reason?: string, provider: ProviderId = 'novita'): Promise<string | undefined> {
    const zhipu = provider === 'zhipu';
    const key = await vscode.window.showInputBox({
      title: zhipu ? l10n.t('GLM Voice Clone: Zhipu API key') : l10n.t('GLM Voice Clone: Novita API key'),
      prompt:
        reason ??
        (zhipu
          ? l10n.t('Paste your Zhipu API key (bigmodel.cn → API Keys). It is kept in VS Code’s secret storage.')
          : l10n.t('Paste your Novita API key (novita.ai → Key Management). It is kept in VS Code’s secret storage.')),
      password: true,
      ignoreFocusOut: true,
      placeHolder: zhipu ? '…' : 'sk_…',
      validateInput: (v) => (v.trim() ? (/\s/.test(v.trim()) ? l10n.t('An API key has no spaces.') : undefined) : l10n.t('The key cannot be empty.')),
    });
    if (!key?.trim()) return undefined;
    await this.storeFor(provider, key);
    return key.trim();
  }

  /** The key, asking for it when there is none. */
  async require(): Promise<string | undefined> {
    return (await this.get()) ?? (await this.prompt('No Novita API key is set yet. Paste it to continue (kept in VS Code’s secret storage).'));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
