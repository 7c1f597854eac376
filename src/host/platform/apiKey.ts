import vscode = require('vscode');
import type { ProviderId } from '../../core/providers/port';
import { l10n } from './describe';

import { ENV_KEY, SECRET_KEY } from './apiKeyNames';

export { ENV_KEY } from './apiKeyNames';
/** Zhipu's key: a secret of its own, and its own variable for headless runs. */
const ZHIPU_SECRET_KEY = 'glmVoiceClone.zhipu.apiKey';
export const ZHIPU_ENV_KEY = 'ZHIPU_API_KEY';

/** The API key lives in SecretStorage only; `NOVITA_API_KEY` is read when nothing is stored (headless, CI). */
export class ApiKeyStore {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key === ZHIPU_SECRET_KEY) this.zhipuStored = undefined;
      if (e.key !== SECRET_KEY) return;
      this.stored = undefined;
      this.changed.fire();
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

  async has(): Promise<boolean> {
    return (await this.get()) !== undefined;
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
  async prompt(reason?: string): Promise<string | undefined> {
    const key = await vscode.window.showInputBox({
      title: l10n.t('GLM Voice Clone: Novita API key'),
      prompt: reason ?? l10n.t('Paste your Novita API key (novita.ai → Key Management). It is kept in VS Code’s secret storage.'),
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'sk_…',
      validateInput: (v) => (v.trim() ? (/\s/.test(v.trim()) ? l10n.t('An API key has no spaces.') : undefined) : l10n.t('The key cannot be empty.')),
    });
    if (!key?.trim()) return undefined;
    await this.store(key);
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
