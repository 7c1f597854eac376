import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseWavHeader, pcmToWav, wavHeader } from '../../src/core/audio/wav';
import { NovitaError } from '../../src/core/novita/errors';
import {
  ChunkFailedError,
  ChunkFormatError,
  ChunkRunAbortedError,
  joinChunksToWav,
  OrderedChunkSink,
  runChunked,
  WavStreamWriter,
} from '../../src/core/narration/join';

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
    await assert.rejects(writer.append(pcmToWav(pcm(0, 10), { sampleRate: 44100 })), (e: Error) => e instanceof ChunkFormatError && /44100 Hz/.test(e.message));
    await assert.rejects(writer.append(pcmToWav(pcm(0, 10), { channels: 2 })), ChunkFormatError);
    await assert.rejects(writer.append(Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, 0, 0])), /MP3/);
    await assert.rejects(writer.append(Buffer.alloc(5)), /whole number/);
    const noData = Buffer.from(wavHeader(0).subarray(0, 36)); // RIFF/WAVE with fmt but no data chunk
    await assert.rejects(writer.append(noData), (e: Error) => e instanceof ChunkFormatError && /no readable/.test(e.message));
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

  test('retries a retryable failure, then succeeds', async () => {
    const writer = await WavStreamWriter.create(join(dir, 'retry.wav'));
    const attempts = new Map<number, number>();
    await runChunked(
      [0, 1, 2],
      2,
      async (i) => {
        const n = (attempts.get(i) ?? 0) + 1;
        attempts.set(i, n);
        if (i === 1 && n < 3) throw new NovitaError('rateLimited', 'slow down', { status: 429, retryAfterMs: 1 });
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
          throw new NovitaError('badRequest', 'bad text', { status: 400 });
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
    assert.ok(err instanceof ChunkFailedError);
    assert.equal(err.failedIndex, 7);
    assert.equal(err.completed, 7);
    assert.equal(err.total, 30);
    assert.match(err.message, /Chunk 8 of 30 failed: bad text/);
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
    assert.ok(err instanceof ChunkFailedError);
    assert.equal(err.failedIndex, 1);
    assert.equal(err.completed, 1);
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
    assert.ok(err instanceof ChunkRunAbortedError, String(err));
    assert.equal(err.name, 'AbortError');
    assert.ok(err.completed < 10);
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
    await assert.rejects(joinChunksToWav(join(dir, 'gone.wav'), ['a', 'b', 'c', 'd'], failing, { concurrency: 1 }), ChunkFailedError);
    assert.equal(existsSync(join(dir, 'gone.wav')), false);
    assert.equal(existsSync(join(dir, 'gone.wav.partial')), false);

    const err = await joinChunksToWav(join(dir, 'part.wav'), ['a', 'b', 'c', 'd'], failing, { concurrency: 1, keepCompletedAs: join(dir, 'part (incomplete).wav') }).catch(
      (e: unknown) => e,
    );
    assert.ok(err instanceof ChunkFailedError);
    assert.equal(err.keptPath, join(dir, 'part (incomplete).wav'));
    const kept = await readFile(err.keptPath);
    assert.equal(kept.readUInt32LE(40), 2 * 8 * 2);
    assert.equal(existsSync(join(dir, 'part.wav')), false);
    assert.deepEqual((await readdir(dir)).sort(), ['ok.wav', 'part (incomplete).wav']);
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
