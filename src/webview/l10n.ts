// The panel's words in VS Code's display language: the host embeds its translation table (English template →
// translation) in the page (src/host/panel/panelHtml.ts); an English template without a translation stays English.
// Called as `l10n.t('English {0}', value)`, like vscode.l10n, so `npm run l10n:export` collects these messages too.
import type { L10n } from '../messages';

function readStrings(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(document.getElementById('gvc-strings')?.textContent || '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

const strings = readStrings();

export const l10n: L10n = {
  t: (message, ...args) =>
    (Object.hasOwn(strings, message) ? strings[message] : message).replace(/\{(\d+)\}/g, (all, i: string) => (args[Number(i)] === undefined ? all : String(args[Number(i)]))),
};

/** Says `message` once to screen readers (the page's polite live region), without moving the focus. */
export function announce(message: string): void {
  const el = document.getElementById('announcer');
  if (!el) return;
  // cleared first, so the same words said twice are announced twice
  el.textContent = '';
  setTimeout(() => (el.textContent = message), 50);
}
