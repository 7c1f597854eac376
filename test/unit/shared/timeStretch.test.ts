// The read-along player's speed control keeps the pitch: WSOLA on plain samples, in Node. A tone keeps its frequency
// at every speed the player offers (played faster by the source's playbackRate, 2x was an octave up), keeps its
// loudness, and the frames join without clicks; the length is the input's divided by the rate.
import * as assert from 'node:assert/strict';
import { PLAYER_RATES } from '../../../src/shared/playerProtocol';
import { timeStretch } from '../../../src/shared/timeStretch';

const RATE = 24_000;

function tone(hz: number, seconds: number, amplitude = 0.5): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
  return x;
}

/** Frequency from upward zero crossings over [from, to). */
function frequency(x: Float32Array, from: number, to: number): number {
  const ups: number[] = [];
  for (let i = from + 1; i < to; i++) if (x[i - 1] < 0 && x[i] >= 0) ups.push(i - 1 + -x[i - 1] / (x[i] - x[i - 1]));
  return ((ups.length - 1) * RATE) / (ups[ups.length - 1] - ups[0]);
}

function rms(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / (to - from));
}

suite('read-along speed: time-stretching at the same pitch', () => {
  const input = tone(220, 2);

  for (const rate of PLAYER_RATES.filter((r) => r !== 1)) {
    test(`${rate}x: the length is divided by the rate, the tone keeps its pitch and loudness, no click at the joins`, () => {
      const out = timeStretch(input, rate, RATE);
      assert.equal(out.length, Math.round(input.length / rate));
      // Away from the ends (the first half frame fades in).
      const from = Math.round(out.length * 0.1);
      const to = Math.round(out.length * 0.9);
      const hz = frequency(out, from, to);
      assert.ok(Math.abs(hz - 220) / 220 < 0.02, `${hz.toFixed(1)} Hz (played faster it would be ${(220 * rate).toFixed(0)} Hz)`);
      const level = rms(out, from, to) / rms(input, 0, input.length);
      assert.ok(level > 0.9 && level < 1.1, `loudness ×${level.toFixed(3)}`);
      // A sine's steepest step between samples is 2π f / rate × amplitude; a join out of phase would jump far more.
      const steepest = ((2 * Math.PI * 220) / RATE) * 0.5;
      let jump = 0;
      for (let i = from + 1; i < to; i++) jump = Math.max(jump, Math.abs(out[i] - out[i - 1]));
      assert.ok(jump < steepest * 1.25, `largest step ${jump.toFixed(4)} against ${steepest.toFixed(4)} for the pure tone`);
    });
  }

  for (const f0 of [90, 150, 240]) test(`a voiced sound at ${f0} Hz (a fundamental and its harmonics, as in speech) keeps every harmonic and no new one`, () => {
    const voiced = tone(f0, 2, 0.4).map((v, i) => v + 0.25 * Math.sin((2 * Math.PI * 2 * f0 * i) / RATE) + 0.15 * Math.sin((2 * Math.PI * 3 * f0 * i + 1) / RATE));
    const out = timeStretch(voiced, 1.5, RATE);
    // Goertzel magnitude at a frequency over the middle.
    const level = (x: Float32Array, hz: number) => {
      const from = Math.round(x.length * 0.2);
      const to = Math.round(x.length * 0.8);
      const w = (2 * Math.PI * hz) / RATE;
      let re = 0;
      let im = 0;
      for (let i = from; i < to; i++) {
        re += x[i] * Math.cos(w * i);
        im += x[i] * Math.sin(w * i);
      }
      return Math.hypot(re, im) / (to - from);
    };
    for (const hz of [f0, 2 * f0, 3 * f0]) {
      const kept = level(out, hz) / level(voiced, hz);
      assert.ok(kept > 0.9 && kept < 1.1, `${hz} Hz kept at ×${kept.toFixed(2)}`);
    }
    assert.ok(level(out, f0 * 1.5) < level(out, f0) * 0.05, 'nothing at 1.5× the fundamental (where playing faster would put it)');
  });

  test('at 1x the samples are the input’s; a sound shorter than a frame is resampled to the length; a bad rate is refused', () => {
    assert.deepEqual(timeStretch(input.subarray(0, 1000), 1, RATE), input.subarray(0, 1000));
    assert.equal(timeStretch(input.subarray(0, 100), 2, RATE).length, 50);
    assert.equal(timeStretch(new Float32Array(0), 2, RATE).length, 0);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => timeStretch(input, bad, RATE), RangeError);
  });
});
