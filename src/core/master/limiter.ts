// A look-ahead peak limiter on the 4x oversampled (true) peak, applied only where the signal would pass the ceiling.
//
// For every sample n, p[n] is the highest of |x| at n and at the three points interpolated after it (a polyphase
// windowed-sinc, as BS.1770 annex 2 estimates true peak), and r[n] = min(1, ceiling / p[n]) the gain it may have.
// The gain curve is the sliding minimum of r over ±L (L: the look-ahead), then a moving average over a window no
// wider than L: every value averaged at n is a minimum over a span that contains n, so the average is ≤ r[n] - the
// ceiling holds at every sample - while the gain still glides down over L before a peak. A slower release (at most
// the averaged gain, so the bound holds) keeps it from pumping between syllables.
import { fromDb } from './pcm';

const OVERSAMPLE = 4;
const TAPS_PER_PHASE = 12;
const LOOKAHEAD_SECONDS = 0.005;
const RELEASE_SECONDS = 0.08;

/** The interpolating filter: one kernel per fractional phase 1/4, 2/4, 3/4 (Kaiser-windowed sinc). */
function phases(): Float64Array[] {
  const half = TAPS_PER_PHASE / 2;
  const beta = 6;
  const i0 = (x: number): number => {
    let sum = 1, term = 1;
    for (let k = 1; k < 30; k++) {
      term *= (x / (2 * k)) ** 2;
      sum += term;
    }
    return sum;
  };
  const out: Float64Array[] = [];
  for (let p = 1; p < OVERSAMPLE; p++) {
    const frac = p / OVERSAMPLE;
    const h = new Float64Array(TAPS_PER_PHASE);
    let sum = 0;
    for (let k = 0; k < TAPS_PER_PHASE; k++) {
      const t = k - (half - 1) - frac; // taps at n-5 … n+6 for a point between n and n+1
      const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
      const w = i0(beta * Math.sqrt(Math.max(0, 1 - (t / (half + 0.5)) ** 2))) / i0(beta);
      h[k] = sinc * w;
      sum += h[k];
    }
    for (let k = 0; k < TAPS_PER_PHASE; k++) h[k] /= sum;
    out.push(h);
  }
  return out;
}

const KERNELS = phases();

/** The estimated true peak at each sample: |x[n]| and the interpolated points between n and n+1. */
export function truePeakEnvelope(x: Float32Array): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  const before = TAPS_PER_PHASE / 2 - 1; // taps before n
  const [h1, h2, h3] = KERNELS;
  for (let i = 0; i < n; i++) {
    let peak = x[i] < 0 ? -x[i] : x[i];
    const j0 = i - before;
    let s1 = 0, s2 = 0, s3 = 0;
    if (j0 >= 0 && j0 + TAPS_PER_PHASE <= n) {
      for (let k = 0; k < TAPS_PER_PHASE; k++) {
        const v = x[j0 + k];
        s1 += h1[k] * v;
        s2 += h2[k] * v;
        s3 += h3[k] * v;
      }
    } else {
      for (let k = 0; k < TAPS_PER_PHASE; k++) {
        const j = j0 + k;
        if (j < 0 || j >= n) continue;
        const v = x[j];
        s1 += h1[k] * v;
        s2 += h2[k] * v;
        s3 += h3[k] * v;
      }
    }
    if (s1 < 0) s1 = -s1;
    if (s2 < 0) s2 = -s2;
    if (s3 < 0) s3 = -s3;
    if (s1 > peak) peak = s1;
    if (s2 > peak) peak = s2;
    if (s3 > peak) peak = s3;
    out[i] = peak;
  }
  return out;
}

/** Sliding minimum of `r` over [i - w, i + w] (a monotonic deque: O(n)). */
function slidingMin(r: Float32Array, w: number): Float32Array {
  const n = r.length;
  const out = new Float32Array(n);
  const dq = new Int32Array(n);
  let head = 0, tail = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const hi = Math.min(n - 1, i + w);
    for (; next <= hi; next++) {
      while (tail > head && r[dq[tail - 1]] >= r[next]) tail--;
      dq[tail++] = next;
    }
    while (dq[head] < i - w) head++;
    out[i] = r[dq[head]];
  }
  return out;
}

/**
 * Limits every channel (one gain for all, so the image does not move) so that its true peak stays under `ceilingDb`
 * dBTP. Returns how many samples had to be turned down (0: the signal was left as it was). `known`: the channels'
 * envelopes before a gain of `scale` (the envelope is linear in the gain, so rounds that only change the gain reuse it).
 */
export function limitTruePeak(chans: Float32Array[], rate: number, ceilingDb: number, known?: { envelopes: readonly Float32Array[]; scale: number }): number {
  const ceiling = fromDb(ceilingDb);
  const n = chans[0]?.length ?? 0;
  const r = new Float32Array(n).fill(1);
  let over = 0;
  for (let c = 0; c < chans.length; c++) {
    const p = known ? known.envelopes[c] : truePeakEnvelope(chans[c]);
    const scale = known ? known.scale : 1;
    for (let i = 0; i < n; i++) {
      if (p[i] * scale > ceiling) {
        const g = ceiling / (p[i] * scale);
        if (g < r[i]) {
          if (r[i] === 1) over++;
          r[i] = g;
        }
      }
    }
  }
  if (over === 0) return 0;
  // Half the look-ahead on each side of the average, the whole look-ahead on each side of the minimum: an averaged
  // value at i covers [i - L/2, i + L/2], each a minimum over ±L of its own index, so each includes i.
  const lookahead = Math.max(2, Math.round(LOOKAHEAD_SECONDS * rate));
  const half = lookahead >> 1;
  const m = slidingMin(r, lookahead);
  const gain = new Float32Array(n);
  let s = 0;
  for (let i = 0; i < Math.min(n, half); i++) s += m[i];
  for (let i = 0; i < n; i++) {
    if (i + half < n) s += m[i + half];
    if (i - half - 1 >= 0) s -= m[i - half - 1];
    const lo = Math.max(0, i - half), hi = Math.min(n - 1, i + half);
    gain[i] = Math.min(s / (hi - lo + 1), m[i]);
  }
  // Release: the gain may fall at once (it is already ≤ the averaged gain) but rises only at the release rate.
  const coeff = 1 - Math.exp(-1 / (RELEASE_SECONDS * rate));
  let g = 1;
  for (let i = 0; i < n; i++) {
    const target = gain[i];
    g = target < g ? target : Math.min(target, g + (1 - g) * coeff);
    gain[i] = g;
  }
  for (const ch of chans) for (let i = 0; i < n; i++) ch[i] *= gain[i];
  return over;
}
