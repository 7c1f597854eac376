// WAV headers: the one Novita's raw PCM needs, and reading any WAV's format and data.
import { CoreError } from '../errors';
import { sniffAudio } from './sniff';

/** Novita's `pcm`: 16-bit little-endian mono at 24 000 Hz. */
export const NOVITA_PCM = { sampleRate: 24000, channels: 1, bitsPerSample: 16 } as const;

export interface PcmFormat {
  sampleRate?: number;
  channels?: number;
  bitsPerSample?: number;
}

export interface WavInfo {
  /** 1 = integer PCM, 3 = float, 0xFFFE = extensible. */
  audioFormat: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Offset of the first sample byte. */
  dataOffset: number;
  /** Bytes of sample data present: the declared size, capped at what follows dataOffset (streaming writers declare placeholders). */
  dataBytes: number;
}

/** A canonical 44-byte RIFF/WAVE header for `dataBytes` of integer PCM. */
export function wavHeader(dataBytes: number, format: PcmFormat = {}): Buffer {
  const sampleRate = format.sampleRate ?? NOVITA_PCM.sampleRate;
  const channels = format.channels ?? NOVITA_PCM.channels;
  const bitsPerSample = format.bitsPerSample ?? NOVITA_PCM.bitsPerSample;
  const blockAlign = channels * (bitsPerSample / 8);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bitsPerSample, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

/** Raw PCM (Novita's default `pcm` answer) wrapped so a webview can play it. */
export function pcmToWav(pcm: Uint8Array, format: PcmFormat = {}): Buffer {
  return Buffer.concat([wavHeader(pcm.length, format), pcm]);
}

/**
 * Reads a WAV header by walking its chunks (LIST, fact, JUNK… may precede `data`).
 * Throws when the bytes are not a WAV or its `fmt `/`data` chunks are missing.
 */
export function parseWavHeader(buf: Uint8Array): WavInfo {
  const info = tryParseWavHeader(buf);
  if (!info) throw new CoreError({ kind: 'notAudio', found: 'unknown', format: 'wav' });
  return info;
}

/** `parseWavHeader`, but undefined instead of an error for bytes that are not a readable WAV. */
export function tryParseWavHeader(buf: Uint8Array): WavInfo | undefined {
  if (sniffAudio(buf) !== 'wav') return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes'> | undefined;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = String.fromCharCode(buf[at], buf[at + 1], buf[at + 2], buf[at + 3]);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (body + 16 > buf.length) return undefined;
      fmt = {
        audioFormat: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) return undefined;
      const available = Math.max(0, buf.length - body);
      // Streaming writers (espeak-ng, ffmpeg to a pipe) declare 0, 0x7FFFF000 or 0xFFFFFFFF before they know the length.
      const dataBytes = size === 0 ? available : Math.min(size, available);
      return { ...fmt, dataOffset: body, dataBytes };
    }
    at = body + size + (size & 1); // chunks are word-aligned
  }
  return undefined;
}

/** Seconds of audio in `dataBytes` of PCM described by `info`. */
export function wavDurationSec(info: Pick<WavInfo, 'sampleRate' | 'channels' | 'bitsPerSample' | 'dataBytes'>): number {
  const bytesPerSecond = info.sampleRate * info.channels * (info.bitsPerSample / 8);
  return bytesPerSecond > 0 ? info.dataBytes / bytesPerSecond : 0;
}
