import vscode = require('vscode');
import { copyFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { homedir } from 'node:os';
import { providerOf, type PreviewRecord, type VoiceRecord } from '../../core/library/voiceRegistry';
import { recordForRemote } from '../../core/library/remoteVoices';
import type { ProviderVoice } from '../../core/providers/port';
import { checkVoiceName } from '../../core/validation';
import { describe, fieldMessage, l10n } from '../platform/describe';
import { SYSTEM_VOICES, type VoiceChoice } from '../views/activeVoice';
import { voiceDisplayName, type LibraryNode } from '../views/libraryTree';
import { playInPanel } from './play';
import type { CommandHandlers, ReadAlongCommandId } from './ids';
import type { Services } from '../services/services';
import type { SpeechResult } from '../services/speechService';

type VoiceArg = LibraryNode | string | undefined;

/** Commands over the voice library and preview history; the tree, the panel and the palette all call these. */
export function libraryCommandHandlers(services: Services): Omit<CommandHandlers, LibraryExcluded> {
  return {
    'glmVoiceClone.pickVoice': () => pickVoice(services),
    'glmVoiceClone.useVoice': (arg: VoiceArg) => useVoice(services, arg),
    'glmVoiceClone.playVoicePreview': (arg: VoiceArg) => playVoicePreview(services, arg),
    'glmVoiceClone.copyVoiceId': (arg: VoiceArg) => copyVoiceId(services, arg),
    'glmVoiceClone.renameVoice': (arg: VoiceArg, label?: string) => renameVoice(services, arg, label),
    'glmVoiceClone.removeVoice': (arg: VoiceArg) => removeVoice(services, arg),
    'glmVoiceClone.deleteVoiceAtProvider': (arg: VoiceArg, options?: { confirmed?: boolean }) => deleteAtZhipu(services, arg, options?.confirmed === true),
    'glmVoiceClone.playPreview': (arg: VoiceArg) => playPreview(services, arg),
    'glmVoiceClone.saveAudioAs': (arg: VoiceArg) => saveAudioAs(services, arg),
    'glmVoiceClone.revealAudio': (arg: VoiceArg) => revealAudio(services, arg),
    'glmVoiceClone.removePreview': (arg: VoiceArg) => removePreview(services, arg),
    'glmVoiceClone.speakSelection': () => speakSelection(services),
    'glmVoiceClone.speakFile': (uri?: vscode.Uri) => speakFile(services, uri),
    'glmVoiceClone.cancelNarration': () => services.speech.cancel(),
  };
}

/** The commands ./clone.ts, ./narration.ts and ./readAlong.ts handle, and Refresh Voices (features.ts: it answers with the tree's rows). */
type LibraryExcluded = 'glmVoiceClone.refreshVoices' | keyof ReturnType<typeof import('./clone').commandHandlers> | keyof ReturnType<typeof import('./narration').narrationCommandHandlers> | ReadAlongCommandId;

async function findVoice(services: Services, arg: VoiceArg): Promise<VoiceRecord | undefined> {
  const library = await services.storage.library();
  if (typeof arg === 'string') return library.voice(arg);
  if (arg?.kind === 'voice') return library.voice(arg.voice.voiceId);
  const voices = library.voices();
  if (!voices.length) {
    void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: no cloned voices yet. Run “Clone Voice…” or open the panel.'));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    voices.map((v) => ({ label: voiceDisplayName(v), description: v.voiceId, voice: v })),
    { title: l10n.t('GLM Voice Clone: choose a voice'), matchOnDescription: true },
  );
  return pick?.voice;
}

async function findPreview(services: Services, arg: VoiceArg): Promise<PreviewRecord | undefined> {
  const library = await services.storage.library();
  const history = library.history();
  if (typeof arg === 'string') return history.find((h) => h.id === arg);
  if (arg?.kind === 'preview') return history.find((h) => h.id === arg.preview.id);
  if (!history.length) {
    void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: no previews yet.'));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    history.reverse().map((h) => ({ label: h.text.replace(/\s+/g, ' ').slice(0, 80) || l10n.t('(no text)'), description: `${h.voiceName ?? h.voice} · ${new Date(h.createdAt).toLocaleString()}`, h })),
    { title: l10n.t('GLM Voice Clone: choose a preview') },
  );
  return pick?.h;
}

async function pickVoice(services: Services): Promise<VoiceChoice | undefined> {
  const library = await services.storage.library();
  const activeId = services.active.get().id;
  type Item = vscode.QuickPickItem & { choice?: VoiceChoice };
  const items: Item[] = [];
  const voices = library.voices().sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  if (voices.length) items.push({ label: l10n.t('Cloned voices'), kind: vscode.QuickPickItemKind.Separator });
  for (const v of voices) items.push({ label: `${v.voiceId === activeId ? '$(pass-filled) ' : ''}${voiceDisplayName(v)}`, description: v.voiceId, choice: { id: v.voiceId, name: voiceDisplayName(v) } });
  items.push({ label: l10n.t('System voices'), kind: vscode.QuickPickItemKind.Separator });
  for (const id of SYSTEM_VOICES) items.push({ label: `${id === activeId ? '$(pass-filled) ' : ''}${id}`, choice: { id, name: id } });
  const pick = await vscode.window.showQuickPick(items, { title: l10n.t('GLM Voice Clone: voice for Speak Selection and Speak File'), matchOnDescription: true });
  if (!pick?.choice) return undefined;
  await services.active.set(pick.choice);
  return pick.choice;
}

async function useVoice(services: Services, arg: VoiceArg): Promise<VoiceChoice | undefined> {
  if (arg && typeof arg === 'object' && arg.kind === 'systemVoice') {
    await services.active.set({ id: arg.id, name: arg.id });
    return services.active.get();
  }
  if (typeof arg === 'string' && (SYSTEM_VOICES as readonly string[]).includes(arg)) {
    await services.active.set({ id: arg, name: arg });
    return services.active.get();
  }
  // A voice listed only at Zhipu is recorded first: the record is what makes it spoken at Zhipu.
  const remote = await remoteOnlyFresh(services, arg);
  if (remote) {
    const library = await services.storage.library();
    await library.addVoice(recordForRemote(remote, 'zhipu'));
  }
  const voice = await findVoice(services, remote ? remote.voiceId : arg);
  if (!voice) return undefined;
  await services.active.set({ id: voice.voiceId, name: voiceDisplayName(voice) });
  return services.active.get();
}

/** As remoteOnly, listing Zhipu's voices again when an id is neither recorded nor in the last list (a script's id). */
async function remoteOnlyFresh(services: Services, arg: VoiceArg): Promise<ProviderVoice | undefined> {
  const library = await services.storage.library();
  const found = remoteOnly(services, arg);
  if (found || typeof arg !== 'string' || library.voice(arg) || (SYSTEM_VOICES as readonly string[]).includes(arg)) return found;
  await services.remoteVoices.refresh();
  return remoteOnly(services, arg);
}

/** The Zhipu voice `arg` names when no record here does (a tree row, or an id in Zhipu's last list). */
function remoteOnly(services: Services, arg: VoiceArg): ProviderVoice | undefined {
  if (arg && typeof arg === 'object' && arg.kind === 'remoteVoice') return arg.voice;
  if (typeof arg !== 'string' || services.storage.opened?.voice(arg)) return undefined;
  return services.remoteVoices.voices?.find((v) => v.voiceId === arg && v.kind === 'cloned');
}

async function playVoicePreview(services: Services, arg: VoiceArg): Promise<boolean> {
  const voice = await findVoice(services, arg);
  if (!voice) return false;
  if (!voice.previewFile) {
    void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: “{0}” has no preview kept. Use it and run “Speak Selection” to hear it.', voiceDisplayName(voice)));
    return false;
  }
  return playInPanel(services, { voiceId: voice.voiceId, voiceName: voiceDisplayName(voice), file: voice.previewFile, text: '' });
}

async function copyVoiceId(services: Services, arg: VoiceArg): Promise<string | undefined> {
  const voice = arg && typeof arg === 'object' && arg.kind === 'remoteVoice' ? { voiceId: arg.voice.voiceId } : await findVoice(services, arg);
  if (!voice) return undefined;
  await vscode.env.clipboard.writeText(voice.voiceId);
  void vscode.window.setStatusBarMessage(l10n.t('$(check) Copied voice id {0}', voice.voiceId), 3000);
  return voice.voiceId;
}

async function renameVoice(services: Services, arg: VoiceArg, given?: string): Promise<boolean> {
  const voice = await findVoice(services, arg);
  if (!voice) return false;
  const library = await services.storage.library();
  const validate = (v: string) => {
    const t = v.trim();
    if (!t) return undefined; // empty: back to the Novita name
    if (t.toLowerCase() !== voiceDisplayName(voice).toLowerCase() && t.toLowerCase() !== voice.name.toLowerCase() && library.hasName(t)) return l10n.t('Another voice is already called “{0}”.', t);
    return fieldMessage('voiceName', checkVoiceName(t));
  };
  const label =
    typeof given === 'string'
      ? given
      : await vscode.window.showInputBox({
          title: l10n.t('Rename voice (local label)'),
          prompt: l10n.t('A label for this list only: Novita keeps the name “{0}”. Leave empty to show that name again.', voice.name),
          value: voiceDisplayName(voice),
          validateInput: validate,
        });
  if (label === undefined) return false;
  const problem = validate(label);
  if (problem) {
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${problem}`);
    return false;
  }
  await library.renameVoice(voice.voiceId, label.trim() === voice.name ? '' : label);
  if (services.active.get().id === voice.voiceId) await services.active.set({ id: voice.voiceId, name: label.trim() || voice.name });
  return true;
}

async function removeVoice(services: Services, arg: VoiceArg, confirmed = false): Promise<boolean> {
  const voice = await findVoice(services, arg);
  if (!voice) return false;
  if (!confirmed) {
    const detail =
      providerOf(voice) === 'zhipu'
        ? voice.deletedAt
          ? l10n.t('The voice was deleted at Zhipu {0}; this removes its last trace here.', new Date(voice.deletedAt).toLocaleString())
          : l10n.t('Only this extension’s record is removed: the voice still exists at Zhipu. Use “Delete at Zhipu…” to delete it there.')
        : l10n.t("The voice still exists at Novita: Novita has no call to delete a cloned voice. Only this extension's record is removed; keep the voice id ({0}) if you may need it again.", voice.voiceId);
    const answer = await vscode.window.showWarningMessage(
      l10n.t('Remove “{0}” from this list?', voiceDisplayName(voice)),
      { modal: true, detail },
      l10n.t('Remove from List'),
    );
    if (answer !== l10n.t('Remove from List')) return false;
  }
  const library = await services.storage.library();
  const removed = await library.removeVoice(voice.voiceId);
  await services.active.forget(voice.voiceId);
  return removed;
}

/** What Delete at Zhipu returns, for scripts and tests. */
export type DeleteAtProviderResult = { ok: true; voiceId: string } | { ok: false; message: string; cancelled?: boolean };

/** The Zhipu voice `arg` names: a record of Zhipu's, or one Zhipu lists; else a pick among them. */
async function zhipuVoice(services: Services, arg: VoiceArg): Promise<{ voiceId: string; name: string; recorded: boolean } | undefined> {
  const library = await services.storage.library();
  const remote = await remoteOnlyFresh(services, arg);
  if (remote) return { voiceId: remote.voiceId, name: remote.name || remote.voiceId, recorded: false };
  const id = typeof arg === 'string' ? arg : arg?.kind === 'voice' ? arg.voice.voiceId : undefined;
  if (id) {
    const v = library.voice(id);
    return v && providerOf(v) === 'zhipu' ? { voiceId: v.voiceId, name: voiceDisplayName(v), recorded: true } : undefined;
  }
  // From the palette: the voices of Zhipu's last list, named as recorded where they are.
  const listed = (services.remoteVoices.voices ?? (await services.remoteVoices.refresh(), services.remoteVoices.voices) ?? []).filter((v) => v.kind === 'cloned');
  if (!listed.length) {
    void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: Zhipu lists no cloned voices for this key (or no Zhipu key is set).'));
    return undefined;
  }
  const items = listed.map((v) => {
    const rec = library.voice(v.voiceId);
    return { label: rec ? voiceDisplayName(rec) : v.name || v.voiceId, description: v.voiceId, target: { voiceId: v.voiceId, name: rec ? voiceDisplayName(rec) : v.name || v.voiceId, recorded: Boolean(rec) } };
  });
  const pick = await vscode.window.showQuickPick(items, { title: l10n.t('GLM Voice Clone: voice to delete at Zhipu'), matchOnDescription: true });
  return pick?.target;
}

/**
 * Deletes a voice at Zhipu after a modal confirmation (scripts and tests pass `confirmed`), then records the deletion
 * (`deletedAt`) on its record and lists Zhipu's voices again. A failure is a message: nothing here changes.
 */
async function deleteAtZhipu(services: Services, arg: VoiceArg, confirmed: boolean): Promise<DeleteAtProviderResult> {
  const target = await zhipuVoice(services, arg);
  if (!target) return { ok: false, message: l10n.t('No Zhipu voice was chosen.'), cancelled: true };
  if (!confirmed) {
    const button = l10n.t('Delete at Zhipu');
    const answer = await vscode.window.showWarningMessage(
      l10n.t('Delete “{0}” at Zhipu?', target.name),
      {
        modal: true,
        detail: l10n.t(
          'The voice stops working for everyone using it: Zhipu deletes voice {0} for good, and any speech asked of it fails from then on, here, in other editors and in scripts. This cannot be undone. The record here stays, marked as deleted.',
          target.voiceId,
        ),
      },
      button,
    );
    if (answer !== button) return { ok: false, message: l10n.t('Not deleted.'), cancelled: true };
  }
  try {
    const provider = await services.novita.providers.provider('zhipu');
    await provider.deleteVoice(target.voiceId, { signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    const described = describe(err, services.log);
    const message = l10n.t('“{0}” was not deleted at Zhipu: {1}', target.name, described.message);
    const setKey = l10n.t('Set API Key');
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${message}`, ...(described.action === 'setApiKey' ? [setKey] : [])).then((a) => {
      if (a === setKey) void vscode.commands.executeCommand('glmVoiceClone.setApiKey', 'zhipu');
    });
    return { ok: false, message };
  }
  services.log.info(`zhipu: voice ${target.voiceId} deleted`);
  const library = await services.storage.library();
  if (target.recorded) await library.markDeleted(target.voiceId);
  await services.active.forget(target.voiceId);
  void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: “{0}” was deleted at Zhipu.', target.name));
  await services.remoteVoices.refresh();
  return { ok: true, voiceId: target.voiceId };
}

async function playPreview(services: Services, arg: VoiceArg): Promise<boolean> {
  const p = await findPreview(services, arg);
  if (!p) return false;
  return playInPanel(services, { voiceId: p.voice, voiceName: p.voiceName ?? p.voice, file: p.file, text: p.text });
}

async function saveAudioAs(services: Services, arg: VoiceArg): Promise<string | undefined> {
  const p = await findPreview(services, arg);
  if (!p) return undefined;
  const library = await services.storage.library();
  const source = library.resolveFile(p.file);
  const ext = extname(source).slice(1) || 'wav';
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
  const suggested = `${(p.voiceName ?? p.voice).replace(/[^\w-]+/g, '_')}-${p.createdAt.slice(0, 19).replace(/[:T]/g, '-')}.${ext}`;
  const target = await vscode.window.showSaveDialog({
    title: l10n.t('Save Audio As'),
    defaultUri: vscode.Uri.joinPath(folder, suggested),
    filters: { [l10n.t('{0} audio', ext.toUpperCase())]: [ext] },
  });
  if (!target) return undefined;
  await copyFile(source, target.fsPath);
  void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: saved {0}.', basename(target.fsPath)));
  return target.fsPath;
}

async function revealAudio(services: Services, arg: VoiceArg): Promise<void> {
  const p = await findPreview(services, arg);
  if (!p) return;
  const library = await services.storage.library();
  await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(library.resolveFile(p.file)));
}

async function removePreview(services: Services, arg: VoiceArg): Promise<boolean> {
  const p = await findPreview(services, arg);
  if (!p) return false;
  const library = await services.storage.library();
  return library.removePreview(p.id);
}

/**
 * Reads text aloud with read-along: the player plays each chunk as it is written, the editor highlights the sentence
 * heard. Resolves when the whole text is rendered (the WAV in the history); playback may still be going on.
 */
export async function readAloud(
  services: Services,
  doc: vscode.TextDocument,
  part: { text: string; base: number; mapped: boolean; from?: number },
  kind: 'speech' | 'narration',
  title: string,
): Promise<SpeechResult> {
  return services.readAlong.read({ document: doc, ...part, kind, title, voice: services.active.get() });
}

async function speakSelection(services: Services): Promise<SpeechResult> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return fail(l10n.t('Open a file and select the text to speak.'));
  const doc = editor.document;
  const selections = editor.selections.filter((s) => !s.isEmpty);
  const text = selections.map((s) => doc.getText(s)).join('\n').trim();
  if (!text) return fail(l10n.t('Select some text first (or run “Speak File” to hear the whole file).'));
  // One selection maps back to the document (highlighting); several joined do not.
  const raw = selections.length === 1 ? doc.getText(selections[0]) : '';
  const base = selections.length === 1 ? doc.offsetAt(selections[0].start) + (raw.length - raw.trimStart().length) : 0;
  return readAloud(services, doc, { text, base, mapped: selections.length === 1 }, 'speech', l10n.t('Speaking the selection'));
}

async function documentFor(uri: vscode.Uri | undefined): Promise<vscode.TextDocument | undefined> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  return vscode.window.activeTextEditor?.document;
}

async function speakFile(services: Services, uri?: vscode.Uri): Promise<SpeechResult> {
  const doc = await documentFor(uri);
  if (!doc) return fail(l10n.t('Open the file to speak first.'));
  const result = await readAloud(services, doc, { text: doc.getText(), base: 0, mapped: true }, 'narration', l10n.t('Speaking {0}', basename(doc.fileName)));
  return result;
}

function fail(message: string): SpeechResult {
  void vscode.window.showErrorMessage(`GLM Voice Clone: ${message}`);
  return { ok: false, message };
}
