import vscode = require('vscode');

/** The "GLM Voice Clone" output channel, created on first use so activation does not pay for it. */
export class Log implements vscode.Disposable {
  private channel: vscode.LogOutputChannel | undefined;
  private readonly secrets = new Set<string>();

  /** Registers a value that must never be written out (the API key). */
  redact(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  private clean(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('«redacted»');
    return out.replace(/(Bearer\s+)[^\s"']+/gi, '$1«redacted»');
  }

  private get out(): vscode.LogOutputChannel {
    return (this.channel ??= vscode.window.createOutputChannel('GLM Voice Clone', { log: true }));
  }

  info(message: string): void {
    this.out.info(this.clean(message));
  }

  warn(message: string): void {
    this.out.warn(this.clean(message));
  }

  error(message: string): void {
    this.out.error(this.clean(message));
  }

  show(): void {
    this.out.show(true);
  }

  dispose(): void {
    this.channel?.dispose();
  }
}
