// Mastering speed: how long each preset takes per minute of narration (× real time), and what the stages cost
// (resampling, the R128 meter, the report). Plain Node, no editor:
// `node --import tsx test/bench/master.ts [--minutes N]`. Not part of `npm run bench`.
import { performance } from 'node:perf_hooks';
import { complianceReport, master, measure, type PresetId } from '../../src/core/master';
import { integratedLoudness, truePeak } from '../../src/core/master/ebur128';
import { resample } from '../../src/core/master/resample';
import { referenceIntegratedLoudness, referenceTruePeak } from '../unit/core/master/libebur128';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} needs a positive number\n`);
    process.exit(2);
  }
  return value;
}

const minutes = option('minutes', 5);
const RATE = 24_000;

/** Speech-like audio as GLM-TTS hands it over: syllables of a 140 Hz voice with harmonics, pauses between. */
function speech(seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 0x100000000;
  };
  let t = 0;
  while (t < x.length) {
    const len = Math.min(x.length - t, Math.round((0.12 + 0.2 * rnd()) * RATE));
    const level = 0.1 * Math.pow(10, (-10 * rnd()) / 20);
    const f0 = 120 + 40 * rnd();
    for (let i = 0; i < len; i++) {
      const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / len);
      let v = 0;
      for (let h = 1; h <= 8; h++) v += Math.sin((2 * Math.PI * f0 * h * i) / RATE + h) / h;
      x[t + i] = level * env * v;
    }
    t += len + Math.round((0.05 + 0.25 * rnd()) * RATE);
  }
  return x;
}

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
}

async function timeAsync<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

const line = (what: string, seconds: number): void => {
  const audio = minutes * 60;
  process.stdout.write(`${what.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s   ${(seconds / minutes).toFixed(2).padStart(6)} s per minute   ${(audio / seconds).toFixed(0).padStart(5)}× real time\n`);
};

async function main(): Promise<void> {
  const x = speech(minutes * 60);
  process.stdout.write(`${minutes} min of 24 kHz mono speech-like audio (Node ${process.version})\n`);
  line('R128 integrated (24 kHz)', time(() => integratedLoudness(RATE, [x]))[1]);
  line('R128 true peak (24 kHz)', time(() => truePeak(RATE, [x]))[1]);
  // The same two figures from libebur128 in WebAssembly (ebur128-wasm), which the meter replaced for the .vsix's size.
  line('  libebur128 (wasm) integrated', time(() => referenceIntegratedLoudness(RATE, [x]))[1]);
  line('  libebur128 (wasm) true peak', time(() => referenceTruePeak(RATE, [x]))[1]);
  line('all figures (measure, 24 kHz)', time(() => measure({ samples: x, sampleRate: RATE, channels: 1 }))[1]);
  line('resample 24 → 44.1 kHz', (await timeAsync(() => resample([x], RATE, 44_100)))[1]);
  for (const preset of ['web', 'podcast', 'acx'] as PresetId[]) {
    const [r, s] = await timeAsync(() => master({ samples: x, sampleRate: RATE, channels: 1 }, preset));
    line(`master ${preset}${r.limitedSamples ? ' (limiter acted)' : ''}`, s);
    const [report, rs] = time(() => complianceReport(r.pcm, preset));
    line(`  its report (${report.pass ? 'pass' : 'FAIL'})`, rs);
  }
}

void main();
