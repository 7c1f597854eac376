// How the extension's dist/undici.js is built (esbuild.mjs), shared with test/unit/project/undiciBundle.test.ts: the part
// of undici the core uses (scripts/undici-extension.cjs), not the package's whole index (fetch, WebSocket, caches,
// mocks, interceptors), with two more cuts that the core never reaches:
// - one HTTP parser: undici carries llhttp (WebAssembly) twice, built with SIMD and without (70 KB each), and uses
//   the SIMD one where it compiles; the bundle takes the one without SIMD for both (it runs everywhere, and the
//   parser's speed does not matter at a few requests a second);
// - the parser's WebAssembly as a file beside the bundle (dist/llhttp.wasm, brotli-packed in the .vsix like LAME's:
//   scripts/packed-bundles.mjs), not as the package's 72 KB of base64 in the JavaScript: 20 KB brotli-packed in the
//   bundle, 15 KB as bytes. It is read when undici first needs a parser, as the package decodes its base64 then;
// - no FormData request bodies: undici requires its fetch body code (web/fetch/body.js, with WebIDL, multipart and
//   MIME parsing, ~40 KB) only to send a FormData body, and the core sends strings and bytes. A FormData body fails
//   its request with an error that says so.
// The CLI and the tests load the package itself.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const NO_FORM_DATA = 'The extension\u2019s undici bundle (dist/undici.js) does not send FormData bodies (scripts/undici-bundle.mjs).';

/** @type {import('esbuild').Plugin} */
export const undiciCuts = {
  name: 'undici-cuts',
  setup(build) {
    build.onResolve({ filter: /llhttp(_simd)?-wasm\.js$/ }, () => ({ path: LLHTTP_WASM, namespace: 'undici-llhttp-file' }));
    build.onLoad({ filter: /.*/, namespace: 'undici-llhttp-file' }, () => ({
      // As the package's module: the bytes as `module.exports`, made on first use. `__dirname`: the bundle's folder.
      contents: `const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
let bytes;
function read() {
  const file = join(__dirname, ${JSON.stringify(LLHTTP_WASM)});
  return existsSync(file + '.br') ? require('node:zlib').brotliDecompressSync(readFileSync(file + '.br')) : readFileSync(file);
}
Object.defineProperty(module, 'exports', { get: () => (bytes ??= read()) });`,
      loader: 'js',
    }));
    build.onResolve({ filter: /[\\/]web[\\/]fetch[\\/]body\.js$/ }, (args) => ({ path: join(args.resolveDir, args.path), namespace: 'undici-no-form-data' }));
    build.onLoad({ filter: /.*/, namespace: 'undici-no-form-data' }, () => ({
      // A body stream that fails at once: undici then fails the request with its error, as for any failing body.
      contents: `const { Readable } = require('node:stream');
exports.extractBody = () => [{ stream: new Readable({ read() { this.destroy(new Error(${JSON.stringify(NO_FORM_DATA)})); } }), length: null }, 'multipart/form-data'];`,
      loader: 'js',
    }));
  },
};

/** The parser's WebAssembly, beside the bundle. */
export const LLHTTP_WASM = 'llhttp.wasm';

/** Writes undici's HTTP parser (its build without SIMD) into `dir` as LLHTTP_WASM, where the bundle reads it. */
export function writeLlhttpWasm(dir) {
  const require = createRequire(import.meta.url);
  writeFileSync(join(dir, LLHTTP_WASM), require(join(dirname(require.resolve('undici')), 'lib', 'llhttp', 'llhttp-wasm.js')));
}

/** The entry, relative to the repository (esbuild.mjs builds it as `entryPoints: { undici: UNDICI_ENTRY }`). */
export const UNDICI_ENTRY = 'scripts/undici-extension.cjs';
