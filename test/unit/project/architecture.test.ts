// ARCHITECTURE.md describes the layout: every folder under src/ (two levels down: src/core, src/core/cache, …) and
// every bundle esbuild.mjs builds (dist/<name>.js) is named there. A folder or a bundle added without a word in it
// fails here, so the map cannot drift from the territory.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMATS } from '../../../src/core/export/formats';

const ROOT = join(__dirname, '..', '..', '..');

/** `src/a` and `src/a/b` for every folder under `srcDir`, two levels down. */
function srcFolders(srcDir: string): string[] {
  const dirs = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  return dirs(srcDir).flatMap((a) => [`src/${a}`, ...dirs(join(srcDir, a)).map((b) => `src/${a}/${b}`)]);
}

/**
 * The dist/<name>.js bundles esbuild.mjs builds: its entryPoints keys, the format table's workers when it builds one
 * bundle per row that has one, and dist/cli.js when it builds the CLI.
 */
function bundles(esbuildSource: string, cliBundleSource: string): string[] {
  const names = [...esbuildSource.matchAll(/entryPoints:\s*\{\s*'?([\w-]+)'?\s*:/g)].map((m) => m[1]);
  if (/formatWorkers\(\)/.test(esbuildSource)) for (const f of Object.values(FORMATS)) if ('worker' in f && f.worker) names.push(f.worker.bundle);
  if (/cliBuildOptions\(/.test(esbuildSource)) {
    const cli = /join\(REPO_ROOT, 'dist', '([\w-]+)\.js'\)/.exec(cliBundleSource);
    assert.ok(cli, 'the CLI bundle\'s file name in scripts/cli-bundle.mjs');
    names.push(cli[1]);
  }
  return names;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A folder is named by its path from src/ (`src/core/cache`, a trailing slash allowed), not by a deeper path. */
const namesFolder = (doc: string, folder: string) => new RegExp(`${escape(folder)}(?![\\w.-]|/[\\w])`).test(doc);

/** A bundle is named by its file name (`reader.js`, `dist/reader.js`), not as part of another (`mp3-worker.js`). */
const namesBundle = (doc: string, name: string) => new RegExp(`(?<![\\w-])${escape(name)}\\.js\\b`).test(doc);

/** What `doc` leaves undescribed of the tree at `root` (folders under src/, bundles of its esbuild.mjs). */
function undescribed(root: string, doc: string, esbuildSource: string, cliBundleSource: string): string[] {
  return [
    ...srcFolders(join(root, 'src')).filter((f) => !namesFolder(doc, f)),
    ...bundles(esbuildSource, cliBundleSource).filter((b) => !namesBundle(doc, b)).map((b) => `dist/${b}.js`),
  ];
}

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

suite('ARCHITECTURE.md names every folder and every bundle', () => {
  const doc = read('ARCHITECTURE.md');
  const esbuild = read('esbuild.mjs');
  const cliBundle = read('scripts/cli-bundle.mjs');

  test('the bundles are read from esbuild.mjs, the lazy ones and the CLI included', () => {
    const found = bundles(esbuild, cliBundle);
    for (const b of ['extension', 'shell', 'features', 'webview', 'reader', 'undici', 'mp3-worker', 'cli']) assert.ok(found.includes(b), `${b} in ${found.join(', ')}`);
  });

  test('every folder under src/ (two levels) and every dist/*.js bundle is named in ARCHITECTURE.md', () => {
    assert.deepEqual(undescribed(ROOT, doc, esbuild, cliBundle), [], 'describe these in ARCHITECTURE.md (the folder table, or the Bundles section)');
  });

  test('an undescribed folder or bundle is found, and a folder counts as named only by its own path', () => {
    const root = mkdtempSync(join(tmpdir(), 'glm-architecture-'));
    try {
      for (const f of ['src/core/cache', 'src/core/plantedFolder', 'src/host/shell/deeper']) mkdirSync(join(root, 'src', ...f.split('/').slice(1)), { recursive: true });
      const esbuildPlanted = "{ entryPoints: { extension: 'a' } }, { entryPoints: { 'planted-bundle': 'b' } }";
      // src/host only by a deeper path; the third level (src/host/shell/deeper) is not checked
      const thinDoc = '`src/core/` holds `src/core/cache`; `src/host/shell` is built into `dist/extension.js`.';
      assert.deepEqual(undescribed(root, thinDoc, esbuildPlanted, ''), ['src/core/plantedFolder', 'src/host', 'dist/planted-bundle.js']);
      assert.deepEqual(undescribed(root, `${thinDoc} \`src/host\`, \`src/core/plantedFolder\`, \`planted-bundle.js\``, esbuildPlanted, ''), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
