import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseWavHeader, pcmToWav, wavHeader } from '../../../../src/core/audio/wav';
import { CoreError, type Problem } from '../../../../src/core/errors';
import { describeProblem, english } from '../../../../src/messages/index';
import {
  joinChunksToWav,
  OrderedChunkSink,
  runChunked,
  WavStreamWriter,
} from '../../../../src/core/narration/join';

/** The problem of a CoreError of `kind`, or a failed assertion. */
function problemOf<K extends Problem['kind']>(err: unknown, kind: K): Extract<Problem, { kind: K }> {
  assert.ok(err instanceof CoreError, `not a CoreError: ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  return err.problem as Extract<Problem, { kind: K }>;
}

const isChunkFormat = (reason: string) => (e: unknown) => e instanceof CoreError && e.problem.kind === 'chunkFormat' && e.problem.reason === reason;


/** `samples` 16-bit samples whose values encode the chunk and position, so order mistakes show. */
function pcm(chunk: number, samples: number): Buffer {
  const b = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) b.writeInt16LE(((chunk * 1000 + i) % 65536) - 32768, i * 2);
  return b;
}

/** A WAV with LIST and odd-sized junk chunks before `data` (not the canonical 44-byte layout) and a chunk after it. */
function wavWithExtraChunks(data: Buffer, sampleRate = 24000): Buffer {
  const fmt = wavHeader(0, { sampleRate }).subarray(12, 36); // "fmt " chunk
  const list = Buffer.concat([Buffer.from('LIST'), u32(4), Buffer.from('INFO')]);
  const junk = Buffer.concat([Buffer.from('junk'), u32(3), Buffer.from([1, 2, 3, 0])]); // odd size, padded
  const dataChunk = Buffer.concat([Buffer.from('data'), u32(data.length), data]);
  const trailer = Buffer.concat([Buffer.from('id3 '), u32(4), Buffer.from('TAG!')]);
  const body = Buffer.concat([Buffer.from('WAVE'), fmt, list, junk, dataChunk, trailer]);
  return Buffer.concat([Buffer.from('RIFF'), u32(body.length), body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** A full collection without --expose-gc (only to measure retained memory in the memory test). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

suite('wavJoin', () => {
  let dir: string;
  setup(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wavjoin-'));
  });
  teardown(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('PCM and WAV chunks join into one WAV with exact sizes and only sample data after the header', async () => {
    const path = join(dir, 'out.wav');
    const parts = [pcm(0, 1000), pcm(1, 777), pcm(2, 1500)];
    const writer = await WavStreamWriter.create(path);
    await writer.append(parts[0]); // raw PCM
    await writer.append(pcmToWav(parts[1])); // canonical WAV
    await writer.append(wavWithExtraChunks(parts[2])); // WAV whose data is not at byte 44
    const result = await writer.finish();

    const file = await readFile(path);
    const samples = 1000 + 777 + 1500;
    assert.equal(result.path, path);
    assert.equal(result.samples, samples);
    assert.equal(result.dataBytes, samples * 2);
    assert.equal(result.durationSec, samples / 24000);
    assert.equal(file.length, 44 + samples * 2);
    assert.equal(file.toString('ascii', 0, 4), 'RIFF');
    assert.equal(file.readUInt32LE(4), file.length - 8, 'RIFF size = file size − 8');
    assert.equal(file.toString('ascii', 36, 40), 'data');
    assert.equal(file.readUInt32LE(40), samples * 2, 'data size = samples × 2');
    assert.ok(file.subarray(44).equals(Buffer.concat(parts)), 'bytes after the header are the samples, in order');
    const info = parseWavHeader(file)!;
    assert.deepEqual([info.sampleRate, info.channels, info.bitsPerSample, info.dataOffset], [24000, 1, 16, 44]);
    assert.equal(existsSync(`${path}.partial`), false);
  });

  test('a chunk of another format, a compressed chunk or a torn sample is refused', async () => {
    const writer = await WavStreamWriter.create(join(dir, 'x.wav'));
    await assert.rejects(writer.append(pcmToWav(pcm(0, 10), { sampleRate: 44100 })), (e: unknown) => isChunkFormat('mismatch')(e) && /44100 Hz/.test(describeProblem((e as CoreError).problem, english).message));
    await assert.rejects(writer.append(pcmToWav(pcm(0, 10), { channels: 2 })), isChunkFormat('mismatch'));
    await assert.rejects(writer.append(Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, 0, 0])), (e: unknown) => isChunkFormat('compressed')(e) && /MP3, not PCM or WAV/.test(describeProblem((e as CoreError).problem, english).message));
    await assert.rejects(writer.append(Buffer.alloc(5)), (e: unknown) => isChunkFormat('torn')(e) && /whole number of 2-byte frames/.test(describeProblem((e as CoreError).problem, english).message));
    const noData = Buffer.from(wavHeader(0).subarray(0, 36)); // RIFF/WAVE with fmt but no data chunk
    await assert.rejects(writer.append(noData), isChunkFormat('noSections'));
    await writer.append(pcm(0, 3));
    assert.equal(writer.samplesWritten, 3, 'refused chunks wrote nothing');
    await writer.abort();
  });

  test('out-of-order arrival is written in index order, holding only the early ones', async () => {
    const path = join(dir, 'ordered.wav');
    const writer = await WavStreamWriter.create(path);
    const sink = new OrderedChunkSink(writer);
    const parts = [0, 1, 2, 3, 4].map((i) => pcm(i, 100 + i));
    await sink.push(3, parts[3]);
    await sink.push(1, parts[1]);
    assert.equal(sink.written, 0);
    assert.equal(sink.held, 2);
    await sink.push(0, pcmToWav(parts[0]));
    assert.equal(sink.written, 2);
    assert.equal(sink.held, 1);
    await sink.push(4, parts[4]);
    await sink.push(2, parts[2]);
    assert.equal(sink.written, 5);
    assert.equal(sink.held, 0);
    await assert.rejects(sink.push(2, parts[2]), /already delivered/);
    await writer.finish();
    assert.ok((await readFile(path)).subarray(44).equals(Buffer.concat(parts)));
  });

  test('runChunked keeps order with random completion times and never exceeds the concurrency', async () => {
    const path = join(dir, 'run.wav');
    const writer = await WavStreamWriter.create(path);
    const items = Array.from({ length: 30 }, (_, i) => i);
    let inFlight = 0;
    let maxInFlight = 0;
    const progress: number[] = [];
    await runChunked(
      items,
      3,
      async (item) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await delay(Math.floor(Math.random() * 8));
        inFlight--;
        return item % 2 ? pcmToWav(pcm(item, 50)) : pcm(item, 50);
      },
      new OrderedChunkSink(writer),
      { onProgress: (done) => progress.push(done) },
    );
    await writer.finish();
    assert.equal(maxInFlight, 3, 'all three slots were used, and never more');
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
    assert.equal(progress.at(-1), 30);
    assert.ok((await readFile(path)).subarray(44).equals(Buffer.concat(items.map((i) => pcm(i, 50)))));
  });

  test('work runs no further ahead than maxAhead while an early chunk is slow', async () => {
    const writer = await WavStreamWriter.create(join(dir, 'ahead.wav'));
    const sink = new OrderedChunkSink(writer);
    let maxHeld = 0;
    let highestStarted = -1;
    let startedWhileZeroPending = -1;
    await runChunked(
      Array.from({ length: 20 }, (_, i) => i),
      2,
      async (i) => {
        highestStarted = Math.max(highestStarted, i);
        if (sink.written === 0) startedWhileZeroPending = Math.max(startedWhileZeroPending, i);
        await delay(i === 0 ? 60 : 1);
        maxHeld = Math.max(maxHeld, sink.held);
        return pcm(i, 10);
      },
      sink,
      { maxAhead: 4 },
    );
    await writer.abort();
    assert.equal(highestStarted, 19);
    assert.ok(startedWhileZeroPending <= 3, `chunk ${startedWhileZeroPending} started before chunk 0 was written`);
    assert.ok(maxHeld <= 3, `held ${maxHeld} chunks`);
  });

  test('with maxAheadBytes, work goes past maxAhead while a slow chunk is awaited, until the bytes held reach it', async () => {
    // Chunk 0 is slow: it is answered once the work it lets pass has started (chunk 39 with room for everything), or
    // once no new chunk has started for 200 ms (the byte budget holds the rest back): what it waits on is the work,
    // not a fixed time (an 80 ms sleep lost the race on a loaded machine).
    const run = async (maxAheadBytes: number) => {
      const writer = await WavStreamWriter.create(join(dir, `ahead-bytes-${maxAheadBytes}.wav`));
      const sink = new OrderedChunkSink(writer);
      let startedWhileZeroWritten = -1;
      let maxHeldBytes = 0;
      let lastStart = Date.now();
      let releaseZero: () => void = () => undefined;
      const zeroReleased = new Promise<void>((resolve) => (releaseZero = resolve));
      const quiet = setInterval(() => {
        if (Date.now() - lastStart >= 200) releaseZero();
      }, 20);
      try {
        await runChunked(
          Array.from({ length: 40 }, (_, i) => i),
          2,
          async (i) => {
            lastStart = Date.now();
            if (sink.written === 0) startedWhileZeroWritten = Math.max(startedWhileZeroWritten, i);
            if (i === 39) releaseZero();
            await (i === 0 ? zeroReleased : delay(1));
            maxHeldBytes = Math.max(maxHeldBytes, sink.heldBytes);
            return pcm(i, 100); // 200 bytes
          },
          sink,
          { maxAhead: 4, maxAheadBytes },
        );
      } finally {
        clearInterval(quiet);
      }
      const result = await writer.finish();
      assert.equal(result.samples, 40 * 100, 'every chunk written, in full');
      return { startedWhileZeroWritten, maxHeldBytes };
    };
    const wide = await run(1_000_000);
    assert.equal(wide.startedWhileZeroWritten, 39, 'everything after the slow chunk was fetched meanwhile');
    const narrow = await run(1000);
    // 1000 bytes = 5 chunks held; then no new work until chunk 0 is written
    assert.ok(narrow.startedWhileZeroWritten >= 5 && narrow.startedWhileZeroWritten <= 7, `started up to ${narrow.startedWhileZeroWritten}`);
    assert.ok(narrow.maxHeldBytes <= 1000 + 200, `held ${narrow.maxHeldBytes} bytes`);
  });

  test('retries a retryable failure, then succeeds', async () => {
    const writer = await WavStreamWriter.create(join(dir, 'retry.wav'));
    const attempts = new Map<number, number>();
    await runChunked(
      [0, 1, 2],
      2,
      async (i) => {
        const n = (attempts.get(i) ?? 0) + 1;
        attempts.set(i, n);
        if (i === 1 && n < 3) throw new CoreError({ kind: 'rateLimited', status: 429, retryAfterMs: 1 });
        return pcm(i, 4);
      },
      new OrderedChunkSink(writer),
      { retries: 2 },
    );
    const result = await writer.finish();
    assert.equal(attempts.get(1), 3);
    assert.equal(result.samples, 12);
  });

  test('a failing chunk reports its index and how many were written, and stops the others', async () => {
    const writer = await WavStreamWriter.create(join(dir, 'fail.wav'));
    const started: number[] = [];
    let abortedSeen = 0;
    const err = await runChunked(
      Array.from({ length: 30 }, (_, i) => i),
      3,
      async (i, _index, signal) => {
        started.push(i);
        if (i === 7) {
          await delay(5);
          throw new CoreError({ kind: 'badRequest', status: 400, detail: 'bad text' });
        }
        if (i > 7) {
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          abortedSeen++;
          throw signal.reason;
        }
        return pcm(i, 10);
      },
      new OrderedChunkSink(writer),
      { retries: 3 },
    ).then(
      () => assert.fail('should have failed'),
      (e: unknown) => e,
    );
    const failed = problemOf(err, 'chunkFailed');
    assert.equal(failed.index, 7);
    assert.equal(failed.completed, 7);
    assert.equal(failed.total, 30);
    assert.equal(failed.cause.kind, 'badRequest');
    assert.match(describeProblem(failed, english).message, /Chunk 8 of 30 failed: .*bad text/);
    assert.equal(started.filter((i) => i === 7).length, 1, 'a 400 is not retried');
    assert.ok(abortedSeen >= 1, 'in-flight work saw the abort');
    assert.ok(Math.max(...started) < 12, `work went on to chunk ${Math.max(...started)}`);
    assert.equal(writer.samplesWritten, 70);
    await writer.abort();
  });

  test('a retryable failure that keeps failing reports its index after the retries', async () => {
    const writer = await WavStreamWriter.create(join(dir, 'fail2.wav'));
    let calls = 0;
    const err = await runChunked(
      [0, 1],
      1,
      async (i) => {
        if (i === 1) {
          calls++;
          throw new Error('flaky');
        }
        return pcm(0, 2);
      },
      new OrderedChunkSink(writer),
      { retries: 2, isRetryable: () => true, retryDelayMs: () => 0 },
    ).catch((e: unknown) => e);
    const failed = problemOf(err, 'chunkFailed');
    assert.equal(failed.index, 1);
    assert.equal(failed.completed, 1);
    assert.equal(calls, 3);
    await writer.abort();
  });

  test('cancelling through the signal stops the run; abort leaves neither the file nor the .partial', async () => {
    const path = join(dir, 'cancel.wav');
    const writer = await WavStreamWriter.create(path);
    assert.equal(existsSync(`${path}.partial`), true);
    const controller = new AbortController();
    const run = runChunked(
      Array.from({ length: 10 }, (_, i) => i),
      2,
      async (i, _index, signal) => {
        if (i === 3) controller.abort();
        await delay(2);
        signal.throwIfAborted();
        return pcm(i, 10);
      },
      new OrderedChunkSink(writer),
      { signal: controller.signal },
    );
    const err = await run.catch((e: unknown) => e);
    const cancelled = problemOf(err, 'cancelled');
    assert.equal(cancelled.total, 10);
    assert.ok(cancelled.completed! < 10);
    await writer.abort();
    await writer.abort(); // twice is harmless
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(`${path}.partial`), false);
    assert.deepEqual(await readdir(dir), []);
  });

  test('joinChunksToWav finishes on success, deletes on failure, or keeps the completed part when asked', async () => {
    const ok = await joinChunksToWav(join(dir, 'ok.wav'), ['a', 'b'], async (_s, i) => pcm(i, 8), { concurrency: 2 });
    assert.equal(ok.samples, 16);

    const failing = async (_s: string, i: number) => {
      if (i === 2) throw new Error('boom');
      return pcm(i, 8);
    };
    await assert.rejects(joinChunksToWav(join(dir, 'gone.wav'), ['a', 'b', 'c', 'd'], failing, { concurrency: 1 }), (e: unknown) => e instanceof CoreError && e.kind === 'chunkFailed');
    assert.equal(existsSync(join(dir, 'gone.wav')), false);
    assert.equal(existsSync(join(dir, 'gone.wav.partial')), false);

    const err = await joinChunksToWav(join(dir, 'part.wav'), ['a', 'b', 'c', 'd'], failing, { concurrency: 1, keepCompletedAs: join(dir, 'part (incomplete).wav') }).catch(
      (e: unknown) => e,
    );
    const failed = problemOf(err, 'chunkFailed');
    assert.equal(failed.keptFile, join(dir, 'part (incomplete).wav'));
    assert.match(describeProblem(failed, english).message, /Chunk 3 of 4 failed: .*boom.* The first 2 chunks were kept as part \(incomplete\)\.wav\./);
    const kept = await readFile(failed.keptFile!);
    assert.equal(kept.readUInt32LE(40), 2 * 8 * 2);
    assert.equal(existsSync(join(dir, 'part.wav')), false);
    assert.deepEqual((await readdir(dir)).sort(), ['ok.wav', 'part (incomplete).wav']);
  });

  test('the timing map places each chunk where its samples are in the joined audio', async () => {
    // Chunks of different lengths, finishing out of order: the map follows index order, not arrival.
    const lengths = [2400, 12000, 7, 24000, 4800];
    const result = await joinChunksToWav(join(dir, 'timed.wav'), lengths, async (n, i) => {
      await delay((lengths.length - i) * 2);
      return i === 1 ? pcmToWav(pcm(i, n)) : pcm(i, n);
    }, { concurrency: 3 });
    assert.equal(result.timing.length, lengths.length);
    let at = 0;
    for (const [i, t] of result.timing.entries()) {
      assert.equal(t.index, i);
      assert.equal(t.startSec, at / 24000, `chunk ${i} start`);
      at += lengths[i];
      assert.equal(t.endSec, at / 24000, `chunk ${i} end`);
    }
    assert.equal(result.timing.at(-1)!.endSec, result.durationSec);
  });

  test('memory: 200 chunks of 100 KB stream to disk', async function () {
    this.timeout(60_000);
    const path = join(dir, 'big.wav');
    const writer = await WavStreamWriter.create(path);
    const chunk = 100 * 1024;
    collectGarbage();
    const before = process.memoryUsage();
    let peakExternal = 0;
    let peakHeap = 0;
    await runChunked(
      Array.from({ length: 200 }, (_, i) => i),
      4,
      async (i) => {
        if (i % 20 === 0) {
          // What is still referenced, not what the collector has yet to free.
          collectGarbage();
          const now = process.memoryUsage();
          peakExternal = Math.max(peakExternal, now.arrayBuffers - before.arrayBuffers);
          peakHeap = Math.max(peakHeap, now.heapUsed - before.heapUsed);
        }
        const b = Buffer.alloc(chunk, i & 0xff);
        return i % 3 === 0 ? pcmToWav(b) : b;
      },
      new OrderedChunkSink(writer),
    );
    const result = await writer.finish();
    assert.equal(result.dataBytes, 200 * chunk);
    assert.equal((await stat(path)).size, 44 + 200 * chunk);
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(`      joined ${mb(result.dataBytes)}; while running, growth at most: heap ${mb(peakHeap)}, buffers ${mb(peakExternal)}`);
  });
});
