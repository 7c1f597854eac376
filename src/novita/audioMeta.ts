// Duration and format of a sample from its bytes (dist/audio-meta.js, its own lazy bundle: music-metadata is large).
import { sniffAudio, type AudioFormat } from './audio';

export interface SampleProbe {
  /** From the magic bytes; music-metadata's container name when they are not recognised. */
  format: AudioFormat | string | undefined;
  durationSec?: number;
  sampleRate?: number;
  channels?: number;
  /** Bits per second. */
  bitrate?: number;
}

/**
 * What the leading bytes (or all) of a sample say about it. Never throws for unreadable audio: the fields it could
 * not determine are left out. `contentType` helps music-metadata when the magic bytes are ambiguous.
 */
export async function probeSampleBytes(bytes: Uint8Array, contentType?: string): Promise<SampleProbe> {
  const sniffed = sniffAudio(bytes);
  const result: SampleProbe = { format: sniffed };
  try {
    // music-metadata 11 is ESM only; a dynamic import keeps this CommonJS module loadable (esbuild inlines it).
    const { parseBuffer } = await import('music-metadata');
    const meta = await parseBuffer(bytes, contentType ? { mimeType: contentType, size: bytes.length } : { size: bytes.length }, {
      duration: true,
      skipCovers: true,
      skipPostHeaders: true,
    });
    const f = meta.format;
    if (result.format === undefined && f.container) result.format = f.container.toLowerCase();
    if (typeof f.duration === 'number' && Number.isFinite(f.duration)) result.durationSec = f.duration;
    if (typeof f.sampleRate === 'number') result.sampleRate = f.sampleRate;
    if (typeof f.numberOfChannels === 'number') result.channels = f.numberOfChannels;
    if (typeof f.bitrate === 'number' && Number.isFinite(f.bitrate)) result.bitrate = Math.round(f.bitrate);
  } catch {
    // unreadable or truncated audio: report what the magic bytes said
  }
  return result;
}
