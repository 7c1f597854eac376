// How to say the words synthesis gets wrong ("GLM" → "G L M"): a list shared by the workspace
// (`.vscode/glm-voice-pronunciations.json`), applied to the text SENT to Novita only. Highlighting and every offset
// stay on the document as written.

import { createHash } from 'node:crypto';
import type { SettingsFileProblem } from '../errors';
import { escapeRegExp, isObject, shown } from './values';

export interface Pronunciation {
  word: string;
  say: string;
  /** Off by default: "glm", "GLM" and "Glm" are all rewritten. */
  caseSensitive: boolean;
}

export type PronunciationList = ReadonlyArray<Pronunciation>;

export interface PronunciationsResult {
  list: Pronunciation[];
  /** What was wrong; the valid entries are in `list` all the same. */
  problems: SettingsFileProblem[];
}

const ENTRY_KEYS = new Set(['word', 'say', 'caseSensitive']);

/**
 * A pronunciation file, parsed or as its text: `{ "entries": [{ "word", "say", "caseSensitive"? }] }`, or a plain
 * map `{ "GLM": "G L M" }` (case-insensitive). A word given twice keeps its first entry (twice means the same word
 * in the same case when either entry is case-sensitive, in any case otherwise).
 */
export function parsePronunciations(input: unknown): PronunciationsResult {
  const problems: SettingsFileProblem[] = [];
  const list: Pronunciation[] = [];
  const report = (path: string, code: SettingsFileProblem['code'], extra: Partial<SettingsFileProblem> = {}): void => {
    problems.push({ file: 'pronunciations', path, code, ...extra });
  };
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (err) {
      report('', 'json', { detail: err instanceof Error ? err.message : String(err) });
      return { list, problems };
    }
  }
  if (!isObject(value)) {
    report('', 'notObject');
    return { list, problems };
  }
  const add = (path: string, word: unknown, say: unknown, caseSensitive: boolean): void => {
    if (typeof word !== 'string') return report(`${path}.word`, word === undefined ? 'empty' : 'notString', word === undefined ? {} : { value: shown(word) });
    if (typeof say !== 'string') return report(`${path}.say`, say === undefined ? 'empty' : 'notString', say === undefined ? {} : { value: shown(say) });
    const w = word.trim().normalize('NFC');
    if (!w) return report(`${path}.word`, 'empty');
    if (list.some((p) => sameWord(p, { word: w, caseSensitive }))) return report(path, 'duplicate', { value: w });
    list.push({ word: w, say: say.trim(), caseSensitive });
  };
  if ('entries' in value) {
    const entries = value.entries;
    if (!Array.isArray(entries)) {
      report('entries', 'noEntries');
      return { list, problems };
    }
    for (const key of Object.keys(value)) if (key !== 'entries' && key !== '$schema') report(key, 'unknownKey', { value: key });
    entries.forEach((entry: unknown, i): void => {
      const path = `entries[${i}]`;
      if (!isObject(entry)) return report(path, 'notObject');
      for (const key of Object.keys(entry)) if (!ENTRY_KEYS.has(key)) report(`${path}.${key}`, 'unknownKey', { value: key });
      const cs = entry.caseSensitive;
      if (cs !== undefined && typeof cs !== 'boolean') report(`${path}.caseSensitive`, 'notBoolean', { value: shown(cs) });
      add(path, entry.word, entry.say, cs === true);
    });
    return { list, problems };
  }
  for (const [word, say] of Object.entries(value)) {
    if (word === '$schema') continue;
    add(word, word, say, false);
  }
  return { list, problems };
}

// ---------------------------------------------------------------------------------------------------------------
// Rewriting

interface Compiled {
  entry: Pronunciation;
  /** Matches the word at `lastIndex` only. */
  re: RegExp;
  /** The word's first and last characters join a neighbouring letter without a boundary (CJK). */
  openStart: boolean;
  openEnd: boolean;
}

const WORD_CHAR = /[\p{L}\p{M}\p{N}_]/u;
// Scripts written without spaces between words: a word of theirs is matched wherever it stands.
const NO_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

const compiledLists = new WeakMap<PronunciationList, Compiled[]>();

/** Whether two entries are for the same word: the same text, or the same in any case when neither minds case. */
function sameWord(a: Pick<Pronunciation, 'word' | 'caseSensitive'>, b: Pick<Pronunciation, 'word' | 'caseSensitive'>): boolean {
  return a.caseSensitive || b.caseSensitive ? a.word === b.word : fold(a.word) === fold(b.word);
}

/**
 * The entries to try at each position: the first of any duplicates, longest word first, and for words of the same
 * length a case-sensitive entry before a case-insensitive one ("GLM" exactly, then "glm" in any case). Which entry
 * wins at a position never depends on the order of the list, only on which duplicates it dropped.
 */
function compile(list: PronunciationList): Compiled[] {
  let out = compiledLists.get(list);
  if (out) return out;
  const kept: Pronunciation[] = [];
  for (const entry of list) if (entry.word.length > 0 && !kept.some((k) => sameWord(k, entry))) kept.push(entry);
  out = kept
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => [...b.entry.word].length - [...a.entry.word].length || Number(b.entry.caseSensitive) - Number(a.entry.caseSensitive) || a.i - b.i)
    .map(({ entry }) => {
      const chars = [...entry.word];
      return {
        entry,
        re: new RegExp(escapeRegExp(entry.word), entry.caseSensitive ? 'uy' : 'iuy'),
        openStart: NO_SPACES.test(chars[0]),
        openEnd: NO_SPACES.test(chars[chars.length - 1]),
      };
    });
  compiledLists.set(list, out);
  return out;
}

/**
 * `text` with every listed word replaced by how to say it: whole words only (a letter or digit next to the match,
 * other than one of a script written without spaces, means it is part of a longer word), longest word first, in one
 * pass from the left, so a replacement is never rewritten again.
 */
export function applyPronunciations(text: string, list: PronunciationList): string {
  const compiled = compile(list);
  if (!compiled.length) return text;
  const src = text.normalize('NFC');
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < src.length) {
    const hit = compiled.find((c) => matchesAt(src, i, c));
    if (hit) {
      const end = hit.re.lastIndex;
      out += src.slice(copied, i) + hit.entry.say;
      copied = i = end;
      continue;
    }
    i += src.codePointAt(i)! > 0xffff ? 2 : 1;
  }
  return out + src.slice(copied);
}

function matchesAt(src: string, at: number, c: Compiled): boolean {
  c.re.lastIndex = at;
  if (!c.re.test(src)) return false;
  const end = c.re.lastIndex;
  return (c.openStart || !joins(charBefore(src, at))) && (c.openEnd || !joins(charAt(src, end)));
}

/** Whether a neighbouring character continues the word: a letter, digit or mark, but not of a script without spaces. */
function joins(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch) && !NO_SPACES.test(ch);
}

function charBefore(s: string, i: number): string | undefined {
  if (i <= 0) return undefined;
  const low = s.charCodeAt(i - 1);
  return low >= 0xdc00 && low <= 0xdfff && i >= 2 ? s.slice(i - 2, i) : s[i - 1];
}

function charAt(s: string, i: number): string | undefined {
  if (i >= s.length) return undefined;
  return String.fromCodePoint(s.codePointAt(i)!);
}

function fold(s: string): string {
  return s.toLowerCase();
}

/**
 * A stable key for the list, for the chunk cache: the same entries give the same key whatever their order in the
 * file and whatever object holds them; an empty list gives ''. Any change to a word, its replacement or its case
 * rule changes the key.
 */
export function pronunciationsKey(list: PronunciationList): string {
  if (!list.length) return '';
  const canonical = compile(list).map((c) => [c.entry.word, c.entry.say, c.entry.caseSensitive]);
  const lines = canonical.map((c) => JSON.stringify(c)).sort();
  return createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex').slice(0, 32);
}
