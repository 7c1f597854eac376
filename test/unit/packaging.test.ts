// What the .vsix ships: .vscodeignore ignores everything and lets named files back in, so a bundle added to
// esbuild.mjs is missing from the package until it is named there too. The editor suite loads the extension from
// the working tree and would not notice; an installed .vsix would fail at the first require of the bundle.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The `dist/<name>.js` bundles esbuild.mjs builds for the extension (entryPoints keys; the CLI and tests are apart). */
function shippedBundles(): string[] {
  const source = readFileSync(join(ROOT, 'esbuild.mjs'), 'utf8');
  return [...source.matchAll(/entryPoints:\s*\{\s*'?([\w-]+)'?\s*:/g)].map((m) => `dist/${m[1]}.js`);
}

/** The paths .vscodeignore lets back in (`!path` lines). */
function allowed(): Set<string> {
  return new Set(
    readFileSync(join(ROOT, '.vscodeignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1)),
  );
}

suite('packaging: every bundle the extension loads is in the .vsix', () => {
  test('each dist/*.js built for the extension is let back in by .vscodeignore', () => {
    const bundles = shippedBundles();
    assert.ok(bundles.includes('dist/extension.js') && bundles.includes('dist/features.js') && bundles.length >= 10, `found ${bundles.join(', ')}`);
    const ok = allowed();
    assert.deepEqual(
      bundles.filter((b) => !ok.has(b)),
      [],
      'bundles built but left out of the package (add them to .vscodeignore)',
    );
  });

  test('each file esbuild.mjs copies into dist/ (LAME\'s mp3.wasm) is let back in by .vscodeignore', () => {
    const source = readFileSync(join(ROOT, 'esbuild.mjs'), 'utf8');
    const copied = [...source.matchAll(/copyFileSync\([^;]*?join\('dist', '([\w.-]+)'\)\)/g)].map((m) => `dist/${m[1]}`);
    assert.ok(copied.includes('dist/mp3.wasm'), `copied: ${copied.join(', ')}`);
    const ok = allowed();
    assert.deepEqual(
      copied.filter((f) => !ok.has(f)),
      [],
      'files copied into dist/ but left out of the package (add them to .vscodeignore)',
    );
  });

  test('each sibling bundle the host requires by name is one esbuild.mjs builds', () => {
    const bundles = new Set(shippedBundles());
    // lazy.ts loads the features and the document checks; extension.ts loads the shell's second half itself
    const shell = join(ROOT, 'src', 'host', 'shell');
    const source = readdirSync(shell).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(shell, f), 'utf8')).join('\n');
    const required = [...source.matchAll(/require\('\.\/([\w-]+\.js)'\)/g)].map((m) => `dist/${m[1]}`);
    assert.ok(required.length >= 3, `requires found in src/host/shell: ${required.join(', ')}`);
    assert.deepEqual(
      required.filter((r) => !bundles.has(r)),
      [],
    );
  });
});
