// PCM as the mastering core takes it: interleaved samples (float in [-1, 1], or 16-bit integers), a rate and a
// channel count. Everything inside works on one Float32Array per channel.
import { CoreError } from '../errors';

export interface Pcm {
  /** Interleaved frames: Float32 in [-1, 1] or Int16 (what a 16-bit WAV holds). */
  samples: Float32Array | Int16Array;
  sampleRate: number;
  channels: number;
}

/** The channel counts the meter takes (BS.1770 weights for mono and stereo). */
export const MAX_CHANNELS = 2;

/** The figure for digital silence, instead of -Infinity (which JSON cannot carry). */
export const DB_FLOOR = -120;

export function toDb(linear: number): number {
  return linear > 0 ? Math.max(DB_FLOOR, 20 * Math.log10(linear)) : DB_FLOOR;
}

export function fromDb(db: number): number {
  return Math.pow(10, db / 20);
}

/** A meter figure in dB with -Infinity (silence) and NaN clamped to the floor. */
export function floorDb(db: number): number {
  return Number.isFinite(db) ? Math.max(DB_FLOOR, db) : DB_FLOOR;
}

function check(pcm: Pcm): void {
  if (!Number.isInteger(pcm.channels) || pcm.channels < 1 || pcm.channels > MAX_CHANNELS) {
    throw new CoreError({ kind: 'badRequest', field: 'channels', rule: 'range', max: MAX_CHANNELS });
  }
  if (!Number.isFinite(pcm.sampleRate) || pcm.sampleRate < 8000) {
    throw new CoreError({ kind: 'badRequest', field: 'sampleRate', rule: 'range' });
  }
}

/** One Float32Array per channel (a copy). */
export function deinterleave(pcm: Pcm): Float32Array[] {
  check(pcm);
  const { samples, channels } = pcm;
  const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
  const frames = Math.floor(samples.length / channels);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let c = 0; c < channels; c++) {
    const ch = out[c];
    for (let i = 0; i < frames; i++) ch[i] = samples[i * channels + c] * scale;
  }
  return out;
}

export function interleave(chans: readonly Float32Array[]): Float32Array {
  if (chans.length === 1) return chans[0];
  const n = chans[0].length;
  const out = new Float32Array(n * chans.length);
  for (let c = 0; c < chans.length; c++) for (let i = 0; i < n; i++) out[i * chans.length + c] = chans[c][i];
  return out;
}

/** Float samples as 16-bit integers (rounded, clipped): what a WAV writer takes. */
export function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768)));
  return out;
}
