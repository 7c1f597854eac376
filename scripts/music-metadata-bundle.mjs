// How the extension's dist/music-metadata.js is built (esbuild.mjs), shared with
// test/unit/project/musicMetadataBundle.test.ts: music-metadata with every parser it has, but without two packages
// the sample probe (src/core/audio/probe.ts) never needs whole:
// - `file-type` (with its zip inflater), which music-metadata asks what a file is when no MIME type is given: it
//   knows hundreds of formats (~45 KB), and music-metadata can parse only the audio containers below. The shim
//   answers, from the same magic bytes, the MIME type that leads music-metadata to the parser file-type's answer
//   would have led it to, and nothing for anything else (music-metadata then says it could not tell, as it does
//   for a format file-type knows and it does not). The cover picture's type, its other use, is never asked
//   (`skipCovers`).
// - `debug` (with supports-color), music-metadata's tracing, off unless DEBUG is set: a no-op.
// The CLI and the unit tests load the package itself.

/** The MIME type music-metadata's ParserFactory maps to the parser for these bytes, or undefined. */
export function audioMimeOf(b) {
  const ascii = (at, text) => b.length >= at + text.length && [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
  const bytesAt = (at, list) => b.length >= at + list.length && list.every((x, i) => b[at + i] === x);
  if (ascii(0, 'ID3')) return 'audio/mpeg';
  if (ascii(0, 'fLaC')) return 'audio/flac';
  if (ascii(0, 'OggS')) return 'audio/ogg';
  if (ascii(0, 'RIFF') && ascii(8, 'WAVE')) return 'audio/wav';
  if (ascii(4, 'ftyp')) return 'audio/mp4';
  if (ascii(0, 'FORM') && (ascii(8, 'AIFF') || ascii(8, 'AIFC'))) return 'audio/aiff';
  if (bytesAt(0, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm';
  if (bytesAt(0, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9])) return 'audio/ms-asf';
  if (ascii(0, 'wvpk')) return 'audio/wavpack';
  if (ascii(0, 'MPCK') || ascii(0, 'MP+')) return 'audio/musepack';
  if (ascii(0, 'DSD ')) return 'audio/dsf';
  if (ascii(0, 'FRM8')) return 'audio/dsd';
  if (ascii(0, 'MAC ')) return 'audio/ape';
  // An MPEG audio frame or an ADTS header, up to 10 bytes in (file-type's `mpegOffsetTolerance` as music-metadata asks).
  for (let at = 0; at <= 10 && at + 2 < b.length; at++) {
    if (b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) continue;
    if ((b[at + 1] & 0xf6) === 0xf0) return 'audio/aac';
    const version = (b[at + 1] >> 3) & 3;
    const layer = (b[at + 1] >> 1) & 3;
    if (version !== 1 && layer !== 0 && b[at + 2] >> 4 !== 0xf && ((b[at + 2] >> 2) & 3) !== 3) return 'audio/mpeg';
  }
  return undefined;
}

/** @type {import('esbuild').Plugin} */
export const musicMetadataCuts = {
  name: 'music-metadata-cuts',
  setup(build) {
    build.onResolve({ filter: /^(file-type|debug)$/ }, (args) => ({ path: args.path, namespace: 'music-metadata-cuts' }));
    build.onLoad({ filter: /^file-type$/, namespace: 'music-metadata-cuts' }, () => ({
      contents: `const audioMimeOf = ${audioMimeOf.toString()};
export async function fileTypeFromBuffer(bytes) { const mime = audioMimeOf(bytes); return mime ? { mime, ext: mime.split('/')[1] } : undefined; }`,
      loader: 'js',
    }));
    build.onLoad({ filter: /^debug$/, namespace: 'music-metadata-cuts' }, () => ({
      contents: 'export default function initDebug() { const debug = () => {}; debug.enabled = false; debug.extend = initDebug; return debug; }',
      loader: 'js',
    }));
  },
};
