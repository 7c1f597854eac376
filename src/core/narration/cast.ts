// Scripts with a cast: who says each paragraph (a "Alice:" label in Markdown or plain text, a character cue in a
// Fountain screenplay), which voice the cast gives them, and a narration plan whose chunks each have ONE speaker.
// The cast comes from the document's front matter (`voices:`) and from `.vscode/glm-voice-cast.json`; the front
// matter wins. Everything keeps source offsets (of the spoken words, never of a speaker's label).

import type { SettingsFileProblem } from '../errors';
import { LIMITS, codePointLength } from '../limits';
import { fountainScript, isFountain } from './fountain';
import { isMarkdownLanguage } from './markdown';
import { planSpeakable, speakable, type NarrationChunk, type NarrationPlan, type PlanOptions } from './plan';
import { applyPronunciations, type PronunciationList } from './pronunciations';
import type { ScriptSpeakable, SpeakerLabel } from './speakers';
import { escapeRegExp, isObject, shown } from './values';

export type { ScriptSpeakable, SpeakerLabel } from './speakers';

/** The voice a speaker is given, and optionally how fast and how loud (Novita's `speed`, `volume`). */
export interface VoiceChoice {
  voice: string;
  speed?: number;
  volume?: number;
}

/** Speaker name → voice, as written in the cast. Look names up with `castVoice` (case-insensitive). */
export type CastMap = ReadonlyMap<string, VoiceChoice>;

export interface CastResult {
  cast: Map<string, VoiceChoice>;
  /** What was wrong; the valid entries are in `cast` all the same. */
  problems: SettingsFileProblem[];
}

/** Speaker names: a letter first, then letters, digits, spaces and a little punctuation ("Dr. Who", "小明", "R2 D2"). */
export const SPEAKER_MAX_CHARS = 40;

/** The cast entry naming who reads the unlabelled text, when the cast gives the narrator a voice of its own. */
export const NARRATOR = 'Narrator';

/** `voices` of a cast file (`.vscode/glm-voice-cast.json`), already parsed or as its text. */
export function parseCastFile(input: unknown): CastResult {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (err) {
      return { cast: new Map(), problems: [{ file: 'cast', path: '', code: 'json', detail: err instanceof Error ? err.message : String(err) }] };
    }
  }
  return castFromValue(value, 'cast');
}

/** The front matter's `voices:` map (a small YAML subset, see `readFrontMatter`); empty when there is none. */
export function frontMatterCast(source: string): CastResult {
  const fm = readFrontMatter(source);
  if (!fm) return { cast: new Map(), problems: [] };
  if (fm.value.voices === undefined) return { cast: new Map(), problems: fm.problems };
  const out = castFromValue({ voices: fm.value.voices }, 'frontMatter', fm.where);
  return { cast: out.cast, problems: [...fm.problems, ...out.problems] };
}

/**
 * The edit that gives `speaker` the voice `voice` in the front matter's `voices:` (a Quick Fix), written in the style
 * the block already uses: an entry line at its entries' indentation (`Name: voice`, `Name: { voice: … }` or a nested
 * `voice:` line, like its first entry), or one more pair in a flow mapping (`voices: { … }`). Undefined when the
 * source has no front matter with `voices:` (the cast belongs in the cast file then).
 */
export function frontMatterVoiceEdit(source: string, speaker: string, voice: string): { start: number; end: number; text: string } | undefined {
  const fm = readFrontMatter(source);
  const at = fm?.where.get('voices');
  if (!fm || !at || !('voices' in fm.value)) return undefined;
  const voices = fm.value.voices;
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const pair = `${yamlPlain(speaker)}: `;
  const line = source.slice(at[0], at[1]);
  const flow = /^voices\s*:\s*\{/.exec(line);
  if (flow) {
    const close = line.lastIndexOf('}');
    let end = close;
    while (end > 0 && /\s/.test(line[end - 1])) end--;
    const empty = end === flow[0].length;
    return { start: at[0] + end, end: at[0] + end, text: empty ? ` ${pair}${yamlPlain(voice)} ` : `, ${pair}${yamlPlain(voice)}` };
  }
  const column = (offset: number) => offset - (source.lastIndexOf('\n', offset - 1) + 1);
  const entries = [...fm.where.entries()].filter(([path]) => path.startsWith('voices.'));
  const last = entries.reduce((end, [, [, e]]) => Math.max(end, e), at[1]);
  const firstKey = voices && typeof voices === 'object' ? Object.keys(voices)[0] : undefined;
  const first = firstKey === undefined ? undefined : fm.where.get(`voices.${firstKey}`);
  const indent = ' '.repeat(first ? column(first[0]) : column(at[0]) + 2);
  let entry = `${indent}${pair}${yamlPlain(voice)}`;
  const firstValue = firstKey === undefined || !voices || typeof voices !== 'object' ? undefined : voices[firstKey];
  if (first && firstValue && typeof firstValue === 'object') {
    const inner = Object.keys(firstValue)
      .map((k) => fm.where.get(`voices.${firstKey}.${k}`))
      .find((w) => w !== undefined);
    if (inner && inner[0] > first[1]) entry = `${indent}${pair.trimEnd()}${eol}${' '.repeat(column(inner[0]))}voice: ${yamlPlain(voice)}`;
    else entry = `${indent}${pair}{ voice: ${yamlPlain(voice)} }`;
  }
  let lineEnd = source.indexOf('\n', last);
  if (lineEnd < 0) lineEnd = source.length;
  if (source[lineEnd - 1] === '\r') lineEnd--;
  return { start: lineEnd, end: lineEnd, text: `${eol}${entry}` };
}

/** `text` as a YAML scalar: plain when the front matter reader reads it back as that string, else double-quoted. */
function yamlPlain(text: string): string {
  const plain = /^[\p{L}\p{N}_][\p{L}\p{N}_ .'-]*$/u.test(text) && !/\s$/.test(text) && scalar(text) === text;
  return plain ? text : JSON.stringify(text);
}

/** The front matter's top-level scalars (`title: …`, `year: 2026`) as text; empty when there is no front matter. */
export function frontMatterScalars(source: string): Record<string, string> {
  const fm = readFrontMatter(source);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fm?.value ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}

/** The casts merged, the first to name a speaker winning (names compared case-insensitively). */
export function mergeCasts(...casts: ReadonlyArray<CastMap | undefined>): Map<string, VoiceChoice> {
  const out = new Map<string, VoiceChoice>();
  const seen = new Set<string>();
  for (const cast of casts) {
    for (const [name, choice] of cast ?? []) {
      const key = foldName(name);
      if (seen.has(key)) continue;
      seen.add(key);
      out.set(name, choice);
    }
  }
  return out;
}

/** The cast's choice for `speaker`: its exact name first, else the same name in another case ("ALICE" → "Alice"). */
export function castVoice(cast: CastMap | undefined, speaker: string): VoiceChoice | undefined {
  if (!cast) return undefined;
  const exact = cast.get(speaker);
  if (exact) return exact;
  const key = foldName(speaker);
  for (const [name, choice] of cast) if (foldName(name) === key) return choice;
  return undefined;
}

function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------
// Validating a cast

const VOICE_KEYS = new Set(['voice', 'speed', 'volume']);

function castFromValue(value: unknown, file: 'cast' | 'frontMatter', where?: ReadonlyMap<string, [number, number]>): CastResult {
  const problems: SettingsFileProblem[] = [];
  const cast = new Map<string, VoiceChoice>();
  const report = (path: string, code: SettingsFileProblem['code'], extra: Partial<SettingsFileProblem> = {}) => {
    const at = where?.get(path) ?? where?.get(path.slice(0, path.lastIndexOf('.'))) ?? where?.get('voices');
    problems.push({ file, path, code, ...extra, ...(at ? { start: at[0], end: at[1] } : {}) });
  };
  if (!isObject(value)) {
    report('', 'notObject');
    return { cast, problems };
  }
  if (file === 'cast') {
    for (const key of Object.keys(value)) if (key !== 'voices' && key !== '$schema') report(key, 'unknownKey', { value: key });
  }
  const voices = value.voices;
  if (!isObject(voices)) {
    report('voices', 'noVoices');
    return { cast, problems };
  }
  const seen = new Set<string>();
  for (const [rawName, entry] of Object.entries(voices)) {
    const name = rawName.trim();
    const path = `voices.${rawName}`;
    if (!name) {
      report(path, 'empty');
      continue;
    }
    if (codePointLength(name) > SPEAKER_MAX_CHARS) report(path, 'tooLong', { value: name, max: SPEAKER_MAX_CHARS });
    if (seen.has(foldName(name))) {
      report(path, 'duplicate', { value: name });
      continue;
    }
    seen.add(foldName(name));
    const choice = voiceChoice(entry, path, report);
    if (choice) cast.set(name, choice);
  }
  return { cast, problems };
}

function voiceChoice(entry: unknown, path: string, report: (path: string, code: SettingsFileProblem['code'], extra?: Partial<SettingsFileProblem>) => void): VoiceChoice | undefined {
  if (typeof entry === 'string') {
    if (!entry.trim()) report(path, 'empty');
    return entry.trim() ? { voice: entry.trim() } : undefined;
  }
  if (!isObject(entry)) {
    report(path, 'notString', { value: shown(entry) });
    return undefined;
  }
  for (const key of Object.keys(entry)) if (!VOICE_KEYS.has(key)) report(`${path}.${key}`, 'unknownKey', { value: key });
  const voice = entry.voice;
  if (typeof voice !== 'string') {
    report(`${path}.voice`, voice === undefined ? 'empty' : 'notString', voice === undefined ? {} : { value: shown(voice) });
    return undefined;
  }
  if (!voice.trim()) {
    report(`${path}.voice`, 'empty');
    return undefined;
  }
  const choice: VoiceChoice = { voice: voice.trim() };
  const speed = entry.speed;
  if (speed !== undefined) {
    if (typeof speed !== 'number' || !Number.isFinite(speed)) report(`${path}.speed`, 'notNumber', { value: shown(speed) });
    else if (speed < LIMITS.speed.min || speed > LIMITS.speed.max) report(`${path}.speed`, 'range', { value: String(speed), min: LIMITS.speed.min, max: LIMITS.speed.max });
    else choice.speed = speed;
  }
  const volume = entry.volume;
  if (volume !== undefined) {
    if (typeof volume !== 'number' || !Number.isFinite(volume)) report(`${path}.volume`, 'notNumber', { value: shown(volume) });
    else if (volume <= LIMITS.volume.min || volume > LIMITS.volume.max) report(`${path}.volume`, 'range', { value: String(volume), min: LIMITS.volume.min, max: LIMITS.volume.max });
    else choice.volume = volume;
  }
  return choice;
}

// ---------------------------------------------------------------------------------------------------------------
// Front matter: the YAML a script's author writes by hand, not all of YAML

type Yaml = string | number | boolean | null | { [key: string]: Yaml };

interface FrontMatter {
  value: { [key: string]: Yaml };
  /** Source offsets of the line that gave each path ("voices", "voices.Bob", "voices.Bob.speed"). */
  where: Map<string, [number, number]>;
  problems: SettingsFileProblem[];
}

interface Line {
  indent: number;
  text: string; // without indentation, comment or trailing space
  start: number; // source offset of the first character of `text`
  end: number;
}

/**
 * A leading `---` … `---` (or `...`) block read as YAML mappings: `key: scalar`, `key:` with a more indented block
 * under it, and flow mappings (`{ voice: jam, speed: 1.1 }`). Scalars may be quoted; unquoted numbers, true, false
 * and null are read as such; `#` starts a comment. Lists, anchors and multi-line scalars are not read: a line
 * under `voices` the reader does not understand is a `syntax` problem, anything else is left alone.
 */
function readFrontMatter(source: string): FrontMatter | undefined {
  const open = /^---[ \t]*\r?\n/.exec(source);
  if (!open) return undefined;
  const lines: Line[] = [];
  let pos = open[0].length;
  let closed = false;
  while (pos < source.length) {
    const nl = source.indexOf('\n', pos);
    const lineEnd = nl < 0 ? source.length : nl;
    const raw = source.slice(pos, lineEnd).replace(/\r$/, '');
    if (/^(?:---|\.\.\.)[ \t]*$/.test(raw)) {
      closed = true;
      break;
    }
    const body = stripComment(raw);
    const indent = body.length - body.trimStart().length;
    if (body.trim()) lines.push({ indent, text: body.trim(), start: pos + indent, end: pos + indent + body.trim().length });
    pos = lineEnd + 1;
  }
  if (!closed) return undefined;
  const fm: FrontMatter = { value: {}, where: new Map(), problems: [] };
  readBlock(lines, 0, lines.length ? lines[0].indent : 0, fm.value, '', fm);
  return fm;
}

/** Reads the mapping lines at `indent` from `i`; returns the index of the first line it did not read. */
function readBlock(lines: Line[], i: number, indent: number, into: { [key: string]: Yaml }, prefix: string, fm: FrontMatter): number {
  while (i < lines.length && lines[i].indent >= indent) {
    const line = lines[i];
    const path = (key: string) => (prefix ? `${prefix}.${key}` : key);
    const inVoices = prefix.startsWith('voices') || /^voices\s*:/.test(line.text);
    const pair = line.indent === indent ? splitPair(line.text) : undefined;
    if (!pair) {
      if (inVoices) fm.problems.push({ file: 'frontMatter', path: prefix || 'voices', code: 'syntax', value: line.text, start: line.start, end: line.end });
      i++;
      continue;
    }
    fm.where.set(path(pair.key), [line.start, line.end]);
    i++;
    if (pair.rest) {
      const value = scalarOrFlow(pair.rest);
      if (value === undefined) {
        if (inVoices) fm.problems.push({ file: 'frontMatter', path: path(pair.key), code: 'syntax', value: line.text, start: line.start, end: line.end });
      } else into[pair.key] = value;
      continue;
    }
    const child: { [key: string]: Yaml } = {};
    if (i < lines.length && lines[i].indent > indent) i = readBlock(lines, i, lines[i].indent, child, path(pair.key), fm);
    into[pair.key] = Object.keys(child).length ? child : null;
  }
  return i;
}

/** "key: rest" with the key unquoted; undefined when the line is not a mapping entry. */
function splitPair(text: string): { key: string; rest: string } | undefined {
  const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*:(?:\s+|$)/.exec(text);
  if (quoted) return { key: unquote(quoted[1]) ?? '', rest: text.slice(quoted[0].length).trim() };
  const m = /^([^\s:#{}[\],"'][^:]*?)\s*:(?:\s+|$)/.exec(text);
  return m ? { key: m[1], rest: text.slice(m[0].length).trim() } : undefined;
}

function stripComment(raw: string): string {
  // A "#" starts a comment at the line's start or after white space, outside quotes.
  let quote = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]))) return raw.slice(0, i).trimEnd();
  }
  return raw.trimEnd();
}

function scalarOrFlow(text: string): Yaml | undefined {
  if (text.startsWith('{')) {
    const r = flowMap(text, 0);
    return r && !text.slice(r.end).trim() ? r.value : undefined;
  }
  return scalar(text);
}

/** A flow mapping `{ a: 1, b: { c: d } }` from `text[at]` (which is "{"), and where it ends. */
function flowMap(text: string, at: number): { value: { [key: string]: Yaml }; end: number } | undefined {
  const value: { [key: string]: Yaml } = {};
  let i = at + 1;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  for (;;) {
    skip();
    if (text[i] === '}') return { value, end: i + 1 };
    const key = token(text, i, /[:,{}]/);
    if (!key) return undefined;
    i = key.end;
    skip();
    if (text[i] !== ':') return undefined;
    i++;
    skip();
    let v: Yaml | undefined;
    if (text[i] === '{') {
      const inner = flowMap(text, i);
      if (!inner) return undefined;
      v = inner.value;
      i = inner.end;
    } else {
      const t = token(text, i, /[,{}]/);
      if (!t) return undefined;
      v = scalar(t.raw);
      i = t.end;
    }
    if (v === undefined) return undefined;
    value[unquote(key.raw) ?? key.raw] = v;
    skip();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') return undefined;
  }
}

/** A quoted string, or plain text up to a character of `stop`, from `text[at]`. */
function token(text: string, at: number, stop: RegExp): { raw: string; end: number } | undefined {
  const q = text[at];
  if (q === '"' || q === "'") {
    const m = (q === '"' ? /^"(?:[^"\\]|\\.)*"/ : /^'(?:[^']|'')*'/).exec(text.slice(at));
    return m ? { raw: m[0], end: at + m[0].length } : undefined;
  }
  let i = at;
  while (i < text.length && !stop.test(text[i])) i++;
  const raw = text.slice(at, i).trim();
  return raw ? { raw, end: i } : undefined;
}

function scalar(text: string): Yaml | undefined {
  const t = text.trim();
  if (t.startsWith('"') || t.startsWith("'")) return unquote(t);
  if (/^[[{|>&*!]/.test(t)) return undefined; // lists, nested flows, block scalars, anchors, tags: not read
  if (/^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i.test(t)) return Number(t);
  if (/^(?:true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  if (/^(?:null|~)$/i.test(t)) return null;
  return t;
}

function unquote(t: string): string | undefined {
  if (t.startsWith("'")) return t.endsWith("'") && t.length >= 2 ? t.slice(1, -1).replace(/''/g, "'") : undefined;
  if (!t.startsWith('"')) return t;
  try {
    return JSON.parse(t) as string;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Who says what

const NAME = String.raw`\p{L}(?:[\p{L}\p{M}\p{N} .'’-]{0,${SPEAKER_MAX_CHARS - 2}}[\p{L}\p{M}\p{N}.'’])?`;
/** A label at a paragraph's start: `Alice:`, `**Alice:**`, `**Alice**:`, `__Alice:__`, full-width `：` too. */
const LABEL = new RegExp(String.raw`^(?:(\*\*|__)(${NAME})(?:([:：])\1|\1([:：]))|(${NAME})([:：]))`, 'u');

/**
 * The speaker label at `at` in `source`, if the text there starts with one. An ASCII colon must be followed by white
 * space or the end, so URLs ("https://") and times ("10:30", which also start with a digit) are not labels.
 */
export function labelAt(source: string, at: number): { speaker: string; end: number } | undefined {
  const m = LABEL.exec(source.slice(at, at + SPEAKER_MAX_CHARS * 2 + 8));
  if (!m) return undefined;
  const speaker = (m[2] ?? m[5]).trim();
  const colon = m[3] ?? m[4] ?? m[6];
  const after = source[at + m[0].length];
  if (colon === ':' && after !== undefined && !/\s/.test(after)) return undefined;
  if (codePointLength(speaker) > SPEAKER_MAX_CHARS) return undefined;
  return { speaker, end: at + m[0].length };
}

/** Markdown or plain text: a paragraph starting with a label is that speaker's, without the label. */
function labelledSpeakable(source: string, languageId: string | undefined): ScriptSpeakable {
  const sp = speakable(source, languageId);
  const speakers: Array<string | undefined> = [];
  const labels: SpeakerLabel[] = [];
  const blocks = sp.blocks.map((blk) => {
    const label = paragraphStart(source, blk.sourceStart) ? labelAt(source, blk.sourceStart) : undefined;
    const spoken = label && new RegExp(String.raw`^${escapeRegExp(label.speaker)}\s*[:：]\s*`, 'u').exec(sp.text.slice(blk.textStart, blk.textEnd));
    if (!label || !spoken) {
      speakers.push(undefined);
      return blk;
    }
    speakers.push(label.speaker);
    labels.push({ speaker: label.speaker, start: blk.sourceStart, end: label.end });
    let sourceStart = label.end;
    while (sourceStart < blk.sourceEnd && /\s/.test(source[sourceStart])) sourceStart++;
    return { ...blk, textStart: blk.textStart + spoken[0].length, sourceStart };
  });
  return { sp: { ...sp, blocks }, speakers, labels };
}

/** Whether `at` starts a paragraph's line: only indentation or blockquote marks before it (no "#", "-", "|"). */
function paragraphStart(source: string, at: number): boolean {
  const lineStart = source.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*(?:>[ \t]*)*$/.test(source.slice(lineStart, at));
}

/** Who says what in a document: Fountain by its cues, anything else by its labels. */
export function scriptSpeakable(source: string, languageId: string | undefined, opts: { fileName?: string; sceneHeadings?: boolean } = {}): ScriptSpeakable {
  return isFountain(languageId, opts.fileName) ? fountainScript(source, { sceneHeadings: opts.sceneHeadings }) : labelledSpeakable(source, languageId);
}

// ---------------------------------------------------------------------------------------------------------------
// The plan

export interface ScriptOptions extends Omit<PlanOptions, 'measure'> {
  /** The voice of the narrator (unlabelled text), unless the cast names a `Narrator`. */
  narratorVoice: string;
  /** The cast file's cast; a Markdown document's front matter `voices:` wins over it. */
  cast?: CastMap;
  /** Rewrites for what is sent (`sendText`); offsets and `text` stay on the source. */
  pronunciations?: PronunciationList;
  /** The document's file name: `.fountain` files are read as screenplays whatever their language id. */
  fileName?: string;
  /** Fountain: the narrator reads scene headings ("INT. KITCHEN - NIGHT") too. Off by default. */
  sceneHeadings?: boolean;
}

export interface ScriptChunk extends NarrationChunk {
  /** Who says it, as labelled in the document; undefined for the narrator. */
  speaker: string | undefined;
  voice: string;
  speed?: number;
  volume?: number;
  /** `text` with the pronunciations applied: what is sent to synthesis (and, with the voice, the cache key's text). */
  sendText: string;
}

export interface UnassignedSpeaker {
  /** As first written. */
  speaker: string;
  /** The first label's source offsets (for a diagnostic). */
  start: number;
  end: number;
  /** How many labels name this speaker. */
  count: number;
}

export interface ScriptPlan extends NarrationPlan {
  chunks: ScriptChunk[];
  /** Speakers the cast has no voice for: the narrator's voice says their lines. */
  unassigned: UnassignedSpeaker[];
  /** The cast used: the front matter's, then the cast file's. */
  cast: Map<string, VoiceChoice>;
  /** Problems in the front matter's `voices:` (the cast file's are the caller's, from `parseCastFile`). */
  problems: SettingsFileProblem[];
}

/**
 * `planNarration` for a script with a cast: every chunk has one speaker (chunks never cross a paragraph, and a
 * speaker owns whole paragraphs), the voice, speed and volume the cast gives them, and the text to send with the
 * pronunciations applied. Speaker labels are not spoken; speakers without a voice are spoken by the narrator and
 * listed in `unassigned`.
 */
export function planScript(source: string, languageId: string | undefined, opts: ScriptOptions): ScriptPlan {
  // Front matter is a Markdown convention (and only Markdown leaves it unspoken).
  const fm = isMarkdownLanguage(languageId) && !isFountain(languageId, opts.fileName) ? frontMatterCast(source) : { cast: new Map<string, VoiceChoice>(), problems: [] };
  const cast = mergeCasts(fm.cast, opts.cast);
  const script = scriptSpeakable(source, languageId, opts);
  const list = opts.pronunciations ?? [];
  const send = (text: string) => (list.length ? applyPronunciations(text, list) : text);
  const plan = planSpeakable(script.sp, source, { ...opts, measure: list.length ? (t) => codePointLength(send(t)) : undefined });

  const narrator: VoiceChoice = castVoice(cast, NARRATOR) ?? { voice: opts.narratorVoice };
  const chunks: ScriptChunk[] = plan.chunks.map((chunk) => {
    const speaker = script.speakers[chunk.sentences[0].block];
    const choice = (speaker === undefined ? undefined : castVoice(cast, speaker)) ?? narrator;
    const out: ScriptChunk = { ...chunk, speaker, voice: choice.voice, sendText: send(chunk.text) };
    if (choice.speed !== undefined) out.speed = choice.speed;
    if (choice.volume !== undefined) out.volume = choice.volume;
    return out;
  });

  const unassigned = new Map<string, UnassignedSpeaker>();
  for (const label of script.labels) {
    if (castVoice(cast, label.speaker)) continue;
    const key = foldName(label.speaker);
    const seen = unassigned.get(key);
    if (seen) seen.count++;
    else unassigned.set(key, { speaker: label.speaker, start: label.start, end: label.end, count: 1 });
  }
  return { chunks, sentences: plan.sentences, unassigned: [...unassigned.values()], cast, problems: fm.problems };
}
