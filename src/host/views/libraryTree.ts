import * as vscode from 'vscode';
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
        item.description = (v.voiceId === activeId ? '● active · ' : '') + new Date(v.createdAt).toLocaleDateString();
        item.tooltip = new vscode.MarkdownString(
          `**${escape(voiceDisplayName(v))}**\n\nvoice id \`${escape(v.voiceId)}\`\n\nNovita name \`${escape(v.name)}\`\n\nsample ${escape(v.sampleUrl)}\n\ncloned ${new Date(v.createdAt).toLocaleString()}`,
        );
        item.iconPath = new vscode.ThemeIcon(v.voiceId === activeId ? 'pass-filled' : 'person');
        item.contextValue = 'voice';
        item.command = { command: 'glmVoiceClone.playVoicePreview', title: 'Play Preview', arguments: [node] };
        return item;
      }
      case 'systemGroup': {
        const item = new vscode.TreeItem('System voices', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'systemGroup';
        item.iconPath = new vscode.ThemeIcon('library');
        return item;
      }
      case 'systemVoice': {
        const item = new vscode.TreeItem(node.id);
        item.id = `system:${node.id}`;
        item.description = node.id === activeId ? '● active' : undefined;
        item.iconPath = new vscode.ThemeIcon(node.id === activeId ? 'pass-filled' : 'mic');
        item.contextValue = 'systemVoice';
        return item;
      }
      case 'preview': {
        const p = node.preview;
        const text = p.text.replace(/\s+/g, ' ').trim();
        const item = new vscode.TreeItem(text.length > 60 ? `${text.slice(0, 59)}…` : text || '(no text)');
        item.id = `preview:${p.id}`;
        const duration = p.durationSec !== undefined ? ` · ${formatDuration(p.durationSec)}` : '';
        item.description = `${p.voiceName ?? p.voice}${duration} · ${new Date(p.createdAt).toLocaleTimeString()}`;
        item.tooltip = `${p.kind} with ${p.voiceName ?? p.voice}, ${new Date(p.createdAt).toLocaleString()}\n\n${p.text}`;
        item.iconPath = new vscode.ThemeIcon(p.kind === 'clone' ? 'sparkle' : 'play-circle');
        item.contextValue = 'preview';
        item.command = { command: 'glmVoiceClone.playPreview', title: 'Play', arguments: [node] };
        return item;
      }
    }
  }
}

export function formatDuration(sec: number): string {
  const s = Math.round(sec);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
