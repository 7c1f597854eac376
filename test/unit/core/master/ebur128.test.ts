// The EBU R128 meter (src/core/master/ebur128.ts) against libebur128 itself (the Rust `ebur128` crate in WebAssembly,
// npm `ebur128-wasm`, which the extension shipped before and which stays here as the reference): integrated loudness
// and true peak agree to 0.001 LU / dB on tones, inter-sample peaks, noise, speech-like bursts with pauses (where the
// gates decide), near-silence under the absolute gate, stereo, input shorter than one gating block and digital
// silence, at every rate from 8 to 192 kHz (4x oversampling under 96 kHz, 2x under 192 kHz, none above).
import * as assert from 'node:assert/strict';
import { integratedLoudness, truePeak } from '../../../../src/core/master/ebur128';
import { referenceIntegratedLoudness, referenceTruePeak } from './libebur128';
import { random } from './signals';

const RATES = [8_000, 16_000, 22_050, 24_000, 44_100, 48_000, 88_200, 96_000, 192_000];

type Signal = (rate: number, seconds: number) => Float32Array;

function make(f: (t: number, i: number, rnd: () => number) => number): Signal {
  return (rate, seconds) => {
    const rnd = random(rate);
    const x = new Float32Array(Math.round(rate * seconds));
    for (let i = 0; i < x.length; i++) x[i] = f(i / rate, i, rnd);
    return x;
  };
}

const SIGNALS: Record<string, Signal> = {
  'a 997 Hz tone at -6 dBFS': make((t) => 0.5 * Math.sin(2 * Math.PI * 997 * t)),
  // A quarter of the rate, 45° off the samples: every sample sits 3 dB under the peak between them.
  'inter-sample peaks (fs/4 at 45°)': make((_t, i) => 0.9 * Math.sin((Math.PI / 2) * i + Math.PI / 4)),
  'white noise': make((_t, _i, rnd) => 0.3 * rnd()),
  'speech-like bursts with pauses': make((t, _i, rnd) => (Math.floor(t / 0.7) % 3 === 0 ? 0.001 : 0.4) * Math.sin(2 * Math.PI * 220 * t) * (1 + 0.5 * rnd())),
  'noise under the absolute gate': make((_t, _i, rnd) => 0.0002 * rnd()),
  'a fade from loud to quiet': make((t) => Math.pow(10, (-60 * t) / 3.3 / 20) * Math.sin(2 * Math.PI * 440 * t)),
};

function near(actual: number, expected: number, what: string): void {
  if (expected === -Infinity) return assert.equal(actual, -Infinity, `${what}: ${actual}, libebur128 -Infinity`);
  assert.ok(Math.abs(actual - expected) <= 0.001, `${what}: ${actual}, libebur128 ${expected}`);
}

suite('EBU R128 meter, held to libebur128', () => {
  for (const [name, signal] of Object.entries(SIGNALS)) {
    test(`${name}: the same integrated loudness and true peak at ${RATES.length} rates`, () => {
      for (const rate of RATES) {
        const x = signal(rate, 3.3);
        near(integratedLoudness(rate, [x]), referenceIntegratedLoudness(rate, [x]), `integrated loudness at ${rate} Hz`);
        near(truePeak(rate, [x]), referenceTruePeak(rate, [x]), `true peak at ${rate} Hz`);
      }
    });
  }

  test('stereo: both channels weigh in the loudness, the louder one gives the true peak', () => {
    for (const rate of [24_000, 44_100, 48_000]) {
      const l = SIGNALS['speech-like bursts with pauses'](rate, 5);
      const r = SIGNALS['white noise'](rate, 5).map((v) => v * 0.3);
      near(integratedLoudness(rate, [l, r]), referenceIntegratedLoudness(rate, [l, r]), `stereo loudness at ${rate} Hz`);
      near(truePeak(rate, [l, r]), referenceTruePeak(rate, [l, r]), `stereo true peak at ${rate} Hz`);
      near(truePeak(rate, [r, l]), truePeak(rate, [l, r]), 'the channels\u2019 order');
    }
  });

  test('shorter than one 400 ms block: no loudness (-Infinity), a true peak all the same', () => {
    const x = SIGNALS['a 997 Hz tone at -6 dBFS'](24_000, 0.35);
    assert.equal(referenceIntegratedLoudness(24_000, [x]), -Infinity);
    assert.equal(integratedLoudness(24_000, [x]), -Infinity);
    near(truePeak(24_000, [x]), referenceTruePeak(24_000, [x]), 'true peak');
  });

  test('digital silence: -Infinity for both, as libebur128 says', () => {
    const x = new Float32Array(48_000);
    assert.equal(integratedLoudness(24_000, [x]), referenceIntegratedLoudness(24_000, [x]));
    assert.equal(truePeak(24_000, [x]), referenceTruePeak(24_000, [x]));
    assert.equal(truePeak(24_000, [x]), -Infinity);
  });

  test('known figures: a stereo 1 kHz sine at -23 dBFS reads -23.0 LUFS (EBU Tech 3341, test 1); fs/4 at 45° peaks 3 dB (±0.3: the filter\u2019s ripple) over its samples', () => {
    const x = make((t) => Math.pow(10, -23 / 20) * Math.sin(2 * Math.PI * 1000 * t))(48_000, 20);
    assert.ok(Math.abs(integratedLoudness(48_000, [x, x]) - -23) < 0.1, `${integratedLoudness(48_000, [x, x])}`);
    const y = SIGNALS['inter-sample peaks (fs/4 at 45°)'](48_000, 1);
    const samplePeakDb = 20 * Math.log10(Math.max(...Array.from(y, Math.abs)));
    const over = truePeak(48_000, [y]) - samplePeakDb;
    assert.ok(over > 2.7 && over < 3.3, `true peak ${over.toFixed(2)} dB over the sample peak`);
  });
});
