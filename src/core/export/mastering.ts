// An export mastered for a destination (src/core/master's presets): the joined WAV read whole, mastered (the rate the
// preset takes, one gain for the whole file, the limiter only where needed, ACX's room tone) and written back in its
// place, and the compliance report of the mastered signal. Memory: the whole file as Float32 while it is mastered,
// about 10.6 MB per minute at 44.1 kHz mono (and a few copies of it: resampled, scaled, limited): fine for a chapter
// or an episode; an audiobook is best exported a chapter per file.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { CoreError } from '../errors';
import { pcmToWav, tryParseWavHeader } from '../audio/wav';
import { complianceReport, master, toInt16, type ComplianceReport, type PresetId } from '../master';

export interface MasteringOutcome {
  preset: PresetId;
  report: ComplianceReport;
  /**
   * What the report measured: 'file', the WAV written; 'encoderInput', the mastered PCM handed to the encoder (the MP3
   * decodes to within a few hundredths of a dB of it, not to the same samples).
   */
  measured: 'file' | 'encoderInput';
  sampleRate: number;
  /** The MP3's constant bit rate, kbit/s, when the output is one. */
  kbps?: number;
  /** The one gain applied to the whole file, dB. */
  gainDb: number;
  /** Samples the limiter turned down (0: it was not needed). */
  limitedSamples: number;
  /** How far every moment moved (ACX's room tone at the head): subtitles and chapters are shifted by it. */
  offsetSeconds: number;
  durationSec: number;
}

/** Masters the 16-bit WAV at `path` for `preset` in place (written to a temporary file, then renamed over it). */
export async function masterWavFile(path: string, preset: PresetId): Promise<Omit<MasteringOutcome, 'measured' | 'kbps'>> {
  const buf = await readFile(path);
  const info = tryParseWavHeader(buf);
  if (!info || info.audioFormat !== 1 || info.bitsPerSample !== 16) throw new CoreError({ kind: 'chunkFormat', reason: 'notPcm', format: String(info?.audioFormat ?? 'unknown') });
  const bytes = info.dataBytes - (info.dataBytes % (2 * info.channels));
  const samples = new Int16Array(bytes / 2);
  new Uint8Array(samples.buffer).set(buf.subarray(info.dataOffset, info.dataOffset + bytes));
  const result = await master({ samples, sampleRate: info.sampleRate, channels: info.channels }, preset);
  const report = complianceReport(result.pcm, preset);
  const pcm = toInt16(result.pcm.samples);
  const tmp = `${path}.master.tmp`;
  try {
    await writeFile(tmp, pcmToWav(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), { sampleRate: result.pcm.sampleRate, channels: result.pcm.channels }));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return {
    preset,
    report,
    sampleRate: result.pcm.sampleRate,
    gainDb: result.gainDb,
    limitedSamples: result.limitedSamples,
    offsetSeconds: result.offsetSeconds,
    durationSec: pcm.length / result.pcm.channels / result.pcm.sampleRate,
  };
}
