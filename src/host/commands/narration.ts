// Commands over narration's audio: export beside the source (WAV or MP3, with subtitles), retakes of one
// sentence's chunk, and the chunk cache. Synthesis goes through the shared Synthesizer, so nothing is paid twice.
import vscode = require('vscode');
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pcmToWav } from '../../core/audio/wav';
import type { FormatId, SubtitleChoice } from '../../core/export/formats';
import { ExportManifests, exportInputsHash } from '../../core/export/manifest';
import { exportPaths } from '../../core/export/outputPath';
import { readTags, tagText, type AudioTags } from '../../core/export/tags';
import { sentenceAt, type NarrationPlan, type PlannedSentence } from '../../core/narration/plan';
import type { SpokenPlan } from '../../core/flows/narrate';
import { cutPcm } from '../../core/audio/cut';
import { frontMatterVoiceEdit } from '../../core/narration/cast';
import { isMarkdownLanguage } from '../../core/narration/markdown';
import { codePointLength } from '../../core/limits';
import { describe, describeMasteringReport, describeVerdict, l10n } from '../platform/describe';
import type { MasteringOutcome } from '../../core/export/mastering';
import type { PresetId } from '../../core/master/presets';
import { readExportSettings, readSpeechSettings } from '../platform/config';
import type { Services } from '../services/services';
import type { SpeechResult } from '../services/speechService';
import type { CommandHandlers } from './ids';
import { assignVoiceInCastFile, scriptSettingsFor } from '../platform/castFiles';
import { voiceDisplayName } from '../views/libraryTree';
import { SYSTEM_VOICES } from '../../core/limits';

type NarrationCommandId = 'glmVoiceClone.exportNarration' | 'glmVoiceClone.retakeSentence' | 'glmVoiceClone.clearCache' | 'glmVoiceClone.assignVoice';

export function narrationCommandHandlers(services: Services): Pick<CommandHandlers, NarrationCommandId> {
  return {
    'glmVoiceClone.exportNarration': (uri?: vscode.Uri, options?: ExportOverrides) => exportNarration(services, uri, options),
    'glmVoiceClone.retakeSentence': (options?: RetakeOptions) => retakeSentence(services, options),
    'glmVoiceClone.clearCache': (confirmed?: unknown) => clearCache(services, confirmed === true),
    'glmVoiceClone.assignVoice': (args?: AssignVoiceArgs) => assignVoice(services, args),
  };
}

/** For scripts and tests: the settings' choices, overridden. */
interface ExportOverrides {
  format?: FormatId;
  subtitles?: SubtitleChoice;
  /** Replace existing files without asking (and render even when they are up to date). */
  overwrite?: boolean;
  /** Render even when the files are up to date (same text, voices and settings; files unchanged). */
  force?: boolean;
  onFailure?: 'stop' | 'skip';
  /** The mastering preset (default: the glmVoiceClone.export.preset setting). */
  preset?: PresetId;
}

export interface ExportResult {
  audio: string;
  subtitles: string[];
  chunks: number;
  cachedChunks: number;
  durationSec: number;
  /** Nothing was rendered: the files were up to date. */
  upToDate?: boolean;
  chapters?: string;
  /** A preset other than none: how the audio was mastered and its compliance report. */
  mastering?: MasteringOutcome;
}

/**
 * Narrates a saved file and writes `name.voice.wav|mp3` beside it (and `.srt`/`.vtt` when asked), asking before
 * replacing any of them. Unchanged text comes from the chunk cache: exporting it again sends nothing.
 */
async function exportNarration(services: Services, uri: vscode.Uri | undefined, overrides: ExportOverrides = {}): Promise<ExportResult | undefined> {
  const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!doc || doc.isUntitled) {
    void vscode.window.showErrorMessage(l10n.t('GLM Voice Clone: open a saved file to export its narration beside it.'));
    return undefined;
  }
  const settings = readExportSettings();
  const format = overrides.format ?? settings.format;
  const subtitles = overrides.subtitles ?? settings.subtitles;
  const preset = overrides.preset ?? settings.preset;
  const voice = services.active.get();
  const { audio, srt: srtPath, vtt: vttPath, chapters: chaptersPath } = exportPaths(doc.fileName, { format, subtitles, voice: voice.name });
  const text = doc.getText();
  let tags: AudioTags;
  let inputs: string;
  try {
    // Front matter first, then the settings (a cover relative to the document's workspace folder).
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? dirname(doc.fileName);
    tags = await readTags(tagText(text, doc.fileName, settings.tags, folder));
    const script = await scriptSettingsFor(doc);
    const speech = readSpeechSettings();
    inputs = exportInputsHash({
      text,
      languageId: doc.languageId,
      fileName: doc.fileName,
      voiceId: voice.id,
      cast: script.cast,
      pronunciations: script.pronunciations,
      speakerPauseMs: script.speakerPauseMs,
      speed: speech.speed,
      volume: speech.volume,
      watermark: speech.watermark,
      format,
      kbps: format === 'wav' ? undefined : settings.mp3Kbps,
      subtitles,
      chapterLevel: settings.chapterLevel,
      tags,
      preset: preset === 'none' ? undefined : preset,
    });
  } catch (err) {
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${describe(err, services.log).message}`);
    return undefined;
  }
  // Read afresh each time: the CLI may have rendered (and recorded) the same folder since.
  const manifests = new ExportManifests();
  if (!overrides.overwrite && !overrides.force && (await manifests.upToDate(audio, inputs))) {
    const again = l10n.t('Render Again');
    void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: already up to date: {0}', basename(audio)), again).then((c) => {
      if (c === again) void exportNarration(services, doc.uri, { ...overrides, overwrite: true, force: true });
    });
    return { audio, subtitles: [], chunks: 0, cachedChunks: 0, durationSec: 0, upToDate: true };
  }
  const existing = [audio, srtPath, vttPath].filter((p): p is string => p !== undefined && existsSync(p));
  if (existing.length && !overrides.overwrite) {
    const replace = l10n.t('Replace');
    const answer = await vscode.window.showWarningMessage(
      existing.length === 1 ? l10n.t('{0} already exists. Replace it?', basename(existing[0])) : l10n.t('{0} already exist. Replace them?', existing.map((p) => basename(p)).join(', ')),
      { modal: true },
      replace,
    );
    if (answer !== replace) return undefined;
  }
  const result: SpeechResult = await services.speech.speak({
    text,
    voice,
    languageId: doc.languageId,
    kind: 'narration',
    title: l10n.t('Exporting {0}', basename(doc.fileName)),
    output: { path: audio, format, mp3Kbps: settings.mp3Kbps, srtPath, vttPath, history: false, chapters: { level: settings.chapterLevel, vttPath: chaptersPath }, tags, ...(preset !== 'none' ? { preset } : {}) },
    document: doc,
    onFailure: overrides.onFailure,
  });
  if (!result.ok) {
    if (!result.cancelled) {
      const retry = l10n.t('Retry');
      const skip = l10n.t('Skip Failed Chunks');
      // Finished chunks are in the cache: a retry sends only what is missing.
      void vscode.window.showErrorMessage(`GLM Voice Clone: ${result.message}`, retry, skip).then((choice) => {
        if (choice === retry) void exportNarration(services, doc.uri, { ...overrides, overwrite: true });
        if (choice === skip) void exportNarration(services, doc.uri, { ...overrides, overwrite: true, onFailure: 'skip' });
      });
    }
    return undefined;
  }
  const others = [...result.subtitles, ...(result.chaptersFile ? [result.chaptersFile] : [])];
  // What was rendered whole is recorded: exporting it again unchanged does nothing. Not a file with silent gaps.
  if (!result.skipped) await manifests.record(audio, inputs, others).catch((err: unknown) => services.log.warn(`manifest: ${String(err)}`));
  const written = [basename(audio), ...others.map((p) => basename(p))].join(', ');
  const reveal = l10n.t('Reveal');
  if (result.mastering) showVerdict(basename(audio), result.mastering);
  void vscode.window
    .showInformationMessage(l10n.t('GLM Voice Clone: narration saved as {0} ({1} of {2} chunks from the cache).', written, result.cachedChunks, result.chunks), reveal)
    .then((c) => {
      if (c === reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(audio));
    });
  return {
    audio,
    subtitles: result.subtitles,
    chunks: result.chunks,
    cachedChunks: result.cachedChunks,
    durationSec: result.durationSec,
    ...(result.chaptersFile ? { chapters: result.chaptersFile } : {}),
    ...(result.mastering ? { mastering: result.mastering } : {}),
  };
}

/** "file: Meets Audiobook (ACX)" (or "2 problems for …", as a warning) with Show Report: the report as Markdown. */
function showVerdict(file: string, mastering: MasteringOutcome): void {
  const show = l10n.t('Show Report');
  const message = `GLM Voice Clone: ${file}: ${describeVerdict(mastering.report)}`;
  const shown = mastering.report.pass ? vscode.window.showInformationMessage(message, show) : vscode.window.showWarningMessage(message, show);
  void shown.then(async (c) => {
    if (c === show) await showReport(file, mastering);
  });
}

/**
 * The compliance report as an untitled Markdown document (nothing written to disk), shown rendered (the built-in
 * Markdown preview) beside the editor; as text where that preview is not there (the Markdown extension disabled).
 */
async function showReport(file: string, mastering: MasteringOutcome): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: describeMasteringReport(file, mastering) });
  const previewed = await vscode.commands.executeCommand('markdown.showPreviewToSide', doc.uri).then(() => true, () => false);
  if (!previewed) await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  return doc;
}

/** For scripts and tests: skip the pick by naming the choice up front. */
interface RetakeOptions {
  /** Where the sentence is (default: the cursor in the active editor). */
  uri?: vscode.Uri;
  offset?: number;
  /** Play this take first, as the pick's “Play” does. */
  play?: 'new' | 'current';
  /** 'new' keeps the new take, 'current' the one there was; default: ask. */
  keep?: 'new' | 'current';
}

export interface RetakeResult {
  /** The chunk that held the sentence before the retake. */
  chunk: number;
  /** The sentence retaken. */
  text: string;
  kept: 'new' | 'current';
  /** WAV files of the two takes, for listening. */
  takes: { current: string; new: string };
  /** With `play`: the title of the take the read-along player was given. */
  played?: string;
}

/**
 * Synthesizes the sentence under the cursor again, alone (bypassing the cache), lets the user hear both takes in the
 * read-along player and keep one. A kept new take makes the sentence a chunk of its own from then on (`RetakenSentences`);
 * the rest of the chunk that held it goes into the cache as the audio already heard, cut at the sentence's edges, so
 * playback and export send nothing for it.
 */
async function retakeSentence(services: Services, options: RetakeOptions = {}): Promise<RetakeResult | undefined> {
  const editor = vscode.window.activeTextEditor;
  const doc = options.uri ? await vscode.workspace.openTextDocument(options.uri) : editor?.document;
  if (!doc) {
    void vscode.window.showErrorMessage(l10n.t('GLM Voice Clone: put the cursor in the sentence to retake.'));
    return undefined;
  }
  const offset = options.offset ?? (editor && editor.document === doc ? doc.offsetAt(editor.selection.active) : 0);
  const active = services.active.get();
  let plan: SpokenPlan;
  let sentence: PlannedSentence | undefined;
  try {
    plan = await services.speech.plan(doc.getText(), doc.languageId, active.id, doc);
    sentence = sentenceAt(plan as NarrationPlan, offset) ?? plan.sentences.at(-1);
  } catch (err) {
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${describe(err, services.log).message}`);
    return undefined;
  }
  const chunk = sentence && plan.chunks[sentence.chunk];
  if (!sentence || !chunk) return undefined;
  const speech = readSpeechSettings();
  // The chunk's own voice (a speaker's in a script with a cast) and what is sent for it (pronunciations applied).
  const voice = { voiceId: chunk.voice, speed: chunk.speed ?? speech.speed, volume: chunk.volume ?? speech.volume, watermark: speech.watermark };
  const send = (text: string) => (plan.rewrite ? plan.rewrite(text) : text);
  const sendText = send(sentence.text);
  const at = chunk.sentences.findIndex((s) => s.index === sentence.index);
  const alone = chunk.sentences.length === 1;
  const title = preview(sentence.text);
  const dir = await services.storage.ensureAudioDir();
  try {
    const current = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: l10n.t('Retaking “{0}”…', title) }, async () => {
      // The take heard so far: the sentence's part of its chunk's audio when that is cached (or its own chunk's).
      const whole = alone || (await services.synthesizer.uncached([chunk.sendText], () => voice)).length ? undefined : await services.synthesizer.chunk(chunk.sendText, voice);
      const parts = whole ? cutPcm(whole.pcm, chunk.sentences.map((s) => codePointLength(send(s.text)))) : undefined;
      const before = parts ? { pcm: parts[at], key: whole!.key } : await services.synthesizer.chunk(sendText, voice);
      const fresh = await services.synthesizer.chunk(sendText, voice, { fresh: true, keep: false });
      return { before, fresh, parts };
    });
    const stem = `take-${current.fresh.key.slice(0, 12)}`;
    const takes = { current: join(dir, `${stem}-a.wav`), new: join(dir, `${stem}-b.wav`) };
    await writeFile(takes.current, pcmToWav(current.before.pcm));
    await writeFile(takes.new, pcmToWav(current.fresh.pcm));
    const play = (which: 'new' | 'current') =>
      services.readAlong.playClip({
        title: which === 'new' ? l10n.t('New take: “{0}”', title) : l10n.t('Current take: “{0}”', title),
        text: sentence.text,
        pcm: which === 'new' ? current.fresh.pcm : current.before.pcm,
      });
    // What the player was given, as it said when it took it (a reading started after may replace it there).
    const played = options.play ? (await play(options.play)).clip : undefined;
    let kept = options.keep;
    while (!kept) {
      const items = [
        { label: l10n.t('$(play) Play the current take'), action: 'playCurrent' },
        { label: l10n.t('$(play) Play the new take'), action: 'playNew' },
        { label: l10n.t('$(check) Keep the new take'), action: 'new' },
        { label: l10n.t('$(history) Keep the current take'), action: 'current' },
      ] as const;
      const pick = await vscode.window.showQuickPick(items, { title: l10n.t('Retake: “{0}”', title), placeHolder: l10n.t('Listen to both takes, then keep one') });
      if (!pick) break;
      if (pick.action === 'playCurrent' || pick.action === 'playNew') await play(pick.action === 'playNew' ? 'new' : 'current');
      else kept = pick.action;
    }
    if (!kept) return undefined;
    if (kept === 'new') {
      const cache = services.synthesizer.cache;
      const put = (text: string, pcm: Buffer) => cache?.put(services.synthesizer.key(text, voice), pcm, { textChars: codePointLength(text) });
      await put(sendText, current.fresh.pcm);
      // From now on the sentence is a chunk of its own, in every plan (a read from elsewhere groups sentences from
      // where it starts). The sentences before and after it in its old chunk are chunks too, their audio the old
      // chunk's (when it was cached), so nothing else is sent again.
      await services.retaken.add(sentence.text);
      const parts = current.parts;
      if (parts) {
        for (const [from, to] of [[0, at], [at + 1, chunk.sentences.length]]) {
          if (to <= from) continue;
          const text = send(chunk.sentences.slice(from, to).map((s) => s.text).join(' '));
          await put(text, Buffer.concat(parts.slice(from, to)));
        }
      }
    }
    return { chunk: chunk.index, text: sentence.text, kept, takes, ...(played ? { played } : {}) };
  } catch (err) {
    const e = describe(err, services.log);
    if (!e.cancelled) void vscode.window.showErrorMessage(`GLM Voice Clone: ${e.message}`);
    return undefined;
  }
}

async function clearCache(services: Services, confirmed: boolean): Promise<{ entries: number; bytes: number } | undefined> {
  const cache = services.synthesizer.cache;
  if (!cache) return undefined;
  const stats = await cache.stats();
  if (!confirmed) {
    const clear = l10n.t('Clear');
    const answer = await vscode.window.showWarningMessage(
      l10n.t('The chunk cache holds {0} chunks ({1} MB). Clear it? Narrating them again will send them to Novita again.', stats.entries, (stats.bytes / (1024 * 1024)).toFixed(1)),
      { modal: true },
      clear,
    );
    if (answer !== clear) return undefined;
  }
  await cache.clear();
  return stats;
}

interface AssignVoiceArgs {
  uri?: vscode.Uri;
  speaker?: string;
  /** The voice to assign (a system voice name or a cloned voice id); default: ask. */
  voice?: string;
}

/**
 * The Quick Fix of an unassigned speaker: pick a library or system voice, written where the script keeps its cast: its
 * front matter's `voices:` when it has one (an edit of the document, undoable and left unsaved), else the folder's
 * cast file.
 */
async function assignVoice(services: Services, args: AssignVoiceArgs = {}): Promise<string | undefined> {
  const doc = args.uri ? await vscode.workspace.openTextDocument(args.uri) : vscode.window.activeTextEditor?.document;
  const speaker = args.speaker?.trim();
  if (!doc || !speaker) return undefined;
  const inFrontMatter = isMarkdownLanguage(doc.languageId) && frontMatterVoiceEdit(doc.getText(), speaker, speaker) !== undefined;
  const settings = await scriptSettingsFor(doc);
  if (!inFrontMatter && !settings.castPath) {
    void vscode.window.showErrorMessage(l10n.t('GLM Voice Clone: open the folder this script is in, so the cast can be saved in its .vscode/glm-voice-cast.json (or add “voices:” to the front matter).'));
    return undefined;
  }
  let voice = args.voice;
  if (!voice) {
    const library = await services.storage.library();
    const items: Array<vscode.QuickPickItem & { voice?: string }> = [
      { label: l10n.t('Cloned voices'), kind: vscode.QuickPickItemKind.Separator },
      ...library.voices().map((v) => ({ label: `$(account) ${voiceDisplayName(v)}`, description: v.voiceId, voice: v.voiceId })),
      { label: l10n.t('System voices'), kind: vscode.QuickPickItemKind.Separator },
      ...SYSTEM_VOICES.map((v) => ({ label: `$(unmute) ${v}`, voice: v })),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: l10n.t('A voice for “{0}”', speaker), matchOnDescription: true });
    voice = pick?.voice;
  }
  if (!voice) return undefined;
  // Read again: the document may have changed while the pick was open.
  const edit = inFrontMatter ? frontMatterVoiceEdit(doc.getText(), speaker, voice) : undefined;
  if (edit) {
    const change = new vscode.WorkspaceEdit();
    change.replace(doc.uri, new vscode.Range(doc.positionAt(edit.start), doc.positionAt(edit.end)), edit.text);
    if (!(await vscode.workspace.applyEdit(change))) return undefined;
  } else if (settings.castPath) {
    await assignVoiceInCastFile(settings.castPath, speaker, voice);
  } else {
    return undefined;
  }
  await services.castDiagnostics.refresh(doc);
  return voice;
}

function preview(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
