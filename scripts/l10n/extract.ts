// What `npm run l10n:export` writes to l10n/bundle.l10n.json, computed with @vscode/l10n-dev's own extractor.
//
// The extractor only collects `X.t('…')` where X is bound by an import or require of `vscode` or `@vscode/l10n`
// (`import * as l10n from '@vscode/l10n'`, `vscode.l10n.t`, `const { t } = require('@vscode/l10n')`…), and it skips
// any file whose text lacks "vscode". src/messages takes its translator as a parameter named `l10n` (the editor passes
// vscode.l10n, the CLI and the webview @vscode/l10n), so as written the extractor finds nothing there. Each file that
// calls `l10n.t(` is therefore handed to it with a namespace import of @vscode/l10n in front, which binds the
// identifier `l10n` the way the parameter does at run time. Only the copy given to the extractor changes.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { getL10nJson, type l10nJsonFormat } from '@vscode/l10n-dev';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SRC_DIR = join(REPO_ROOT, 'src');
export const L10N_DIR = join(REPO_ROOT, 'l10n');
export const BUNDLE = join(L10N_DIR, 'bundle.l10n.json');

const SCRIPT_EXTENSIONS = new Set(['.ts', '.tsx', '.js', '.jsx']);
const SHIM = "import * as l10n from '@vscode/l10n';\n";

/** Source files the bundle is taken from: every script under src/, declaration files aside, in a stable order. */
export function sourceFiles(dir = SRC_DIR): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (SCRIPT_EXTENSIONS.has(extname(entry.name)) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/** The text the extractor sees for one file: the file itself, with the `l10n` binding in front when it needs one. */
export function extractorInput(contents: string): string {
  return /\bl10n\.t\s*\(/.test(contents) ? SHIM + contents : contents;
}

/** English messages of every `l10n.t('…')` under src/, keyed by themselves, as `l10n-dev export` would write them. */
export async function extractBundle(dir = SRC_DIR): Promise<l10nJsonFormat> {
  const files = sourceFiles(dir).map((path) => ({ contents: extractorInput(readFileSync(path, 'utf8')), extension: extname(path) }));
  return getL10nJson(files);
}

/**
 * `l10n.t(` calls whose first argument is not a string literal: the extractor silently skips those, so their text
 * could never be translated. Returned as "file:line" for a readable failure.
 */
export function nonLiteralCalls(dir = SRC_DIR): string[] {
  const out: string[] = [];
  for (const path of sourceFiles(dir)) {
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/\bl10n\.t\s*\(\s*(\S)/g)) {
      if (!`'"\``.includes(m[1])) {
        const line = text.slice(0, m.index).split('\n').length;
        out.push(`${relative(REPO_ROOT, path).split(sep).join('/')}:${line}`);
      }
    }
  }
  return out;
}
