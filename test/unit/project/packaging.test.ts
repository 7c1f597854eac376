// What the .vsix ships: .vscodeignore ignores everything and lets named files back in, so a bundle added to
// esbuild.mjs is missing from the package until it is named there too. The editor suite loads the extension from
// the working tree and would not notice; an installed .vsix would fail at the first require of the bundle.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

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

/** The code points a TrueType font maps to a glyph other than .notdef (its cmap's format 4 and 12 subtables). */
function mappedCodePoints(font: Buffer): Set<number> {
  const tables = new Map<string, number>();
  for (let i = 0, n = font.readUInt16BE(4); i < n; i++) tables.set(font.toString('latin1', 12 + i * 16, 16 + i * 16), font.readUInt32BE(20 + i * 16));
  const cmap = tables.get('cmap');
  assert.ok(cmap !== undefined, 'the font has a cmap');
  const out = new Set<number>();
  for (let i = 0, n = font.readUInt16BE(cmap + 2); i < n; i++) {
    const sub = cmap + font.readUInt32BE(cmap + 8 + i * 8);
    const format = font.readUInt16BE(sub);
    if (format === 4) {
      const segs = font.readUInt16BE(sub + 6) / 2;
      const ends = sub + 14;
      const starts = ends + segs * 2 + 2;
      const deltas = starts + segs * 2;
      const rangeOffsets = deltas + segs * 2;
      for (let s = 0; s < segs; s++) {
        const start = font.readUInt16BE(starts + s * 2);
        const end = font.readUInt16BE(ends + s * 2);
        const delta = font.readInt16BE(deltas + s * 2);
        const rangeOffset = font.readUInt16BE(rangeOffsets + s * 2);
        for (let c = start; c <= end && c !== 0xffff; c++) {
          let glyph = rangeOffset === 0 ? c : font.readUInt16BE(rangeOffsets + s * 2 + rangeOffset + (c - start) * 2);
          if (rangeOffset !== 0 && glyph === 0) continue;
          glyph = (glyph + delta) & 0xffff;
          if (glyph !== 0) out.add(c);
        }
      }
    } else if (format === 12) {
      for (let g = 0, groups = font.readUInt32BE(sub + 12); g < groups; g++) {
        const at = sub + 16 + g * 12;
        const [start, end, glyph] = [font.readUInt32BE(at), font.readUInt32BE(at + 4), font.readUInt32BE(at + 8)];
        for (let c = start; c <= end; c++) if (glyph + (c - start) !== 0) out.add(c);
      }
    }
  }
  return out;
}

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

suite('packaging: the codicon subset (scripts/codicon-subset.mjs)', () => {
  const listed = (): string[] => JSON.parse(readFileSync(join(ROOT, 'scripts', 'codicons.json'), 'utf8')) as string[];

  test('every codicon the webviews name is in scripts/codicons.json', () => {
    const used = new Set<string>();
    const files = [...sources(join(ROOT, 'src', 'webview')), join(ROOT, 'media', 'panel.html'), join(ROOT, 'src', 'host', 'panel', 'panelHtml.ts'), join(ROOT, 'src', 'host', 'readAlong', 'playerView.ts')];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // iconButton('play', …) and badge('shield', …) in lists.ts; a literal class anywhere else.
      for (const m of text.matchAll(/\b(?:iconButton|badge)\(\s*'([\w-]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/\bcodicon-([a-z][\w-]*)/g)) if (!m[1].startsWith('modifier')) used.add(m[1]);
    }
    assert.ok(used.has('play') && used.has('trash') && used.size >= 8, `found ${[...used].join(', ')}`);
    const missing = [...used].filter((name) => !listed().includes(name));
    assert.deepEqual(missing, [], 'icons the webview shows that the font subset lacks (add them to scripts/codicons.json)');
  });

  test('the built stylesheet has a rule for each listed icon and no other, and its font maps exactly their code points', async function () {
    this.timeout(30_000);
    const esbuild = await import('esbuild');
    const { codiconSubsetPlugin, codepoints } = await import('../../../scripts/codicon-subset.mjs');
    const result = await esbuild.build({
      stdin: { contents: "import '@vscode/codicons/dist/codicon.css';", resolveDir: ROOT, loader: 'js' },
      bundle: true,
      write: false,
      outdir: join(ROOT, 'out', 'codicon-check'),
      loader: { '.ttf': 'file' },
      assetNames: '[name]',
      logLevel: 'silent',
      plugins: [codiconSubsetPlugin()],
    });
    const css = result.outputFiles.find((f) => f.path.endsWith('.css'))!.text;
    const font = Buffer.from(result.outputFiles.find((f) => f.path.endsWith('.ttf'))!.contents);
    const rules = [...css.matchAll(/\.codicon-([\w-]+):before/g)].map((m) => m[1]).sort();
    assert.deepEqual(rules, [...listed()].sort());
    const original = readFileSync(join(ROOT, 'node_modules', '@vscode', 'codicons', 'dist', 'codicon.css'), 'utf8');
    const wanted = [...codepoints(original).values()].sort((a, b) => a - b);
    assert.deepEqual([...mappedCodePoints(font)].sort((a, b) => a - b), wanted);
    assert.ok(font.length < 10_000, `the subset font is ${font.length} bytes`);
    assert.match(css, /url\("?\.\/codicon\.ttf/);
  });

  test('a name that is not a codicon fails the build instead of showing nothing', async () => {
    const { codepoints } = await import('../../../scripts/codicon-subset.mjs');
    const original = readFileSync(join(ROOT, 'node_modules', '@vscode', 'codicons', 'dist', 'codicon.css'), 'utf8');
    assert.throws(() => codepoints(original, ['play', 'no-such-icon']), /no-such-icon/);
  });
});

suite('packaging: what else the .vsix leaves out', () => {
  test('the font and the translations are let in by their exact names (a stale font or the English bundle stays out)', () => {
    const ok = allowed();
    assert.ok(ok.has('dist/codicon.ttf') && !ok.has('dist/*.ttf'), 'the font by name: dist/ may still hold an older hashed one');
    // VS Code reads l10n/bundle.l10n.<language>.json, and none for English (the strings in the code are English).
    assert.ok(ok.has('l10n/bundle.l10n.*.json') && !ok.has('l10n/*.json'));
  });
});

suite('packaging: the brotli-packed bundles (scripts/packed-bundles.mjs)', () => {
  test('each packed bundle and LAME’s packed WebAssembly is let in by .vscodeignore, beside its loader', async () => {
    const { PACKED_BUNDLES } = await import('../../../scripts/packed-bundles.mjs');
    const bundles = new Set(shippedBundles());
    const ok = allowed();
    assert.ok(PACKED_BUNDLES.includes('features.js') && PACKED_BUNDLES.length >= 4, PACKED_BUNDLES.join(', '));
    for (const name of PACKED_BUNDLES) {
      assert.ok(bundles.has(`dist/${name}`), `${name} is a bundle esbuild.mjs builds`);
      assert.ok(ok.has(`dist/${name}`) && ok.has(`dist/${name}.br`), `dist/${name} and dist/${name}.br let in`);
    }
    const { PACKED_WASM } = await import('../../../scripts/packed-bundles.mjs');
    assert.deepEqual(
      PACKED_WASM.filter((name: string) => !ok.has(`dist/${name}.br`)),
      [],
      'packed WebAssembly left out of the package',
    );
    assert.ok(PACKED_WASM.includes('mp3.wasm'));
  });

  test('a packed bundle loads as the plain one: its exports, its own require and __dirname, its module', async () => {
    const { packBundle, LOADER } = await import('../../../scripts/packed-bundles.mjs');
    const dir = mkdtempSync(join(tmpdir(), 'gvc-packed-'));
    try {
      writeFileSync(join(dir, 'sibling.js'), 'module.exports = 41;');
      const file = join(dir, 'chunk.js');
      writeFileSync(file, "exports.answer = require('./sibling.js') + 1; exports.dir = __dirname; exports.same = module === require.cache[__filename]; exports.text = 'café ▶';");
      packBundle(file);
      assert.equal(readFileSync(file, 'utf8'), LOADER);
      assert.ok(readFileSync(`${file}.br`).length > 0);
      const loaded = require(file) as { answer: number; dir: string; same: boolean; text: string };
      assert.deepEqual({ ...loaded }, { answer: 42, dir, same: true, text: 'café ▶' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
