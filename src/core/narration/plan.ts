// Narration that remembers where its words came from: every spoken run, sentence and chunk carries offsets in the
// ORIGINAL source text, so read-along highlighting and "read from cursor" can point back into the document.

import type MarkdownIt from 'markdown-it';
import { codePointLength } from '../limits';
import { endsSentence, INLINE_TAGS, isMarkdownLanguage, stripFrontMatter } from './markdown';
import { DEFAULT_MAX_CHARS, sentenceEnds, splitText } from './split';
import type { ChunkTiming } from './join';

/** One run of spoken text and the source it was read from. */
export interface SpeakableSegment {
  textStart: number;
  textEnd: number;
  sourceStart: number;
  /**
   * End of the source run. When it is as long as the text run, offsets map one to one; otherwise (an entity, an
   * escape, a period or comma the narration adds) the whole text run maps to [sourceStart, sourceEnd).
   */
  sourceEnd: number;
}

/** One block (paragraph, heading, list item, table row) of the spoken text and the source it covers. */
export interface SpeakableBlock {
  textStart: number;
  textEnd: number;
  /** From the block's first character of content to its last, inline markup included. */
  sourceStart: number;
  sourceEnd: number;
}

/** What is spoken and where each piece of it stands in the source. Blocks are separated by "\n" in `text`. */
export interface Speakable {
  text: string;
  /** Sorted by textStart, not overlapping; the "\n" between blocks belongs to none. */
  segments: SpeakableSegment[];
  blocks: SpeakableBlock[];
}

export interface SourceSentence {
  /** The words spoken, white space folded to single spaces. */
  text: string;
  /** `source.slice(start, end)` holds the sentence, with its inline markup (`**`, a link's URL) for Markdown. */
  start: number;
  end: number;
  /** Index of the block (paragraph, heading, list item, table row) the sentence belongs to. */
  block: number;
}

export interface PlannedSentence extends SourceSentence {
  /** Position in `NarrationPlan.sentences`. */
  index: number;
  /** Index of the chunk that speaks it. */
  chunk: number;
}

export interface NarrationChunk {
  index: number;
  /** Its sentences joined by a space: what is sent to synthesis (and the cache key's text). */
  text: string;
  start: number;
  end: number;
  sentences: PlannedSentence[];
}

export interface NarrationPlan {
  chunks: NarrationChunk[];
  /** Every sentence in reading order; a sentence longer than maxChars appears as its pieces. */
  sentences: PlannedSentence[];
}

export interface PlanOptions {
  /** Most code points in one chunk (Novita's `input` limit by default). */
  maxChars?: number;
  /** Most code points in the first chunk, which is always a single sentence (or its first piece). */
  firstChunkMaxChars?: number;
  /**
   * How long a sentence is once sent (`codePointLength` by default): a caller that rewrites the text before sending
   * it (pronunciations) measures the rewritten text, so chunks are packed to fit what is actually sent.
   */
  measure?: (text: string) => number;
  /**
   * Sentences spoken as chunks of their own (a retaken sentence, by its text): the chunk that would hold one is cut
   * around it, and every other chunk stays as it was (the neighbours' audio is the old chunk's, cut).
   */
  solo?: (text: string) => boolean;
}

export interface SentenceTime {
  /** Index in `NarrationPlan.sentences`. */
  sentence: number;
  chunk: number;
  start: number;
  end: number;
  startSec: number;
  endSec: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Speakable text with a map back to the source

/**
 * The text to speak and where each run of it came from. Markdown is parsed with markdown-it and reduced to the
 * prose worth speaking (one block a line; headings, list items and table rows end as sentences); any
 * other text is spoken as written, its line endings normalised, and maps one to one (CRLF counted as written).
 */
export function speakable(source: string, languageId?: string): Speakable {
  return speakableWith(source, isMarkdownLanguage(languageId) ? markdownSpeakable : plainSpeakable);
}

/**
 * A Speakable built by `build` over the source with "\n" line endings, its offsets moved back onto `source` (where a
 * CRLF counts two). For readers of other formats (a screenplay) that find their text in the source themselves;
 * `toSource` moves any other offset they keep (a character cue's) the same way.
 */
export function speakableWith(source: string, build: (text: string, toSource: (offset: number) => number) => Speakable): Speakable {
  const { text, crlf } = normalise(source);
  const sp = build(text, (n) => n + countBelow(crlf, n));
  return crlf.length ? rebase(sp, crlf) : sp;
}

/** The source offset of the spoken character at `offsetInText` ('start'), or of the end of the text before it ('end'). */
export function toSourceOffset(sp: Speakable, offsetInText: number, edge: 'start' | 'end' = 'start'): number {
  const segs = sp.segments;
  if (!segs.length) return 0;
  const t = edge === 'start' ? offsetInText : offsetInText - 1;
  // Segments starting at or before t come first; the last of them is the one that may hold t.
  const lo = partitionPoint(segs.length, (i) => segs[i].textStart <= t);
  const seg = segs[lo - 1];
  if (!seg) return segs[0].sourceStart;
  if (t >= seg.textEnd) return edge === 'start' && segs[lo] ? segs[lo].sourceStart : seg.sourceEnd;
  const oneToOne = seg.textEnd - seg.textStart === seg.sourceEnd - seg.sourceStart;
  if (edge === 'start') return oneToOne ? seg.sourceStart + (t - seg.textStart) : seg.sourceStart;
  return oneToOne ? seg.sourceStart + (offsetInText - seg.textStart) : seg.sourceEnd;
}

/** "\r\n" becomes "\n"; `crlf` lists where, in normalised offsets, for the way back. */
function normalise(source: string): { text: string; crlf: number[] } {
  const crlf: number[] = [];
  let removed = 0;
  for (const m of source.matchAll(/\r\n?/g)) {
    if (m[0].length === 2) crlf.push(m.index - removed++);
  }
  return { text: source.replace(/\r\n?/g, '\n'), crlf };
}

/** A Speakable over normalised text moved onto the original, where each newline in `crlf` was two characters. */
function rebase(sp: Speakable, crlf: number[]): Speakable {
  // Normalised offset n is original offset n + (CRLFs before n).
  const orig = (n: number) => n + countBelow(crlf, n);
  const segments: SpeakableSegment[] = [];
  for (const seg of sp.segments) {
    const oneToOne = seg.textEnd - seg.textStart === seg.sourceEnd - seg.sourceStart;
    if (!oneToOne) {
      segments.push({ ...seg, sourceStart: orig(seg.sourceStart), sourceEnd: orig(seg.sourceEnd) });
      continue;
    }
    // A one-to-one run is cut around each CRLF inside it: that newline is one character spoken from two.
    let from = seg.sourceStart;
    for (let k = countBelow(crlf, seg.sourceStart); k < crlf.length && crlf[k] < seg.sourceEnd; k++) {
      const q = crlf[k];
      const t = seg.textStart + (q - seg.sourceStart);
      if (q > from) segments.push({ textStart: seg.textStart + (from - seg.sourceStart), textEnd: t, sourceStart: orig(from), sourceEnd: orig(q) });
      segments.push({ textStart: t, textEnd: t + 1, sourceStart: orig(q), sourceEnd: orig(q + 1) });
      from = q + 1;
    }
    if (seg.sourceEnd > from) {
      segments.push({ textStart: seg.textStart + (from - seg.sourceStart), textEnd: seg.textEnd, sourceStart: orig(from), sourceEnd: orig(seg.sourceEnd) });
    }
  }
  const blocks = sp.blocks.map((b) => ({ ...b, sourceStart: orig(b.sourceStart), sourceEnd: orig(b.sourceEnd) }));
  return { text: sp.text, segments, blocks };
}

/** How many of the sorted `xs` are below `n`. */
function countBelow(xs: number[], n: number): number {
  return partitionPoint(xs.length, (i) => xs[i] < n);
}

/** The first index in [0, length) where `before` turns false (it must be true, then false, along the range). */
function partitionPoint(length: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Plain text: spoken as written; a block is a paragraph (text between blank lines). */
function plainSpeakable(text: string): Speakable {
  const segments = text.length ? [{ textStart: 0, textEnd: text.length, sourceStart: 0, sourceEnd: text.length }] : [];
  const blocks: SpeakableBlock[] = [];
  const addBlock = (from: number, to: number) => {
    while (from < to && /\s/.test(text[from])) from++;
    while (to > from && /\s/.test(text[to - 1])) to--;
    if (to > from) blocks.push({ textStart: from, textEnd: to, sourceStart: from, sourceEnd: to });
  };
  let from = 0;
  for (const m of text.matchAll(/\n(?:[^\S\n]*\n)+/g)) {
    addBlock(from, m.index);
    from = m.index + m[0].length;
  }
  addBlock(from, text.length);
  return { text, segments, blocks };
}

/**
 * Collects spoken text block by block with its source positions. White space is folded as it arrives: a run of
 * it becomes one pending space, spoken only between two words of the same block.
 */
class SpeakableBuilder {
  text = '';
  readonly segments: SpeakableSegment[] = [];
  readonly blocks: SpeakableBlock[] = [];
  private blockStart = -1; // text offset of the current block's first character, -1 while it has none
  private sourceStart = Infinity;
  private sourceEnd = -1;
  private pending: { text: string; sourceStart: number; sourceEnd: number } | undefined;

  /** Source that belongs to the block even where nothing is spoken from it (markup around its words). */
  touch(start: number, end = start): void {
    if (start < this.sourceStart) this.sourceStart = start;
    if (end > this.sourceEnd) this.sourceEnd = end;
  }

  /** Source text spoken as written from `at`, its white space folded. */
  verbatim(s: string, at: number): void {
    let last = 0;
    for (const m of s.matchAll(/\S+/g)) {
      if (m.index > last) this.space(at + last);
      this.append(m[0], at + m.index, at + m.index + m[0].length);
      last = m.index + m[0].length;
    }
    if (last < s.length) this.space(at + last);
  }

  /** Words that stand for source [start, end) without being a copy of it (an entity, an unfound run). */
  mapped(s: string, start: number, end: number): void {
    if (!s.trim()) return this.space(start, end);
    let last = 0;
    for (const m of s.matchAll(/\S+/g)) {
      if (m.index > last) this.space(start, start);
      this.append(m[0], start, end);
      last = m.index + m[0].length;
    }
    if (last < s.length) this.space(end, end);
  }

  space(start: number, end = start + 1): void {
    this.pending ??= { text: ' ', sourceStart: start, sourceEnd: end };
  }

  /** Text the narration adds between words (", " between table cells), spoken only if words follow. */
  separator(s: string): void {
    const at = this.lastSourceEnd();
    this.pending = { text: s, sourceStart: at, sourceEnd: at };
  }

  /** Ends the current block; `asSentence` adds a period unless it already ends like a sentence. */
  endBlock(asSentence: boolean): void {
    this.pending = undefined;
    if (this.blockStart >= 0) {
      if (asSentence && !endsSentence(this.text.slice(this.blockStart))) {
        const at = this.lastSourceEnd();
        this.append('.', at, at);
      }
      this.blocks.push({ textStart: this.blockStart, textEnd: this.text.length, sourceStart: this.sourceStart, sourceEnd: this.sourceEnd });
    }
    this.blockStart = -1;
    this.sourceStart = Infinity;
    this.sourceEnd = -1;
  }

  build(): Speakable {
    return { text: this.text, segments: this.segments, blocks: this.blocks };
  }

  private lastSourceEnd(): number {
    return this.segments.length ? this.segments[this.segments.length - 1].sourceEnd : 0;
  }

  private append(s: string, sourceStart: number, sourceEnd: number): void {
    if (this.blockStart < 0) {
      if (this.text) this.text += '\n';
      this.blockStart = this.text.length;
    } else if (this.pending) {
      const p = this.pending;
      this.pending = undefined;
      this.append(p.text, p.sourceStart, p.sourceEnd);
    }
    this.pending = undefined;
    const textStart = this.text.length;
    this.text += s;
    this.touch(sourceStart, sourceEnd);
    const last = this.segments[this.segments.length - 1];
    const oneToOne = sourceEnd - sourceStart === s.length;
    if (oneToOne && last && last.textEnd === textStart && last.sourceEnd === sourceStart && last.textEnd - last.textStart === last.sourceEnd - last.sourceStart) {
      last.textEnd += s.length;
      last.sourceEnd = sourceEnd;
    } else {
      this.segments.push({ textStart, textEnd: textStart + s.length, sourceStart, sourceEnd });
    }
  }
}

let markdownParser: MarkdownIt | undefined;

function parser(): MarkdownIt {
  if (!markdownParser) {
    // Required here, not imported: the narration bundle costs nothing until a Markdown document is spoken.
    // The package itself (CLI, tests) exports the constructor; the extension's dist/markdown-it.js, bundled from its
    // ES module, exports it as `default`.
    const loaded = require('markdown-it') as typeof MarkdownIt | { default: typeof MarkdownIt };
    const MarkdownItCtor = 'default' in loaded ? loaded.default : loaded;
    markdownParser = new MarkdownItCtor({ html: true });
    // text_join would fold escapes and entities into plain text and lose what they were written as.
    markdownParser.disable('text_join');
  }
  return markdownParser;
}

const TASK_BOX = /^\[[ xX]\][ \t]+/;
const FOOTNOTE_REF = /\[\^[^\]\s]+\]/g;
const INLINE_TAG = new RegExp(`^</?(?:${INLINE_TAGS})(?:[\\s/>])`, 'i');

/** Markdown (with "\n" line endings) reduced to its prose; positions are found in the text markdown-it parsed. */
function markdownSpeakable(text: string): Speakable {
  // Front matter is blanked, not cut, so every offset after it stays where it was.
  const fm = text.length - stripFrontMatter(text).length;
  const src = fm ? text.slice(0, fm).replace(/[^\n]/g, ' ') + text.slice(fm) : text;
  const lineStarts = [0];
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineEnd = (line: number) => (line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : src.length);

  const b = new SpeakableBuilder();
  const tokens = parser().parse(src, {});
  let cursor = 0; // source before it has been read; the search for each run of text starts here
  let itemStart = false; // the next paragraph opens a list item: it ends as a sentence and may start with a task box
  let rowMap: [number, number] | null = null;
  let firstCell = false;

  const inline = (token: MarkdownIt.Token, lines: [number, number] | null, taskBox: boolean) => {
    const lo = lines ? lineStarts[lines[0]] : cursor;
    const hi = lines ? lineEnd(lines[1] - 1) : src.length;
    cursor = Math.max(cursor, lo);
    const content = token.content;
    const start = contentStart(src, content, lines ? lineEnd(lines[0]) : hi, cursor, hi);
    if (start >= 0) {
      b.touch(start);
      cursor = start;
      if (!content.includes('\n')) {
        if (src.startsWith(content, start)) b.touch(start + content.length);
      } else if (lines) {
        // The last line of a paragraph ends its last source line (trailing white space trimmed).
        const last = lines[1] - 1;
        const end = suffixAt(src, content.slice(content.lastIndexOf('\n') + 1), lineStarts[last], lineEnd(last));
        if (end >= 0) b.touch(end);
      }
    }
    cursor = walkInline(b, src, token.children ?? [], cursor, hi, taskBox);
  };

  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    switch (t.type) {
      case 'list_item_open':
        itemStart = true;
        break;
      case 'paragraph_open':
      case 'heading_open': {
        const isHeading = t.type === 'heading_open';
        const task = itemStart && !isHeading;
        const asSentence = itemStart || isHeading;
        itemStart = false;
        const body = tokens[k + 1];
        if (body?.type === 'inline') {
          inline(body, body.map as [number, number] | null, task);
          k++;
        }
        b.endBlock(asSentence);
        break;
      }
      case 'tr_open':
        rowMap = t.map as [number, number] | null;
        firstCell = true;
        break;
      case 'inline': // a table cell (paragraphs and headings take theirs above)
        if (!firstCell) b.separator(', ');
        firstCell = false;
        inline(t, rowMap, false);
        break;
      case 'tr_close':
        b.endBlock(true);
        break;
      case 'fence':
      case 'code_block':
      case 'html_block':
      case 'hr':
        itemStart = false;
        if (t.map) cursor = Math.max(cursor, lineStarts[t.map[1]] ?? src.length);
        break;
      default:
        break;
    }
  }
  b.endBlock(false);
  return b.build();
}

/**
 * Where an inline token's content starts in the source, or -1. Its first line is the end of a source line for
 * paragraphs and list items (what precedes it is block markup: "> ", "- ", indentation); a heading's or a table
 * cell's content is searched for instead.
 */
function contentStart(src: string, content: string, firstLineEnd: number, from: number, hi: number): number {
  const first = content.slice(0, content.includes('\n') ? content.indexOf('\n') : undefined);
  if (!first) return -1;
  const atEnd = content.includes('\n') ? firstLineEnd - first.length : suffixAt(src, first, from, firstLineEnd) - first.length;
  if (atEnd >= from && src.startsWith(first, atEnd)) return atEnd;
  const found = src.indexOf(first, from);
  return found >= 0 && found + first.length <= hi ? found : -1;
}

/** The end of `line` in src if it ends the source line [from, lineEnd) with trailing white space trimmed, else -1. */
function suffixAt(src: string, line: string, from: number, lineEnd: number): number {
  let end = lineEnd;
  while (end > from && /[ \t]/.test(src[end - 1])) end--;
  return end - line.length >= from && src.startsWith(line, end - line.length) ? end : -1;
}

/**
 * Speaks an inline token's children. Text tokens are verbatim source (text_join is off), so each is found by
 * searching forward from `cursor`; URLs, images, autolinks and HTML are skipped over so their text is never
 * mistaken for a later word. Returns the cursor after the last thing read.
 */
function walkInline(b: SpeakableBuilder, src: string, children: MarkdownIt.Token[], from: number, hi: number, taskBox: boolean): number {
  let cur = from;
  const find = (s: string) => {
    const i = src.indexOf(s, cur);
    return i >= 0 && i + s.length <= hi ? i : -1;
  };
  for (let k = 0; k < children.length; k++) {
    const t = children[k];
    switch (t.type) {
      case 'text':
      case 'code_inline': {
        let s = t.content;
        const i = find(s);
        if (i < 0) {
          b.mapped(s, cur, cur);
          break;
        }
        let at = i;
        cur = i + s.length;
        if (taskBox && k === 0 && t.type === 'text') {
          const box = s.match(TASK_BOX);
          if (box) {
            s = s.slice(box[0].length);
            at += box[0].length;
          }
        }
        if (t.type === 'code_inline') b.verbatim(s, at);
        else speakText(b, s, at);
        break;
      }
      case 'text_special': {
        // An escape ("\*") or an entity ("&amp;"): its markup is what stands in the source.
        const i = find(t.markup);
        if (i < 0) b.mapped(t.content, cur, cur);
        else {
          b.mapped(t.content, i, i + t.markup.length);
          cur = i + t.markup.length;
        }
        break;
      }
      case 'softbreak':
      case 'hardbreak':
        b.space(cur);
        break;
      case 'html_inline': {
        const i = find(t.content);
        if (i >= 0) cur = i + t.content.length;
        // Block tags (<br>, <p>) separate words; inline ones (<kbd>, <em>) and comments join them.
        if (!INLINE_TAG.test(t.content) && !t.content.startsWith('<!--')) b.space(cur, cur);
        break;
      }
      case 'image':
        cur = skipImage(src, cur, hi);
        b.touch(cur);
        break;
      case 'link_open':
        if (t.markup === 'autolink' || t.markup === 'linkify') {
          // Autolinks are URLs: nothing to speak.
          while (k + 1 < children.length && children[k + 1].type !== 'link_close') k++;
          k++;
          const close = src.indexOf('>', cur);
          if (close >= 0 && close < hi) cur = close + 1;
        }
        break;
      case 'link_close':
        cur = skipLinkTail(src, cur, hi);
        b.touch(cur);
        break;
      default:
        break; // emphasis, strikethrough: their marks are found past by the next search
    }
  }
  // Closing marks after the last word (`**`, `~~`, a code span's backticks) still belong to the block.
  let end = cur;
  while (end < hi && /[*_~`]/.test(src[end])) end++;
  b.touch(end);
  return cur;
}

/** Text spoken as written, without footnote references ("[^1]"), which markdown-it leaves as text. */
function speakText(b: SpeakableBuilder, s: string, at: number): void {
  let last = 0;
  for (const m of s.matchAll(FOOTNOTE_REF)) {
    if (m.index > last) b.verbatim(s.slice(last, m.index), at + last);
    last = m.index + m[0].length;
  }
  if (last < s.length) b.verbatim(s.slice(last), at + last);
}

/** Past "](url "title")", "][ref]" or "]" after a link's text, from `cur` (which is before the "]"). */
function skipLinkTail(src: string, cur: number, hi: number): number {
  let j = src.indexOf(']', cur);
  if (j < 0 || j >= hi) return cur;
  j++;
  if (src[j] === '[') {
    const close = src.indexOf(']', j);
    return close >= 0 && close < hi ? close + 1 : j;
  }
  if (src[j] !== '(') return j;
  let depth = 0;
  for (let i = j; i < hi; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if ((c === '"' || c === "'") && depth === 1 && /\s/.test(src[i - 1])) {
      // A quoted title may hold parentheses.
      const close = src.indexOf(c, i + 1);
      if (close >= 0 && close < hi) i = close;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return j;
}

/** Past a whole image, "![alt](url)", from `cur` (which is before it). */
function skipImage(src: string, cur: number, hi: number): number {
  const open = src.indexOf('![', cur);
  if (open < 0 || open >= hi) return cur;
  let depth = 0;
  for (let i = open + 1; i < hi; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return skipLinkTail(src, i, hi);
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------------------------
// Sentences

/** A sentence as a range of the speakable text (trimmed), before its source offsets are worked out. */
interface Span {
  a: number;
  b: number;
  block: number;
}

/**
 * The sentences of a document with their offsets in `source`. Sentences end where `splitText` likes to cut
 * (terminators, CJK ones included, and line breaks) and never cross a block.
 */
export function sentences(source: string, languageId?: string): SourceSentence[] {
  const sp = speakable(source, languageId);
  return locate(sp, naturalSpans(sp), source);
}

function naturalSpans(sp: Speakable): Span[] {
  const spans: Span[] = [];
  sp.blocks.forEach((blk, block) => {
    const text = sp.text.slice(blk.textStart, blk.textEnd);
    let from = 0;
    for (const end of [...sentenceEnds(text), text.length]) {
      if (end <= from) continue;
      const span = trimSpan(sp.text, blk.textStart + from, blk.textStart + end, block);
      if (span) spans.push(span);
      from = end;
    }
  });
  return spans;
}

function trimSpan(text: string, a: number, b: number, block: number): Span | undefined {
  // Every \s character is in the BMP, so stepping by code unit never splits a surrogate pair.
  while (a < b && /\s/.test(text[a])) a++;
  while (b > a && /\s/.test(text[b - 1])) b--;
  return b > a ? { a, b, block } : undefined;
}

/** `span` cut into pieces of at most `maxChars` code points, with the splitter's rules (clauses, words, graphemes). */
function cutSpan(sp: Speakable, span: Span, maxChars: number, measure: (text: string) => number = codePointLength): Span[] {
  if (measure(spokenText(sp, span)) <= maxChars) return [span];
  const out: Span[] = [];
  let pos = span.a;
  // splitText only drops white space between its pieces, so each is found in order.
  for (const piece of splitText(sp.text.slice(span.a, span.b), maxChars)) {
    const at = sp.text.indexOf(piece, pos);
    out.push({ a: at, b: at + piece.length, block: span.block });
    pos = at + piece.length;
  }
  return out;
}

function spokenText(sp: Speakable, span: Span): string {
  return sp.text.slice(span.a, span.b).replace(/\s+/g, ' ');
}

/**
 * Source offsets for spans. A sentence's own words map through the segments; the markup between two sentences
 * of a block is shared out at the white space in it (a closing `**` stays with the sentence before, an opening
 * `[` goes with the one after), and the first and last sentences reach the block's edges.
 */
function locate(sp: Speakable, spans: Span[], source: string): SourceSentence[] {
  const out: SourceSentence[] = spans.map((s) => ({
    text: spokenText(sp, s),
    start: toSourceOffset(sp, s.a, 'start'),
    end: toSourceOffset(sp, s.b, 'end'),
    block: s.block,
  }));
  for (let i = 0; i < out.length; i++) {
    const s = out[i];
    const blk = sp.blocks[s.block];
    if (i === 0 || out[i - 1].block !== s.block) s.start = Math.min(s.start, blk.sourceStart);
    if (i === out.length - 1 || out[i + 1].block !== s.block) s.end = Math.max(s.end, blk.sourceEnd);
    else {
      const next = out[i + 1];
      if (next.start <= s.end) continue;
      const gap = source.slice(s.end, next.start);
      const firstSpace = gap.search(/\s/);
      if (firstSpace < 0) {
        s.end = next.start;
        continue;
      }
      let lastSpace = gap.length - 1;
      while (!/\s/.test(gap[lastSpace])) lastSpace--;
      next.start = s.end + lastSpace + 1;
      s.end += firstSpace;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Chunks

// Groups average about maxChars / GROUPS_PER_CHUNK code points, so one longer than a chunk is rare (about e^-4).
const GROUPS_PER_CHUNK = 4;

/**
 * Whether a group of sentences (and so a chunk) ends after a sentence with this text. It depends on the sentence's
 * text alone, so editing one sentence moves at most the boundary right after it: the chunk holding it changes, and
 * at most one neighbour merges into it or splits off. A hash of the text decides, with odds growing with its length,
 * so a group's length in code points, not in sentences, is what stays short of `maxChars`.
 */
export function endsChunkGroup(text: string, maxChars = DEFAULT_MAX_CHARS): boolean {
  // FNV-1a, then a murmur3 finaliser so every bit is well mixed.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32 < (codePointLength(text) * GROUPS_PER_CHUNK) / maxChars;
}

/**
 * The narration as chunks to synthesize, each knowing its sentences and their source offsets.
 *
 * The first chunk is the first sentence alone, so the first sound comes quickly, and the second is short
 * (RAMP_CHUNK_MAX_CHARS), so it is ready before the first has been heard. After them, a block's sentences
 * are grouped by content: a group ends at the end of a block or after a sentence `endsChunkGroup` picks, and a group
 * that fits in `maxChars` (sentences joined by a space) is one chunk. The plan is a function of the sentences
 * alone, so a chunk's text is a stable cache key: editing one sentence changes the text of at most two chunks, as
 * long as the groups around it fit in `maxChars` before and after the edit. A group that does not fit is packed
 * greedily into chunks, and an edit there may change every chunk after it in that group (as may an edit inside a
 * sentence longer than `maxChars`, which is cut like `splitText` cuts, or one in the ramped first group).
 */
export function planNarration(source: string, languageId: string | undefined, opts: PlanOptions = {}): NarrationPlan {
  return planSpeakable(speakable(source, languageId), source, opts);
}

/** `planNarration` over a Speakable already made (a script whose speaker labels were taken out of its blocks). */
export function planSpeakable(sp: Speakable, source: string, opts: PlanOptions = {}): NarrationPlan {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const firstMax = Math.min(opts.firstChunkMaxChars ?? maxChars, maxChars);
  for (const [name, n] of [['maxChars', maxChars], ['firstChunkMaxChars', firstMax]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer (got ${n}).`);
  }
  const measure = opts.measure ?? codePointLength;
  const natural = naturalSpans(sp);
  const spans: Span[] = [];
  natural.forEach((span, i) => {
    if (i > 0) {
      spans.push(...cutSpan(sp, span, maxChars, measure));
      return;
    }
    // The first chunk may be held shorter; what is left of the first sentence follows with the usual limit.
    const [head, next] = cutSpan(sp, span, firstMax, measure);
    spans.push(head);
    if (next) spans.push(...cutSpan(sp, { a: next.a, b: span.b, block: span.block }, maxChars, measure));
  });

  const planned: PlannedSentence[] = locate(sp, spans, source).map((s, index) => ({ ...s, index, chunk: -1 }));
  return { chunks: chunkSentences(planned, maxChars, measure, opts.solo), sentences: planned };
}

/**
 * The rest of a plan read from sentence `from` on (read from cursor, a seek): the same sentences re-indexed from 0,
 * the first alone in the first chunk (so the first sound comes quickly), then grouped as `planNarration` groups them.
 * Groups depend on the sentences alone, so after the first group the chunks are the full plan's: cached ones hit.
 */
export function planFrom(plan: NarrationPlan, from: number, opts: Pick<PlanOptions, 'maxChars' | 'measure' | 'solo'> = {}): NarrationPlan {
  if (!Number.isInteger(from) || from < 0 || from > plan.sentences.length) throw new RangeError(`No sentence ${from} in a plan of ${plan.sentences.length}.`);
  if (from === 0) return plan;
  const sentences = plan.sentences.slice(from).map((s, index) => ({ ...s, index, chunk: -1 }));
  return { chunks: chunkSentences(sentences, opts.maxChars ?? DEFAULT_MAX_CHARS, opts.measure ?? codePointLength, opts.solo), sentences };
}

/**
 * Most code points in the second chunk: the first group after the first sentence starts with a short chunk, so
 * it is in (synthesis takes longer the more text it has) before the one-sentence first chunk has finished playing.
 */
export const RAMP_CHUNK_MAX_CHARS = 200;

/**
 * Sentences (each within maxChars) as chunks: the first alone, then by content-chosen groups packed to maxChars,
 * except that the first group opens with the sentences that fit in RAMP_CHUNK_MAX_CHARS (at least one) as a chunk
 * of their own. Only the first group is ramped, so from the second group on the chunks do not depend on where the
 * reading started.
 */
function chunkSentences(planned: PlannedSentence[], maxChars: number, measure: (text: string) => number, solo?: (text: string) => boolean): NarrationChunk[] {
  const chunks: NarrationChunk[] = [];
  const emit = (group: PlannedSentence[]) => {
    // A solo sentence in a chunk of several: the chunk is cut around it (before, it, after), nothing else moves.
    const at = group.length > 1 && solo ? group.findIndex((s) => solo(s.text)) : -1;
    if (at >= 0) {
      for (const part of [group.slice(0, at), [group[at]], group.slice(at + 1)]) if (part.length) emit(part);
      return;
    }
    const chunk: NarrationChunk = { index: chunks.length, text: group.map((s) => s.text).join(' '), start: group[0].start, end: group[group.length - 1].end, sentences: group };
    for (const s of group) s.chunk = chunk.index;
    chunks.push(chunk);
  };
  if (planned.length) emit([planned[0]]);
  let group: PlannedSentence[] = [];
  let ramped = false;
  for (let i = 1; i < planned.length; i++) {
    const s = planned[i];
    group.push(s);
    const next = planned[i + 1];
    if (!next || next.block !== s.block || endsChunkGroup(s.text, maxChars)) {
      if (!ramped) {
        ramped = true;
        const head = pack(group, Math.min(RAMP_CHUNK_MAX_CHARS, maxChars), measure)[0];
        emit(head);
        group = group.slice(head.length);
      }
      for (const packed of pack(group, maxChars, measure)) emit(packed);
      group = [];
    }
  }
  return chunks;
}

/** A group as one chunk if it fits, else packed greedily in order (every sentence already fits on its own). */
function pack(group: PlannedSentence[], maxChars: number, measure: (text: string) => number): PlannedSentence[][] {
  const out: PlannedSentence[][] = [];
  let current: PlannedSentence[] = [];
  let length = 0;
  for (const s of group) {
    const n = measure(s.text);
    if (current.length && length + 1 + n > maxChars) {
      out.push(current);
      current = [];
      length = 0;
    }
    length += (current.length ? 1 : 0) + n;
    current.push(s);
  }
  if (current.length) out.push(current);
  return out;
}

/** The chunk holding `sourceOffset`, or the first one after it; undefined past the last. */
export function chunkAt(plan: NarrationPlan, sourceOffset: number): NarrationChunk | undefined {
  return plan.chunks[firstEndingAfter(plan.chunks, sourceOffset)];
}

/** The sentence holding `sourceOffset`, or the first one after it ("read from cursor"); undefined past the last. */
export function sentenceAt(plan: NarrationPlan, sourceOffset: number): PlannedSentence | undefined {
  return plan.sentences[firstEndingAfter(plan.sentences, sourceOffset)];
}

/** Index of the first of `items` (sorted, not overlapping) whose end is past `offset`. */
function firstEndingAfter(items: ReadonlyArray<{ end: number }>, offset: number): number {
  return partitionPoint(items.length, (i) => items[i].end <= offset);
}

/**
 * When each sentence is heard: a chunk's time is shared among its sentences in proportion to their length in
 * code points (speech runs at a roughly even rate of characters). Chunks without timing are left out.
 */
export function sentenceTimes(plan: NarrationPlan, timing: ReadonlyArray<ChunkTiming>): SentenceTime[] {
  const out: SentenceTime[] = [];
  for (const t of [...timing].sort((x, y) => x.index - y.index)) {
    const chunk = plan.chunks[t.index];
    if (!chunk) continue;
    const weights = chunk.sentences.map((s) => codePointLength(s.text));
    const total = weights.reduce((x, y) => x + y, 0);
    const duration = t.endSec - t.startSec;
    let done = 0;
    chunk.sentences.forEach((s, i) => {
      const startSec = t.startSec + (duration * done) / total;
      done += weights[i];
      // The last sentence ends exactly when the chunk does, whatever the rounding.
      const endSec = i === weights.length - 1 ? t.endSec : t.startSec + (duration * done) / total;
      out.push({ sentence: s.index, chunk: chunk.index, start: s.start, end: s.end, startSec, endSec });
    });
  }
  return out;
}

/** A Markdown heading: its level (1–6), its words without markup, and the source offsets of its line(s). */
export interface MarkdownHeading {
  level: number;
  title: string;
  start: number;
  end: number;
}

/** The headings of a Markdown document in order (not those in code, HTML or the front matter): chapters come from them. */
export function markdownHeadings(source: string): MarkdownHeading[] {
  // Front matter blanked, not cut (its lines kept), so markdown-it's line numbers are the source's.
  const lf = source.replace(/\r\n/g, '\n');
  const fm = lf.length - stripFrontMatter(lf).length;
  const fmEnd = fm > 0 ? nthIndexAfterLines(source, lf.slice(0, fm).split('\n').length - 1) : 0;
  const src = fmEnd ? source.slice(0, fmEnd).replace(/[^\r\n]/g, ' ') + source.slice(fmEnd) : source;
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const tokens = parser().parse(src, {});
  const out: MarkdownHeading[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.type !== 'heading_open' || !t.map) continue;
    const title = inlineWords(tokens[k + 1]?.children ?? []).replace(/\s+/g, ' ').trim();
    const end = (lineStarts[t.map[1]] ?? source.length + 1) - 1;
    out.push({ level: Number(t.tag.slice(1)), title, start: lineStarts[t.map[0]], end: Math.max(lineStarts[t.map[0]], end) });
  }
  return out;
}

/** The offset in `source` after its first `lines` line breaks. */
function nthIndexAfterLines(source: string, lines: number): number {
  let at = 0;
  for (let i = 0; i < lines; i++) {
    const nl = source.indexOf('\n', at);
    if (nl < 0) return source.length;
    at = nl + 1;
  }
  return at;
}

/** An inline token's words: text, code and an image's alt text, without the markup around them. */
function inlineWords(children: MarkdownIt.Token[]): string {
  let out = '';
  for (const c of children) {
    if (c.type === 'text' || c.type === 'code_inline' || c.type === 'text_special') out += c.content;
    else if (c.type === 'softbreak' || c.type === 'hardbreak') out += ' ';
    else if (c.type === 'image') out += inlineWords(c.children ?? []);
  }
  return out;
}
