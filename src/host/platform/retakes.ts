// The sentences a retake made chunks of their own (their text), kept in global state: narration, read-along and
// export plan them alone from then on (`PlanOptions.solo`), so the kept take is what they play.
import type * as vscode from 'vscode';

const KEY = 'glmVoiceClone.retakenSentences';
/** The most sentences remembered; the oldest go first (a forgotten one merely joins its neighbours again). */
const MAX = 2000;

export class RetakenSentences {
  private texts: Set<string>;

  constructor(private readonly state: vscode.Memento) {
    const stored = state.get<unknown>(KEY);
    this.texts = new Set(Array.isArray(stored) ? stored.filter((t): t is string => typeof t === 'string') : []);
  }

  readonly has = (text: string): boolean => this.texts.has(text);

  async add(text: string): Promise<void> {
    this.texts.delete(text);
    this.texts.add(text);
    if (this.texts.size > MAX) this.texts = new Set([...this.texts].slice(-MAX));
    await this.state.update(KEY, [...this.texts]);
  }
}
