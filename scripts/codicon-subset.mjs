// The panel's icon font: only the codicons the webview shows (scripts/codicons.json), not all ~600 of
// @vscode/codicons (its font alone was 125 KB of the .vsix). An esbuild plugin for the webview bundle: the import of
// codicon.css gets the font face, the base rules and one rule per listed icon; its font, codicon.ttf, gets a subset
// with those glyphs only (subset-font: HarfBuzz's hb-subset, built to WebAssembly). A listed name that the package
// does not have fails the build. test/unit/project/packaging.test.ts checks every icon the webview names is listed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import subsetFont from 'subset-font';

export const CODICONS = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'codicons.json'), 'utf8'));

/** The code points of `names` in codicon.css (`.codicon-NAME:before { content: "\eXXX" }`); throws for a missing one. */
export function codepoints(css, names = CODICONS) {
  const rules = new Map([...css.matchAll(/^\.codicon-([\w-]+):before\s*\{\s*content:\s*"\\([0-9a-f]+)"\s*\}/gim)].map((m) => [m[1], parseInt(m[2], 16)]));
  return new Map(
    names.map((name) => {
      const cp = rules.get(name);
      if (cp === undefined) throw new Error(`codicon "${name}" (scripts/codicons.json) is not in @vscode/codicons`);
      return [name, cp];
    }),
  );
}

/** codicon.css with the rules of the other icons taken out (the font face, base rules and modifiers kept). */
export function subsetCss(css, names = CODICONS) {
  const keep = new Set(names);
  return css.replace(/^\.codicon-([\w-]+):before\s*\{[^}]*\}\s*\n?/gim, (rule, name) => (keep.has(name) ? rule : ''));
}

/** @returns {import('esbuild').Plugin} */
export function codiconSubsetPlugin(names = CODICONS) {
  return {
    name: 'codicon-subset',
    setup(build) {
      const cssFilter = /[\\/]@vscode[\\/]codicons[\\/]dist[\\/]codicon\.css$/;
      const ttfFilter = /[\\/]@vscode[\\/]codicons[\\/]dist[\\/]codicon\.ttf$/;
      build.onLoad({ filter: cssFilter }, (args) => {
        const css = readFileSync(args.path, 'utf8');
        codepoints(css, names);
        return { contents: subsetCss(css, names), loader: 'css', resolveDir: dirname(args.path) };
      });
      build.onLoad({ filter: ttfFilter }, async (args) => {
        const css = readFileSync(join(dirname(args.path), 'codicon.css'), 'utf8');
        const text = String.fromCodePoint(...codepoints(css, names).values());
        const font = await subsetFont(readFileSync(args.path), text, { targetFormat: 'truetype' });
        return { contents: font, loader: 'file' };
      });
    },
  };
}
