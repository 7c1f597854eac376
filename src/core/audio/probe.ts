// Duration and format of a sample from its bytes (music-metadata is large: esbuild.mjs gives it its own lazy bundle).
import { tryParseWavHeader } from './wav';
import { sniffAudio, type AudioFormat } from './sniff';

export interface SampleProbe {
  /** From the magic bytes; music-metadata's container name when they are not recognised. */
  format: AudioFormat | string | undefined;
  /** music-metadata's codec name, e.g. "Vorbis I", "Opus", "MPEG 2 Layer 3", "MPEG-4/AAC". */
  codec?: string;
  durationSec?: number;
  /** The duration was worked out from the bitrate and the file size, not read from the file. */
  durationEstimated?: boolean;
  sampleRate?: number;
  channels?: number;
  /** Bits per second. */
  bitrate?: number;
}

/** What is known about the file the bytes were taken from. */
export interface ProbeInfo {
  /** Size of the whole file; when it exceeds the bytes given, they are its first bytes only. */
  size?: number;
  mimeType?: string;
  /** The file's last bytes (a ranged GET), where Ogg keeps its length and many M4A files their `moov` atom. */
  tail?: Uint8Array;
  /** The bytes are the file's beginning even though `size` is unknown (a server that sent no length). */
  partial?: boolean;
}

/**
 * What the leading bytes (or all) of a sample say about it. Never throws for unreadable audio: the fields it could
 * not determine are left out. Given only the first bytes and the file's `size`, it still reads the length of WAV,
 * FLAC and MP3 with a Xing/VBRI header exactly, and estimates CBR MP3 and ADTS AAC from the bitrate; Ogg and M4A
 * need `tail` unless the prefix holds the whole file. The second argument may be just the content type.
 */
export async function probeSampleBytes(bytes: Uint8Array, info?: string | ProbeInfo): Promise<SampleProbe> {
  const { size, mimeType, tail, partial } = typeof info === 'string' ? { mimeType: info } : (info ?? {});
  const whole = size === undefined ? !partial : size <= bytes.length;
  const sniffed = sniffAudio(bytes);
  const result: SampleProbe = { format: sniffed };
  let mmDuration: number | undefined;
  let codecProfile: string | undefined;
  try {
    // music-metadata 11 is ESM only; a dynamic import keeps this CommonJS module loadable (esbuild inlines it).
    const { parseBuffer } = await import('music-metadata');
    // parseBuffer takes the buffer's length as the file size: durations it reports for a prefix are the prefix's.
    const meta = await parseBuffer(bytes, mimeType ? { mimeType, size: bytes.length } : { size: bytes.length }, {
      duration: true,
      skipCovers: true,
      skipPostHeaders: true,
    });
    const f = meta.format;
    if (result.format === undefined && f.container) result.format = f.container.toLowerCase();
    if (f.codec) result.codec = f.codec;
    codecProfile = f.codecProfile;
    if (typeof f.duration === 'number' && Number.isFinite(f.duration) && f.duration > 0) mmDuration = f.duration;
    if (typeof f.sampleRate === 'number') result.sampleRate = f.sampleRate;
    if (typeof f.numberOfChannels === 'number') result.channels = f.numberOfChannels;
    if (typeof f.bitrate === 'number' && Number.isFinite(f.bitrate) && f.bitrate > 0) result.bitrate = Math.round(f.bitrate);
  } catch {
    // unreadable or truncated audio (an M4A prefix without its moov atom): report what the bytes themselves say
  }
  // music-metadata gives up on an Ogg prefix that ends inside the setup header; the first page still names the codec.
  if (sniffed === 'ogg' && result.sampleRate === undefined) Object.assign(result, oggIdentification(bytes));
  const duration = whole
    ? (mmDuration ?? (sniffed === 'wav' ? wavDuration(bytes, bytes.length) : undefined))
    : durationFromPrefix(sniffed, bytes, size, tail, { mmDuration, codecProfile, codec: result.codec, sampleRate: result.sampleRate, bitrate: result.bitrate });
  if (typeof duration === 'number') result.durationSec = duration;
  else if (duration) Object.assign(result, { durationSec: duration.sec, durationEstimated: true });
  if (sniffed === 'wav' && result.sampleRate === undefined) {
    const wav = tryParseWavHeader(bytes);
    if (wav) Object.assign(result, { sampleRate: wav.sampleRate, channels: wav.channels });
  }
  return result;
}

type Duration = number | { sec: number; estimated: true };

interface PrefixMeta {
  mmDuration?: number;
  codecProfile?: string;
  codec?: string;
  sampleRate?: number;
  bitrate?: number;
}

function durationFromPrefix(format: AudioFormat | undefined, bytes: Uint8Array, size: number | undefined, tail: Uint8Array | undefined, m: PrefixMeta): Duration | undefined {
  switch (format) {
    case 'wav':
      return wavDuration(bytes, size);
    case 'flac':
      // STREAMINFO's total sample count: exact from the first bytes (0 means "unknown").
      return m.mmDuration;
    case 'mp3':
      // A Xing/VBRI header (VBR profiles "V0".."V9") counts every frame; without one, only the bitrate says.
      if (m.codecProfile?.startsWith('V') && m.mmDuration) return m.mmDuration;
      return size === undefined ? undefined : estimate(size - id3v2Length(bytes), m.bitrate);
    case 'aac':
      return size === undefined ? undefined : estimate(size - id3v2Length(bytes), m.bitrate);
    case 'ogg':
      return tail ? oggDuration(bytes, tail, m) : undefined;
    case 'm4a':
      // The moov atom, read whole when it comes first (fast start); otherwise it sits at the end.
      return m.mmDuration ?? (tail ? mvhdDuration(tail) : undefined);
    default:
      return undefined;
  }
}

function estimate(audioBytes: number, bitrate: number | undefined): Duration | undefined {
  return bitrate && audioBytes > 0 ? { sec: (audioBytes * 8) / bitrate, estimated: true } : undefined;
}

/** Exact from the header: the declared data size, capped by the file's size (streaming writers declare placeholders). */
function wavDuration(bytes: Uint8Array, size: number | undefined): number | undefined {
  const wav = tryParseWavHeader(bytes);
  if (!wav || ![1, 3, 0xfffe].includes(wav.audioFormat)) return undefined;
  const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(wav.dataOffset - 4, true);
  const placeholder = declared === 0 || declared >= 0x7ffff000;
  if (size === undefined && placeholder) return undefined;
  const present = size === undefined ? declared : Math.max(0, size - wav.dataOffset);
  const dataBytes = placeholder ? present : Math.min(declared, present);
  const perSecond = wav.sampleRate * wav.channels * (wav.bitsPerSample / 8);
  return perSecond > 0 && dataBytes > 0 ? dataBytes / perSecond : undefined;
}

/** Bytes of a leading ID3v2 tag (header, syncsafe size, optional footer), 0 when there is none. */
function id3v2Length(b: Uint8Array): number {
  if (b.length < 10 || b[0] !== 0x49 || b[1] !== 0x44 || b[2] !== 0x33) return 0;
  const len = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
  return 10 + len + (b[5] & 0x10 ? 10 : 0);
}

function indexOfAscii(b: Uint8Array, text: string, from = 0): number {
  outer: for (let i = from; i + text.length <= b.length; i++) {
    for (let j = 0; j < text.length; j++) if (b[i + j] !== text.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

/** Ogg: the granule position of the stream's last page is its length in samples (48 kHz for Opus, less its pre-skip). */
function oggDuration(head: Uint8Array, tail: Uint8Array, m: PrefixMeta): number | undefined {
  if (head.length < 28) return undefined;
  const serial = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(14, true);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let granule: bigint | undefined;
  for (let at = tail.length - 27; at >= 0; at--) {
    if (tail[at] !== 0x4f || tail[at + 1] !== 0x67 || tail[at + 2] !== 0x67 || tail[at + 3] !== 0x53 || tail[at + 4] !== 0) continue;
    const g = view.getBigInt64(at + 6, true);
    if (view.getUint32(at + 14, true) === serial && g >= 0n) {
      granule = g;
      break;
    }
  }
  if (granule === undefined) return undefined;
  const opusHead = indexOfAscii(head, 'OpusHead');
  if (/opus/i.test(m.codec ?? '') || opusHead >= 0) {
    const preSkip = opusHead >= 0 && opusHead + 12 <= head.length ? head[opusHead + 10] | (head[opusHead + 11] << 8) : 0;
    return Math.max(0, Number(granule) - preSkip) / 48000;
  }
  return m.sampleRate ? Number(granule) / m.sampleRate : undefined;
}

/** Codec, sample rate and channels from the identification packet on an Ogg stream's first page. */
function oggIdentification(head: Uint8Array): Partial<SampleProbe> {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const vorbis = indexOfAscii(head.subarray(0, 64), '\x01vorbis');
  if (vorbis >= 0 && vorbis + 16 <= head.length) return { codec: 'Vorbis I', channels: head[vorbis + 11], sampleRate: view.getUint32(vorbis + 12, true) };
  const opus = indexOfAscii(head.subarray(0, 64), 'OpusHead');
  // Opus always decodes at 48 kHz; the header's input rate is informational only.
  if (opus >= 0 && opus + 10 <= head.length) return { codec: 'Opus', channels: head[opus + 9], sampleRate: 48000 };
  return {};
}

/** M4A: the movie header's duration over its timescale. */
function mvhdDuration(tail: Uint8Array): number | undefined {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let at = indexOfAscii(tail, 'mvhd'); at >= 4; at = indexOfAscii(tail, 'mvhd', at + 1)) {
    const version = tail[at + 4];
    const end = at + (version === 1 ? 36 : 24);
    if ((version !== 0 && version !== 1) || end > tail.length) continue;
    const timescale = view.getUint32(at + (version === 1 ? 24 : 16));
    const duration = version === 1 ? Number(view.getBigUint64(at + 28)) : view.getUint32(at + 20);
    if (timescale > 0 && duration > 0) return duration / timescale;
  }
  return undefined;
}
