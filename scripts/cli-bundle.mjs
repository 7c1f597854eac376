// The build of the command-line tool, dist/cli.js: one self-contained CommonJS file for Node 20+, every package
// bundled in (no lazy chunks: a CLI run pays its start once), no vscode. Shared by esbuild.mjs and the CLI's tests.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

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
    // The MP3 encoder's "require" build only sets a script global, and music-metadata ships ES modules only: both are
    // taken from their ES module builds, as their own bundles in esbuild.mjs are.
    conditions: ['import'],
    mainFields: ['module', 'main'],
    // ES module code bundled into CommonJS: import.meta.url becomes the bundle's own file URL.
    inject: [join(REPO_ROOT, 'scripts', 'cli-import-meta.js')],
    define: { CLI_VERSION: JSON.stringify(version), 'import.meta.url': 'import_meta_url' },
  };
}
