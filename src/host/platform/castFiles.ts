// The team's shared script settings, read for a document: the cast (`.vscode/glm-voice-cast.json`) and the
// pronunciation list (`.vscode/glm-voice-pronunciations.json`, plus the `glmVoiceClone.pronunciations` setting) of
// the workspace folder it is in, loaded and checked by the core (src/core/script/settings.ts). Read on every
// narration (small files), so an edit is used at once.
import vscode = require('vscode');
import { readFile } from 'node:fs/promises';
import { loadScriptSettings, scriptFilesIn, SPEAKER_PAUSE_MS, type ScriptFilesPort, type ScriptSettings } from '../../core/script/settings';
import { SECTION } from './config';

export { CAST_FILE, PRONUNCIATIONS_FILE, type ScriptSettings } from '../../core/script/settings';

/** The editor reads the settings files from disk; one that is not there (or cannot be read) is no settings. */
const files: ScriptFilesPort = { read: readIfThere };

/** The cast, pronunciations and pause for `doc` (a document outside any folder gets the setting's list only). */
export async function scriptSettingsFor(doc: vscode.TextDocument): Promise<ScriptSettings> {
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const config = vscode.workspace.getConfiguration(SECTION, doc.uri);
  return loadScriptSettings(files, {
    ...(folder?.uri.scheme === 'file' ? scriptFilesIn(folder.uri.fsPath) : {}),
    pronunciations: config.get<unknown>('pronunciations'),
    speakerPauseMs: config.get<number>('cast.pauseMs', SPEAKER_PAUSE_MS.default),
    fileName: doc.fileName,
  });
}

/** Adds (or replaces) `speaker → voice` in the cast file, creating it when there is none. */
export async function assignVoiceInCastFile(castPath: string, speaker: string, voice: string): Promise<void> {
  const text = await readIfThere(castPath);
  let value: { voices?: Record<string, unknown> } & Record<string, unknown> = {};
  if (text !== undefined) {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) value = parsed as typeof value;
  }
  const voices = value.voices && typeof value.voices === 'object' && !Array.isArray(value.voices) ? value.voices : {};
  value.voices = { ...voices, [speaker]: voice };
  const uri = vscode.Uri.file(castPath);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8'));
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
