// The team's shared script settings, read for a document: the cast (`.vscode/glm-voice-cast.json`) and the
// pronunciation list (`.vscode/glm-voice-pronunciations.json`, plus the `glmVoiceClone.pronunciations` setting) of
// the workspace folder it is in. Read on every narration (small files), so an edit is used at once.
import vscode = require('vscode');
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SettingsFileProblem } from '../../core/errors';
import type { ScriptContext } from '../../core/flows/narrate';
import { parseCastFile } from '../../core/narration/cast';
import { parsePronunciations, type Pronunciation } from '../../core/narration/pronunciations';
import { SECTION } from './config';

export const CAST_FILE = join('.vscode', 'glm-voice-cast.json');
export const PRONUNCIATIONS_FILE = join('.vscode', 'glm-voice-pronunciations.json');

export interface ScriptSettings extends ScriptContext {
  /** Problems in the files (each names its file), for diagnostics. */
  problems: Array<{ file: string; problem: SettingsFileProblem }>;
  /** The cast file's path, when the document is in a workspace folder (where "Assign a voice" writes). */
  castPath?: string;
}

/** The cast, pronunciations and pause for `doc` (a document outside any folder gets the setting's list only). */
export async function scriptSettingsFor(doc: vscode.TextDocument): Promise<ScriptSettings> {
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const config = vscode.workspace.getConfiguration(SECTION, doc.uri);
  const problems: ScriptSettings['problems'] = [];
  const out: ScriptSettings = { problems, fileName: doc.fileName, speakerPauseMs: Math.max(0, Math.min(5000, config.get<number>('cast.pauseMs', 300))) };
  let fileList: Pronunciation[] = [];
  if (folder?.uri.scheme === 'file') {
    out.castPath = join(folder.uri.fsPath, CAST_FILE);
    const castText = await readIfThere(out.castPath);
    if (castText !== undefined) {
      const cast = parseCastFile(castText);
      out.cast = cast.cast;
      problems.push(...cast.problems.map((problem) => ({ file: out.castPath!, problem })));
    }
    const pronPath = join(folder.uri.fsPath, PRONUNCIATIONS_FILE);
    const pronText = await readIfThere(pronPath);
    if (pronText !== undefined) {
      const list = parsePronunciations(pronText);
      fileList = list.list;
      problems.push(...list.problems.map((problem) => ({ file: pronPath, problem })));
    }
  }
  const setting = config.get<unknown>('pronunciations');
  const fromSetting = setting && typeof setting === 'object' && Object.keys(setting).length ? parsePronunciations(setting).list : [];
  // The folder's file first: a word in both keeps the file's entry.
  if (fileList.length || fromSetting.length) out.pronunciations = [...fileList, ...fromSetting.filter((s) => !fileList.some((f) => f.word.toLowerCase() === s.word.toLowerCase()))];
  return out;
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
