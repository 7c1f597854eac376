// Subtitles for a narration: SRT and WebVTT from timed cues. Cues come out in time order, never overlapping, at
// most two short lines each (a longer text becomes several cues sharing its time by length), as players expect.

export interface Cue {
  startSec: number;
  endSec: number;
  text: string;
  speaker?: string;
}

export interface SubtitleOptions {
  /** Characters per line (default 42, the common broadcast limit). */
  maxLineChars?: number;
  /** Lines per cue (default 2). */
  maxLines?: number;
}

interface TimedLines {
  startMs: number;
  endMs: number;
  lines: string[];
  speaker?: string;
}

/** SubRip: numbered cues, `00:00:01,234 --> 00:00:02,000`, a speaker as an `Alice: ` prefix. */
export function toSrt(cues: readonly Cue[], options: SubtitleOptions = {}): string {
  const out: string[] = [];
  layout(cues, options, (speaker) => (speaker ? `${srtText(speaker)}: ` : '')).forEach((cue, i) => {
    const lines = cue.lines.map(srtText);
    if (cue.speaker) lines[0] = `${srtText(cue.speaker)}: ${lines[0]}`;
    out.push(`${i + 1}\n${timestamp(cue.startMs, ',')} --> ${timestamp(cue.endMs, ',')}\n${lines.join('\n')}\n`);
  });
  return out.join('\n');
}

/** WebVTT: `00:00:01.234 --> 00:00:02.000`, a speaker as a `<v Alice>` voice span, `&`, `<`, `>` escaped. */
export function toVtt(cues: readonly Cue[], options: SubtitleOptions = {}): string {
  const out = ['WEBVTT\n'];
  for (const cue of layout(cues, options, () => '')) {
    const lines = cue.lines.map(vttText);
    if (cue.speaker) lines[0] = `<v ${vttText(cue.speaker)}>${lines[0]}`;
    out.push(`${timestamp(cue.startMs, '.')} --> ${timestamp(cue.endMs, '.')}\n${lines.join('\n')}\n`);
  }
  return out.join('\n');
}

/** `hh:mm:ss<sep>mmm`; hours grow past two digits rather than wrap. */
export function timestamp(ms: number, separator: ',' | '.'): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor(total / 60_000) % 60;
  const s = Math.floor(total / 1000) % 60;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${separator}${pad(total % 1000, 3)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** SRT has no escapes: only keep its timing arrow out of the text (a player could read the line as timing). */
function srtText(text: string): string {
  return text.replace(/-->/g, '->');
}

/** WebVTT text is HTML-like: `&`, `<` and `>` as entities, which also keeps `-->` out of it. */
function vttText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One line of text: line breaks, tabs and control characters (a blank line would end the cue) as single spaces. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029\s]+/g, ' ').trim();
}

/**
 * Sorted by start (ties keep input order), in whole milliseconds, each start at or after the previous end and each end
 * at or before the next start; cues without text or time, or left without time by clamping (the first of two cues
 * that start together), are dropped. Text is wrapped, and a cue with more lines
 * than fit is split into consecutive cues that share its time in proportion to their characters.
 */
function layout(cues: readonly Cue[], options: SubtitleOptions, prefixOf: (speaker: string | undefined) => string): TimedLines[] {
  const maxChars = Math.max(8, Math.floor(options.maxLineChars ?? 42));
  const maxLines = Math.max(1, Math.floor(options.maxLines ?? 2));
  // Cues that could never show are dropped first, so they cannot cut short the cue before them.
  const sorted = cues
    .map((cue, index) => ({
      index,
      text: clean(cue.text ?? ''),
      speaker: typeof cue.speaker === 'string' ? clean(cue.speaker) || undefined : undefined,
      startMs: toMs(cue.startSec) ?? NaN,
      endMs: toMs(cue.endSec) ?? NaN,
    }))
    .filter((c) => c.text && c.endMs > c.startMs)
    .sort((a, b) => a.startMs - b.startMs || a.index - b.index);

  const out: TimedLines[] = [];
  let previousEnd = 0;
  for (let i = 0; i < sorted.length; i++) {
    const { text, speaker } = sorted[i];
    const startMs = Math.max(sorted[i].startMs, previousEnd);
    const nextStart = i + 1 < sorted.length ? sorted[i + 1].startMs : Infinity;
    const endMs = Math.min(sorted[i].endMs, Math.max(nextStart, startMs));
    if (endMs <= startMs) continue; // nothing left of it after clamping
    previousEnd = endMs;

    // The SRT speaker prefix is shown, so it takes room on the first line; the VTT voice tag is not.
    const prefix = Math.min(prefixOf(speaker).length, Math.floor(maxChars / 2));
    const pages = paginate(text, maxChars, maxLines, prefix);
    const weights = pages.map((lines) => lines.join(' ').length);
    const totalWeight = weights.reduce((a, b) => a + b, 0);
    const first = out.length;
    let at = startMs;
    let done = 0;
    let pending: string[] = [];
    pages.forEach((lines, p) => {
      done += weights[p];
      const end = p === pages.length - 1 ? endMs : startMs + Math.round(((endMs - startMs) * done) / totalWeight);
      pending.push(...lines);
      // A page with no whole millisecond of its own (a very short cue) goes with the next one: its words are kept.
      if (end > at) {
        out.push({ startMs: at, endMs: end, lines: pending, speaker });
        pending = [];
        at = end;
      }
    });
    if (pending.length && out.length > first) out[out.length - 1].lines.push(...pending);
  }
  return out;
}

function toMs(sec: number): number | undefined {
  return typeof sec === 'number' && Number.isFinite(sec) ? Math.max(0, Math.round(sec * 1000)) : undefined;
}

/** Words into lines of at most `maxChars` (a longer word is cut), grouped `maxLines` to a cue, two lines balanced. */
function paginate(text: string, maxChars: number, maxLines: number, firstPrefix: number): string[][] {
  const lines = wrap(text, maxChars, maxLines, firstPrefix);
  const pages: string[][] = [];
  for (let i = 0; i < lines.length; i += maxLines) {
    const page = lines.slice(i, i + maxLines);
    pages.push(page.length === 2 ? balance(page, maxChars, firstPrefix) : page);
  }
  return pages;
}

function wrap(text: string, maxChars: number, maxLines: number, prefix: number): string[] {
  const lines: string[] = [];
  let line = '';
  // The first line of every page carries the prefix.
  const room = () => maxChars - (lines.length % maxLines === 0 ? prefix : 0);
  for (let word of text.split(' ')) {
    while (word.length > room()) {
      // A word longer than a line (a URL, a long number): cut it, after whatever the line already holds.
      if (line) {
        lines.push(line);
        line = '';
      }
      const cut = Math.max(1, room());
      lines.push(word.slice(0, cut));
      word = word.slice(cut);
    }
    if (!word) continue;
    if (!line) line = word;
    else if (line.length + 1 + word.length <= room()) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Two lines re-split at the space that makes them most even (a long top line over a short one reads badly). */
function balance(page: string[], maxChars: number, prefix: number): string[] {
  const text = page.join(' ');
  // A word was cut to fit: joining would put a space inside it.
  if (text.split(' ').some((w) => w.length >= maxChars - prefix)) return page;
  let best = page;
  let bestWorst = Math.max(page[0].length + prefix, page[1].length);
  for (let at = text.indexOf(' '); at !== -1; at = text.indexOf(' ', at + 1)) {
    const first = text.slice(0, at);
    const second = text.slice(at + 1);
    if (first.length + prefix > maxChars || second.length > maxChars) continue;
    const worst = Math.max(first.length + prefix, second.length);
    if (worst < bestWorst) {
      best = [first, second];
      bestWorst = worst;
    }
  }
  return best;
}
