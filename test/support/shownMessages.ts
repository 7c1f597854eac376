// Messages the user was shown during the in-editor suite, kept on globalThis: each suite file is its own bundle, so a
// module-level list would not be shared with the key-leak scan that reads it at the end of the run.
const KEY = Symbol.for('glm-voice-clone.test.shownMessages');

function ledger(): string[] {
  const g = globalThis as unknown as Record<symbol, string[] | undefined>;
  return (g[KEY] ??= []);
}

export function noteShown(message: string | undefined): void {
  if (message) ledger().push(message);
}

export function shownMessages(): readonly string[] {
  return ledger();
}
