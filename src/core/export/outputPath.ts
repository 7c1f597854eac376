// Where an export is written: the one rule the editor's Export Narration and the CLI's narrate and speak share.
import { isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { FORMATS, SUBTITLE_FORMATS, SUBTITLES, type FormatId, type SubtitleChoice } from './formats';

export interface ExportPaths {
  audio: string;
  /** The WebVTT chapters file beside it (`name.chapters.vtt`), written when the text has chapters. */
  chapters: string;
  srt?: string;
  vtt?: string;
}

/** A voice's name as it goes into a file name: anything but letters, digits, `_` and `-` becomes `_`. */
export function voiceInFileName(voice: string): string {
  return voice.replace(/[^\w-]+/g, '_');
}

/**
 * The files an export of `source` writes: beside it, or under `out` (resolved against `cwd`) at its path relative
 * to `cwd` (a file outside `cwd`: at its absolute path, drive and leading separators dropped). Named after the
 * source, with the voice when one is given: `name.voice.wav` (the editor), else `name.wav` (the CLI). Subtitles
 * beside the audio with the same stem.
 */
export function exportPaths(source: string, opts: { format: FormatId; subtitles: SubtitleChoice; voice?: string; out?: string; cwd?: string }): ExportPaths {
  const p = parse(source);
  let dir = p.dir;
  if (opts.out !== undefined) {
    const cwd = opts.cwd ?? process.cwd();
    const rel = relative(cwd, source);
    const outside = rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
    const mirrored = outside ? source.replace(/^[A-Za-z]:/, '').replace(/^[\\/]+/, '') : rel;
    dir = join(resolve(cwd, opts.out), parse(mirrored).dir);
  }
  const stem = join(dir, opts.voice === undefined ? p.name : `${p.name}.${voiceInFileName(opts.voice)}`);
  return { audio: `${stem}${FORMATS[opts.format].extension}`, chapters: `${stem}.chapters.vtt`, ...subtitlePaths(stem, opts.subtitles) };
}

/** The subtitle files `choice` writes beside the audio whose path without extension is `stem`. */
export function subtitlePaths(stem: string, choice: SubtitleChoice): { srt?: string; vtt?: string } {
  const out: { srt?: string; vtt?: string } = {};
  for (const kind of SUBTITLES[choice]) out[kind] = `${stem}${SUBTITLE_FORMATS[kind].extension}`;
  return out;
}
