// The build of the command-line tool, dist/cli.js: one self-contained CommonJS file for Node 20+, every package
// bundled in (no lazy chunks: a CLI run pays its start once), no vscode. Shared by esbuild.mjs and the CLI's tests.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * LAME's WebAssembly inlined: src/core/audio/mp3Wasm.ts (which reads mp3.wasm beside the bundle) is replaced by a
 * module that holds the bytes, so dist/cli.js needs no file beside it (~180 KB more, in the CLI only: in the worker's
 * code below, which is the only part of the CLI that encodes).
 * @type {import('esbuild').Plugin}
 */
const inlineMp3Wasm = {
  name: 'inline-mp3-wasm',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]core[\\/]audio[\\/]mp3Wasm\.ts$/ }, (args) => ({
      contents: [
        "import wasm from 'wasm-media-encoders/wasm/mp3';",
        "export const MP3_WASM_FILE = 'mp3.wasm';",
        'export async function mp3WasmBytes(): Promise<Uint8Array> { return wasm; }',
      ].join('\n'),
      loader: 'ts',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * `require('mp3-worker-source')` (src/cli/mp3Jobs.ts): the MP3 worker (src/core/audio/mp3WorkerMain.ts, wasm inlined)
 * built to a string, which the CLI starts as a Worker with `eval`: dist/cli.js stays one file, and a worker parses
 * ~200 KB instead of the whole CLI.
 * @param {boolean} production
 * @returns {import('esbuild').Plugin}
 */
function mp3WorkerSource(production) {
  return {
    name: 'mp3-worker-source',
    setup(build) {
      build.onResolve({ filter: /^mp3-worker-source$/ }, () => ({ path: 'mp3-worker-source', namespace: 'mp3-worker-source' }));
      build.onLoad({ filter: /.*/, namespace: 'mp3-worker-source' }, async () => {
        const worker = await build.esbuild.build({
          absWorkingDir: REPO_ROOT,
          entryPoints: [join(REPO_ROOT, 'src', 'core', 'audio', 'mp3WorkerMain.ts')],
          bundle: true,
          write: false,
          minify: production,
          legalComments: 'none',
          platform: 'node',
          format: 'cjs',
          target: 'node20',
          conditions: ['import'],
          plugins: [inlineMp3Wasm],
          loader: { '.wasm': 'binary' },
        });
        return { contents: worker.outputFiles[0].text, loader: 'text', watchFiles: [join(REPO_ROOT, 'src', 'core', 'audio')] };
      });
    },
  };
}

/** @param {{ production?: boolean, outfile?: string }} [opts] @returns {import('esbuild').BuildOptions} */
export function cliBuildOptions(opts = {}) {
  const production = opts.production ?? false;
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(REPO_ROOT, 'src', 'cli', 'main.ts')],
    outfile: opts.outfile ?? join(REPO_ROOT, 'dist', 'cli.js'),
    bundle: true,
    minify: production,
    sourcemap: production ? false : 'linked',
    sourcesContent: false,
    logLevel: 'warning',
    legalComments: 'none',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [inlineMp3Wasm, mp3WorkerSource(production)],
    loader: { '.wasm': 'binary' },
    // music-metadata ships ES modules only, and the MP3 encoder's ES module build lets esbuild drop the wasm binaries
    // it inlines for its own convenience (the CLI inlines LAME's itself, once): taken from their ES module builds.
    conditions: ['import'],
    mainFields: ['module', 'main'],
    // ES module code bundled into CommonJS: import.meta.url becomes the bundle's own file URL.
    inject: [join(REPO_ROOT, 'scripts', 'cli-import-meta.js')],
    define: { CLI_VERSION: JSON.stringify(version), 'import.meta.url': 'import_meta_url' },
  };
}
