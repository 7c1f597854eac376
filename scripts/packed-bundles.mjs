// The .vsix is a zip (deflate); brotli packs the large bundles the host requires on first use 12-17 % smaller. So the
// production build (esbuild.mjs --production) writes each of them as `dist/<name>.js.br` and leaves at
// `dist/<name>.js` a one-line loader that unpacks and compiles it in the module the host required (same file name,
// same `require` and `__dirname`), about a millisecond for the largest. The activation bundle and the small chunks
// stay plain; a development build writes every bundle plain, with its source map.
// LAME's and undici's WebAssembly ship the same way (dist/mp3.wasm.br, unpacked by src/core/audio/mp3Wasm.ts;
// dist/llhttp.wasm.br, by dist/undici.js: scripts/undici-bundle.mjs).
import { brotliCompressSync, constants } from 'node:zlib';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The WebAssembly in dist/ shipped brotli-packed (a production build only), unpacked by the code that reads it. */
export const PACKED_WASM = ['mp3.wasm', 'llhttp.wasm'];

/** The bundles in dist/ shipped brotli-packed (a production build only). */
export const PACKED_BUNDLES = ['features.js', 'undici.js', 'music-metadata.js', 'markdown-it.js'];

/** The loader left in place of a packed bundle: the module the host required compiles the unpacked code itself. */
export const LOADER = "module._compile(require('zlib').brotliDecompressSync(require('fs').readFileSync(__filename+'.br')).toString(),__filename);\n";

/** The bytes, brotli-packed at the highest quality. */
export function brotli(bytes) {
  return brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
}

/** Packs the bundle at `file` into `file.br` and puts the loader in its place. */
export function packBundle(file) {
  writeFileSync(`${file}.br`, brotli(readFileSync(file)));
  writeFileSync(file, LOADER);
}

/** A development build: no packed copy left beside the plain bundle (the package would carry both). */
export function unpackedBuild(file) {
  rmSync(`${file}.br`, { force: true });
}
