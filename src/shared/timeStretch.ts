// Faster or slower speech at the same pitch, for the read-along player's speed control: WSOLA (waveform-similarity
// overlap-add). Frames of 25 ms are taken from the input every `rate` × 12.5 ms, each shifted by up to 6 ms (half the
// period of a low voice, 85 Hz) to where it best continues the frame before it, and laid down every 12.5 ms under a
// Hann window (whose halves sum to one). Playing the samples faster instead (the source's playbackRate) raises the
// pitch with the speed: 2× sounded an octave up. Pure (no DOM), so it is tested in Node.

const FRAME_SEC = 0.025;
const TOLERANCE_SEC = 0.006;
/** The similarity is measured on every COARSE-th sample and candidate first, then refined around the best. */
const COARSE = 4;

/** `input` played `rate` times as fast at the same pitch: round(input.length / rate) samples. */
export function timeStretch(input: Float32Array, rate: number, sampleRate: number): Float32Array<ArrayBuffer> {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number (got ${rate})`);
  if (rate === 1 || input.length === 0) return input.slice();
  const outLength = Math.max(1, Math.round(input.length / rate));
  const half = Math.max(8, Math.round((sampleRate * FRAME_SEC) / 2));
  const frame = half * 2;
  if (input.length < frame) return resampleShort(input, outLength);
  const tolerance = Math.max(COARSE, Math.round(sampleRate * TOLERANCE_SEC));
  const window = new Float32Array(frame);
  for (let j = 0; j < frame; j++) window[j] = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / frame);
  const out = new Float32Array(outLength + frame);
  const weight = new Float32Array(outLength + frame);
  const at = (i: number) => (i < input.length ? input[i] : 0);
  const lastStart = input.length - frame;
  let previous = 0;
  for (let k = 0, o = 0; o < outLength; k++, o += half) {
    let start = 0;
    if (k > 0) {
      const nominal = Math.min(lastStart, Math.round(k * half * rate));
      // Where the frame laid down last goes on in the input: the new frame should look like that over its first half.
      const natural = previous + half;
      start = natural + half <= input.length ? bestMatch(input, natural, half, Math.max(0, nominal - tolerance), Math.min(lastStart, nominal + tolerance)) : nominal;
    }
    for (let j = 0; j < frame; j++) {
      out[o + j] += at(start + j) * window[j];
      weight[o + j] += window[j];
    }
    previous = start;
  }
  // Inside, the windows sum to one; at the very start (one window rising) this restores the samples.
  for (let i = 0; i < outLength; i++) if (weight[i] > 0.05) out[i] /= weight[i];
  return out.slice(0, outLength);
}

/** The start in [lo, hi] whose first `length` samples are most like those at `target` (normalised correlation). */
function bestMatch(x: Float32Array, target: number, length: number, lo: number, hi: number): number {
  if (hi <= lo) return Math.max(0, lo);
  const score = (s: number, step: number) => {
    let xy = 0;
    let yy = 1e-9;
    for (let j = 0; j < length; j += step) {
      const y = x[s + j];
      xy += x[target + j] * y;
      yy += y * y;
    }
    return xy / Math.sqrt(yy);
  };
  let best = lo;
  let bestScore = -Infinity;
  for (let s = lo; s <= hi; s += COARSE) {
    const v = score(s, COARSE);
    if (v > bestScore) {
      bestScore = v;
      best = s;
    }
  }
  const from = Math.max(lo, best - COARSE + 1);
  const to = Math.min(hi, best + COARSE - 1);
  bestScore = -Infinity;
  for (let s = from; s <= to; s++) {
    const v = score(s, 2);
    if (v > bestScore) {
      bestScore = v;
      best = s;
    }
  }
  return best;
}

/** Shorter than one frame (a click, a breath): linear resampling, where a pitch change is inaudible. */
function resampleShort(input: Float32Array, outLength: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(outLength);
  const scale = outLength > 1 ? (input.length - 1) / (outLength - 1) : 0;
  for (let i = 0; i < outLength; i++) {
    const p = i * scale;
    const a = Math.floor(p);
    const b = Math.min(input.length - 1, a + 1);
    out[i] = input[a] + (input[b] - input[a]) * (p - a);
  }
  return out;
}
