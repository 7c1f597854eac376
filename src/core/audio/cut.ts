// Cuts one chunk's audio into the parts its sentences are heard in: each boundary where the lengths of their texts
// put it, moved to the quietest 10 ms nearby (the pause between two sentences). A retaken sentence's neighbours keep
// the audio already heard, from the cache, instead of being sent again.

/** 16-bit mono PCM at 24 kHz, as Novita answers and the cache keeps. */
const SAMPLE_RATE = 24000;
const FRAME_SEC = 0.01;
/** How far from the estimate a boundary is looked for, at most (and never past half of either part's estimate). */
const SEARCH_SEC = 0.4;

/**
 * `pcm` (16-bit little-endian mono) cut into `weights.length` parts, part k about `weights[k]` of the whole (a
 * sentence's length in code points). Every cut falls on a sample; the parts, in order, are the whole.
 */
export function cutPcm(pcm: Buffer, weights: readonly number[], sampleRate = SAMPLE_RATE): Buffer[] {
  const samples = Math.floor(pcm.length / 2);
  const total = weights.reduce((a, b) => a + Math.max(0, b), 0);
  if (weights.length <= 1 || total <= 0 || samples === 0) return weights.length ? [pcm, ...weights.slice(1).map(() => Buffer.alloc(0))] : [];
  const frame = Math.max(1, Math.round(sampleRate * FRAME_SEC));
  const cuts: number[] = [0];
  let done = 0;
  for (let k = 0; k < weights.length - 1; k++) {
    const before = Math.max(0, weights[k]);
    done += before;
    const estimate = Math.round((samples * done) / total);
    const after = Math.max(0, weights[k + 1]);
    const reach = Math.min(Math.round(sampleRate * SEARCH_SEC), Math.floor((samples * Math.min(before, after)) / total / 2));
    const lo = Math.max(cuts[cuts.length - 1], estimate - reach);
    const hi = Math.min(samples, estimate + reach);
    cuts.push(Math.max(cuts[cuts.length - 1], quietest(pcm, lo, hi, frame) ?? estimate));
  }
  cuts.push(samples);
  return cuts.slice(1).map((end, k) => pcm.subarray(cuts[k] * 2, end * 2));
}

/** The middle of the quietest `frame` samples in [lo, hi), stepping half a frame; undefined when no frame fits. */
function quietest(pcm: Buffer, lo: number, hi: number, frame: number): number | undefined {
  let best: number | undefined;
  let bestEnergy = Infinity;
  const step = Math.max(1, frame >> 1);
  for (let at = lo; at + frame <= hi; at += step) {
    let energy = 0;
    for (let i = at; i < at + frame; i++) {
      const v = pcm.readInt16LE(i * 2);
      energy += v * v;
    }
    if (energy < bestEnergy) {
      bestEnergy = energy;
      best = at + (frame >> 1);
    }
  }
  return best;
}
