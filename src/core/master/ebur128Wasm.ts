// The EBU R128 meter's WebAssembly (88 KB): beside this code first (the extension's bundles: esbuild.mjs copies
// node_modules/ebur128-wasm/ebur128_wasm_bg.wasm into dist/, and .vscodeignore ships it), else in node_modules
// (tests, the CLI run from source). The CLI's one-file bundle replaces this module by one holding the bytes
// (scripts/cli-bundle.mjs), so dist/cli.js needs nothing beside it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EBUR128_WASM_FILE = 'ebur128_wasm_bg.wasm';

export function ebur128WasmBytes(): Uint8Array {
  try {
    return readFileSync(join(__dirname, EBUR128_WASM_FILE));
  } catch {
    return readFileSync(require.resolve(`ebur128-wasm/${EBUR128_WASM_FILE}`));
  }
}
