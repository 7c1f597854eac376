// A script's settings, one owner for the editor and the CLI: the team's cast (`.vscode/glm-voice-cast.json`), its
// pronunciation list (`.vscode/glm-voice-pronunciations.json`, then a list given as a value: the editor's
// `glmVoiceClone.pronunciations` setting), the pause between speakers, and whether a document reads as a script at
// all (a screenplay, a cast, or front matter `voices:`). The files are read through a small port, so the editor reads
// its workspace folder and the CLI its working directory or the files its options name.
import { join } from 'node:path';
import type { SettingsFileProblem } from '../errors';
import { frontMatterCast, parseCastFile, type CastMap } from '../narration/cast';
import { isFountain } from '../narration/fountain';
import { isMarkdownLanguage } from '../narration/markdown';
import { parsePronunciations, type Pronunciation, type PronunciationList } from '../narration/pronunciations';

/** Where a folder keeps its cast and pronunciations (the editor's workspace folder, the CLI's working directory). */
export const CAST_FILE = join('.vscode', 'glm-voice-cast.json');
export const PRONUNCIATIONS_FILE = join('.vscode', 'glm-voice-pronunciations.json');

/** The pause between two speakers' lines: default and bounds, in milliseconds. */
export const SPEAKER_PAUSE_MS = { default: 300, min: 0, max: 5000 } as const;

/** What turns a document into a script with a cast. */
export interface ScriptContext {
  /** The cast file's voices; a Markdown document's front matter `voices:` wins over them. */
  cast?: CastMap;
  /** Rewrites applied to what is sent (never to what is highlighted). */
  pronunciations?: PronunciationList;
  fileName?: string;
  /** Silence between two speakers' lines, in milliseconds (default 300). */
  speakerPauseMs?: number;
  /**
   * Turns a cast's voice (a system voice, a cloned voice's id, or its name in the library) into what Novita takes;
   * throws (e.g. CoreError, or the CLI's unknown-voice failure) for a voice nobody knows. Default: as written.
   */
  resolveVoice?: (voice: string) => string;
  /** Sentences spoken as chunks of their own (retaken ones, by their text): see `PlanOptions.solo`. */
  solo?: (text: string) => boolean;
}

/** Reads a settings file for `loadScriptSettings`. */
export interface ScriptFilesPort {
  /** The file's text; undefined when there is none. May throw (the CLI: a file its options name that cannot be read). */
  read(path: string): Promise<string | undefined>;
}

export interface ScriptSettingsSources {
  /** The cast file to read, if any. */
  castPath?: string;
  /** The pronunciation file to read, if any. */
  pronunciationsPath?: string;
  /** A pronunciation list given as a value (the editor's setting): after the file's; a word in both keeps the file's. */
  pronunciations?: unknown;
  /** Silence between two speakers' lines (clamped to SPEAKER_PAUSE_MS); undefined: the flow's default. */
  speakerPauseMs?: number;
  /** The document's file name (a `.fountain` name makes it a screenplay). */
  fileName?: string;
}

/** What a narration of a document is given (a `ScriptContext`), with what was wrong in the files it was read from. */
export interface ScriptSettings extends ScriptContext {
  /** Problems in the files (each names its file): the editor shows them as diagnostics, the CLI refuses to start. */
  problems: Array<{ file: string; problem: SettingsFileProblem }>;
  /** The cast file's path, when there is a place for one (where "Assign a voice" writes). */
  castPath?: string;
}

/** The cast file and pronunciation file of a folder. */
export function scriptFilesIn(folder: string): { castPath: string; pronunciationsPath: string } {
  return { castPath: join(folder, CAST_FILE), pronunciationsPath: join(folder, PRONUNCIATIONS_FILE) };
}

/** Reads and checks the cast and pronunciations `sources` name; the valid entries are kept whatever the problems. */
export async function loadScriptSettings(files: ScriptFilesPort, sources: ScriptSettingsSources): Promise<ScriptSettings> {
  const problems: ScriptSettings['problems'] = [];
  const out: ScriptSettings = { problems };
  if (sources.fileName !== undefined) out.fileName = sources.fileName;
  if (sources.speakerPauseMs !== undefined) out.speakerPauseMs = Math.max(SPEAKER_PAUSE_MS.min, Math.min(SPEAKER_PAUSE_MS.max, sources.speakerPauseMs));
  if (sources.castPath !== undefined) {
    out.castPath = sources.castPath;
    const castText = await files.read(sources.castPath);
    if (castText !== undefined) {
      const cast = parseCastFile(castText);
      out.cast = cast.cast;
      problems.push(...cast.problems.map((problem) => ({ file: sources.castPath!, problem })));
    }
  }
  let fileList: Pronunciation[] = [];
  if (sources.pronunciationsPath !== undefined) {
    const pronText = await files.read(sources.pronunciationsPath);
    if (pronText !== undefined) {
      const list = parsePronunciations(pronText);
      fileList = list.list;
      problems.push(...list.problems.map((problem) => ({ file: sources.pronunciationsPath!, problem })));
    }
  }
  const value = sources.pronunciations;
  const fromValue = value && typeof value === 'object' && Object.keys(value).length ? parsePronunciations(value).list : [];
  // The folder's file first: a word in both keeps the file's entry.
  if (fileList.length || fromValue.length) out.pronunciations = [...fileList, ...fromValue.filter((s) => !fileList.some((f) => f.word.toLowerCase() === s.word.toLowerCase()))];
  return out;
}

/**
 * Whether `text` is read as a script (a voice per speaker): a screenplay, a document with a cast, or Markdown with
 * front matter `voices:`. Otherwise "Note: …" stays prose, read whole in one voice.
 */
export function readsAsScript(text: string, languageId: string | undefined, script: Pick<ScriptContext, 'cast' | 'fileName'> = {}): boolean {
  return isFountain(languageId, script.fileName) || (script.cast?.size ?? 0) > 0 || (isMarkdownLanguage(languageId) && frontMatterCast(text).cast.size > 0);
}
