// The EBU R128 meter's WebAssembly (88 KB): beside this code first (the extension's bundles: esbuild.mjs copies
// node_modules/ebur128-wasm/ebur128_wasm_bg.wasm into dist/, brotli-packed as `.wasm.br` in a production build for the
// .vsix, scripts/packed-bundles.mjs), else in node_modules (tests, the CLI run from source). The CLI's one-file bundle
// replaces this module by one holding the bytes (scripts/cli-bundle.mjs), so dist/cli.js needs nothing beside it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';

export const EBUR128_WASM_FILE = 'ebur128_wasm_bg.wasm';

export function ebur128WasmBytes(): Uint8Array {
  const beside = join(__dirname, EBUR128_WASM_FILE);
  if (existsSync(`${beside}.br`)) return brotliDecompressSync(readFileSync(`${beside}.br`));
  if (existsSync(beside)) return readFileSync(beside);
  return readFileSync(require.resolve(`ebur128-wasm/${EBUR128_WASM_FILE}`));
}
