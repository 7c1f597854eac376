// What the Markdown reader (plan.ts, over markdown-it) shares with the rest of the core: which documents are Markdown,
// their front matter, the inline HTML tags that join words, and what ends a sentence.

/** Language ids whose text is read as Markdown. */
const MARKDOWN_LANGUAGES = new Set(['markdown', 'md']);

export function isMarkdownLanguage(languageId: string | undefined): boolean {
  return languageId !== undefined && MARKDOWN_LANGUAGES.has(languageId.toLowerCase());
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

/** HTML tags that sit inside a line of text: they join their words instead of separating them. */
export const INLINE_TAGS = 'a|abbr|b|bdi|bdo|cite|code|data|dfn|del|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var';

/** Whether `text` already ends with a sentence mark (closing quotes and brackets may follow it). */
export function endsSentence(text: string): boolean {
  return /[.!?…。！？；:：](?:["'”’»)\]}」』）]*)$/u.test(text);
}
