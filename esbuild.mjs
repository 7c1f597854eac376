// Builds the extension host bundle, its lazily loaded chunks, the webview bundle and (with --tests) the
// in-editor test suite. Usage: node esbuild.mjs [--production] [--watch] [--tests]
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

// Chunks the host requires on first use, by these relative paths, so activation never parses them.
const lazyChunks = ['./features.js', './novita-http.js', './audio-meta.js', './narration.js', './library.js'];

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', ...lazyChunks] };

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  { ...node, entryPoints: { extension: 'src/host/shell/extension.ts' }, outdir: 'dist' },
  // Commands, panel, library and services: required on the first command, view or restored panel.
  { ...node, entryPoints: { features: 'src/host/shell/features.ts' }, outdir: 'dist' },
  // undici and the Novita client: required on the first request only.
  { ...node, entryPoints: { 'novita-http': 'src/core/novita/index.ts' }, outdir: 'dist' },
  // Splitting, Markdown stripping and WAV joining: required on the first Speak command only.
  { ...node, entryPoints: { narration: 'src/core/narration/index.ts' }, outdir: 'dist' },
  // The voice registry: required when the library is first opened.
  { ...node, entryPoints: { library: 'src/core/library/voiceRegistry.ts' }, outdir: 'dist' },
  // music-metadata (sample preflight): required on the first sample check only.
  { ...node, entryPoints: { 'audio-meta': 'src/core/audio/probe.ts' }, outdir: 'dist', mainFields: ['module', 'main'] },
  {
    ...common, platform: 'browser', format: 'iife', target: 'es2022',
    entryPoints: { webview: 'src/webview/main.ts' }, outdir: 'dist',
    loader: { '.ttf': 'file' },
  },
];

if (tests) {
  const suiteDir = 'test/suite';
  const entries = readdirSync(suiteDir).filter((f) => f.endsWith('.ts')).map((f) => join(suiteDir, f));
  builds.push({
    ...common, minify: false, platform: 'node', format: 'cjs', target: 'node20',
    entryPoints: entries, outdir: 'out/test/suite', external: ['vscode', 'mocha'],
  });
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[esbuild] watching…');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`[esbuild] built ${builds.length} bundles${production ? ' (production)' : ''} in ${Date.now() - started} ms`);
}
