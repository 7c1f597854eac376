// Mastering for publication (src/core/master): the meter on signals whose figures are known, the presets' rules as
// data, and the mastering checked by the same meter: podcast (-19 LUFS for mono, ≤ -1 dBTP, 44.1 kHz) on quiet,
// middling and loud inputs, ACX (RMS -23…-18, peaks ≤ -3 dBFS, noise floor ≤ -60 dB, room tone at both ends).
import * as assert from 'node:assert/strict';
import { CoreError } from '../../../../src/core/errors';
import { complianceReport, master, measure, PRESETS, loudnessTarget, ROOM_TONE_MIN_DB, toInt16, type Pcm } from '../../../../src/core/master';
import { limitTruePeak } from '../../../../src/core/master/limiter';
import { backgroundLevel, ungatedLoudness } from '../../../../src/core/master/meter';
import { synthesizePcm } from '../../../double/synth';
import { random } from './signals';
import { fromDb } from '../../../../src/core/master/pcm';
import { resample } from '../../../../src/core/master/resample';
import { integratedLoudness, truePeak } from '../../../../src/core/master/ebur128';
import { english } from '../../../../src/messages';
import { describePreset, describeRule, reportMarkdown, verdictText, verdictTitle } from '../../../../src/messages/master';

const TTS_RATE = 24_000;

function sine(hz: number, dbfs: number, seconds: number, rate = TTS_RATE, phase = 0): Float32Array {
  const a = fromDb(dbfs);
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) x[i] = a * Math.sin((2 * Math.PI * hz * i) / rate + phase);
  return x;
}

/** Pink noise (Paul Kellet's filter) scaled to `rmsDb` RMS. */
function pink(rmsDb: number, seconds: number, rate = TTS_RATE, seed = 7): Float32Array {
  const rnd = random(seed);
  const x = new Float32Array(Math.round(seconds * rate));
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < x.length; i++) {
    const w = rnd();
    b0 = 0.99886 * b0 + w * 0.0555179; b1 = 0.99332 * b1 + w * 0.0750759; b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856; b4 = 0.55 * b4 + w * 0.5329522; b5 = -0.7616 * b5 - w * 0.016898;
    x[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  return scaleToRms(x, rmsDb);
}

function scaleToRms(x: Float32Array, db: number): Float32Array {
  let s = 0;
  for (const v of x) s += v * v;
  const g = fromDb(db) / Math.sqrt(s / x.length);
  for (let i = 0; i < x.length; i++) x[i] *= g;
  return x;
}

/**
 * Speech-like bursts: "syllables" (a 140 Hz voice with harmonics, a raised-cosine envelope, varying lengths and
 * levels within 10 dB) with silences between, and 300 ms of silence at each end; the loudest sample at `peakDbfs`.
 */
function speech(peakDbfs: number, seconds: number, rate = TTS_RATE, seed = 3): Float32Array {
  const rnd = random(seed);
  const x = new Float32Array(Math.round(seconds * rate));
  let t = Math.round(0.3 * rate);
  const end = x.length - Math.round(0.3 * rate);
  while (t < end) {
    const len = Math.min(end - t, Math.round((0.12 + 0.2 * (rnd() + 1) / 2) * rate));
    const level = fromDb(-10 * (rnd() + 1) / 2);
    const f0 = 140 * (1 + 0.1 * rnd());
    for (let i = 0; i < len; i++) {
      const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / len);
      let v = 0;
      for (let h = 1; h <= 8; h++) v += Math.sin((2 * Math.PI * f0 * h * i) / rate + h) / h;
      x[t + i] = level * env * v;
    }
    t += len + Math.round((0.05 + 0.25 * (rnd() + 1) / 2) * rate);
  }
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  const g = fromDb(peakDbfs) / peak;
  for (let i = 0; i < x.length; i++) x[i] *= g;
  return x;
}

/** Tone bursts: `periods` × (1 s of a 1 kHz sine at `dbfs`, 1 s of digital silence). */
function bursts(dbfs: number, periods: number, rate = TTS_RATE): Float32Array {
  const x = new Float32Array(periods * 2 * rate);
  const tone = sine(1000, dbfs, 1, rate);
  for (let p = 0; p < periods; p++) x.set(tone, p * 2 * rate);
  return x;
}

const mono = (samples: Float32Array | Int16Array, sampleRate = TTS_RATE): Pcm => ({ samples, sampleRate, channels: 1 });

const near = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual.toFixed(3)}, expected ${expected} ± ${tolerance}`);

suite('master: the meter on signals of known level', () => {
  test('a 1 kHz sine at -20 dBFS, mono: -23.0 LUFS (BS.1770: -0.691 + 10·log10 of the K-weighted mean square), RMS -23.0 dB, peaks -20', () => {
    for (const rate of [TTS_RATE, 44_100, 48_000]) {
      const m = measure(mono(sine(1000, -20, 10, rate), rate));
      near(m.integratedLufs, -23.0, 0.3, `integrated at ${rate} Hz`);
      near(m.rmsDb, -23.01, 0.05, 'RMS');
      near(m.samplePeakDbfs, -20, 0.05, 'sample peak');
      near(m.truePeakDbtp, -20, 0.3, 'true peak');
      near(m.loudnessRangeLu, 0, 0.3, 'loudness range of a steady tone');
      near(m.durationSeconds, 10, 1e-9, 'duration');
      assert.equal(m.sampleRate, rate);
    }
  });

  test('the same sine in both channels of a stereo file: -20.0 LUFS (each channel counts, weight 1)', () => {
    const x = sine(1000, -20, 10);
    const stereo = new Float32Array(x.length * 2);
    for (let i = 0; i < x.length; i++) stereo[2 * i] = stereo[2 * i + 1] = x[i];
    near(measure({ samples: stereo, sampleRate: TTS_RATE, channels: 2 }).integratedLufs, -20.0, 0.3, 'integrated');
  });

  test('16-bit samples measure as their float values', () => {
    const x = sine(1000, -20, 5);
    const a = measure(mono(x));
    const b = measure(mono(toInt16(x)));
    near(b.integratedLufs, a.integratedLufs, 0.01, 'integrated');
    near(b.rmsDb, a.rmsDb, 0.01, 'RMS');
  });

  test('true peak between samples: a 6 kHz sine at a quarter of 24 kHz, 45° off the samples, peaks 3 dB above them', () => {
    const m = measure(mono(sine(6000, -20, 5, TTS_RATE, Math.PI / 4)));
    near(m.samplePeakDbfs, -23.01, 0.05, 'sample peak');
    near(m.truePeakDbtp, -20, 0.3, 'true peak');
  });

  test('pink noise at -20 dB RMS: the meter agrees with the K-weighted mean square (a steady signal passes the gates), and follows a 6 dB gain', () => {
    const x = pink(-20, 20);
    const m = measure(mono(x));
    near(m.rmsDb, -20, 0.01, 'RMS');
    near(m.integratedLufs, ungatedLoudness([x], TTS_RATE), 0.3, 'integrated vs ungated K-weighted');
    // The quietest of ~400 windows of a noise whose power sits in the lows: a little under the whole file's RMS.
    near(m.noiseFloorDb, -20, 1.5, 'noise floor of a steady noise');
    assert.ok(m.loudnessRangeLu < 2, `loudness range ${m.loudnessRangeLu}`);
    near(measure(mono(pink(-14, 20))).integratedLufs, m.integratedLufs + 6, 0.05, 'after +6 dB');
  });

  test('tone bursts with silence between: the gates leave the silence out (-24.1 LUFS, not the -26.0 of the plain average)', () => {
    // 400 ms blocks every 100 ms over 1 s on / 1 s off: per period 7 full blocks and 3 half-in edge blocks on each
    // side (¾, ½, ¼ of the tone), the silent ones below -70 LUFS; every edge block is within 10 LU of the mean, so
    // the level is the tone's -23.0 + 10·log10(98.5 / 127) = -24.10 (10 periods, 9 rising edges).
    const x = bursts(-20, 10);
    const m = measure(mono(x));
    near(m.integratedLufs, -24.1, 0.3, 'integrated');
    near(m.rmsDb, -26.02, 0.05, 'RMS (whole file, silence included)');
    assert.ok(m.noiseFloorDb <= -120, `noise floor of digital silence: ${m.noiseFloorDb}`);
  });

  test('loudness range (EBU Tech 3342 case 1): 20 s at -20 dBFS then 20 s at -30 dBFS is 10 LU', () => {
    const x = new Float32Array(40 * TTS_RATE);
    x.set(sine(1000, -20, 20), 0);
    x.set(sine(1000, -30, 20), 20 * TTS_RATE);
    near(measure(mono(x)).loudnessRangeLu, 10, 0.3, 'loudness range');
  });

  test('noise floor: the RMS of the quietest 500 ms (room tone at -70 dB under speech with a 1.5 s pause)', () => {
    const x = new Float32Array(9.5 * TTS_RATE);
    x.set(speech(-6, 4), 0);
    x.set(speech(-6, 4, TTS_RATE, 5), Math.round(5.5 * TTS_RATE));
    const tone = pink(-70, 9.5, TTS_RATE, 11);
    for (let i = 0; i < x.length; i++) x[i] += tone[i];
    const m = measure(mono(x));
    near(m.noiseFloorDb, -70, 1, 'noise floor');
    near(m.headSilenceSeconds, 0.3, 0.05, 'quiet head');
    // At least the 300 ms the speech ends with, and the gap after its last syllable.
    assert.ok(m.tailSilenceSeconds >= 0.3 && m.tailSilenceSeconds < 0.7, `quiet tail ${m.tailSilenceSeconds}`);
  });

  test('more than two channels is refused as a problem with data', () => {
    assert.throws(() => measure({ samples: new Float32Array(30), sampleRate: TTS_RATE, channels: 3 }), (e: unknown) => e instanceof CoreError && e.problem.kind === 'badRequest' && e.field === 'channels');
  });
});

suite('master: presets and the compliance report', () => {
  test('podcast aims at -19 LUFS for mono, -16 for stereo; web at -16 for both', () => {
    assert.equal(loudnessTarget(PRESETS.podcast, 1), -19);
    assert.equal(loudnessTarget(PRESETS.podcast, 2), -16);
    assert.equal(loudnessTarget(PRESETS.web, 1), -16);
    assert.equal(loudnessTarget(PRESETS.none, 1), undefined);
  });

  test('an unmastered 24 kHz file fails the podcast rules it breaks, as data', () => {
    const r = complianceReport(mono(speech(-30, 8)), 'podcast');
    assert.equal(r.pass, false);
    const byRule = Object.fromEntries(r.rules.map((x) => [x.rule, x]));
    assert.deepEqual(Object.keys(byRule).sort(), ['integratedLoudness', 'sampleRate', 'truePeak']);
    assert.equal(byRule.integratedLoudness.pass, false);
    assert.deepEqual(byRule.integratedLoudness.limit, { min: -19.5, max: -18.5 });
    assert.equal(byRule.truePeak.pass, true);
    assert.deepEqual(byRule.sampleRate, { rule: 'sampleRate', limit: { min: 44_100, max: 44_100 }, measured: 24_000, pass: false });
  });

  test('acx has its seven rules; none has none and passes', () => {
    const r = complianceReport(mono(speech(-6, 8)), 'acx');
    assert.deepEqual(r.rules.map((x) => x.rule), ['rms', 'samplePeak', 'noiseFloor', 'sampleRate', 'roomToneHead', 'roomToneTail']);
    assert.equal(r.pass, false);
    const none = complianceReport(mono(speech(-6, 8)), 'none');
    assert.deepEqual(none.rules, []);
    assert.equal(none.pass, true);
  });

  test('each rule and preset has words, with the figures in them', () => {
    const acx = complianceReport(mono(speech(-6, 8)), 'acx');
    const podcast = complianceReport(mono(speech(-6, 8)), 'podcast');
    const words = [...acx.rules, ...podcast.rules].map((r) => describeRule(r, english));
    // Nine rules, eight kinds: the sample rate is in both presets, in the same words.
    assert.equal(new Set(words).size, 8, words.join('\n'));
    for (const w of words) assert.doesNotMatch(w, /\{\d\}|undefined|NaN/, w);
    assert.ok(words.includes('Sample rate 24000 Hz (required: 44100 Hz)'), words.join('\n'));
    assert.ok(words.includes('Room tone at the start 0.30 s (allowed: 0.50 to 1.00 s)'), words.join('\n'));
    assert.equal(describePreset('acx', english), 'Audiobook (ACX)');
  });
});

suite('master: the report in words', () => {
  test('the verdict and the Markdown report: every figure, each rule with ✓ or ✗, what was measured', () => {
    const pcm = mono(sine(1000, -30, 4), TTS_RATE);
    const report = complianceReport(pcm, 'acx');
    const failed = report.rules.filter((r) => !r.pass);
    assert.ok(failed.length >= 2, 'a quiet 24 kHz sine with no room tone fails ACX');
    assert.equal(verdictTitle(report, english), `${failed.length} problems for Audiobook (ACX)`);
    assert.match(verdictText(report, english), new RegExp(`^${failed.length} problems: .*Sample rate 24000 Hz \\(required: 44100 Hz\\)`));
    const doc = reportMarkdown('a_b.mp3', { preset: 'acx', report, measured: 'encoderInput', sampleRate: 24_000, kbps: 192, gainDb: 0, limitedSamples: 0, offsetSeconds: 0, durationSec: 4 }, english);
    assert.match(doc, /^# Compliance report: a\\_b\.mp3\n/);
    assert.ok(doc.includes('| Bitrate | 192 kbit/s CBR |'), doc);
    assert.ok(doc.includes('| Sample rate | 24000 Hz |'), doc);
    assert.ok(doc.includes('handed to the MP3 encoder'), doc);
    assert.equal((doc.match(/^- ✗ /gm) ?? []).length, failed.length);
    assert.equal((doc.match(/^- [✓✗] /gm) ?? []).length, report.rules.length);
    const passing = complianceReport(pcm, 'none');
    assert.equal(verdictTitle(passing, english), 'Meets As narrated (no mastering)');
  });
});

suite('master: resampling', function () {
  this.timeout(60_000);

  test('24 → 44.1 kHz keeps the length to the sample, the level and the pitch (a long file too: the filter is flushed)', async () => {
    for (const seconds of [1, 61]) {
      const x = sine(1000, -20, seconds);
      const [y] = await resample([x], TTS_RATE, 44_100);
      assert.equal(y.length, seconds * 44_100);
      const tail = measure(mono(y.subarray(y.length - 441), 44_100)); // ten whole cycles
      near(tail.rmsDb, -23.01, 0.1, `RMS of the last 10 ms of ${seconds} s`);
      let ups = 0;
      for (let i = 1; i < 44_100; i++) if (y[i - 1] < 0 && y[i] >= 0) ups++;
      near(ups, 1000, 1, 'cycles in the first second');
    }
  });
});

suite('master: the limiter', () => {
  test('a full-scale sine limited to -1 dBTP measures at most -1 dBTP, and keeps its level just under', () => {
    const x = sine(997, 0, 5, 44_100);
    const n = limitTruePeak([x], 44_100, -1);
    assert.ok(n > 0);
    const tp = truePeak(44_100, [x]);
    assert.ok(tp <= -1, `true peak ${tp}`);
    assert.ok(tp > -1.5, `true peak ${tp}: turned down more than needed`);
  });

  test('a signal under the ceiling is left exactly as it was', () => {
    const x = speech(-6, 4);
    const copy = Float32Array.from(x);
    assert.equal(limitTruePeak([x], TTS_RATE, -1), 0);
    assert.deepEqual(x, copy);
  });
});

suite('master: mastering to a preset', function () {
  this.timeout(60_000);

  for (const peak of [-30, -18, -6]) {
    test(`podcast from speech peaking at ${peak} dBFS: -19 ± 0.5 LUFS, ≤ -1 dBTP, 44.1 kHz, and its report passes`, async () => {
      const r = await master(mono(speech(peak, 12)), 'podcast');
      assert.equal(r.pcm.sampleRate, 44_100);
      near(r.pcm.samples.length / 44_100, 12, 0.01, 'duration');
      const m = measure(r.pcm);
      near(m.integratedLufs, -19, 0.5, 'integrated');
      assert.ok(m.truePeakDbtp <= -1, `true peak ${m.truePeakDbtp}`);
      const report = complianceReport(r.pcm, 'podcast');
      assert.ok(report.pass, JSON.stringify(report.rules));
      // Still on target once written as 16-bit samples.
      near(measure({ ...r.pcm, samples: toInt16(r.pcm.samples) }).integratedLufs, -19, 0.5, 'integrated, 16-bit');
    });
  }

  test('podcast where the gain alone would pass the ceiling (a loud click in quiet speech): the limiter acts, the level stays on target', async () => {
    const x = speech(-30, 12);
    x[5 * TTS_RATE] = 0.9; // one click far louder than the speech
    const r = await master(mono(x), 'podcast');
    assert.ok(r.limitedSamples > 0, 'the limiter acted');
    const m = measure(r.pcm);
    near(m.integratedLufs, -19, 0.5, 'integrated');
    assert.ok(m.truePeakDbtp <= -1, `true peak ${m.truePeakDbtp}`);
  });

  test('web: -16 LUFS, the TTS rate kept', async () => {
    const r = await master(mono(pink(-35, 10)), 'web');
    assert.equal(r.pcm.sampleRate, TTS_RATE);
    const report = complianceReport(r.pcm, 'web');
    near(report.measurement.integratedLufs, -16, 0.5, 'integrated');
    assert.ok(report.pass, JSON.stringify(report.rules));
  });

  test('none: the samples untouched', async () => {
    const x = speech(-6, 3);
    const r = await master(mono(x), 'none');
    assert.deepEqual(r.pcm, { samples: x, sampleRate: TTS_RATE, channels: 1 });
    assert.equal(r.gainDb, 0);
  });

  for (const peak of [-30, -18, -1]) {
    test(`acx from speech peaking at ${peak} dBFS: RMS in -23…-18, peaks ≤ -3 dBFS, noise floor ≤ -60 dB, 44.1 kHz, room tone 0.5–1 s / 1–5 s`, async () => {
      const r = await master(mono(speech(peak, 12)), 'acx');
      const m = measure(r.pcm);
      assert.equal(m.sampleRate, 44_100);
      assert.ok(m.rmsDb >= -23 && m.rmsDb <= -18, `RMS ${m.rmsDb}`);
      near(m.rmsDb, -20, 0.5, 'RMS aimed at -20');
      assert.ok(m.samplePeakDbfs <= -3, `sample peak ${m.samplePeakDbfs}`);
      assert.ok(m.noiseFloorDb <= -60, `noise floor ${m.noiseFloorDb}`);
      assert.ok(m.headSilenceSeconds >= 0.5 && m.headSilenceSeconds <= 1, `head ${m.headSilenceSeconds}`);
      assert.ok(m.tailSilenceSeconds >= 1 && m.tailSilenceSeconds <= 5, `tail ${m.tailSilenceSeconds}`);
      // Room tone, not digital silence (the speech has digital silence between words: the tone gets the minimum).
      const head = measure({ ...r.pcm, samples: r.pcm.samples.subarray(0, Math.round(0.5 * 44_100)) });
      near(head.rmsDb, ROOM_TONE_MIN_DB, 0.5, 'room tone RMS');
      const report = complianceReport({ ...r.pcm, samples: toInt16(r.pcm.samples) }, 'acx');
      assert.ok(report.pass, JSON.stringify(report.rules));
    });
  }

  test('acx: the head and tail silence is replaced, not added to (2 s of silence at each end in, 0.75 s and 2 s out)', async () => {
    const x = new Float32Array(12 * TTS_RATE);
    x.set(speech(-10, 8), 2 * TTS_RATE);
    const r = await master(mono(x), 'acx');
    const m = measure(r.pcm);
    near(m.headSilenceSeconds, 0.75, 0.1, 'head');
    near(m.tailSilenceSeconds, 2, 0.1, 'tail');
    assert.deepEqual(r.roomTone, { headSeconds: 0.75, tailSeconds: 2, levelDb: ROOM_TONE_MIN_DB });
  });

  test('acx room tone matches the background: speech over -75 dB hiss gets its tone at the hiss level after the gain', async () => {
    const x = speech(-10, 10);
    const hiss = pink(-75, 10, TTS_RATE, 9);
    for (let i = 0; i < x.length; i++) x[i] += hiss[i];
    const r = await master(mono(x), 'acx');
    assert.ok(r.roomTone, 'room tone added');
    // The hiss after the gain: -75 dB plus what the gain added (the background estimate is a 5th percentile of 50 ms blocks).
    near(r.roomTone.levelDb, -75 + r.gainDb, 2, 'room tone level');
    assert.ok(complianceReport(r.pcm, 'acx').pass);
  });

  test('acx does not hide a noisy recording behind quiet room tone: hiss at -45 dB under the speech fails the noise-floor rule (no noise reduction here)', async () => {
    const x = speech(-10, 10);
    const hiss = pink(-45, 10, TTS_RATE, 9);
    for (let i = 0; i < x.length; i++) x[i] += hiss[i];
    const r = await master(mono(x), 'acx');
    const report = complianceReport(r.pcm, 'acx');
    const floor = report.rules.find((x) => x.rule === 'noiseFloor');
    assert.equal(floor?.pass, false, JSON.stringify(floor));
    assert.equal(report.pass, false);
  });

  // The editor's "Export with acx" test narrates a heading and a sentence with the double: the sentence's pause is at its
  // end (cut as edge silence), the heading's (44 ms) is shorter than a 50 ms block, so no block is a pause. Before
  // backgroundLevel knew that, the "background" was the tone itself and the room tone went to its cap, -50 dB: the
  // noise floor failed (-50 > -60), and so did the head and tail (room tone at -50 does not count as silence).
  for (const [name, tones] of [
    ['the double\'s default tone (no pause at all)', [{}, {}]],
    ['a heading and a sentence at -30 dBFS, 20 % pause at the end of each clip', [{ levelDb: -30, pause: 0.2 }, { levelDb: -30, pause: 0.2 }]],
    ['a cached heading without pause, then a sentence with one', [{}, { levelDb: -30, pause: 0.2 }]],
  ] as const) {
    test(`acx on TTS clips joined end to end with no pause between words (${name}): clean room tone, the report passes`, async () => {
      const texts = ['Chapter one.', 'The audiobook begins on a quiet morning (1765086000000). The narrator reads it at an even pace.'];
      const joined = Buffer.concat(texts.map((t, i) => synthesizePcm(t, tones[i])));
      const samples = new Int16Array(joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.length));
      const r = await master(mono(samples), 'acx');
      assert.equal(r.roomTone?.levelDb, ROOM_TONE_MIN_DB);
      const report = complianceReport({ ...r.pcm, samples: toInt16(r.pcm.samples) }, 'acx');
      assert.ok(report.pass, JSON.stringify(report.rules));
    });
  }

  test('the background is measured in pauses only: a steady tone has none (undefined), speech over hiss has the hiss', () => {
    assert.equal(backgroundLevel([sine(220, -30, 3)], TTS_RATE), undefined);
    const x = speech(-10, 10);
    const hiss = pink(-55, 10, TTS_RATE, 9);
    for (let i = 0; i < x.length; i++) x[i] += hiss[i];
    near(backgroundLevel([x], TTS_RATE) as number, -55, 2, 'background');
  });

  test('stereo: podcast aims at -16 LUFS, one gain and one limiter for both channels (the image does not move)', async () => {
    const l = speech(-20, 8, TTS_RATE, 3);
    const r0 = speech(-26, 8, TTS_RATE, 4);
    const x = new Float32Array(l.length * 2);
    for (let i = 0; i < l.length; i++) { x[2 * i] = l[i]; x[2 * i + 1] = r0[i]; }
    const r = await master({ samples: x, sampleRate: TTS_RATE, channels: 2 }, 'podcast');
    assert.equal(r.pcm.channels, 2);
    const report = complianceReport(r.pcm, 'podcast');
    near(report.measurement.integratedLufs, -16, 0.5, 'integrated');
    assert.ok(report.pass, JSON.stringify(report.rules));
    const channel = (c: number): number => {
      const y = new Float32Array(r.pcm.samples.length / 2);
      for (let i = 0; i < y.length; i++) y[i] = r.pcm.samples[2 * i + c];
      return measure(mono(y, 44_100)).rmsDb;
    };
    near(channel(0) - channel(1), measure(mono(l)).rmsDb - measure(mono(r0)).rmsDb, 0.2, 'left minus right');
  });

  test('an empty file masters to an empty file (podcast) or to room tone alone (acx), without throwing', async () => {
    const p = await master(mono(new Float32Array(0)), 'podcast');
    assert.equal(p.pcm.samples.length, 0);
    const a = await master(mono(new Int16Array(0)), 'acx');
    assert.equal(a.pcm.samples.length, Math.round(2.75 * 44_100));
    assert.equal(complianceReport(a.pcm, 'acx').rules.find((x) => x.rule === 'rms')?.pass, false);
  });

  test('the meter used by mastering is the R128 one: integrated loudness of silence is the floor, not a number', () => {
    assert.ok(!Number.isFinite(integratedLoudness(TTS_RATE, [new Float32Array(TTS_RATE)])) || integratedLoudness(TTS_RATE, [new Float32Array(TTS_RATE)]) < -70);
    assert.equal(measure(mono(new Float32Array(TTS_RATE))).integratedLufs, -120);
  });
});
