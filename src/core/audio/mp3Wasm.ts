// Where LAME's WebAssembly (wasm-media-encoders' mp3.wasm, ~130 KB) comes from: `mp3.wasm.br` beside the bundle that
// runs this code (a production build packs it with brotli for the .vsix, scripts/packed-bundles.mjs), or `mp3.wasm`
// there (a development build copies it), else the package's own file (tests, running from source). The CLI's
// single-file bundle replaces this module with one that has the bytes inlined (scripts/cli-bundle.mjs), so
// dist/cli.js needs nothing beside it.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliDecompress } from 'node:zlib';

export const MP3_WASM_FILE = 'mp3.wasm';

/** The wasm's bytes. Rejects (a Node error) when neither file is there. */
export async function mp3WasmBytes(): Promise<Uint8Array> {
  const beside = join(__dirname, MP3_WASM_FILE);
  if (existsSync(`${beside}.br`)) return promisify(brotliDecompress)(await readFile(`${beside}.br`));
  if (existsSync(beside)) return readFile(beside);
  const pkg = 'wasm-media-encoders/wasm/mp3'; // a variable: bundlers leave this require alone (the copy above is theirs)
  return readFile(require.resolve(pkg));
}
