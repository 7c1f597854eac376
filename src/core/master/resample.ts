// Sample-rate conversion: a windowed-sinc polyphase resampler (no dependency: libsamplerate-js, 2 MB of JavaScript,
// could not ship in the .vsix; it stays a devDependency that test/unit/core/master/resample.test.ts checks this
// against). For rates from/to reduced by their gcd to L/M (24 000 → 44 100 = ×147/80), output sample n lies at input
// time n·M/L; its value is the sum of the input around that time weighted by a Kaiser-windowed sinc, whose L phases
// (one per fractional position) are computed once, on first use, and normalised to unit DC gain.
//
// The low-pass: cut off at 47.5 % of the lower rate (a passband to ~0.445·fs, 10.7 kHz of GLM-TTS's 24 kHz, images
// and aliases down ~60 dB from ~0.505·fs), 64 taps per phase when upsampling (more when downsampling: the kernel
// widens by the ratio). The kernel is symmetric and centred on each output time, so the output is not delayed.
// Cost: 64 multiply-adds per output sample, ~0.1 s per minute of audio to 44.1 kHz (test/bench/master.ts).

/** Taps per phase at the input rate (the kernel spans ±HALF_TAPS input samples when upsampling). */
const HALF_TAPS = 32;
/** The cut-off, a fraction of the lower rate. */
const CUTOFF = 0.475;
/** Kaiser's β: ~63 dB side lobes. */
const BETA = 6;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The zeroth-order modified Bessel function of the first kind (its series converges fast for the β used). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

interface Kernel {
  /** L (phases) and M (input step per L outputs). */
  up: number;
  down: number;
  /** Input samples either side of an output time the kernel reaches. */
  half: number;
  /** Each phase's taps, lazily: phase p holds the weights of x[base - half + 1 + j], j = 0…2·half-1. */
  phases: Array<Float32Array | undefined>;
  weight: (t: number) => number;
}

function kernel(from: number, to: number): Kernel {
  const g = gcd(from, to);
  const up = to / g;
  const down = from / g;
  const ratio = Math.min(1, to / from);
  const fc = CUTOFF * ratio; // cycles per input sample
  const half = Math.ceil(HALF_TAPS / ratio);
  const i0beta = besselI0(BETA);
  const weight = (t: number): number => {
    const r = t / half;
    if (r <= -1 || r >= 1) return 0;
    const x = 2 * fc * t;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    return 2 * fc * sinc * (besselI0(BETA * Math.sqrt(1 - r * r)) / i0beta);
  };
  return { up, down, half, phases: new Array(up), weight };
}

function phase(k: Kernel, p: number): Float32Array {
  let taps = k.phases[p];
  if (taps) return taps;
  const frac = p / k.up; // the output's time past input sample `base`
  taps = new Float32Array(2 * k.half);
  let sum = 0;
  for (let j = 0; j < taps.length; j++) {
    // Tap j weighs input sample base - half + 1 + j, which lies (base + frac) - that = half - 1 - j + frac away.
    const w = k.weight(k.half - 1 - j + frac);
    taps[j] = w;
    sum += w;
  }
  if (sum !== 0) for (let j = 0; j < taps.length; j++) taps[j] /= sum;
  k.phases[p] = taps;
  return taps;
}

/** One channel from `from` Hz to `to` Hz, exactly round(n·to/from) samples long. */
export function resampleChannel(x: Float32Array, from: number, to: number): Float32Array {
  const frames = Math.round((x.length * to) / from);
  const y = new Float32Array(frames);
  if (x.length === 0) return y;
  const k = kernel(from, to);
  const n = x.length;
  const width = 2 * k.half;
  for (let i = 0; i < frames; i++) {
    const pos = i * k.down; // in units of 1/L input samples
    const base = Math.floor(pos / k.up);
    const taps = phase(k, pos - base * k.up);
    const first = base - k.half + 1;
    let acc = 0;
    if (first >= 0 && first + width <= n) {
      for (let j = 0; j < width; j++) acc += taps[j] * x[first + j];
    } else {
      // At the edges the input is taken as silence.
      const lo = Math.max(0, -first);
      const hi = Math.min(width, n - first);
      for (let j = lo; j < hi; j++) acc += taps[j] * x[first + j];
    }
    y[i] = acc;
  }
  return y;
}

/** Each channel resampled from `from` Hz to `to` Hz (the same arrays when the rates match), exactly n·to/from long. */
export async function resample(chans: readonly Float32Array[], from: number, to: number): Promise<Float32Array[]> {
  if (from === to) return [...chans];
  return chans.map((ch) => resampleChannel(ch, from, to));
}
