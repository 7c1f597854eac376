// Chapters of an export: a Markdown document's headings (up to a level) and a screenplay's scene headings, each
// starting where its first sentence is heard in the joined audio (the timing map), ending where the next begins (the
// last: at the end of the file). Written as a WebVTT chapters file beside the audio and as ID3 CHAP/CTOC frames in an MP3.
import { isFountain, fountainSceneHeadings } from '../narration/fountain';
import { isMarkdownLanguage } from '../narration/markdown';
import { markdownHeadings } from '../narration/plan';
import { CHAPTER_LEVEL } from './formats';

export { CHAPTER_LEVEL } from './formats';

/** Where a chapter is written in the source: its title and the offset its heading starts at. */
export interface ChapterMark {
  title: string;
  start: number;
}

export interface Chapter {
  title: string;
  startSec: number;
  endSec: number;
}

/** When a sentence is heard: its source offset and start time (the narration's `sentenceTimes`). */
export interface TimedSentence {
  start: number;
  startSec: number;
}

/** The chapter marks of a document: Fountain scene headings, or Markdown headings of level ≤ `level`; none for plain text. */
export function chapterMarks(source: string, languageId: string | undefined, fileName: string | undefined, level: number = CHAPTER_LEVEL.default): ChapterMark[] {
  if (level < 1) return [];
  if (isFountain(languageId, fileName)) return fountainSceneHeadings(source);
  if (!isMarkdownLanguage(languageId)) return [];
  return markdownHeadings(source)
    .filter((h) => h.level <= level && h.title)
    .map((h) => ({ title: h.title, start: h.start }));
}

/**
 * Chapters timed from the sentences heard (sorted by time, as spoken): each mark starts at the first sentence at or
 * after it in the source. A mark with nothing spoken after it is dropped; marks that meet the same sentence (headings
 * with nothing between them) give one chapter, the last heading's, the nearest to the words.
 */
export function timeChapters(marks: readonly ChapterMark[], sentences: readonly TimedSentence[], durationSec: number): Chapter[] {
  const starts: Array<{ title: string; startSec: number }> = [];
  let from = 0;
  for (const mark of marks) {
    while (from < sentences.length && sentences[from].start < mark.start) from++;
    if (from >= sentences.length) break;
    const startSec = sentences[from].startSec;
    if (starts.length && starts[starts.length - 1].startSec === startSec) starts.pop();
    starts.push({ title: mark.title, startSec });
  }
  return starts.map((c, i) => ({ title: c.title, startSec: c.startSec, endSec: i + 1 < starts.length ? starts[i + 1].startSec : Math.max(c.startSec, durationSec) }));
}

/** A WebVTT chapters file (`kind="chapters"` of a `<track>`): a cue per chapter holding its title. */
export function toChaptersVtt(chapters: readonly Chapter[]): string {
  const cues = chapters.map((c, i) => `${i + 1}\n${vttTime(c.startSec)} --> ${vttTime(c.endSec)}\n${c.title.replace(/-->/g, '→').replace(/\s*\n\s*/g, ' ')}\n`);
  return ['WEBVTT', '', ...cues.map((c) => `${c}`)].join('\n');
}

function vttTime(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}
