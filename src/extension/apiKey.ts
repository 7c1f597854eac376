import * as vscode from 'vscode';

const SECRET_KEY = 'glmVoiceClone.apiKey';
export const ENV_KEY = 'NOVITA_API_KEY';

/** The API key lives in SecretStorage only; `NOVITA_API_KEY` is read when nothing is stored (headless, CI). */
export class ApiKeyStore {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key === SECRET_KEY) this.changed.fire();
    });
  }

  async get(): Promise<string | undefined> {
    const stored = await this.secrets.get(SECRET_KEY);
    if (stored) return stored;
    const fromEnv = process.env[ENV_KEY]?.trim();
    return fromEnv || undefined;
  }

  async has(): Promise<boolean> {
    return (await this.get()) !== undefined;
  }

  async store(key: string): Promise<void> {
    await this.secrets.store(SECRET_KEY, key.trim());
  }

  async clear(): Promise<void> {
    await this.secrets.delete(SECRET_KEY);
  }

  /** Asks for a key in a password box and stores it. Returns it, or undefined when the user gave up. */
  async prompt(reason?: string): Promise<string | undefined> {
    const key = await vscode.window.showInputBox({
      title: 'GLM Voice Clone: Novita API key',
      prompt: reason ?? 'Paste your Novita API key (novita.ai → Key Management). It is kept in VS Code’s secret storage.',
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'sk_…',
      validateInput: (v) => (v.trim() ? (/\s/.test(v.trim()) ? 'An API key has no spaces.' : undefined) : 'The key cannot be empty.'),
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
