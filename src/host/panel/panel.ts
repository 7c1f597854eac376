import vscode = require('vscode');
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  isFromWebviewMessage,
  type FromWebviewMessage,
  type LibraryPreview,
  type LibraryVoice,
  type PreviewAction,
  type PreviewInfo,
  type SampleFileInfo,
  type SamplePick,
  type ToWebviewMessage,
  type VoiceAction,
} from '../../shared/protocol';
import type { CloneOutcome } from '../../core/flows/clone';
import { CoreError, problemOf } from '../../core/errors';
import { checkSampleUrl, type CloneForm } from '../../core/validation';
import { describe, describeProgress, describeSampleCheck, fieldMessage, l10n } from '../platform/describe';
import { Disposable } from '../platform/dispose';
import { readProviderSettings, readSuggestedSampleUrl } from '../platform/config';
import { browseForSample, droppedSampleUri, pickWorkspaceSample, readSampleFile, sampleFileInfo } from '../platform/sampleFiles';
import { voiceDisplayName } from '../views/libraryTree';
import { renderPanelHtml } from './panelHtml';
import type { Services } from '../services/services';

export const PANEL_VIEW_TYPE = 'glmVoiceClone.panel';
const LAST_PREVIEW_KEY = 'glmVoiceClone.lastPreview';
/** A fresh preview up to this size travels with its result message and plays at once from memory. */
const INLINE_PREVIEW_MAX = 8 * 1024 * 1024;
const REMEMBER_AFTER_MS = 1000;
const MIME: Record<string, string> = { '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.flac': 'audio/flac' };
/** What was typed in the panel, so closing it loses nothing (webview state dies with the panel). */
const DRAFT_KEY = 'glmVoiceClone.draft';

/** The draft as stored: the form, and the local file chosen as its sample (then the URL field is not used). */
type StoredDraft = CloneForm & { sampleFile?: SampleFileInfo };

const EMPTY_FORM: CloneForm = { sampleUrl: '', transcript: '', text: '', voiceName: '' };

interface StoredPreview {
  voiceId: string;
  voiceName: string;
  file: string;
  elapsedMs: number;
  text: string;
}

/** The one "GLM Voice Clone" panel. Its state lives in the webview (getState/setState) and survives reloads via the serializer. */
export class VoiceClonePanel extends Disposable {
  private static current: VoiceClonePanel | undefined;
  private readonly running = new Map<string, AbortController>();
  private ready = false;
  private libraryUnsubscribe: (() => void) | undefined;
  private readonly queue: ToWebviewMessage[] = [];
  private readonly readyWaiters: (() => void)[] = [];

  /** What was last typed in the panel (kept by the host, so it outlives the panel). */
  static draft(services: Services): CloneForm {
    const stored = VoiceClonePanel.storedDraft(services);
    const draft: CloneForm = { sampleUrl: stored.sampleUrl, transcript: stored.transcript, text: stored.text, voiceName: stored.voiceName };
    // An empty sample field starts with the configured sample (`npm start` sets the demo's); what was typed wins.
    return draft.sampleUrl || stored.sampleFile ? draft : { ...draft, sampleUrl: readSuggestedSampleUrl() };
  }

  /** The local file the draft clones from, if one was chosen. */
  static draftSampleFile(services: Services): SampleFileInfo | undefined {
    return VoiceClonePanel.storedDraft(services).sampleFile;
  }

  private static storedDraft(services: Services): StoredDraft {
    return VoiceClonePanel.current?.pendingDraft ?? services.state.get<StoredDraft>(DRAFT_KEY) ?? EMPTY_FORM;
  }

  static get instance(): VoiceClonePanel | undefined {
    return VoiceClonePanel.current;
  }

  /** `beside`: open next to the editor without taking the focus (speaking a file keeps you in it). */
  static createOrShow(services: Services, { beside = false } = {}): VoiceClonePanel {
    if (VoiceClonePanel.current) {
      VoiceClonePanel.current.panel.reveal(undefined, beside);
      return VoiceClonePanel.current;
    }
    const column = beside ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'GLM Voice Clone', column, VoiceClonePanel.options(services));
    return (VoiceClonePanel.current = new VoiceClonePanel(panel, services));
  }

  static revive(panel: vscode.WebviewPanel, services: Services): VoiceClonePanel {
    panel.webview.options = VoiceClonePanel.options(services);
    VoiceClonePanel.current?.dispose();
    return (VoiceClonePanel.current = new VoiceClonePanel(panel, services));
  }

  static options(services: Services): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    const ext = services.context.extensionUri;
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(ext, 'dist'), vscode.Uri.joinPath(ext, 'media'), services.storage.audioDir],
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'icon.png');
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)));
    this._register(services.active.onDidChange(() => this.scheduleLibrary()));
    panel.webview.html = renderPanelHtml(panel.webview, services.context.extensionUri);
  }

  /** Plays an audio file of the extension's audio folder in the panel's player. */
  showPreview(p: { voiceId: string; voiceName: string; fileName: string; elapsedMs: number; text: string }, autoplay: boolean): void {
    this.post({ type: 'preview', preview: this.previewInfo(p), autoplay });
  }

  private draftTimer: ReturnType<typeof setTimeout> | undefined;

  /** Keystrokes arrive one message each; storage is written at most every 300 ms, and at once on dispose. */
  private saveDraft(form: CloneForm, sampleFile?: SampleFileInfo): void {
    this.pendingDraft = { ...form, ...(sampleFile ? { sampleFile } : {}) };
    this.draftTimer ??= setTimeout(() => this.flushDraft(), 300);
  }

  private pendingDraft: StoredDraft | undefined;

  private flushDraft(): void {
    if (this.draftTimer) clearTimeout(this.draftTimer);
    this.draftTimer = undefined;
    if (this.pendingDraft) void this.services.state.update(DRAFT_KEY, this.pendingDraft);
    this.pendingDraft = undefined;
  }

  private libraryTimer: ReturnType<typeof setTimeout> | undefined;

  /** Saves come in bursts (a clone writes the voice, then its preview): one list update per burst. */
  private scheduleLibrary(): void {
    if (this.libraryTimer) clearTimeout(this.libraryTimer);
    this.libraryTimer = setTimeout(() => {
      this.libraryTimer = undefined;
      if (!this.isDisposed) void this.postLibrary();
    }, 120);
  }

  private async postLibrary(): Promise<void> {
    const library = await this.services.storage.library();
    const voices: LibraryVoice[] = library
      .voices()
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .map((v) => ({ voiceId: v.voiceId, name: voiceDisplayName(v), createdAt: v.createdAt, hasPreview: Boolean(v.previewFile), ...(v.consent ? { consentAt: v.consent.at } : {}) }));
    const history: LibraryPreview[] = library
      .history()
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .map((h) => ({ id: h.id, text: h.text.slice(0, 200), voiceName: h.voiceName ?? h.voice, createdAt: h.createdAt, kind: h.kind, durationSec: h.durationSec, ...(h.watermark !== undefined ? { watermark: h.watermark } : {}) }));
    const active = this.services.active.get();
    const consentedSamples = [...new Set(library.voices().flatMap((v) => (v.consent ? [v.sampleUrl] : [])))];
    this.post({ type: 'library', voices, history, activeVoiceId: active.id, activeVoiceName: active.name, consentedSamples });
  }

  private async runVoiceAction(action: VoiceAction, voiceId: string): Promise<void> {
    const command = { play: 'playVoicePreview', use: 'useVoice', copy: 'copyVoiceId', rename: 'renameVoice', remove: 'removeVoice' }[action];
    await vscode.commands.executeCommand(`glmVoiceClone.${command}`, voiceId);
  }

  private async runPreviewAction(action: PreviewAction, id: string): Promise<void> {
    const command = { play: 'playPreview', save: 'saveAudioAs', reveal: 'revealAudio', remove: 'removePreview' }[action];
    await vscode.commands.executeCommand(`glmVoiceClone.${command}`, id);
  }

  /** Resolves when the webview has loaded its script and said "ready". */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  post(message: ToWebviewMessage): void {
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  /** Fills the form (palette flow) so what the user typed there is visible and editable in the panel. */
  prefill(form: CloneForm, sampleFile?: SampleFileInfo): void {
    this.saveDraft(form, sampleFile);
    this.post({ type: 'prefill', form, ...(sampleFile ? { sampleFile } : {}) });
  }

  /**
   * Shows a fresh clone's preview: with its bytes (given, or read from its file when small enough) it plays from
   * memory at once. Then call `rememberPreview`, once nothing more is urgent.
   */
  showOutcome(outcome: CloneOutcome, requestId: string, autoplay: boolean, bytes?: Buffer, extra: { next?: { name: string; usedNames: string[] }; finished?: boolean } = {}): void {
    const preview = this.previewInfo(outcome);
    // A copy, never a view: a view would carry its whole backing store (small Buffers share Node's pool) across.
    const send = (data: Buffer | undefined) =>
      this.post({
        type: 'cloneResult',
        requestId,
        preview,
        autoplay,
        ...extra,
        ...(data && data.length <= INLINE_PREVIEW_MAX ? { bytes: new Uint8Array(data), mimeType: MIME[extname(outcome.fileName)] } : {}),
      });
    if (bytes) send(bytes);
    else void readFile(outcome.filePath).then(send, () => send(undefined));
  }

  /**
   * The preview a reopened panel shows. Written a moment later (at once if the panel closes first): the write is a
   * message to the workbench too, and would reach it while the preview starts to play.
   */
  rememberPreview(outcome: CloneOutcome): void {
    this.flushRemember();
    const write = () => {
      this.pendingRemember = undefined;
      clearTimeout(timer);
      void this.services.state.update(LAST_PREVIEW_KEY, {
        voiceId: outcome.voiceId,
        voiceName: outcome.voiceName,
        file: outcome.fileName,
        elapsedMs: outcome.elapsedMs,
        text: outcome.text,
      } satisfies StoredPreview);
    };
    const timer = setTimeout(write, REMEMBER_AFTER_MS);
    this.pendingRemember = write;
  }

  private pendingRemember: (() => void) | undefined;

  private flushRemember(): void {
    this.pendingRemember?.();
  }

  private previewInfo(p: { voiceId: string; voiceName: string; fileName: string; elapsedMs: number; text: string }): PreviewInfo {
    const uri = vscode.Uri.joinPath(this.services.storage.audioDir, p.fileName);
    return { voiceId: p.voiceId, voiceName: p.voiceName, file: p.fileName, elapsedMs: p.elapsedMs, text: p.text, audioSrc: this.panel.webview.asWebviewUri(uri).toString() };
  }

  private receive(raw: unknown): void {
    if (!isFromWebviewMessage(raw)) {
      this.services.log.warn('ignored a malformed message from the panel');
      return;
    }
    void this.handle(raw).catch((err) => this.services.log.error(`panel message ${raw.type} failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async handle(msg: FromWebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return this.onReady(msg.previewFile);
      case 'draft':
        this.saveDraft(msg.form, msg.sampleFile);
        return;
      case 'clone':
        return this.runClone(msg.requestId, msg.form, msg.acceptWarnings ?? false, msg.consent ?? false, msg.sampleFile, msg.provider);
      case 'checkSample':
        return this.checkSample(msg.url);
      case 'checkSampleFile':
        return this.checkSampleFile(msg.file);
      case 'pickSample':
        return this.pickSample(msg.how);
      case 'dropSample': {
        const uri = droppedSampleUri(msg.uris);
        if (uri) return this.useSampleFile(uri);
        this.post({ type: 'sampleFile', error: l10n.t('Only a file can be the sample: drop an audio file from the Explorer (hold Shift to drop it here).') });
        return;
      }
      case 'playSample':
        return this.playSample(msg.url);
      case 'transcribe':
        return this.transcribe(msg.requestId, msg.url);
      case 'cancel':
        this.running.get(msg.requestId)?.abort();
        return;
      case 'copyVoiceId':
        await vscode.env.clipboard.writeText(msg.voiceId);
        void vscode.window.setStatusBarMessage(l10n.t('$(check) Voice id copied'), 2500);
        return;
      case 'setApiKey':
        await vscode.commands.executeCommand('glmVoiceClone.setApiKey');
        this.post({ type: 'keyState', hasKey: await this.services.keys.has() });
        return;
      case 'voiceAction':
        return this.runVoiceAction(msg.action, msg.voiceId);
      case 'previewAction':
        return this.runPreviewAction(msg.action, msg.id);
      case 'proposeName': {
        const { name, usedNames } = await this.services.clone.proposeName();
        this.post({ type: 'nameProposal', name, usedNames });
        return;
      }
    }
  }

  private async onReady(previewFile: string | undefined): Promise<void> {
    const [{ name, usedNames }, hasKey] = await Promise.all([this.services.clone.proposeName(), this.services.keys.has()]);
    const draft = VoiceClonePanel.draft(this.services);
    const sampleFile = VoiceClonePanel.draftSampleFile(this.services);
    void this.panel.webview.postMessage({ type: 'init', proposedName: name, hasKey, usedNames, draft, ...(sampleFile ? { sampleFile } : {}) } satisfies ToWebviewMessage);
    // Interactive from here: what follows (queued messages, the last preview, the library) arrives after.
    this.ready = true;
    for (const m of this.queue.splice(0)) void this.panel.webview.postMessage(m);
    for (const w of this.readyWaiters.splice(0)) w();

    const stored = this.services.state.get<StoredPreview>(LAST_PREVIEW_KEY);
    const library = await this.services.storage.library();
    if (stored && (!previewFile || stored.file === previewFile) && existsSync(join(this.services.storage.audioDir.fsPath, stored.file))) {
      this.post({ type: 'preview', preview: this.previewInfo({ ...stored, fileName: stored.file }) });
    } else if (previewFile) {
      const voice = library.voices().find((v) => v.previewFile === previewFile);
      if (voice) this.post({ type: 'preview', preview: this.previewInfo({ voiceId: voice.voiceId, voiceName: voice.name, fileName: previewFile, elapsedMs: 0, text: '' }) });
    }
    if (!this.libraryUnsubscribe) {
      this.libraryUnsubscribe = library.onDidChange(() => this.scheduleLibrary());
      this._register({ dispose: () => this.libraryUnsubscribe?.() });
    }
    await this.postLibrary();
  }

  private sampleCheck: AbortController | undefined;

  /** The panel asks as the URL is typed (debounced); a newer URL cancels the older check. */
  private async checkSample(url: string): Promise<void> {
    const trimmed = url.trim();
    if (checkSampleUrl(trimmed)) return;
    this.sampleCheck?.abort();
    const controller = (this.sampleCheck = new AbortController());
    try {
      const result = await this.services.samples.check(trimmed, controller.signal);
      this.post({ type: 'sampleInfo', check: describeSampleCheck(url, result) });
    } catch (err) {
      const e = describe(err, this.services.log);
      if (!e.cancelled) this.post({ type: 'sampleInfo', check: { url, state: 'done', ok: false, refusal: e.message } });
    } finally {
      if (this.sampleCheck === controller) this.sampleCheck = undefined;
    }
  }

  /** The open dialog or the workspace's audio files; the file chosen becomes the sample (and is checked). */
  private async pickSample(how: SamplePick): Promise<void> {
    const uri = how === 'browse' ? await browseForSample() : await pickWorkspaceSample();
    if (uri) await this.useSampleFile(uri);
  }

  private async useSampleFile(uri: vscode.Uri): Promise<void> {
    let file: SampleFileInfo;
    try {
      file = await sampleFileInfo(uri);
    } catch (err) {
      this.post({ type: 'sampleFile', error: describe(err, this.services.log).message });
      return;
    }
    this.post({ type: 'sampleFile', file });
    await this.checkSampleFile(file);
  }

  /** A local file's check, on its bytes (format, duration, ≤ 10 MB): the same finding as a URL's, keyed by its URI. */
  private async checkSampleFile(file: SampleFileInfo): Promise<void> {
    this.sampleCheck?.abort();
    const controller = (this.sampleCheck = new AbortController());
    try {
      const { bytes } = await readSampleFile(file);
      const result = await this.services.samples.checkFile(bytes, file.name, readProviderSettings().provider);
      if (!controller.signal.aborted) this.post({ type: 'sampleInfo', check: describeSampleCheck(file.uri, result) });
    } catch (err) {
      if (!controller.signal.aborted) this.post({ type: 'sampleInfo', check: { url: file.uri, state: 'done', ok: false, refusal: describe(err, this.services.log).message } });
    } finally {
      if (this.sampleCheck === controller) this.sampleCheck = undefined;
    }
  }

  private async playSample(url: string): Promise<void> {
    if (checkSampleUrl(url.trim())) return;
    try {
      const fileName = await this.services.samples.fetchForPlayback(url.trim());
      const audioSrc = this.panel.webview.asWebviewUri(vscode.Uri.joinPath(this.services.storage.audioDir, fileName)).toString();
      this.post({ type: 'samplePlayback', url, audioSrc });
    } catch (err) {
      this.post({ type: 'samplePlayback', url, error: l10n.t('The sample cannot be played here: {0}', describe(err, this.services.log).message) });
    }
  }

  private async transcribe(requestId: string, url: string): Promise<void> {
    const problem = fieldMessage('sampleUrl', checkSampleUrl(url.trim()));
    if (problem) {
      this.post({ type: 'transcript', requestId, url, error: problem });
      return;
    }
    try {
      const text = await this.services.samples.transcribe(url.trim());
      this.post({ type: 'transcript', requestId, url, text });
    } catch (err) {
      this.post({ type: 'transcript', requestId, url, error: l10n.t('Transcription failed: {0} Your transcript was left as it was.', describe(err, this.services.log).message) });
    }
  }

  private async runClone(requestId: string, form: CloneForm, acceptWarnings: boolean, consent: boolean, sampleFile?: SampleFileInfo, provider?: 'zhipu'): Promise<void> {
    if (this.running.size) {
      this.post({ type: 'cloneError', requestId, message: l10n.t('A clone is already running. Wait for it or cancel it first.') });
      return;
    }
    const controller = new AbortController();
    this.running.set(requestId, controller);
    this.post({ type: 'cloneStarted', requestId });
    let finished = false;
    const providerId = provider ?? readProviderSettings().provider;
    try {
      let shown = false;
      const file = sampleFile ? await readSampleFile(sampleFile) : undefined;
      const outcome = await this.services.clone.clone(form, {
        signal: controller.signal,
        acceptWarnings,
        consent,
        ...(file ? { sampleFile: file } : {}),
        ...(file || providerId !== 'novita' ? { provider: providerId } : {}),
        previewBytesUpTo: INLINE_PREVIEW_MAX,
        onPreviewReady: (ready, bytes) => {
          shown = true;
          // For the person waiting the run ends here (the voice is recorded meanwhile): one message says it all.
          void this.services.clone.proposeName(ready.voiceName).then(
            (next) => {
              finished = true;
              this.running.delete(requestId);
              this.showOutcome(ready, requestId, true, bytes, { next, finished });
            },
            () => this.showOutcome(ready, requestId, true, bytes),
          );
        },
        progress: (event) => this.post({ type: 'cloneProgress', requestId, message: describeProgress(event) }),
      });
      if (!shown) this.showOutcome(outcome, requestId, true);
      this.rememberPreview(outcome);
    } catch (err) {
      const e = describe(err, this.services.log);
      if (!e.cancelled) this.services.log.warn(`clone failed: ${e.message}`);
      const zhipuOffer = await offerZhipu(err, this.services);
      this.post({
        type: 'cloneError',
        requestId,
        message: e.cancelled ? cancelledText(providerId, Boolean(sampleFile)) : e.message,
        // A local file is not the URL field's problem: the banner says it.
        field: sampleFile && e.field === 'sampleUrl' ? undefined : e.field,
        action: zhipuOffer ? 'cloneWithZhipu' : e.action,
        ...(e.consent ? { consent: true } : {}),
      });
    } finally {
      this.running.delete(requestId);
      if (!finished) this.post({ type: 'cloneFinished', requestId });
    }
  }

  override dispose(): void {
    this.sampleCheck?.abort();
    if (this.libraryTimer) clearTimeout(this.libraryTimer);
    this.flushDraft();
    this.flushRemember();
    if (VoiceClonePanel.current === this) VoiceClonePanel.current = undefined;
    // A running clone is not aborted: the request may already be paid for; its voice is still recorded.
    super.dispose();
    this.panel.dispose();
  }
}

/** What a cancelled clone leaves behind, where it was going. */
function cancelledText(provider: string, fromFile: boolean): string {
  if (provider === 'zhipu') {
    return fromFile
      ? l10n.t('Cancelled. Your fields are kept. The uploaded sample is deleted at Zhipu; if the clone had already reached Zhipu, the voice may still be created there.')
      : l10n.t('Cancelled. Your fields are kept. If the clone had already reached Zhipu, the voice may still be created there.');
  }
  return l10n.t('Cancelled. Your fields are kept. If the request had already reached Novita, the voice may still be created: wait a minute before cloning the same name again.');
}

/** A local file refused because Novita takes only URLs: offer Zhipu when its key is set. */
export async function offerZhipu(err: unknown, services: Services): Promise<boolean> {
  const problem = problemOf(err);
  if (!(err instanceof CoreError) || problem.kind !== 'notSupported' || problem.what !== 'cloneFromFile') return false;
  return Boolean(await services.keys.getFor('zhipu'));
}
