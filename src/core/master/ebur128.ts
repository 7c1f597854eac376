// The EBU R128 meter: integrated loudness (ITU-R BS.1770-4, gated as EBU Tech 3341 says) and true peak (BS.1770-4
// annex 2, oversampled), computed as libebur128 computes them, in TypeScript. The extension used libebur128 itself
// (the Rust `ebur128` crate in WebAssembly, npm `ebur128-wasm`) until the .vsix's size budget: its 88 KB of
// WebAssembly were 40 KB of a 431 KB package for two functions of some sixty lines (issue 27). The package stays as
// the reference the tests hold this meter to (test/unit/core/master/ebur128.test.ts: the same figures to 0.001 LU
// and 0.001 dB on tones, noise, speech-like bursts, stereo, short and silent input, at the rates the product meets).
//
// The K-weighted 100 ms blocks are shared with the loudness range (meter.ts).

export type Biquad = [b0: number, b1: number, b2: number, a1: number, a2: number];

/** The K-weighting's two stages (BS.1770-4: a high shelf, then a high pass), designed for any rate as libebur128 does. */
export function kWeighting(rate: number): [Biquad, Biquad] {
  let f0 = 1681.974450955533;
  const G = 3.999843853973347;
  let Q = 0.7071752369554196;
  let K = Math.tan((Math.PI * f0) / rate);
  const Vh = Math.pow(10, G / 20);
  const Vb = Math.pow(Vh, 0.4996667741545416);
  let a0 = 1 + K / Q + K * K;
  const shelf: Biquad = [(Vh + (Vb * K) / Q + K * K) / a0, (2 * (K * K - Vh)) / a0, (Vh - (Vb * K) / Q + K * K) / a0, (2 * (K * K - 1)) / a0, (1 - K / Q + K * K) / a0];
  f0 = 38.13547087602444;
  Q = 0.5003270373238773;
  K = Math.tan((Math.PI * f0) / rate);
  a0 = 1 + K / Q + K * K;
  const highPass: Biquad = [1, -2, 1, (2 * (K * K - 1)) / a0, (1 - K / Q + K * K) / a0];
  return [shelf, highPass];
}

/** `x` through one biquad into `out` (which may be `x` itself). */
function biquad(x: Float32Array | Float64Array, [b0, b1, b2, a1, a2]: Biquad, out: Float64Array): Float64Array {
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const o = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1; x1 = v; y2 = y1; y1 = o;
    out[i] = o;
  }
  return out;
}

/** One channel K-weighted: through the shelf, then the high pass (`kWeighting`). */
export function kWeight(x: Float32Array, [shelf, highPass]: [Biquad, Biquad]): Float64Array {
  const y = biquad(x, shelf, new Float64Array(x.length));
  return biquad(y, highPass, y);
}

/** Frames in 100 ms at `rate`, rounded as libebur128 rounds them. */
export function framesIn100ms(rate: number): number {
  return Math.floor((rate + 5) / 10);
}

/**
 * Sum of squares of the K-weighted signal, summed over channels (weight 1 for L, R and mono), per block of
 * `blockFrames` (a trailing part block is left out, as libebur128 leaves it).
 */
export function kBlocks(chans: readonly Float32Array[], rate: number, blockFrames: number): Float64Array {
  const stages = kWeighting(rate);
  const frames = chans[0]?.length ?? 0;
  const out = new Float64Array(Math.floor(frames / blockFrames));
  for (const ch of chans) {
    const y = kWeight(ch, stages);
    for (let b = 0; b < out.length; b++) {
      let s = 0;
      for (let i = b * blockFrames, end = i + blockFrames; i < end; i++) s += y[i] * y[i];
      out[b] += s;
    }
  }
  return out;
}

/** BS.1770 loudness (LUFS) of a K-weighted mean square. */
export const lufs = (meanSquare: number): number => -0.691 + 10 * Math.log10(meanSquare);

/** The absolute gate (-70 LUFS) as a mean square. */
const ABSOLUTE_GATE = Math.pow(10, (-70 + 0.691) / 10);
/** The relative gate: 10 LU under the power mean of the blocks over the absolute gate. */
const RELATIVE_GATE_FACTOR = Math.pow(10, -10 / 10);

/**
 * Integrated loudness (LUFS) of one or two channels: 400 ms blocks every 100 ms, gated at -70 LUFS and then 10 LU under
 * the mean of what passed; -Infinity when every block is gated out (or the input is shorter than one block).
 */
export function integratedLoudness(rate: number, channels: readonly Float32Array[]): number {
  const hop = framesIn100ms(rate);
  return channels.length === 0 ? -Infinity : gatedLoudness(kBlocks(channels, rate, hop), hop);
}

/** `integratedLoudness` from the K-weighted 100 ms blocks (`kBlocks` with `framesIn100ms` frames each). */
export function gatedLoudness(blocks: Float64Array, hop: number): number {
  const gating: number[] = [];
  for (let k = 0; k + 4 <= blocks.length; k++) {
    const z = (blocks[k] + blocks[k + 1] + blocks[k + 2] + blocks[k + 3]) / (4 * hop);
    if (z >= ABSOLUTE_GATE) gating.push(z);
  }
  if (gating.length === 0) return -Infinity;
  let sum = 0;
  for (const z of gating) sum += z;
  const relative = (sum / gating.length) * RELATIVE_GATE_FACTOR;
  let kept = 0;
  let count = 0;
  for (const z of gating) {
    if (z >= relative) {
      kept += z;
      count++;
    }
  }
  return count === 0 ? -Infinity : lufs(kept / count);
}

const TRUE_PEAK_TAPS = 49;
const ALMOST_ZERO = 0.000001;
const kernelsByFactor = new Map<number, Float64Array[]>();

/**
 * libebur128's interpolating filter for `factor`: 49 taps of a Hann-windowed sinc, split into one sub-filter per output
 * phase. Phase 0 is the input sample itself (one tap of 1, at the filter's delay), so the sample peak covers it; the
 * others are returned, each as its coefficients for the input 0, 1, 2… samples back.
 */
function interpolator(factor: number): Float64Array[] {
  const known = kernelsByFactor.get(factor);
  if (known) return known;
  const phases: number[][] = Array.from({ length: factor }, () => []);
  for (let j = 0; j < TRUE_PEAK_TAPS; j++) {
    const m = j - (TRUE_PEAK_TAPS - 1) / 2;
    let c = Math.abs(m) > ALMOST_ZERO ? Math.sin((m * Math.PI) / factor) / ((m * Math.PI) / factor) : 1;
    c *= 0.5 * (1 - Math.cos((2 * Math.PI * j) / (TRUE_PEAK_TAPS - 1)));
    // libebur128 drops the coefficients that are zero: the window's ends and phase 0's sinc zeros.
    phases[j % factor][Math.floor(j / factor)] = Math.abs(c) > ALMOST_ZERO ? c : 0;
  }
  const made = phases.slice(1).map((p) => Float64Array.from(p));
  kernelsByFactor.set(factor, made);
  return made;
}

/** The highest |sample| of one channel, 4x oversampled under 96 kHz, 2x under 192 kHz, as is above. */
function channelTruePeak(x: Float32Array, rate: number): number {
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] < 0 ? -x[i] : x[i];
    if (a > peak) peak = a;
  }
  const factor = rate < 96_000 ? 4 : rate < 192_000 ? 2 : 1;
  if (factor === 1) return peak;
  const kernels = interpolator(factor);
  const taps = kernels[0].length;
  // Each interpolated point, kept as a float as libebur128 keeps it; the input before the start is silence.
  const at = (h: Float64Array, n: number): number => {
    let acc = 0;
    for (let k = 0; k < taps && k <= n; k++) acc += x[n - k] * h[k];
    return Math.abs(Math.fround(acc));
  };
  const head = Math.min(taps - 1, x.length);
  for (let n = 0; n < head; n++) for (const h of kernels) peak = Math.max(peak, at(h, n));
  if (kernels.length === 3) {
    // 4x: three phases in one pass over the input.
    const [h1, h2, h3] = kernels;
    for (let n = head; n < x.length; n++) {
      let s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < taps; k++) {
        const v = x[n - k];
        s1 += v * h1[k];
        s2 += v * h2[k];
        s3 += v * h3[k];
      }
      const a1 = Math.abs(Math.fround(s1)), a2 = Math.abs(Math.fround(s2)), a3 = Math.abs(Math.fround(s3));
      if (a1 > peak) peak = a1;
      if (a2 > peak) peak = a2;
      if (a3 > peak) peak = a3;
    }
  } else {
    for (const h of kernels) for (let n = head; n < x.length; n++) {
      const a = at(h, n);
      if (a > peak) peak = a;
    }
  }
  return peak;
}

/** True peak (dBTP), the highest over the channels, never under the sample peak; -Infinity for digital silence. */
export function truePeak(rate: number, channels: readonly Float32Array[]): number {
  let peak = 0;
  for (const ch of channels) peak = Math.max(peak, channelTruePeak(ch, rate));
  return 20 * Math.log10(peak);
}
