// Audio formats by their magic bytes, without dependencies.

export type AudioFormat = 'wav' | 'mp3' | 'ogg' | 'flac' | 'aac' | 'm4a';

/** Formats a VS Code desktop webview can play (see novita-api.md): keep previews to these. */
export const WEBVIEW_PLAYABLE: readonly AudioFormat[] = ['wav', 'mp3', 'ogg', 'flac'];

/** At least this many leading bytes are needed for `sniffAudio` to recognise every format. */
export const SNIFF_BYTES = 12;

function ascii(bytes: Uint8Array, at: number, text: string): boolean {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The container/codec the leading bytes announce, or undefined when they are not audio this extension knows. */
export function sniffAudio(bytes: Uint8Array): AudioFormat | undefined {
  if ((ascii(bytes, 0, 'RIFF') || ascii(bytes, 0, 'RF64')) && ascii(bytes, 8, 'WAVE')) return 'wav';
  if (ascii(bytes, 0, 'OggS')) return 'ogg';
  if (ascii(bytes, 0, 'fLaC')) return 'flac';
  if (ascii(bytes, 0, 'ID3')) return 'mp3';
  if (ascii(bytes, 4, 'ftyp')) return 'm4a';
  if (bytes.length >= 3 && bytes[0] === 0xff) {
    const b1 = bytes[1];
    // ADTS: 12-bit sync, layer bits always 00.
    if ((b1 & 0xf6) === 0xf0) return 'aac';
    // MPEG audio frame: 11-bit sync, version != reserved, layer != reserved, sane bitrate and rate indexes.
    const version = (b1 >> 3) & 0x3;
    const layer = (b1 >> 1) & 0x3;
    const bitrate = bytes[2] >> 4;
    const rate = (bytes[2] >> 2) & 0x3;
    if ((b1 & 0xe0) === 0xe0 && version !== 1 && layer !== 0 && bitrate !== 0xf && rate !== 0x3) return 'mp3';
  }
  return undefined;
}

/** True when the bytes look like a web page (an error page or a login wall instead of the audio). */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 512)).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head') || head.startsWith('<body') || head.startsWith('<?xml');
}
