import vscode = require('vscode');
import { l10n } from '../platform/describe';
import type { PreviewRecord, VoiceRecord, VoiceRegistry } from '../../core/library/voiceRegistry';
import { SYSTEM_VOICES, type ActiveVoice } from './activeVoice';
import { Disposable } from '../platform/dispose';
import type { ExtensionStorage } from '../platform/storage';

export type LibraryNode =
  | { kind: 'voice'; voice: VoiceRecord }
  | { kind: 'systemGroup' }
  | { kind: 'systemVoice'; id: string }
  | { kind: 'preview'; preview: PreviewRecord };

export function voiceDisplayName(v: VoiceRecord): string {
  return v.label || v.name;
}

/** The "Voices" and "Previews" trees in the extension's activity-bar container. */
export class LibraryTreeProvider extends Disposable implements vscode.TreeDataProvider<LibraryNode> {
  private readonly changed = this._register(new vscode.EventEmitter<LibraryNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly which: 'voices' | 'history',
    private readonly storage: ExtensionStorage,
    private readonly active: ActiveVoice,
  ) {
    super();
    this._register(active.onDidChange(() => this.changed.fire(undefined)));
    this._register({ dispose: () => this.unsubscribe?.() });
  }

  private async registry(): Promise<VoiceRegistry> {
    const r = await this.storage.library();
    this.unsubscribe ??= r.onDidChange(() => this.changed.fire(undefined));
    return r;
  }

  async getChildren(node?: LibraryNode): Promise<LibraryNode[]> {
    if (node?.kind === 'systemGroup') return SYSTEM_VOICES.map((id) => ({ kind: 'systemVoice', id }));
    if (node) return [];
    const r = await this.registry();
    if (this.which === 'history') {
      return r
        .history()
        .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
        .map((preview) => ({ kind: 'preview', preview }));
    }
    const voices: LibraryNode[] = r
      .voices()
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .map((voice) => ({ kind: 'voice', voice }));
    return [...voices, { kind: 'systemGroup' }];
  }

  getTreeItem(node: LibraryNode): vscode.TreeItem {
    const activeId = this.active.get().id;
    switch (node.kind) {
      case 'voice': {
        const v = node.voice;
        const item = new vscode.TreeItem(voiceDisplayName(v));
        item.id = `voice:${v.voiceId}`;
        item.description = (v.voiceId === activeId ? l10n.t('● active · ') : '') + new Date(v.createdAt).toLocaleDateString();
        item.tooltip = new vscode.MarkdownString(
          [
            `**${escape(voiceDisplayName(v))}**`,
            l10n.t('voice id {0}', `\`${escape(v.voiceId)}\``),
            l10n.t('Novita name {0}', `\`${escape(v.name)}\``),
            l10n.t('sample {0}', escape(v.sampleUrl)),
            l10n.t('cloned {0}', new Date(v.createdAt).toLocaleString()),
            v.consent ? l10n.t('$(pass) right to clone confirmed {0}', new Date(v.consent.at).toLocaleString()) : l10n.t('$(circle-slash) no consent recorded (cloned before consent was asked)'),
          ].join('\n\n'),
          true,
        );
        item.iconPath = new vscode.ThemeIcon(v.voiceId === activeId ? 'pass-filled' : 'person');
        item.contextValue = 'voice';
        item.command = { command: 'glmVoiceClone.playVoicePreview', title: l10n.t('Play Preview'), arguments: [node] };
        return item;
      }
      case 'systemGroup': {
        const item = new vscode.TreeItem(l10n.t('System voices'), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'systemGroup';
        item.iconPath = new vscode.ThemeIcon('library');
        return item;
      }
      case 'systemVoice': {
        const item = new vscode.TreeItem(node.id);
        item.id = `system:${node.id}`;
        item.description = node.id === activeId ? l10n.t('● active') : undefined;
        item.iconPath = new vscode.ThemeIcon(node.id === activeId ? 'pass-filled' : 'mic');
        item.contextValue = 'systemVoice';
        return item;
      }
      case 'preview': {
        const p = node.preview;
        const text = p.text.replace(/\s+/g, ' ').trim();
        const item = new vscode.TreeItem(text.length > 60 ? `${text.slice(0, 59)}…` : text || l10n.t('(no text)'));
        item.id = `preview:${p.id}`;
        const duration = p.durationSec !== undefined ? ` · ${formatDuration(p.durationSec)}` : '';
        item.description = `${p.voiceName ?? p.voice}${duration}${p.watermark ? ' · $(shield)' : ''} · ${new Date(p.createdAt).toLocaleTimeString()}`;
        item.tooltip = `${previewKindText(p.kind, p.voiceName ?? p.voice, new Date(p.createdAt).toLocaleString())}${p.watermark === undefined ? '' : `\n${p.watermark ? l10n.t('With Novita’s watermark') : l10n.t('Without watermark (requested)')}`}\n\n${p.text}`;
        item.iconPath = new vscode.ThemeIcon(p.kind === 'clone' ? 'sparkle' : 'play-circle');
        item.contextValue = 'preview';
        item.command = { command: 'glmVoiceClone.playPreview', title: l10n.t('Play'), arguments: [node] };
        return item;
      }
    }
  }
}

/** "Narration with Alice, 12/1/2026…" in the display language. */
export function previewKindText(kind: PreviewRecord['kind'], voice: string, when: string): string {
  if (kind === 'clone') return l10n.t('Clone preview with {0}, {1}', voice, when);
  if (kind === 'speech') return l10n.t('Speech with {0}, {1}', voice, when);
  return l10n.t('Narration with {0}, {1}', voice, when);
}

export function formatDuration(sec: number): string {
  const s = Math.round(sec);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
