// Cuts long text into pieces Novita accepts (`input` ≤ 1024 code points), at the most natural place that fits.

/** Novita's `input` limit for one request, in Unicode code points. */
export const DEFAULT_MAX_CHARS = 1024;

// Closing quotes and brackets stay with the sentence they close.
const CLOSERS = `"'”’»›)\\]}」』）】〕〉》〗｝＂＇`;
// English terminators end a sentence only before whitespace or the end ("3.14", "e.g.x" are not cuts).
const SPACED_SENTENCE_END = new RegExp(`[.!?…]+[${CLOSERS}]*(?=\\s|$)`, 'gu');
// CJK and fullwidth terminators need no space after them.
const CJK_SENTENCE_END = new RegExp(`[。！？；｡．…⋯‼⁇⁈⁉]+[${CLOSERS}]*`, 'gu');
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029\u0085]/g;
// "1,000" and "10:30" are not clauses: ASCII clause marks need whitespace after them.
const SPACED_CLAUSE_END = new RegExp(`[,;:][${CLOSERS}]*(?=\\s)`, 'gu');
const CJK_CLAUSE_END = new RegExp(`[—–，、；：﹐﹑﹔﹕][${CLOSERS}]*`, 'gu');
const WHITESPACE_RUN = /\s+/g;
// A cut right before one of these would tear a grapheme cluster apart.
const CLUSTER_CONTINUES = /^[\p{M}\u200D\uFE00-\uFE0F\u{E0020}-\u{E007F}\u{1F3FB}-\u{1F3FF}]/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Splits `text` into chunks of at most `maxChars` code points each, trimmed, none empty.
 * Cuts at sentence ends (and line breaks) packing whole sentences greedily; a sentence longer than the
 * limit is cut at a clause mark, then at whitespace, then between grapheme clusters. Only whitespace
 * between chunks is dropped.
 */
export function splitText(text: string, maxChars = DEFAULT_MAX_CHARS): string[] {
  if (!Number.isInteger(maxChars) || maxChars < 1) throw new RangeError(`maxChars must be a positive integer (got ${maxChars}).`);
  const end = text.trimEnd().length;
  let pos = skipWhitespace(text, 0, end);
  if (pos >= end) return [];

  const levels = [
    sentenceEnds(text),
    sortedUnique([...matchEnds(text, SPACED_CLAUSE_END), ...matchEnds(text, CJK_CLAUSE_END)]),
    matchStarts(text, WHITESPACE_RUN),
  ];

  const chunks: string[] = [];
  while (pos < end) {
    const limit = advanceCodePoints(text, pos, maxChars);
    let cut: number;
    if (limit >= end) {
      cut = end;
    } else {
      cut = -1;
      for (const boundaries of levels) {
        cut = lastBoundary(text, boundaries, pos, limit);
        if (cut > pos) break;
      }
      if (cut <= pos) cut = lastGraphemeBoundary(text, pos, limit);
    }
    const chunk = text.slice(pos, cut).trimEnd();
    if (chunk) chunks.push(chunk);
    pos = skipWhitespace(text, cut, end);
  }
  return chunks;
}

/**
 * Offsets in `text` where a sentence may end, sorted and unique: after a terminator (with its closing quotes and
 * brackets) and at the start of each line break. The same cuts `splitText` prefers; the narration plan reads
 * its sentences from them too.
 */
export function sentenceEnds(text: string): number[] {
  return sortedUnique([...matchEnds(text, SPACED_SENTENCE_END), ...matchEnds(text, CJK_SENTENCE_END), ...matchStarts(text, LINE_BREAK)]);
}

function skipWhitespace(text: string, from: number, end: number): number {
  let i = from;
  // Every \s character is in the BMP, so stepping by code unit is safe.
  while (i < end && /\s/.test(text[i])) i++;
  return i;
}

/** The UTF-16 index after `count` code points from `from` (or text.length). Never lands inside a surrogate pair. */
function advanceCodePoints(text: string, from: number, count: number): number {
  let i = from;
  for (let n = 0; n < count && i < text.length; n++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function matchEnds(text: string, re: RegExp): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(re)) out.push(m.index + m[0].length);
  return out;
}

function matchStarts(text: string, re: RegExp): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(re)) if (m.index > 0) out.push(m.index);
  return out;
}

function sortedUnique(xs: number[]): number[] {
  xs.sort((a, b) => a - b);
  return xs.filter((x, i) => i === 0 || xs[i - 1] !== x);
}

/** The last boundary in (from, limit] where a cut keeps grapheme clusters whole, or -1. */
function lastBoundary(text: string, sorted: number[], from: number, limit: number): number {
  let lo = 0;
  let hi = sorted.length; // first index with sorted[i] > limit
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= limit) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0 && sorted[i] > from; i--) {
    if (!CLUSTER_CONTINUES.test(text.slice(sorted[i], sorted[i] + 2))) return sorted[i];
  }
  return -1;
}

/** The last grapheme-cluster boundary in (from, limit]; inside one cluster longer than the limit, `limit` itself (a code point boundary). */
function lastGraphemeBoundary(text: string, from: number, limit: number): number {
  // Enough text past the limit to see whether the cluster at the limit goes on.
  const window = text.slice(from, Math.min(text.length, limit + 64));
  let best = -1;
  for (const { index } of graphemes.segment(window)) {
    const at = from + index;
    if (at > limit) break;
    if (at > from) best = at;
  }
  return best > from ? best : limit;
}
