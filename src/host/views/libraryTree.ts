import vscode = require('vscode');
import { l10n } from '../platform/describe';
import { providerOf, type PreviewRecord, type VoiceRecord, type VoiceRegistry } from '../../core/library/voiceRegistry';
import { mergeVoiceLists, providerTime, type RecordedPlace } from '../../core/library/remoteVoices';
import type { ProviderId, ProviderVoice } from '../../core/providers/port';
import { SYSTEM_VOICES, type ActiveVoice } from './activeVoice';
import { Disposable } from '../platform/dispose';
import type { ExtensionStorage } from '../platform/storage';
import type { RemoteVoices } from './remoteVoices';

export type LibraryNode =
  | { kind: 'voice'; voice: VoiceRecord; place?: RecordedPlace }
  /** A voice the provider lists that no record here names. */
  | { kind: 'remoteVoice'; voice: ProviderVoice; provider: ProviderId }
  /** Zhipu's list is being fetched, or could not be: its words. */
  | { kind: 'remoteStatus'; loading: boolean; message: string }
  | { kind: 'systemGroup' }
  | { kind: 'systemVoice'; id: string }
  | { kind: 'preview'; preview: PreviewRecord };

export function voiceDisplayName(v: VoiceRecord): string {
  return v.label || v.name;
}

/**
 * The item's contextValue, which the menus in package.json match: `voice` (Novita's), `voice.zhipu` (Zhipu's and
 * there, or not checked), `voice.zhipu.gone` (not at Zhipu: deleted there), `remoteVoice.zhipu` (only at Zhipu).
 */
export function voiceContext(node: Extract<LibraryNode, { kind: 'voice' | 'remoteVoice' }>): string {
  if (node.kind === 'remoteVoice') return `remoteVoice.${node.provider}`;
  if (providerOf(node.voice) === 'novita') return 'voice';
  return node.place === 'localOnly' || node.place === 'deleted' ? 'voice.zhipu.gone' : 'voice.zhipu';
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
    /** Zhipu's voices, listed beside the records (the voices tree only). */
    private readonly remote?: RemoteVoices,
  ) {
    super();
    this._register(active.onDidChange(() => this.changed.fire(undefined)));
    if (remote) this._register(remote.onDidChange(() => this.changed.fire(undefined)));
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
    // The first look fetches Zhipu's list (when a Zhipu key is set); its answer redraws the tree.
    if (this.remote && !this.remote.state) void this.remote.ensure();
    const state = this.remote?.state;
    const list = state?.kind === 'listed' ? state.list : undefined;
    const voices: LibraryNode[] = mergeVoiceLists(r.voices(), list).map((v) => (v.kind === 'recorded' ? { kind: 'voice', voice: v.voice, place: v.place } : { kind: 'remoteVoice', voice: v.voice, provider: v.provider }));
    const status: LibraryNode[] =
      state?.kind === 'failed'
        ? [{ kind: 'remoteStatus', loading: false, message: state.message }]
        : state?.kind === 'loading'
          ? [{ kind: 'remoteStatus', loading: true, message: l10n.t('Listing the voices at Zhipu…') }]
          : [];
    return [...voices, ...status, { kind: 'systemGroup' }];
  }

  /** The top-level rows as drawn (label, description, contextValue): what Refresh Voices answers. */
  async rows(): Promise<{ id?: string; label: string; description?: string; contextValue?: string }[]> {
    return (await this.getChildren()).map((node) => {
      const item = this.getTreeItem(node);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      return { id: item.id, label, description: typeof item.description === 'string' ? item.description : undefined, contextValue: item.contextValue };
    });
  }

  getTreeItem(node: LibraryNode): vscode.TreeItem {
    const activeId = this.active.get().id;
    switch (node.kind) {
      case 'voice': {
        const v = node.voice;
        const item = new vscode.TreeItem(voiceDisplayName(v));
        item.id = `voice:${v.voiceId}`;
        const zhipu = providerOf(v) === 'zhipu';
        const mark = zhipu ? placeMark(node.place, v.deletedAt) : '';
        item.description = (v.voiceId === activeId ? l10n.t('● active · ') : '') + (mark ? `${mark} · ` : '') + new Date(v.createdAt).toLocaleDateString();
        item.tooltip = new vscode.MarkdownString(
          [
            `**${escape(voiceDisplayName(v))}**`,
            l10n.t('voice id {0}', `\`${escape(v.voiceId)}\``),
            zhipu ? l10n.t('Zhipu name {0}', `\`${escape(v.name)}\``) : l10n.t('Novita name {0}', `\`${escape(v.name)}\``),
            ...(v.sampleUrl ? [l10n.t('sample {0}', escape(v.sampleUrl))] : []),
            l10n.t('cloned {0}', new Date(v.createdAt).toLocaleString()),
            ...(zhipu ? [placeText(node.place, v.deletedAt)] : []),
            v.consent ? l10n.t('$(pass) right to clone confirmed {0}', new Date(v.consent.at).toLocaleString()) : l10n.t('$(circle-slash) no consent recorded (cloned before consent was asked)'),
          ].join('\n\n'),
          true,
        );
        const gone = node.place === 'localOnly' || node.place === 'deleted';
        item.iconPath = new vscode.ThemeIcon(v.voiceId === activeId ? 'pass-filled' : gone ? 'circle-slash' : 'person');
        item.contextValue = voiceContext(node);
        item.command = { command: 'glmVoiceClone.playVoicePreview', title: l10n.t('Play Preview'), arguments: [node] };
        return item;
      }
      case 'remoteVoice': {
        const v = node.voice;
        const item = new vscode.TreeItem(v.name || v.voiceId);
        item.id = `remote:${node.provider}:${v.voiceId}`;
        const created = v.createdAt ? providerTime(v.createdAt) : undefined;
        item.description = (v.voiceId === activeId ? l10n.t('● active · ') : '') + l10n.t('only at Zhipu') + (created !== undefined ? ` · ${new Date(created).toLocaleDateString()}` : '');
        item.tooltip = new vscode.MarkdownString(
          [
            `**${escape(v.name || v.voiceId)}**`,
            l10n.t('voice id {0}', `\`${escape(v.voiceId)}\``),
            ...(v.createdAt ? [l10n.t('cloned {0}', escape(v.createdAt))] : []),
            l10n.t('$(cloud) Only at Zhipu: cloned with this key but not recorded here (cloned elsewhere, or its record was removed). Use it to record it here.'),
          ].join('\n\n'),
          true,
        );
        item.iconPath = new vscode.ThemeIcon(v.voiceId === activeId ? 'pass-filled' : 'cloud');
        item.contextValue = voiceContext(node);
        return item;
      }
      case 'remoteStatus': {
        const item = new vscode.TreeItem(node.loading ? node.message : l10n.t('Zhipu’s voices could not be listed'));
        item.id = 'remoteStatus';
        item.description = node.loading ? undefined : node.message;
        item.tooltip = node.message;
        item.iconPath = new vscode.ThemeIcon(node.loading ? 'loading~spin' : 'warning');
        item.contextValue = 'remoteStatus';
        if (!node.loading) item.command = { command: 'glmVoiceClone.refreshVoices', title: l10n.t('Refresh') };
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

/** The short mark of a Zhipu voice's place, beside its date. */
function placeMark(place: RecordedPlace | undefined, deletedAt: string | undefined): string {
  switch (place) {
    case 'both':
      return l10n.t('at Zhipu');
    case 'localOnly':
      return l10n.t('only here, not at Zhipu');
    case 'deleted':
      return l10n.t('deleted at Zhipu {0}', deletedAt ? new Date(deletedAt).toLocaleDateString() : '');
    default:
      return 'Zhipu';
  }
}

/** The tooltip's sentence about a Zhipu voice's place. */
function placeText(place: RecordedPlace | undefined, deletedAt: string | undefined): string {
  switch (place) {
    case 'both':
      return l10n.t('$(cloud) At Zhipu: listed by Zhipu for this key.');
    case 'localOnly':
      return l10n.t('$(warning) Only here: Zhipu no longer lists this voice (deleted elsewhere?); speech with it will fail.');
    case 'deleted':
      return l10n.t('$(trash) Deleted at Zhipu {0}: it cannot speak any more; this record stays as the trace.', deletedAt ? new Date(deletedAt).toLocaleString() : '');
    default:
      return l10n.t('$(question) Not checked against Zhipu’s list (no Zhipu key, or the list could not be fetched).');
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
