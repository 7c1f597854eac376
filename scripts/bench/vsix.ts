// `npm run bench:vsix`: the .vsix that `npm run package` made, file by file (packed and unpacked), and its size
// against the target. A figure, not a test: run it after `npm run package` (the production build).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { assertProductionPackage, zipSizes } from './sizes';
import { kb } from './report';

/** The .vsix, in bytes (KB of 1000 bytes, as `kb` prints them). */
export const VSIX_TARGET_BYTES = 400_000;

function main(): number {
  const vsix = join(__dirname, '..', '..', 'dist-vsix', 'glm-voice-clone.vsix');
  assertProductionPackage(vsix);
  const entries = Object.entries(zipSizes(vsix)).sort((a, b) => b[1].compressedSize - a[1].compressedSize);
  for (const [name, e] of entries) process.stdout.write(`${kb(e.compressedSize).padStart(9)} packed ${kb(e.size).padStart(9)} unpacked  ${name}\n`);
  const bytes = statSync(vsix).size;
  const meets = bytes <= VSIX_TARGET_BYTES;
  process.stdout.write(`.vsix size: ${kb(bytes)} (${bytes} bytes, ${entries.length} files), target ≤ ${kb(VSIX_TARGET_BYTES)}: ${meets ? 'met' : 'NOT met'}\n`);
  return meets ? 0 : 1;
}

if (require.main === module) process.exitCode = main();
