// Fountain screenplays read aloud with a cast: a character cue names who says the dialogue under it, action (and
// centered text, lyrics) is the narrator's, and what is only for the page is not spoken: the title page,
// parentheticals, transitions, sections, synopses, notes, boneyard and page breaks. Scene headings are the
// narrator's when asked (`sceneHeadings`), silent by default: heard before every scene, "INT. KITCHEN - NIGHT" is
// more noise than help.
//
// fountain-js gives tokens without positions, so each token's lines are found in the source by searching forward
// from where the previous token was found: a repeated line ("Yes.") is matched at its next occurrence, never an
// earlier one.

import type { Token } from 'fountain-js';
import type { ScriptSpeakable, SpeakerLabel } from './speakers';
import { speakableWith, type Speakable, type SpeakableBlock, type SpeakableSegment } from './plan';

const FOUNTAIN_LANGUAGES = new Set(['fountain']);

/** Whether a document is a Fountain screenplay: its language id, or a file name ending ".fountain". */
export function isFountain(languageId: string | undefined, fileName?: string): boolean {
  return (languageId !== undefined && FOUNTAIN_LANGUAGES.has(languageId.toLowerCase())) || (fileName !== undefined && /\.fountain$/i.test(fileName));
}

/** Token types whose text is spoken, and by whom ('speaker': the character of the dialogue block around it). */
const SPOKEN: Record<string, 'narrator' | 'speaker'> = {
  action: 'narrator',
  centered: 'narrator',
  lyrics: 'narrator',
  dialogue: 'speaker',
};

interface FountainModule {
  Fountain: new () => { parse(script: string, getTokens?: boolean): { tokens: Token[] } };
}

let fountainModule: FountainModule | undefined;

function fountain(): FountainModule {
  // Required here, not imported: the parser costs nothing until a screenplay is spoken.
  fountainModule ??= require('fountain-js') as FountainModule;
  return fountainModule;
}

/** The character a cue names: "BOB (V.O.)" → "BOB", "@McCLANE" → "McCLANE", "ALICE ^" → "ALICE". */
export function cueName(cue: string): string {
  return cue
    .replace(/^\s*@/, '')
    .replace(/\^\s*$/, '')
    .replace(/\([^)]*\)/g, '')
    .trim();
}

/** A screenplay's spoken text, block by block (one per spoken token), each with its speaker and source offsets. */
export function fountainScript(source: string, opts: { sceneHeadings?: boolean } = {}): ScriptSpeakable {
  const speakers: Array<string | undefined> = [];
  const labels: SpeakerLabel[] = [];
  const sp = speakableWith(source, (text, toSource) => {
    const { Fountain } = fountain();
    const tokens = new Fountain().parse(text, true).tokens;
    const b = new Builder(text);
    // The title page is not spoken: nothing after it is searched for in it.
    if (tokens.some((t) => t.is_title)) b.skipTo(/\n[^\S\n]*\n/.exec(text)?.index ?? text.length);
    let speaker: string | undefined;
    for (const t of tokens) {
      if (t.is_title) continue;
      if (t.type === 'character') {
        const at = b.find(t.text ?? '');
        speaker = cueName(t.text ?? '') || undefined;
        if (speaker && at) labels.push({ speaker, start: toSource(at.start), end: toSource(at.end) });
        continue;
      }
      if (t.type === 'dialogue_end') speaker = undefined;
      const role = t.type === 'scene_heading' && opts.sceneHeadings ? 'narrator' : SPOKEN[t.type];
      if (!role || !t.text) {
        // Not spoken, but found all the same, so later text is searched for after it.
        if (t.text && t.type !== 'note') b.find(t.text.split('\n')[0]);
        continue;
      }
      if (b.block(t.text, t.type === 'lyrics')) speakers.push(role === 'speaker' ? speaker : undefined);
    }
    return b.build();
  });
  return { sp, speakers, labels };
}

// Markup a Fountain line may hold that is not spoken: notes, emphasis marks, the escape before a character, and a
// lyric's "~" (fountain-js keeps it on the first lyric line).
const UNSPOKEN = /\[\[[\s\S]*?\]\]|\\(?=[\\*_])|(?<!\\)[*_]+/g;

/** Boneyard and notes blanked (same length, line breaks kept), so no search finds a line inside them. */
function mask(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\/|\[\[[\s\S]*?\]\]/g, (m) => m.replace(/[^\n]/g, '\u0000'));
}

class Builder {
  private text = '';
  private readonly segments: SpeakableSegment[] = [];
  private readonly blocks: SpeakableBlock[] = [];
  private cursor = 0;

  private readonly masked: string;

  constructor(private readonly src: string) {
    this.masked = mask(src);
  }

  skipTo(offset: number): void {
    this.cursor = Math.max(this.cursor, offset);
  }

  /** Where `s` (trimmed) next occurs from the cursor, outside boneyard and notes, moving the cursor past it. */
  find(s: string): { start: number; end: number } | undefined {
    const needle = mask(s.trim());
    if (!needle) return undefined;
    const i = this.masked.indexOf(needle, this.cursor);
    if (i < 0) return undefined;
    this.cursor = i + needle.length;
    return { start: i, end: i + needle.length };
  }

  /** A token's text as one block; false when nothing in it is spoken. */
  block(tokenText: string, lyrics: boolean): boolean {
    const textStart = this.text.length;
    let sourceStart = Infinity;
    let sourceEnd = -1;
    for (const rawLine of tokenText.split('\n')) {
      const line = lyrics ? rawLine.replace(/^\s*~/, '') : rawLine;
      const at = this.find(line);
      const spoken = at ? this.src.slice(at.start, at.end) : line.trim();
      const base = at?.start ?? this.cursor;
      let last = 0;
      // Lines of a block are joined by a space.
      if (this.text.length > textStart && !/\s$/.test(this.text)) this.text += ' ';
      const keep = (from: number, to: number) => {
        const run = spoken.slice(from, to);
        if (!run.trim()) return;
        const t = this.text.length;
        this.text += run;
        // Found runs map one to one; a line not found in the source stands, whole, at the cursor.
        this.segments.push(at ? { textStart: t, textEnd: t + run.length, sourceStart: base + from, sourceEnd: base + to } : { textStart: t, textEnd: t + run.length, sourceStart: base, sourceEnd: base });
      };
      // The block covers its lines as written, markup included ("*tea*").
      if (at) {
        sourceStart = Math.min(sourceStart, at.start);
        sourceEnd = Math.max(sourceEnd, at.end);
      }
      for (const m of spoken.matchAll(UNSPOKEN)) {
        keep(last, m.index);
        last = m.index + m[0].length;
      }
      keep(last, spoken.length);
    }
    // Trailing white space of a run is not part of the block.
    while (this.text.length > textStart && /\s$/.test(this.text)) {
      this.text = this.text.slice(0, -1);
      const seg = this.segments[this.segments.length - 1];
      if (seg && seg.textEnd > this.text.length) {
        seg.textEnd--;
        if (seg.sourceEnd > seg.sourceStart) seg.sourceEnd--;
      }
    }
    if (this.text.length === textStart) return false;
    if (sourceEnd < 0) sourceStart = sourceEnd = this.cursor;
    this.blocks.push({ textStart, textEnd: this.text.length, sourceStart, sourceEnd });
    this.text += '\n';
    return true;
  }

  build(): Speakable {
    return { text: this.text.replace(/\n$/, ''), segments: this.segments, blocks: this.blocks };
  }
}

/** A screenplay's scene headings ("INT. KITCHEN - NIGHT") in order, with the source offset of each: chapters come from them. */
export function fountainSceneHeadings(source: string): Array<{ title: string; start: number }> {
  const { Fountain } = fountain();
  const text = source.replace(/\r\n/g, '\n');
  const tokens = new Fountain().parse(text, true).tokens;
  const masked = mask(source);
  const out: Array<{ title: string; start: number }> = [];
  let cursor = tokens.some((t) => t.is_title) ? (/\r?\n[^\S\r\n]*\r?\n/.exec(source)?.index ?? source.length) : 0;
  for (const t of tokens) {
    if (t.type !== 'scene_heading' || !t.text) continue;
    const title = t.text.trim();
    const at = masked.indexOf(title, cursor);
    if (at < 0) continue;
    cursor = at + title.length;
    out.push({ title, start: source.lastIndexOf('\n', at) + 1 });
  }
  return out;
}

/** A screenplay's title page as tags: `Title:` and `Author:` (or `Authors:`), emphasis marks dropped, lines joined. */
export function fountainTitlePage(source: string): { title?: string; author?: string } {
  const { Fountain } = fountain();
  const out: { title?: string; author?: string } = {};
  for (const t of new Fountain().parse(source.replace(/\r\n/g, '\n'), true).tokens) {
    if (!t.is_title || !t.text) continue;
    const text = t.text.replace(UNSPOKEN, '').replace(/\s*\n\s*/g, ' ').trim();
    if (!text) continue;
    if (t.type === 'title') out.title ??= text;
    else if (t.type === 'author' || t.type === 'authors') out.author ??= text;
  }
  return out;
}
