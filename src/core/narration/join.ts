// Joins synthesized chunks into one WAV on disk as they arrive: only sample data is written, so memory stays flat
// and no header bytes are ever played between chunks.

import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { CoreError, InternalError, isTransient, problemOf } from '../errors';
import { NOVITA_PCM, tryParseWavHeader, wavHeader } from '../audio/wav';
import { sniffAudio } from '../audio/sniff';

export interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

export interface WavResult {
  path: string;
  /** Bytes of sample data (the `data` chunk's size). */
  dataBytes: number;
  /** Sample frames (one sample per channel). */
  samples: number;
  durationSec: number;
  /** Where each appended chunk lies in the joined audio, in order: read-along and subtitles use it. */
  timing: ChunkTiming[];
}

export interface ChunkTiming {
  /** The chunk's index (0-based, the order it was appended in). */
  index: number;
  startSec: number;
  endSec: number;
}

const HEADER_BYTES = 44;
const MAX_DATA_BYTES = 0xffffffff - 36; // RIFF sizes are 32-bit

/**
 * The sample data of one chunk: the `data` chunk of a WAV (found by walking its RIFF chunks), or the chunk itself
 * when it is raw PCM. Throws CoreError 'chunkFormat' when the chunk cannot be appended to audio of `format`.
 */
export function chunkSamples(chunk: Uint8Array, format: WavFormat = NOVITA_PCM): Buffer {
  const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const kind = sniffAudio(buf);
  let data: Buffer;
  if (kind === 'wav') {
    const info = tryParseWavHeader(buf);
    if (!info) throw new CoreError({ kind: 'chunkFormat', reason: 'noSections' });
    if (info.audioFormat !== 1 && info.audioFormat !== 0xfffe) throw new CoreError({ kind: 'chunkFormat', reason: 'notPcm', format: String(info.audioFormat) });
    if (info.sampleRate !== format.sampleRate || info.channels !== format.channels || info.bitsPerSample !== format.bitsPerSample) {
      throw new CoreError({ kind: 'chunkFormat', reason: 'mismatch', format: describe(info), expected: describe(format) });
    }
    data = buf.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
  } else if (kind !== undefined) {
    throw new CoreError({ kind: 'chunkFormat', reason: 'compressed', format: kind });
  } else {
    data = buf;
  }
  const frame = blockAlign(format);
  if (data.length % frame !== 0) throw new CoreError({ kind: 'chunkFormat', reason: 'torn', bytes: data.length, frame });
  return data;
}

function describe(f: WavFormat): string {
  return `${f.sampleRate} Hz, ${f.bitsPerSample}-bit, ${f.channels === 1 ? 'mono' : `${f.channels} channels`}`;
}

function blockAlign(f: WavFormat): number {
  return f.channels * (f.bitsPerSample / 8);
}

/**
 * One WAV file written as chunks arrive. It lives at `path + '.partial'` until `finish()` patches the header sizes
 * and renames it onto `path`; `abort()` deletes it. Calls must not overlap (OrderedChunkSink serialises them).
 */
export class WavStreamWriter {
  readonly partialPath: string;
  private dataBytes = 0;
  private closed = false;
  /** Sample frames at the end of each appended chunk. */
  private readonly chunkEnds: number[] = [];

  private constructor(
    readonly path: string,
    readonly format: WavFormat,
    private readonly handle: FileHandle,
  ) {
    this.partialPath = `${path}.partial`;
  }

  static async create(path: string, format: Partial<WavFormat> = {}): Promise<WavStreamWriter> {
    const full: WavFormat = {
      sampleRate: format.sampleRate ?? NOVITA_PCM.sampleRate,
      channels: format.channels ?? NOVITA_PCM.channels,
      bitsPerSample: format.bitsPerSample ?? NOVITA_PCM.bitsPerSample,
    };
    if (![8, 16, 24, 32].includes(full.bitsPerSample) || full.channels < 1 || full.sampleRate < 1) {
      throw new RangeError(`Unsupported WAV format: ${describe(full)}.`);
    }
    const handle = await open(`${path}.partial`, 'w');
    try {
      // Placeholder sizes of 0 until finish(): a reader of an interrupted file sees it as empty, not as whole.
      await handle.write(wavHeader(0, full), 0, HEADER_BYTES, 0);
    } catch (err) {
      await handle.close().catch(() => undefined);
      await rm(`${path}.partial`, { force: true });
      throw err;
    }
    return new WavStreamWriter(path, full, handle);
  }

  /** Bytes of sample data written so far. */
  get bytesWritten(): number {
    return this.dataBytes;
  }

  /** Sample frames written so far. */
  get samplesWritten(): number {
    return this.dataBytes / blockAlign(this.format);
  }

  /** Appends the samples of one chunk (raw PCM or WAV of the same format); a WAV's header is never written. */
  async append(chunk: Uint8Array): Promise<void> {
    this.assertOpen();
    const data = chunkSamples(chunk, this.format);
    await this.appendSamples(data);
  }

  /** Appends bytes already known to be sample data of this writer's format (see `chunkSamples`). */
  async appendSamples(data: Uint8Array): Promise<void> {
    this.assertOpen();
    if (data.length % blockAlign(this.format) !== 0) throw new CoreError({ kind: 'chunkFormat', reason: 'torn', bytes: data.length, frame: blockAlign(this.format) });
    if (this.dataBytes + data.length > MAX_DATA_BYTES) throw new CoreError({ kind: 'tooLarge', what: 'speech', limitBytes: MAX_DATA_BYTES });
    let at = 0;
    while (at < data.length) {
      const { bytesWritten } = await this.handle.write(data, at, data.length - at, HEADER_BYTES + this.dataBytes + at);
      at += bytesWritten;
    }
    this.dataBytes += data.length;
    this.chunkEnds.push(this.samplesWritten);
  }

  /** Start and end of each chunk appended so far, in seconds of the joined audio. */
  get timing(): ChunkTiming[] {
    return this.chunkEnds.map((_, index) => this.chunkTiming(index));
  }

  /** Start and end of appended chunk `index`, in seconds of the joined audio. */
  chunkTiming(index: number): ChunkTiming {
    const rate = this.format.sampleRate;
    return { index, startSec: (index ? this.chunkEnds[index - 1] : 0) / rate, endSec: this.chunkEnds[index] / rate };
  }

  /**
   * Writes the real sizes into the header, flushes, and renames the file onto `target` (default `path`).
   * Pass another target to keep the completed part of a failed narration under a name that says so.
   */
  async finish(target: string = this.path): Promise<WavResult> {
    this.assertOpen();
    this.closed = true;
    try {
      await this.handle.write(wavHeader(this.dataBytes, this.format), 0, HEADER_BYTES, 0);
      await this.handle.sync();
      await this.handle.close();
      await rename(this.partialPath, target);
    } catch (err) {
      await this.handle.close().catch(() => undefined);
      await rm(this.partialPath, { force: true }).catch(() => undefined);
      throw err;
    }
    const samples = this.samplesWritten;
    return { path: target, dataBytes: this.dataBytes, samples, durationSec: samples / this.format.sampleRate, timing: this.timing };
  }

  /** Closes and deletes the partial file. Safe to call more than once, and after a failed finish(). */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await rm(this.partialPath, { force: true });
  }

  private assertOpen(): void {
    if (this.closed) throw new InternalError('This WAV writer is already finished or aborted.');
  }
}

/** Where runChunked delivers finished chunks. */
export interface ChunkSink {
  /** Accepts chunk `index` (0-based); resolves once it is stored or written. Rejects on a chunk it cannot take. */
  push(index: number, chunk: Buffer): Promise<void>;
  /** How many chunks, from index 0 on, have been written without a gap. */
  readonly written: number;
  /** Bytes of chunks held in memory waiting for an earlier one (for `maxAheadBytes`). */
  readonly heldBytes?: number;
}

/**
 * Takes chunks that finish out of order and appends them to the writer strictly in index order. Only chunks
 * waiting for an earlier one are held in memory (as sample data, validated at once so a bad chunk fails its own push).
 */
export class OrderedChunkSink implements ChunkSink {
  private next = 0;
  private readonly waiting = new Map<number, Buffer>();
  private waitingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  /** `onAppended`: told of each chunk once it is written, strictly in index order (read-along plays it then). */
  constructor(
    private readonly writer: WavStreamWriter,
    private readonly onAppended?: (index: number, samples: Buffer, timing: ChunkTiming) => void,
  ) {}

  get written(): number {
    return this.next;
  }

  /** Chunks held in memory, waiting for an earlier index. */
  get held(): number {
    return this.waiting.size;
  }

  get heldBytes(): number {
    return this.waitingBytes;
  }

  push(index: number, chunk: Buffer): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (!Number.isInteger(index) || index < this.next || this.waiting.has(index)) {
      return Promise.reject(new RangeError(`Chunk ${index} was already delivered.`));
    }
    let samples: Buffer;
    try {
      samples = chunkSamples(chunk, this.writer.format);
    } catch (err) {
      return Promise.reject(err);
    }
    this.waiting.set(index, samples);
    this.waitingBytes += samples.byteLength;
    this.chain = this.chain.then(() => this.drain());
    return this.chain;
  }

  private async drain(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    let data: Buffer | undefined;
    while ((data = this.waiting.get(this.next)) !== undefined) {
      try {
        await this.writer.appendSamples(data);
      } catch (err) {
        this.failure = new ChunkWriteFailure(this.next, err);
        this.waiting.clear();
        this.waitingBytes = 0;
        throw this.failure;
      }
      this.waiting.delete(this.next);
      this.waitingBytes -= data.byteLength;
      const timing = this.writer.chunkTiming(this.next);
      this.next++;
      try {
        this.onAppended?.(timing.index, data, timing);
      } catch {
        // a listener's mistake must not stop the file being written
      }
    }
  }
}

/** Writing chunk `index` to disk failed (disk full, file removed…): no later chunk can be written. */
class ChunkWriteFailure extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super(`Could not write chunk ${index + 1} to the audio file.`, { cause: error });
  }
}

/** The CoreError for a chunk that failed for good: chunks 0 … completed−1 are written and can be kept. */
function chunkFailed(index: number, completed: number, total: number, error: unknown, keptFile?: string): CoreError {
  const cause = problemOf(error);
  return new CoreError({ kind: 'chunkFailed', index, completed, total, cause, ...(keptFile ? { keptFile } : {}) }, { cause: error });
}

export interface RunChunkedOptions {
  signal?: AbortSignal;
  /** Called after each chunk is written in order: `done` chunks of `total`. */
  onProgress?: (done: number, total: number) => void;
  /** Further attempts for a chunk whose failure `isRetryable` accepts (default 2). */
  retries?: number;
  /** Default: Novita's transient failures (rate limit, server error, timeout, network). */
  isRetryable?: (err: unknown) => boolean;
  /** Wait before retry `attempt` (1-based). Default: the error's retryAfterMs, else 500 ms doubling, at most 8 s. */
  retryDelayMs?: (attempt: number, err: unknown) => number;
  /** How far past the first unwritten chunk work may start, bounding the chunks held in memory (default 2 × concurrency). */
  maxAhead?: number;
  /**
   * Work may go further than `maxAhead` while the sink holds fewer bytes than this (default 0: never): chunks that
   * come fast (from a cache) are read ahead while a slow one is awaited, within a memory budget rather than a count.
   */
  maxAheadBytes?: number;
}

function defaultRetryDelay(attempt: number, err: unknown): number {
  const hinted = err instanceof CoreError ? err.retryAfterMs : undefined;
  return Math.min(hinted ?? 500 * 2 ** (attempt - 1), hinted !== undefined ? 60_000 : 8_000);
}

/**
 * Runs `work` over `items` with at most `concurrency` calls in flight and hands each result to `sink` by index.
 * A failure that is not retryable (or out of retries) aborts the other calls (through the signal `work` receives)
 * and rejects with CoreError 'chunkFailed'; cancelling `options.signal` rejects with CoreError 'cancelled' (with `completed`).
 * Either way every call has settled when this rejects. The file is the caller's: call `writer.abort()` to drop
 * it or `writer.finish()` to keep the completed part — or use `joinChunksToWav`, which does so.
 */
export async function runChunked<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number, signal: AbortSignal) => Promise<Buffer>,
  sink: ChunkSink,
  options: RunChunkedOptions = {},
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer (got ${concurrency}).`);
  const total = items.length;
  const retries = options.retries ?? 2;
  const isRetryable = options.isRetryable ?? isTransient;
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const maxAhead = Math.max(concurrency, options.maxAhead ?? concurrency * 2);
  const maxAheadBytes = options.maxAheadBytes ?? 0;
  const mustWait = (index: number) => index - sink.written >= maxAhead && (sink.heldBytes ?? Infinity) >= maxAheadBytes;
  const outer = options.signal;
  outer?.throwIfAborted();

  const controller = new AbortController();
  const signal = controller.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });

  let nextItem = 0;
  let reported = 0;
  let failed: { index: number; error: unknown } | undefined;
  // Woken whenever the sink moves on or the run stops, for workers waiting to stay within maxAhead.
  let wake: () => void = () => undefined;
  let moved = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    wake();
    moved = new Promise<void>((resolve) => (wake = resolve));
  };
  signal.addEventListener('abort', notify, { once: true });

  const fail = (index: number, error: unknown) => {
    if (!failed && !outer?.aborted) {
      failed = { index, error };
      controller.abort(error);
    }
  };

  const worker = async () => {
    while (!signal.aborted && nextItem < total) {
      const index = nextItem++;
      while (mustWait(index) && !signal.aborted) await moved;
      if (signal.aborted) return;
      let chunk: Buffer | undefined;
      for (let attempt = 0; ; attempt++) {
        try {
          chunk = await work(items[index], index, signal);
          break;
        } catch (err) {
          if (signal.aborted) return;
          if (attempt >= retries || !isRetryable(err)) {
            fail(index, err);
            return;
          }
          if (!(await sleep(retryDelay(attempt + 1, err), signal))) return;
        }
      }
      if (signal.aborted) return;
      // Not awaited: the worker asks for its next chunk at once instead of waiting for earlier chunks' disk
      // writes (maxAhead still bounds what is held in memory); a write error still stops the run.
      pushes.push(
        sink.push(index, chunk).then(
          () => {
            if (sink.written > reported) {
              reported = sink.written;
              options.onProgress?.(reported, total);
              notify();
            }
          },
          (err) => (err instanceof ChunkWriteFailure ? fail(err.index, writeProblem(err.error)) : fail(index, err)),
        ),
      );
    }
  };

  const pushes: Promise<void>[] = [];
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
    await Promise.all(pushes);
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
  if (outer?.aborted) throw new CoreError({ kind: 'cancelled', completed: sink.written, total }, { cause: outer.reason });
  if (failed) throw chunkFailed(failed.index, sink.written, total, failed.error);
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!signal.aborted);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface JoinChunksOptions extends RunChunkedOptions {
  format?: Partial<WavFormat>;
  concurrency?: number;
  /** On a failed chunk, keep the chunks before it as a WAV at this path (the problem's `keptFile`); default: delete. */
  keepCompletedAs?: string;
  /** Each chunk's samples and place in the joined audio as soon as it is written, in order (never out of order). */
  onChunk?: (index: number, samples: Buffer, timing: ChunkTiming) => void;
}

/**
 * Synthesizes `items` into one WAV at `path`: create the writer, run the chunks, finish. On failure or cancel the
 * partial file is removed (or, for a failure with `keepCompletedAs`, its completed part saved there), then it rethrows.
 */
export async function joinChunksToWav<T>(
  path: string,
  items: readonly T[],
  work: (item: T, index: number, signal: AbortSignal) => Promise<Buffer>,
  options: JoinChunksOptions = {},
): Promise<WavResult> {
  const writer = await WavStreamWriter.create(path, options.format);
  const sink = new OrderedChunkSink(writer, options.onChunk);
  try {
    await runChunked(items, options.concurrency ?? 2, work, sink, options);
  } catch (err) {
    const p = err instanceof CoreError ? err.problem : undefined;
    if (p?.kind === 'chunkFailed' && options.keepCompletedAs && p.completed > 0) {
      let kept: string | undefined;
      try {
        kept = (await writer.finish(options.keepCompletedAs)).path;
      } catch {
        await writer.abort();
      }
      if (kept) throw chunkFailed(p.index, p.completed, p.total, (err as CoreError).cause, kept);
    } else {
      await writer.abort();
    }
    throw err;
  }
  return writer.finish();
}

/** A failed disk write as the problem to report: the file named, the system's code kept. */
function writeProblem(error: unknown): CoreError {
  if (error instanceof CoreError) return error;
  const code = (error as { code?: unknown })?.code;
  const path = (error as { path?: unknown })?.path;
  return new CoreError({ kind: 'localFile', path: typeof path === 'string' ? path : '', ...(typeof code === 'string' ? { code } : {}) }, { cause: error });
}
