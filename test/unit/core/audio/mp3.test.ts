import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { encodeWavFileToMp3, Mp3StreamEncoder } from '../../../../src/core/audio/mp3';
import { encodeInWorker } from '../../../../src/core/audio/mp3Worker';
import { CoreError, type Problem } from '../../../../src/core/errors';
import { describeProblem, english } from '../../../../src/messages/index';
import { sniffAudio } from '../../../../src/core/audio/sniff';
import { pcmToWav, wavHeader } from '../../../../src/core/audio/wav';

/** A rejection that is a CoreError with exactly `problem`, whose English sentence matches `said`. */
const mp3Problem = (problem: Problem, said: RegExp) => (e: unknown) => {
  assert.ok(e instanceof CoreError, String(e));
  assert.deepEqual(e.problem, problem);
  assert.match(describeProblem(e.problem, english).message, said);
  return true;
};

/** `seconds` of a 440 Hz sine as 16-bit little-endian PCM, `channels` interleaved. */
function sine(seconds: number, sampleRate = 24000, channels = 1): Buffer {
  const frames = Math.round(seconds * sampleRate);
  const b = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
    for (let c = 0; c < channels; c++) b.writeInt16LE(c === 1 ? -v : v, (i * channels + c) * 2);
  }
  return b;
}

/** Feeds `pcm` to the encoder in pieces of the given (mostly odd) sizes, cycling. */
function encodeInPieces(encoder: Mp3StreamEncoder, pcm: Buffer, sizes: number[]): Buffer {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < pcm.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(encoder.encode(pcm.subarray(at, at + n)));
    at += n;
  }
  out.push(encoder.flush());
  return Buffer.concat(out);
}

// music-metadata is ESM only: imported dynamically, as src/core/audio/probe.ts does (a static import compiles to a
// require here, whose copy of the package finds no parser for audio/mpeg).
async function parseBuffer(bytes: Uint8Array, info: { mimeType: string; size: number }, options: { duration: boolean }) {
  return (await import('music-metadata')).parseBuffer(bytes, info, options);
}

async function parseFile(path: string, options: { duration: boolean }) {
  return (await import('music-metadata')).parseFile(path, options);
}

async function mp3Duration(mp3: Uint8Array): Promise<number> {
  const meta = await parseBuffer(mp3, { mimeType: 'audio/mpeg', size: mp3.length }, { duration: true });
  return meta.format.duration ?? NaN;
}

suite('mp3: stream encoder', () => {
  test('3.0 s of 24 kHz mono fed in odd-sized pieces decodes to 3.0 s (±0.1)', async () => {
    const encoder = await Mp3StreamEncoder.create({ sampleRate: 24000, channels: 1, kbps: 64 });
    const mp3 = encodeInPieces(encoder, sine(3), [1, 4095, 333, 7, 10_001, 2]);
    assert.equal(encoder.samplesEncoded, 72_000);
    assert.equal(sniffAudio(mp3), 'mp3');
    const meta = await parseBuffer(mp3, { mimeType: 'audio/mpeg', size: mp3.length }, { duration: true });
    assert.equal(meta.format.sampleRate, 24000);
    assert.equal(meta.format.numberOfChannels, 1);
    assert.ok(Math.abs((meta.format.duration ?? 0) - 3) <= 0.1, `decoded ${meta.format.duration} s`);
    // 64 kbit/s for 3 s is 24 000 bytes; allow for the encoder's padding frames
    assert.ok(mp3.length > 20_000 && mp3.length < 30_000, `${mp3.length} bytes`);
  });

  test('the same PCM in one piece or in odd pieces gives the same MP3 (the carried half sample is not lost)', async () => {
    const pcm = sine(1);
    const whole = encodeInPieces(await Mp3StreamEncoder.create(), pcm, [pcm.length]);
    const pieces = encodeInPieces(await Mp3StreamEncoder.create(), pcm, [3, 1, 1, 5, 999]);
    assert.ok(whole.equals(pieces));
  });

  test('pieces at odd byte offsets of a larger buffer are read correctly', async () => {
    const pcm = sine(0.5);
    const shifted = Buffer.alloc(pcm.length + 1);
    pcm.copy(shifted, 1);
    const a = encodeInPieces(await Mp3StreamEncoder.create(), pcm, [pcm.length]);
    const b = encodeInPieces(await Mp3StreamEncoder.create(), shifted.subarray(1), [pcm.length]);
    assert.ok(a.equals(b));
  });

  test('stereo at 44.1 kHz: channels are kept, duration right', async () => {
    const encoder = await Mp3StreamEncoder.create({ sampleRate: 44100, channels: 2, kbps: 128 });
    const mp3 = encodeInPieces(encoder, sine(2, 44100, 2), [4097, 3]);
    const meta = await parseBuffer(mp3, { mimeType: 'audio/mpeg', size: mp3.length }, { duration: true });
    assert.equal(meta.format.numberOfChannels, 2);
    assert.ok(Math.abs((meta.format.duration ?? 0) - 2) <= 0.1, `decoded ${meta.format.duration} s`);
  });

  test('encode after flush is an error; no PCM gives a tiny valid stream or nothing', async () => {
    const encoder = await Mp3StreamEncoder.create();
    assert.equal(encoder.encode(new Uint8Array(0)).length, 0);
    encoder.flush();
    assert.throws(() => encoder.encode(new Uint8Array(2)), /already flushed/);
    assert.throws(() => encoder.flush(), /already flushed/);
  });

  test('more than 2 channels, or a bitrate or MP3 sample rate LAME does not have, is refused', async () => {
    await assert.rejects(Mp3StreamEncoder.create({ channels: 3 as 2 }), RangeError);
    await assert.rejects(Mp3StreamEncoder.create({ kbps: 65 }), RangeError);
    await assert.rejects(Mp3StreamEncoder.create({ outputSampleRate: 44000 as 44100 }), RangeError);
  });
});

suite('mp3: WAV file to MP3 file', () => {
  let dir: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'gvc-mp3-'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  test('a 3 s WAV becomes a 3 s MP3, read in small blocks; no partial file is left', async () => {
    const wav = join(dir, 'in.wav');
    await writeFile(wav, pcmToWav(sine(3)));
    const result = await encodeWavFileToMp3(wav, join(dir, 'out.mp3'), { kbps: 48, blockBytes: 4097 });
    assert.equal(result.path, join(dir, 'out.mp3'));
    assert.equal(result.durationSec, 3);
    const bytes = await readFile(result.path);
    assert.equal(bytes.length, result.bytes);
    const meta = await parseFile(result.path, { duration: true });
    assert.ok(Math.abs((meta.format.duration ?? 0) - 3) <= 0.1, `decoded ${meta.format.duration} s`);
    assert.equal(meta.format.bitrate, 48_000);
    assert.deepEqual((await readdir(dir)).sort(), ['in.wav', 'out.mp3']);
  });

  test('a streaming WAV with a placeholder data size (0) is read to its end', async () => {
    const wav = join(dir, 'in.wav');
    const pcm = sine(1.5);
    await writeFile(wav, Buffer.concat([wavHeader(0), pcm]));
    const result = await encodeWavFileToMp3(wav, join(dir, 'out.mp3'));
    assert.equal(result.durationSec, 1.5);
    assert.ok(Math.abs((await mp3Duration(await readFile(result.path))) - 1.5) <= 0.1);
  });

  test('not a WAV, or not 16-bit PCM: a CoreError (kind mp3Encoding, worded in src/messages), and no MP3 left behind', async () => {
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'just words, not audio');
    await assert.rejects(encodeWavFileToMp3(text, join(dir, 'a.mp3')), mp3Problem({ kind: 'mp3Encoding', reason: 'notWav', path: text }, /notes\.txt is not a WAV file/));
    const eight = join(dir, 'eight.wav');
    await writeFile(eight, pcmToWav(Buffer.alloc(1000), { bitsPerSample: 8 }));
    await assert.rejects(
      encodeWavFileToMp3(eight, join(dir, 'b.mp3')),
      mp3Problem({ kind: 'mp3Encoding', reason: 'notPcm16', path: eight, bitsPerSample: 8, channels: 1 }, /8-bit audio with 1 channels; MP3 encoding takes 16-bit PCM/),
    );
    await assert.rejects(encodeWavFileToMp3(join(dir, 'missing.wav'), join(dir, 'c.mp3')), /ENOENT/);
    assert.deepEqual((await readdir(dir)).sort(), ['eight.wav', 'notes.txt']);
  });
});

suite('mp3: constant bitrate at the settings the product uses', () => {
  let dir: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'gvc-mp3-cbr-'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  const cases = [
    { name: '24 kHz mono at 64 kbit/s (the export default)', input: 24000, options: { kbps: 64 }, rate: 24000, bitrate: 64_000 },
    { name: '24 kHz mono resampled to 44.1 kHz at 192 kbit/s (the publishing preset)', input: 24000, options: { kbps: 192, outputSampleRate: 44100 as const }, rate: 44100, bitrate: 192_000 },
    { name: '44.1 kHz mono at 192 kbit/s', input: 44100, options: { kbps: 192, outputSampleRate: 44100 as const }, rate: 44100, bitrate: 192_000 },
  ];
  for (const c of cases) {
    test(`${c.name}: decodes at that sample rate and bitrate, CBR, duration ≈ the input`, async () => {
      const wav = join(dir, 'in.wav');
      await writeFile(wav, pcmToWav(sine(4, c.input), { sampleRate: c.input }));
      const result = await encodeWavFileToMp3(wav, join(dir, 'out.mp3'), c.options);
      assert.equal(result.durationSec, 4);
      const meta = await parseFile(result.path, { duration: true });
      assert.equal(meta.format.sampleRate, c.rate);
      assert.equal(meta.format.bitrate, c.bitrate);
      assert.equal(meta.format.codecProfile, 'CBR');
      assert.equal(meta.format.numberOfChannels, 1);
      assert.ok(Math.abs((meta.format.duration ?? 0) - 4) <= 0.1, `decoded ${meta.format.duration} s`);
      // CBR: the size is the bitrate times the duration (within the encoder's padding frames)
      const expected = (c.bitrate / 8) * 4;
      assert.ok(Math.abs(result.bytes - expected) < expected * 0.05, `${result.bytes} bytes, expected ≈ ${expected}`);
    });
  }
});

suite('mp3: the bundled worker (built as esbuild.mjs builds dist/mp3-worker.js)', function () {
  this.timeout(60_000);
  let dir: string;
  let worker: string;
  let bare: string;
  suiteSetup(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'gvc-mp3-bundle-'));
    // With the wasm beside it, as in dist/; and a copy without it, as a package that forgot to ship it.
    worker = join(dir, 'with', 'mp3-worker.js');
    bare = join(dir, 'bare', 'mp3-worker.js');
    for (const outfile of [worker, bare]) {
      await esbuild.build({ entryPoints: ['src/core/audio/mp3WorkerMain.ts'], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
    }
    copyFileSync(require.resolve('wasm-media-encoders/wasm/mp3'), join(dir, 'with', 'mp3.wasm'));
  });
  suiteTeardown(() => rmSync(dir, { recursive: true, force: true }));

  test('encodes in the worker: the MP3 decodes to the input duration at the requested bitrate', async () => {
    const wav = join(dir, 'a.wav');
    await writeFile(wav, pcmToWav(sine(3)));
    const result = await encodeInWorker(worker, wav, join(dir, 'a.mp3'), { kbps: 64 });
    const meta = await parseFile(result.path, { duration: true });
    assert.equal(meta.format.bitrate, 64_000);
    assert.equal(meta.format.sampleRate, 24000);
    assert.ok(Math.abs((meta.format.duration ?? 0) - 3) <= 0.1, `decoded ${meta.format.duration} s`);
  });

  test('cancel: the worker is stopped, the promise rejects with the reason, no MP3 and no partial file are left', async () => {
    const wav = join(dir, 'long.wav');
    await writeFile(wav, pcmToWav(sine(600))); // 10 minutes: seconds of work, stopped long before the end
    const controller = new AbortController();
    const out = join(dir, 'long.mp3');
    const encoding = encodeInWorker(worker, wav, out, { kbps: 64 }, controller.signal);
    // abort once the worker has started writing
    for (let i = 0; i < 500 && !(await readdir(dir)).includes('long.mp3.partial'); i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new CoreError({ kind: 'cancelled' }));
    await assert.rejects(encoding, (e: unknown) => e instanceof CoreError && e.problem.kind === 'cancelled');
    const left = (await readdir(dir)).filter((f) => f.startsWith('long.mp3'));
    assert.deepEqual(left, []);
  });

  test("a failure in the real worker keeps its kind: not a WAV (notWav), and a worker without its wasm (encoderMissing)", async () => {
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'just words, not audio');
    await assert.rejects(encodeInWorker(worker, text, join(dir, 'n.mp3')), mp3Problem({ kind: 'mp3Encoding', reason: 'notWav', path: text }, /notes\.txt is not a WAV file/));
    const wav = join(dir, 'b.wav');
    await writeFile(wav, pcmToWav(sine(1)));
    await assert.rejects(encodeInWorker(bare, wav, join(dir, 'b.mp3')), (e: unknown) => e instanceof CoreError && e.problem.kind === 'mp3Encoding' && e.problem.reason === 'encoderMissing');
    assert.ok(!(await readdir(dir)).some((f) => f.startsWith('b.mp3') || f.startsWith('n.mp3')));
  });
});

suite('mp3: the worker thread reports failures as problems', () => {
  let dir: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'glm-mp3-worker-'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  // Stand-ins for dist/mp3-worker.js: the main side's handling of what a worker says, or of a worker that dies.
  test('a worker that stops without an answer: mp3Encoding "stopped" with its exit code', async () => {
    const script = join(dir, 'exits.js');
    await writeFile(script, 'process.exit(3);\n');
    await assert.rejects(encodeInWorker(script, join(dir, 'a.wav'), join(dir, 'a.mp3')), mp3Problem({ kind: 'mp3Encoding', reason: 'stopped', exitCode: 3 }, /stopped before it finished \(exit code 3\)/));
  });

  test("a worker's CoreError crosses the thread with its kind and data", async () => {
    const script = join(dir, 'fails.js');
    const problem: Problem = { kind: 'mp3Encoding', reason: 'notWav', path: '/x/in.wav' };
    await writeFile(script, `require('node:worker_threads').parentPort.postMessage({ ok: false, problem: ${JSON.stringify(problem)} });\n`);
    await assert.rejects(encodeInWorker(script, join(dir, 'a.wav'), join(dir, 'a.mp3')), mp3Problem(problem, /\/x\/in\.wav is not a WAV file/));
  });
});
