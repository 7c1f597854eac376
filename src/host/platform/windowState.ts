// Global state as this window last wrote it. VS Code keeps an extension's globalState as one stored value, and an
// echo of an earlier write (its own, or another window's) replaces the whole of it: right after two quick updates,
// `get` can return the first one again for a moment (seen: the active voice read back as the voice it had just
// replaced; when such an echo lands before VS Code sends the newer value, the newer value is lost). Each key is read
// from VS Code once, then served from here; writes go to both, one at a time, so no write of ours is in flight when
// the next one is made.
import type * as vscode from 'vscode';

export class WindowState implements vscode.Memento {
  private readonly values = new Map<string, unknown>();
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly backing: vscode.Memento) {}

  keys(): readonly string[] {
    const all = new Set(this.backing.keys());
    for (const [key, value] of this.values) {
      if (value === undefined) all.delete(key);
      else all.add(key);
    }
    return [...all];
  }

  get<T>(key: string): T | undefined;
  get<T>(key: string, defaultValue: T): T;
  get<T>(key: string, defaultValue?: T): T | undefined {
    if (!this.values.has(key)) this.values.set(key, this.backing.get<T>(key));
    const value = this.values.get(key) as T | undefined;
    return value === undefined ? defaultValue : value;
  }

  update(key: string, value: unknown): Thenable<void> {
    this.values.set(key, value);
    const write = this.writing.then(() => this.backing.update(key, value));
    // A failed write does not stop the ones after it; its caller still hears of it.
    this.writing = write.then(
      () => undefined,
      () => undefined,
    );
    return write;
  }
}
