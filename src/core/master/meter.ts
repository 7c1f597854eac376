// Every figure a publishing preset is judged on, measured on PCM. Integrated loudness and true peak come from the
// EBU R128 meter (ebur128.ts); the loudness range is computed here (EBU Tech 3342, on the meter's K-weighted 100 ms
// blocks); the rest is plain arithmetic on the samples.
import { framesIn100ms, gatedLoudness, kBlocks, kWeight, kWeighting, lufs, truePeak } from './ebur128';
import { DB_FLOOR, deinterleave, floorDb, toDb, type Pcm } from './pcm';

export interface Measurement {
  sampleRate: number;
  channels: number;
  durationSeconds: number;
  /** BS.1770-4 / EBU R128 integrated loudness (gated), LUFS. */
  integratedLufs: number;
  /** EBU Tech 3342 loudness range, LU (0 under 3 s: no short-term block). */
  loudnessRangeLu: number;
  /** 4x oversampled peak, dBTP. */
  truePeakDbtp: number;
  /** Highest absolute sample, dBFS. */
  samplePeakDbfs: number;
  /**
   * Whole-file RMS, dB, unweighted, as ACX's check measures it (0 dB = a full-scale square wave, so a full-scale
   * sine is -3.01 dB; not the AES17 convention).
   */
  rmsDb: number;
  /**
   * The noise floor, dB: the RMS of the quietest 500 ms of the file (windows every 50 ms). ACX defines the noise
   * floor as the RMS of the room tone, the quietest stretch between words; on a file with room tone that is it.
   */
  noiseFloorDb: number;
  /** The quiet run at the head / tail: 10 ms blocks below EDGE_SILENCE_DB RMS (ACX's room tone). */
  headSilenceSeconds: number;
  tailSilenceSeconds: number;
}

/** Below this RMS a 10 ms block counts as room tone, not speech (room tone is ≤ -60 dB; speech rarely dips here). */
export const EDGE_SILENCE_DB = -50;
const EDGE_BLOCK_SECONDS = 0.01;
const NOISE_WINDOW_SECONDS = 0.5;
const NOISE_HOP_SECONDS = 0.05;

export function measure(pcm: Pcm): Measurement {
  const chans = deinterleave(pcm);
  return measureChannels(chans, pcm.sampleRate);
}

/** `measure` on one Float32Array per channel. */
export function measureChannels(chans: readonly Float32Array[], rate: number): Measurement {
  const frames = chans[0]?.length ?? 0;
  const empty = frames === 0;
  let peak = 0;
  let sum = 0;
  for (const ch of chans) {
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i];
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
      sum += v * v;
    }
  }
  const edges = edgeSilence(chans, rate);
  // The K-weighted 100 ms blocks, once for the integrated loudness and the loudness range.
  const hop = framesIn100ms(rate);
  const blocks = empty ? new Float64Array(0) : kBlocks(chans, rate, hop);
  return {
    sampleRate: rate,
    channels: chans.length,
    durationSeconds: frames / rate,
    integratedLufs: empty ? DB_FLOOR : floorDb(gatedLoudness(blocks, hop)),
    loudnessRangeLu: loudnessRange(blocks, hop),
    truePeakDbtp: empty || peak === 0 ? DB_FLOOR : floorDb(truePeak(rate, chans)),
    samplePeakDbfs: toDb(peak),
    rmsDb: empty ? DB_FLOOR : toDb(Math.sqrt(sum / (frames * chans.length))),
    noiseFloorDb: noiseFloor(chans, rate),
    headSilenceSeconds: edges.head,
    tailSilenceSeconds: edges.tail,
  };
}

/** Sum of squares over all channels of each block of `size` frames (the last one may be shorter). */
function blockEnergies(chans: readonly Float32Array[], size: number): Float64Array {
  const frames = chans[0]?.length ?? 0;
  const out = new Float64Array(Math.ceil(frames / size));
  for (const ch of chans) {
    for (let i = 0; i < frames; i++) {
      const v = ch[i];
      out[(i / size) | 0] += v * v;
    }
  }
  return out;
}

function noiseFloor(chans: readonly Float32Array[], rate: number): number {
  const frames = chans[0]?.length ?? 0;
  if (frames === 0) return DB_FLOOR;
  const hop = Math.max(1, Math.round(NOISE_HOP_SECONDS * rate));
  const per = Math.round(NOISE_WINDOW_SECONDS / NOISE_HOP_SECONDS);
  const e = blockEnergies(chans, hop);
  const whole = Math.floor(frames / hop); // blocks that are complete
  if (whole < per) {
    let s = 0;
    for (const v of e) s += v;
    return toDb(Math.sqrt(s / (frames * chans.length)));
  }
  let s = 0;
  for (let i = 0; i < per; i++) s += e[i];
  let min = s;
  for (let i = per; i < whole; i++) {
    s += e[i] - e[i - per];
    if (s < min) min = s;
  }
  return toDb(Math.sqrt(Math.max(0, min) / (per * hop * chans.length)));
}

function edgeSilence(chans: readonly Float32Array[], rate: number): { head: number; tail: number } {
  const frames = chans[0]?.length ?? 0;
  const size = Math.max(1, Math.round(EDGE_BLOCK_SECONDS * rate));
  const e = blockEnergies(chans, size);
  const limit = Math.pow(10, EDGE_SILENCE_DB / 10);
  const quiet = (i: number): boolean => {
    const n = Math.min(size, frames - i * size) * chans.length;
    return e[i] / n < limit;
  };
  let h = 0;
  while (h < e.length && quiet(h)) h++;
  if (h === e.length) return { head: frames / rate, tail: frames / rate };
  let t = e.length - 1;
  while (t >= 0 && quiet(t)) t--;
  return { head: (h * size) / rate, tail: (frames - (t + 1) * size) / rate };
}

// ---- The loudness range (EBU Tech 3342) ----


/**
 * EBU Tech 3342 loudness range: short-term loudness (3 s windows, every 100 ms), gated at -70 LUFS absolute and
 * 20 LU below the power mean of what passes, then the spread between the 10th and 95th percentiles. From the
 * K-weighted 100 ms blocks (`kBlocks`, `hop` frames each).
 */
export function loudnessRange(blocks: Float64Array, hop: number): number {
  const per = 30;
  if (blocks.length < per) return 0;
  const st: number[] = [];
  let s = 0;
  for (let i = 0; i < per; i++) s += blocks[i];
  for (let i = per; ; i++) {
    const l = lufs(s / (per * hop));
    if (l > -70) st.push(l);
    if (i >= blocks.length) break;
    s += blocks[i] - blocks[i - per];
  }
  if (st.length === 0) return 0;
  let power = 0;
  for (const l of st) power += Math.pow(10, l / 10);
  const gate = 10 * Math.log10(power / st.length) - 20;
  const kept = st.filter((l) => l > gate).sort((a, b) => a - b);
  if (kept.length === 0) return 0;
  const pct = (p: number): number => kept[Math.min(kept.length - 1, Math.max(0, Math.round(p * (kept.length - 1))))];
  return pct(0.95) - pct(0.1);
}

/**
 * BS.1770 loudness of the whole signal without gating (-0.691 + 10·log10 of the K-weighted mean square): on a steady
 * signal every block passes both gates, so this equals the integrated loudness - an independent check of the meter.
 */
export function ungatedLoudness(chans: readonly Float32Array[], rate: number): number {
  const stages = kWeighting(rate);
  let s = 0;
  const frames = chans[0]?.length ?? 0;
  for (const ch of chans) {
    const y = kWeight(ch, stages);
    for (let i = 0; i < y.length; i++) s += y[i] * y[i];
  }
  return frames === 0 ? DB_FLOOR : lufs(s / frames);
}

const BACKGROUND_BLOCK_SECONDS = 0.05;
const BACKGROUND_PERCENTILE = 0.05;
/** The loud speech the background is compared with: the 90th percentile of the same blocks. */
const SPEECH_PERCENTILE = 0.9;
/**
 * A pause is at least this far under the loud speech. Quieter blocks nearer the speech than this are speech (a file
 * whose pauses are all shorter than a block, or that has none, as TTS clips joined end to end can be), not background.
 */
export const PAUSE_CONTRAST_DB = 15;

/**
 * The recording's background, dB: the 5th percentile of the RMS of its 50 ms blocks - the level in the pauses between
 * words and sentences (a 500 ms window, ACX's noise floor, rarely fits between two words). Undefined when the file has
 * no pause to measure it in (that block is within PAUSE_CONTRAST_DB of the loud speech): its background is not known,
 * and the speech itself is not it.
 */
export function backgroundLevel(chans: readonly Float32Array[], rate: number): number | undefined {
  const size = Math.max(1, Math.round(BACKGROUND_BLOCK_SECONDS * rate));
  const frames = chans[0]?.length ?? 0;
  const blocks = Math.floor(frames / size);
  if (blocks === 0) return DB_FLOOR;
  const e = blockEnergies(chans, size).subarray(0, blocks);
  const sorted = Float64Array.from(e).sort();
  const level = (p: number): number => toDb(Math.sqrt(sorted[Math.floor(p * (blocks - 1))] / (size * chans.length)));
  const background = level(BACKGROUND_PERCENTILE);
  return background > level(SPEECH_PERCENTILE) - PAUSE_CONTRAST_DB ? undefined : background;
}
