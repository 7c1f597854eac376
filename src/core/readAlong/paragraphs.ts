// Where a "Read from here" lens goes in Markdown: the first line of each heading and paragraph (a list item, a
// quote, a table), found line by line without parsing, so the editor can ask for lenses on every keystroke for
// nothing. Code blocks (fenced, or indented after a blank line), front matter and HTML comments get none.

export interface ParagraphStart {
  /** 0-based line. */
  line: number;
  /** Offset of the line's first non-blank character in the text. */
  offset: number;
}

export function paragraphStarts(text: string): ParagraphStart[] {
  const out: ParagraphStart[] = [];
  let offset = 0;
  let previousBlank = true;
  let fence: string | undefined;
  let inComment = false;
  const lines = text.split('\n');
  let frontMatter = lines[0]?.replace(/\r$/, '') === '---';
  lines.forEach((raw, line) => {
    const start = offset;
    offset += raw.length + 1;
    const l = raw.replace(/\r$/, '');
    if (frontMatter) {
      if (line > 0 && /^(---|\.\.\.)\s*$/.test(l)) frontMatter = false;
      previousBlank = true;
      return;
    }
    if (fence) {
      if (l.trimStart().startsWith(fence)) fence = undefined;
      previousBlank = true;
      return;
    }
    if (inComment) {
      if (l.includes('-->')) inComment = false;
      previousBlank = true;
      return;
    }
    const open = /^\s{0,3}(`{3,}|~{3,})/.exec(l);
    if (open) {
      fence = open[1];
      previousBlank = true;
      return;
    }
    if (/^\s*<!--/.test(l) && !l.includes('-->')) {
      inComment = true;
      previousBlank = true;
      return;
    }
    if (!l.trim()) {
      previousBlank = true;
      return;
    }
    const indentedCode = previousBlank && /^( {4}|\t)/.test(l);
    const heading = /^\s{0,3}#{1,6}\s/.test(l);
    const thematicBreak = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(l);
    const tableRule = /^\s*\|?\s*:?-{3,}/.test(l);
    if ((previousBlank || heading) && !indentedCode && !thematicBreak && !tableRule && !/^\s*<!--.*-->\s*$/.test(l)) {
      out.push({ line, offset: start + (l.length - l.trimStart().length) });
    }
    previousBlank = heading;
  });
  return out;
}
