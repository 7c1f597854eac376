import vscode = require('vscode');
import { Disposable } from '../platform/dispose';

import { SYSTEM_VOICES } from '../../core/limits';

export { SYSTEM_VOICES };
const STATE_KEY = 'glmVoiceClone.activeVoice';

export interface VoiceChoice {
  /** A system voice name or a cloned voice id: what Novita's `voice` field takes. */
  id: string;
  /** What the user calls it. */
  name: string;
}

/** The voice used by Speak Selection / Speak File, shown in the status bar. */
export class ActiveVoice extends Disposable {
  private readonly item: vscode.StatusBarItem;
  /** The cost meter's lines (Markdown), set once something was spoken. */
  private costs: string | undefined;
  private readonly changed = this._register(new vscode.EventEmitter<VoiceChoice>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('glmVoiceClone.activeVoice', vscode.StatusBarAlignment.Right, 100));
    this.item.name = 'GLM Voice Clone: active voice';
    this.item.command = 'glmVoiceClone.pickVoice';
    this.render();
    this.item.show();
  }

  get(): VoiceChoice {
    return this.state.get<VoiceChoice>(STATE_KEY) ?? { id: SYSTEM_VOICES[0], name: SYSTEM_VOICES[0] };
  }

  async set(choice: VoiceChoice): Promise<void> {
    await this.state.update(STATE_KEY, choice);
    this.render();
    this.changed.fire(choice);
  }

  /** Shows the cost meter (characters sent and served from the cache) in the tooltip. */
  setCosts(markdown: string | undefined): void {
    this.costs = markdown;
    this.render();
  }

  /** After a voice was removed from the library: fall back to the default system voice if it was active. */
  async forget(voiceId: string): Promise<void> {
    if (this.get().id === voiceId) await this.set({ id: SYSTEM_VOICES[0], name: SYSTEM_VOICES[0] });
  }

  private render(): void {
    const v = this.get();
    this.item.text = `$(unmute) ${v.name}`;
    this.item.tooltip = new vscode.MarkdownString(`**GLM Voice Clone** — ${vscode.l10n.t('speaking with {0}', `**${escapeMd(v.name)}**`)}${v.id !== v.name ? ` (\`${escapeMd(v.id)}\`)` : ''}\n\n${vscode.l10n.t('Click to choose another voice.')}${this.costs ? `\n\n---\n\n${this.costs}` : ''}`);
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
