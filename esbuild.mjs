// Builds the extension host bundle, its lazily loaded chunks, the webview bundle and (with --tests) the
// in-editor test suite. Usage: node esbuild.mjs [--production] [--watch] [--tests]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cliBuildOptions } from './scripts/cli-bundle.mjs';
import { codiconSubsetPlugin } from './scripts/codicon-subset.mjs';
import { musicMetadataCuts } from './scripts/music-metadata-bundle.mjs';
import { PACKED_BUNDLES, PACKED_WASM, brotli, packBundle, unpackedBuild } from './scripts/packed-bundles.mjs';
import { UNDICI_ENTRY, undiciCuts, writeLlhttpWasm } from './scripts/undici-bundle.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

// The features bundle, the document checks and the shell's second half, required by the activation shell on first
// use or a tick after activation, so activation never parses them.
const lazyChunks = ['./features.js', './documents.js', './shell.js'];

// Large packages the core loads on first use (`require('undici')`, `require('markdown-it')`, `import('music-metadata')`): each is its own
// bundle in dist/, and a require of the package becomes a require of that file, so neither is parsed before a
// request or a sample check needs it. The CLI and the tests load the packages themselves.
const lazyPackages = { undici: './undici.js', 'music-metadata': './music-metadata.js', 'markdown-it': './markdown-it.js', 'fountain-js': './fountain-js.js' };

/** @type {import('esbuild').Plugin} */
const lazyPackagesPlugin = {
  name: 'lazy-packages',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(lazyPackages).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: lazyPackages[args.path], external: true }));
  },
};

// Packages that declare `"sideEffects": false` but ship their ESM build under a folder whose own package.json (only
// `{"type": "module"}`) does not say it again, so esbuild keeps every module they import: entities' HTML encoder
// tables (~24 KB), which markdown-it never calls, went into dist/markdown-it.js.
const sideEffectFree = ['entities'];

/** @type {import('esbuild').Plugin} */
const sideEffectFreePlugin = {
  name: 'side-effect-free',
  setup(build) {
    const inside = new RegExp(`[\\\\/]node_modules[\\\\/](${sideEffectFree.join('|')})[\\\\/]`);
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'side-effect-free' || !(sideEffectFree.includes(args.path) || inside.test(args.resolveDir + '/'))) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'side-effect-free' });
      return resolved.errors.length ? undefined : { path: resolved.path, sideEffects: false };
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

/** The `worker` of every row of the export formats' table, read from the table itself (built in memory and run). */
async function formatWorkers() {
  const built = await esbuild.build({ entryPoints: ['src/core/export/formats.ts'], bundle: true, write: false, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'warning' });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', '__dirname', built.outputFiles[0].text)(module, module.exports, createRequire(import.meta.url), import.meta.dirname);
  return Object.values(module.exports.FORMATS).flatMap((f) => (f.worker ? [f.worker] : []));
}

const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', ...lazyChunks] };
const host = { ...node, plugins: [lazyPackagesPlugin] };

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  { ...host, entryPoints: { extension: 'src/host/shell/extension.ts' }, outdir: 'dist' },
  // Commands, panel, views and the core (flows, Novita client, narration, registry): required on the first
  // command, view or restored panel.
  { ...host, entryPoints: { features: 'src/host/shell/features.ts' }, outdir: 'dist' },
  // The shell's second half (views, panel serializer, status-bar item, lens provider): a tick after activation.
  { ...host, entryPoints: { shell: 'src/host/shell/later.ts' }, outdir: 'dist' },
  // Where the "▶ Read from here" lenses go and whether a document is a script with a cast: on the first Markdown or
  // screenplay document.
  { ...host, entryPoints: { documents: 'src/host/shell/documents.ts' }, outdir: 'dist' },
  // The export formats' encoder workers (the MP3 encoder's: a thread with a small heap, started per MP3 export), one
  // bundle per row of src/core/export/formats.ts that has one. LAME itself is WebAssembly, dist/mp3.wasm (copied
  // below), read by the worker on its first encode.
  ...(await formatWorkers()).map((w) => ({ ...host, entryPoints: { [w.bundle]: w.entry }, outdir: 'dist' })),
  // undici: required on the first request only; the part of it the core uses (scripts/undici-bundle.mjs).
  { ...node, entryPoints: { undici: UNDICI_ENTRY }, outdir: 'dist', plugins: [undiciCuts] },
  // markdown-it (source positions of Markdown read aloud): required on the first narration plan of a Markdown file.
  { ...node, entryPoints: { 'markdown-it': 'markdown-it' }, outdir: 'dist', plugins: [sideEffectFreePlugin] },
  // fountain-js (screenplays read with a cast): required on the first narration plan of a .fountain file.
  { ...node, entryPoints: { 'fountain-js': 'fountain-js' }, outdir: 'dist' },
  // music-metadata (sample preflight): required on the first sample check only; without file-type and debug
  // (scripts/music-metadata-bundle.mjs).
  { ...node, entryPoints: { 'music-metadata': 'music-metadata' }, outdir: 'dist', mainFields: ['module', 'main'], plugins: [musicMetadataCuts] },
  {
    ...common, platform: 'browser', format: 'iife', target: 'es2022',
    entryPoints: { webview: 'src/webview/main.ts' }, outdir: 'dist',
    // The codicons the panel shows, in a font of their own (scripts/codicon-subset.mjs), always dist/codicon.ttf:
    // .vscodeignore lets in that name only, so a font left in dist/ by an older build is not packaged with it.
    loader: { '.ttf': 'file' }, assetNames: '[name]', plugins: [codiconSubsetPlugin()],
  },
  // The read-along player (a webview view of its own): Web Audio playback, no dependency on the panel's script.
  {
    ...common, platform: 'browser', format: 'iife', target: 'es2022',
    entryPoints: { reader: 'src/webview/reader/main.ts' }, outdir: 'dist',
  },
  // The command-line tool (`glm-voice-clone`, package.json "bin"): everything in one file, never in the .vsix.
  cliBuildOptions({ production }),
];

if (tests) {
  const suiteDir = 'test/suite';
  const entries = readdirSync(suiteDir).filter((f) => f.endsWith('.ts')).map((f) => join(suiteDir, f));
  builds.push({
    ...common, minify: false, platform: 'node', format: 'cjs', target: 'node20',
    entryPoints: entries, outdir: 'out/test/suite', external: ['vscode', 'mocha'],
  });
}

// LAME in WebAssembly (wasm-media-encoders), beside the bundles that encode (src/core/audio/mp3Wasm.ts reads it from
// there); the CLI's one-file bundle has it inlined instead.
mkdirSync('dist', { recursive: true });
copyFileSync(createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3'), join('dist', 'mp3.wasm'));
// undici's HTTP parser, read by dist/undici.js beside it (scripts/undici-bundle.mjs).
writeLlhttpWasm('dist');

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[esbuild] watching…');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  // The large lazily required bundles and LAME's WebAssembly, brotli-packed in a production build
  // (scripts/packed-bundles.mjs); plain in a development one.
  for (const name of PACKED_BUNDLES) (production ? packBundle : unpackedBuild)(join('dist', name));
  for (const name of PACKED_WASM) {
    if (production) {
      writeFileSync(join('dist', `${name}.br`), brotli(readFileSync(join('dist', name))));
      rmSync(join('dist', name));
    } else rmSync(join('dist', `${name}.br`), { force: true });
  }
  console.log(`[esbuild] built ${builds.length} bundles${production ? ' (production)' : ''} in ${Date.now() - started} ms`);
}
