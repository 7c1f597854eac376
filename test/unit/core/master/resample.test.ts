// The resampler (src/core/master/resample.ts, our own windowed-sinc polyphase filter) against libsamplerate
// (`@alexanderolsen/libsamplerate-js`, a devDependency kept for this check only: it is too big to ship): a sine and a
// sweep at 24 kHz taken to 44.1 kHz by both agree within -60 dB, measure the same loudness (±0.1 LU), and are exactly
// n·147/80 samples long.
import * as assert from 'node:assert/strict';
import { integratedLoudness } from '../../../../src/core/master/ebur128';
import { fromDb } from '../../../../src/core/master/pcm';
import { resample, resampleChannel } from '../../../../src/core/master/resample';

const FROM = 24_000;
const TO = 44_100;

/** libsamplerate's SINC_MEDIUM_QUALITY, flushed with silence and cut to n·to/from, as the former resample.ts did. */
async function reference(x: Float32Array, from: number, to: number): Promise<Float32Array> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { create, ConverterType } = require('@alexanderolsen/libsamplerate-js') as typeof import('@alexanderolsen/libsamplerate-js');
  const src = await create(1, from, to, { converterType: ConverterType.SRC_SINC_MEDIUM_QUALITY });
  try {
    const padded = new Float32Array(x.length + Math.ceil(0.05 * from));
    padded.set(x);
    const y = src.simple(padded);
    const out = new Float32Array(Math.round((x.length * to) / from));
    out.set(y.subarray(0, Math.min(out.length, y.length)));
    return out;
  } finally {
    src.destroy();
  }
}

function sine(hz: number, dbfs: number, seconds: number): Float32Array {
  const a = fromDb(dbfs);
  const x = new Float32Array(seconds * FROM);
  for (let i = 0; i < x.length; i++) x[i] = a * Math.sin((2 * Math.PI * hz * i) / FROM);
  return x;
}

/** A logarithmic sweep from `f0` to `f1` Hz, faded in and out over 50 ms (no click for either filter to smear). */
function sweep(f0: number, f1: number, dbfs: number, seconds: number): Float32Array {
  const a = fromDb(dbfs);
  const x = new Float32Array(seconds * FROM);
  const k = Math.log(f1 / f0);
  const fade = 0.05 * FROM;
  for (let i = 0; i < x.length; i++) {
    const t = i / FROM;
    const phase = (2 * Math.PI * f0 * seconds * (Math.exp((t / seconds) * k) - 1)) / k;
    const env = Math.min(1, i / fade, (x.length - 1 - i) / fade);
    x[i] = a * env * Math.sin(phase);
  }
  return x;
}

/** The error of `y` against `ref`, dB relative to `ref`'s energy, away from the first and last 20 ms. */
function errorDb(y: Float32Array, ref: Float32Array): number {
  const edge = Math.round(0.02 * TO);
  let e = 0;
  let s = 0;
  for (let i = edge; i < ref.length - edge; i++) {
    e += (y[i] - ref[i]) ** 2;
    s += ref[i] ** 2;
  }
  return 10 * Math.log10(e / s);
}

suite('master: the resampler against libsamplerate', function () {
  this.timeout(60_000);

  for (const [name, make] of [
    ['a 1 kHz sine', () => sine(1000, -20, 3)],
    ['a 5 kHz sine', () => sine(5000, -12, 3)],
    ['a sweep 50 Hz → 9 kHz', () => sweep(50, 9000, -10, 4)],
  ] as const) {
    test(`${name}: within -60 dB of libsamplerate, the same loudness (±0.1 LU), the length exact`, async () => {
      const x = make();
      const [y] = await resample([x], FROM, TO);
      const ref = await reference(x, FROM, TO);
      assert.equal(y.length, (x.length * 147) / 80);
      assert.equal(y.length, ref.length);
      const err = errorDb(y, ref);
      assert.ok(err <= -60, `error ${err.toFixed(1)} dB`);
      const diff = integratedLoudness(TO, [y]) - integratedLoudness(TO, [ref]);
      assert.ok(Math.abs(diff) <= 0.1, `loudness differs by ${diff.toFixed(3)} LU`);
    });
  }

  test('the length is round(n·to/from) for odd lengths and other rates, and equal rates give the input back', async () => {
    for (const n of [0, 1, 7, 1001, 24_001]) {
      assert.equal(resampleChannel(new Float32Array(n), FROM, TO).length, Math.round((n * TO) / FROM));
      assert.equal(resampleChannel(new Float32Array(n), 48_000, 44_100).length, Math.round((n * 44_100) / 48_000));
    }
    const x = sine(440, -6, 1);
    assert.equal((await resample([x], FROM, FROM))[0], x);
  });

  test('downsampling 48 → 24 kHz removes what lies above the new Nyquist (no alias of a 15 kHz tone)', () => {
    const rate = 48_000;
    const x = new Float32Array(rate);
    for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 15_000 * i) / rate);
    const y = resampleChannel(x, rate, FROM);
    let s = 0;
    for (let i = 1000; i < y.length - 1000; i++) s += y[i] * y[i];
    const db = 10 * Math.log10(s / (y.length - 2000)) - 20 * Math.log10(0.5 / Math.SQRT2);
    assert.ok(db < -50, `alias at ${db.toFixed(1)} dB`);
  });
});
