// Byte sizes of what ships, read from the .vsix that `npm run package` made (production build): the eager host
// bundle, the lazy chunks, the webview's assets, the package itself. dist/ may hold stale files of other builds
// (source maps, old chunks); the package's own listing cannot.
import { readFileSync, statSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export const EAGER_BUNDLE = 'extension/dist/extension.js';
const WEBVIEW_SCRIPT = 'extension/dist/webview.js';

/** Every other script under dist/ is one of the host's lazily required chunks; the rest is the webview's. */
function isHostChunk(name: string): boolean {
  return /^extension\/dist\/[^/]+\.js(\.br)?$/.test(name) && name !== EAGER_BUNDLE && name !== WEBVIEW_SCRIPT;
}

export interface Sizes {
  /** dist/extension.js: all of the extension that loads at activation. */
  eagerHostBytes: number;
  lazyChunkBytes: Record<string, number>;
  /** dist/webview.js */
  webviewScriptBytes: number;
  /** Everything else the package ships under dist/: the webview's script, stylesheet and fonts. */
  webviewAssetsBytes: number;
  webviewAssets: Record<string, number>;
  vsixBytes: number;
  /** Every file in the package, uncompressed. */
  files: Record<string, number>;
}

interface ZipEntry {
  size: number;
  compressedSize: number;
  method: number;
  localHeader: number;
}

function centralDirectory(zip: Buffer, file: string): Map<string, ZipEntry> {
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: broken central directory`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    out.set(name, { method: zip.readUInt16LE(at + 10), compressedSize: zip.readUInt32LE(at + 20), size: zip.readUInt32LE(at + 24), localHeader: zip.readUInt32LE(at + 42) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}

/** Uncompressed size of every entry, from the zip's central directory. */
export function zipListing(file: string): Record<string, number> {
  return Object.fromEntries([...centralDirectory(readFileSync(file), file)].map(([name, e]) => [name, e.size]));
}

/** Every entry's size in the package (compressed) and unpacked, from the zip's central directory. */
export function zipSizes(file: string): Record<string, { size: number; compressedSize: number }> {
  return Object.fromEntries([...centralDirectory(readFileSync(file), file)].map(([name, e]) => [name, { size: e.size, compressedSize: e.compressedSize }]));
}

/** One entry's bytes (stored or deflated). */
export function zipEntry(file: string, name: string): Buffer {
  const zip = readFileSync(file);
  const e = centralDirectory(zip, file).get(name);
  if (!e) throw new Error(`${file} has no ${name}`);
  if (zip.readUInt32LE(e.localHeader) !== 0x04034b50) throw new Error(`${file}: broken local header for ${name}`);
  const data = e.localHeader + 30 + zip.readUInt16LE(e.localHeader + 26) + zip.readUInt16LE(e.localHeader + 28);
  const raw = zip.subarray(data, data + e.compressedSize);
  if (e.method === 0) return Buffer.from(raw);
  if (e.method === 8) return inflateRawSync(raw);
  throw new Error(`${file}: ${name} uses zip method ${e.method}`);
}

/** Throws unless the packaged host bundle is a production one (minified, no source map): dist/ is shared. */
export function assertProductionPackage(vsix: string): void {
  const text = zipEntry(vsix, EAGER_BUNDLE).toString('utf8');
  const lines = text.split('\n').length;
  if (text.includes('sourceMappingURL') || lines > text.length / 200) {
    throw new Error(`${vsix} holds a development build of dist/extension.js (${lines} lines): another build overwrote dist/ meanwhile; run the bench again`);
  }
}

export function measureSizes(vsix: string): Sizes {
  const files = zipListing(vsix);
  const need = (name: string) => {
    const bytes = files[name];
    if (bytes === undefined) throw new Error(`${vsix} has no ${name}`);
    return bytes;
  };
  const inDist = Object.entries(files).filter(([name]) => name.startsWith('extension/dist/') && name !== EAGER_BUNDLE);
  const short = (entries: [string, number][]) => Object.fromEntries(entries.map(([k, v]) => [k.replace('extension/', ''), v]));
  const webviewAssets = Object.fromEntries(inDist.filter(([name]) => !isHostChunk(name)));
  return {
    eagerHostBytes: need(EAGER_BUNDLE),
    lazyChunkBytes: short(inDist.filter(([name]) => isHostChunk(name))),
    webviewScriptBytes: need(WEBVIEW_SCRIPT),
    webviewAssetsBytes: Object.values(webviewAssets).reduce((a, b) => a + b, 0),
    webviewAssets: short(Object.entries(webviewAssets)),
    vsixBytes: statSync(vsix).size,
    files,
  };
}
