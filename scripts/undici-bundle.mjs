// How the extension's dist/undici.js is built (esbuild.mjs), shared with test/unit/project/undiciBundle.test.ts: the part
// of undici the core uses (scripts/undici-extension.cjs), not the package's whole index (fetch, WebSocket, caches,
// mocks, interceptors), with two more cuts that the core never reaches:
// - one HTTP parser: undici carries llhttp (WebAssembly) twice, built with SIMD and without (70 KB each), and uses
//   the SIMD one where it compiles; the bundle takes the one without SIMD for both (it runs everywhere, and the
//   parser's speed does not matter at a few requests a second);
// - no FormData request bodies: undici requires its fetch body code (web/fetch/body.js, with WebIDL, multipart and
//   MIME parsing, ~40 KB) only to send a FormData body, and the core sends strings and bytes. A FormData body fails
//   its request with an error that says so.
// The CLI and the tests load the package itself.
import { join } from 'node:path';

export const NO_FORM_DATA = 'The extension\u2019s undici bundle (dist/undici.js) does not send FormData bodies (scripts/undici-bundle.mjs).';

/** @type {import('esbuild').Plugin} */
export const undiciCuts = {
  name: 'undici-cuts',
  setup(build) {
    build.onResolve({ filter: /llhttp_simd-wasm\.js$/ }, (args) => ({ path: join(args.resolveDir, args.path.replace('llhttp_simd-wasm.js', 'llhttp-wasm.js')) }));
    build.onResolve({ filter: /[\\/]web[\\/]fetch[\\/]body\.js$/ }, (args) => ({ path: join(args.resolveDir, args.path), namespace: 'undici-no-form-data' }));
    build.onLoad({ filter: /.*/, namespace: 'undici-no-form-data' }, () => ({
      // A body stream that fails at once: undici then fails the request with its error, as for any failing body.
      contents: `const { Readable } = require('node:stream');
exports.extractBody = () => [{ stream: new Readable({ read() { this.destroy(new Error(${JSON.stringify(NO_FORM_DATA)})); } }), length: null }, 'multipart/form-data'];`,
      loader: 'js',
    }));
  },
};

/** The entry, relative to the repository (esbuild.mjs builds it as `entryPoints: { undici: UNDICI_ENTRY }`). */
export const UNDICI_ENTRY = 'scripts/undici-extension.cjs';
