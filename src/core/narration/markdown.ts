// Turns a document into the words worth speaking: Markdown loses its markup, code and URLs; plain text stays as written.

/** Language ids whose text is read as Markdown. */
const MARKDOWN_LANGUAGES = new Set(['markdown', 'md']);

export function isMarkdownLanguage(languageId: string | undefined): boolean {
  return languageId !== undefined && MARKDOWN_LANGUAGES.has(languageId.toLowerCase());
}

/**
 * The text to send to speech synthesis. Markdown (languageId 'markdown') is reduced to its prose, one
 * block per line, headings, list items and table rows ending as sentences; other text only has its line
 * endings normalised to "\n".
 */
export function speakableText(source: string, languageId?: string): string {
  const text = normaliseLineEndings(source);
  return isMarkdownLanguage(languageId) ? markdownToSpeech(text) : text;
}

export function normaliseLineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;
const ATX_HEADING = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const BLOCKQUOTE = /^ {0,3}>[ \t]?/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)/;
const TASK_BOX = /^\[[ xX]\][ \t]+/;
const REFERENCE_DEFINITION = /^ {0,3}\[(?!\^)[^\]]+\]:[ \t]*\S+/;
const FOOTNOTE_DEFINITION = /^ {0,3}\[\^[^\]]+\]:[ \t]*/;
const TABLE_DELIMITER = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const INDENTED = /^(?: {4}|\t)/;

/** Markdown reduced to speakable prose: see `speakableText`. Expects "\n" line endings. */
export function markdownToSpeech(markdown: string): string {
  const lines = stripFrontMatter(normaliseLineEndings(markdown)).split('\n');
  const out: string[] = [];
  let paragraph: string[] = [];
  let fence: { char: string; length: number } | undefined;
  let inComment = false;
  let inList = false;
  let inTable = false;
  let previousBlank = true;
  let inCodeBlock = false;

  const flushParagraph = (asSentence = false) => {
    const text = tidy(paragraph.join(' '));
    paragraph = [];
    if (text) out.push(asSentence ? asSentenceText(text) : text);
  };

  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];

    if (fence) {
      const close = line.match(FENCE_OPEN);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length && !line.slice(line.indexOf(close[1]) + close[1].length).trim()) fence = undefined;
      continue;
    }

    // HTML comments, possibly over several lines.
    if (inComment) {
      const close = line.indexOf('-->');
      if (close < 0) continue;
      inComment = false;
      line = line.slice(close + 3);
    }
    line = line.replace(/<!--[\s\S]*?-->/g, '');
    const open = line.indexOf('<!--');
    if (open >= 0) {
      inComment = true;
      line = line.slice(0, open);
    }

    const blank = !line.trim();
    if (blank) {
      flushParagraph();
      inTable = false;
      previousBlank = true;
      continue;
    }

    // Indented code: four spaces after a blank line, outside a list (where indentation means continuation).
    if (INDENTED.test(line) && !inList && paragraph.length === 0 && (previousBlank || inCodeBlock)) {
      inCodeBlock = true;
      previousBlank = false;
      continue;
    }
    inCodeBlock = false;
    previousBlank = false;

    const fenceOpen = line.match(FENCE_OPEN);
    if (fenceOpen && !(fenceOpen[1][0] === '`' && line.slice(line.indexOf(fenceOpen[1]) + fenceOpen[1].length).includes('`'))) {
      flushParagraph();
      fence = { char: fenceOpen[1][0], length: fenceOpen[1].length };
      continue;
    }

    // Blockquote marks go; what they quote is read like any other line.
    while (BLOCKQUOTE.test(line)) line = line.replace(BLOCKQUOTE, '');
    if (!line.trim()) {
      flushParagraph();
      continue;
    }

    if (paragraph.length && SETEXT_UNDERLINE.test(line)) {
      flushParagraph(true);
      continue;
    }
    if (THEMATIC_BREAK.test(line)) {
      flushParagraph();
      inList = false;
      continue;
    }
    if (REFERENCE_DEFINITION.test(line)) {
      flushParagraph();
      continue;
    }

    const heading = line.match(ATX_HEADING);
    if (heading) {
      flushParagraph();
      inList = false;
      const text = tidy(inline(heading[1] ?? ''));
      if (text) out.push(asSentenceText(text));
      continue;
    }

    if (line.includes('|') && (inTable || TABLE_DELIMITER.test(lines[i + 1] ?? '') && lines[i + 1].includes('|') || TABLE_DELIMITER.test(line))) {
      flushParagraph();
      inTable = true;
      if (TABLE_DELIMITER.test(line)) continue;
      const cells = splitTableRow(line).map((c) => tidy(inline(c))).filter(Boolean);
      if (cells.length) out.push(asSentenceText(cells.join(', ')));
      continue;
    }

    const item = line.match(LIST_ITEM);
    if (item) {
      flushParagraph();
      inList = true;
      const text = tidy(inline(line.slice(item[0].length).replace(TASK_BOX, '')));
      if (text) out.push(asSentenceText(text));
      continue;
    }
    if (!INDENTED.test(line) && !/^[ \t]/.test(line)) inList = false;

    const footnote = line.match(FOOTNOTE_DEFINITION);
    if (footnote) {
      flushParagraph();
      line = line.slice(footnote[0].length);
    }

    // A hard line break (two trailing spaces or a backslash) reads as a pause, not a new block.
    paragraph.push(inline(line.replace(/(?: {2,}|\\)$/, '')));
  }
  flushParagraph();
  return out.join('\n');
}

/** `text` without a leading YAML (---) or TOML (+++) front matter block; unchanged when there is none. */
export function stripFrontMatter(text: string): string {
  const m = text.match(/^(---|\+\+\+)[ \t]*\n/);
  if (!m) return text;
  const closer = m[1] === '---' ? /^(?:---|\.\.\.)[ \t]*$/m : /^\+\+\+[ \t]*$/m;
  const rest = text.slice(m[0].length);
  const close = closer.exec(rest);
  if (!close) return text;
  return rest.slice(close.index + close[0].length).replace(/^\n/, '');
}

function splitTableRow(line: string): string[] {
  const cells = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/);
  return cells.map((c) => c.replace(/\\\|/g, '|'));
}

const PLACEHOLDER = '\u0000';
/** HTML tags that sit inside a line of text: they join their words instead of separating them. */
export const INLINE_TAGS = 'a|abbr|b|bdi|bdo|cite|code|data|dfn|del|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var';

/** Inline markup removed from one line of Markdown: the words stay, the syntax and URLs go. */
function inline(text: string): string {
  const kept: string[] = [];
  const keep = (s: string) => `${PLACEHOLDER}${kept.push(s) - 1}${PLACEHOLDER}`;
  let s = text.replace(/\u0000/g, '');

  // Code spans first: nothing inside them is markup. The code's text is read, without backticks.
  s = s.replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, (_, _ticks: string, code: string) => keep(code.trim()));
  // Backslash escapes are literal characters.
  s = s.replace(/\\([!-/:-@[-`{-~])/g, (_, ch: string) => keep(ch));

  s = s
    .replace(/!\[(?:[^\]\\]|\\.)*\](?:\([^)]*\)|\[[^\]]*\])?/g, '') // images
    .replace(/<(?:https?|ftp|mailto):[^>\s]*>|<[^>\s@]+@[^>\s@]+\.[^>\s@]+>/gi, '') // autolinks
    .replace(/\[\^[^\]]+\]/g, '') // footnote references
    .replace(/\[((?:[^\]\\]|\\.)*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g, '$1') // inline links
    .replace(/\[((?:[^\]\\]|\\.)+)\]\[[^\]]*\]/g, '$1') // reference links
    .replace(new RegExp(`</?(?:${INLINE_TAGS})(?:\\s[^<>]*)?/?>`, 'gi'), '') // inline HTML tags join their words
    .replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, ' '); // block HTML tags separate theirs
  // Nested emphasis (**bold *and italic***) needs more than one pass.
  for (let pass = 0; pass < 3; pass++) {
    const before = s;
    s = s
      .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
      .replace(/(\*{1,3})(?=[^\s*])([\s\S]*?[^\s*])\1/g, '$2')
      .replace(/(?<![\p{L}\p{N}_])(_{1,3})(?=[^\s_])([\s\S]*?[^\s_])\1(?![\p{L}\p{N}_])/gu, '$2');
    if (s === before) break;
  }

  s = decodeEntities(s);
  return s.replace(/\u0000(\d+)\u0000/g, (_, n: string) => kept[Number(n)]);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', hellip: '…' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (all, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : all;
    }
    return ENTITIES[body.toLowerCase()] ?? all;
  });
}

function tidy(s: string): string {
  return s.replace(/[ \t]+/g, ' ').trim();
}

/** Ends `text` with a period unless it already ends a sentence (closing quotes and brackets may follow the mark). */
function asSentenceText(text: string): string {
  return endsSentence(text) ? text : `${text}.`;
}

/** Whether `text` already ends with a sentence mark (closing quotes and brackets may follow it). */
export function endsSentence(text: string): boolean {
  return /[.!?…。！？；:：](?:["'”’»)\]}」』）]*)$/u.test(text);
}
