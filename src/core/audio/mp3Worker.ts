// MP3 encoding off the main thread, in a worker with a small heap. lamejs allocates a little garbage for every frame;
// on the main thread V8 lets that grow the heap by ~100 MB before collecting (the extension host's RSS with it),
// while a worker capped at a few tens of MB collects early and keeps the growth flat. The worker is the bundled
// `mp3-worker.js` beside this code (esbuild.mjs); where there is none (tests, running from source) the encoding runs
// in this thread instead, with the same result.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CoreError, type Problem } from '../errors';
import { encodeWavFileToMp3, type EncodeWavFileOptions, type Mp3FileResult } from './mp3';

/** The worker's bundle (`dist/mp3-worker.js`, built by esbuild.mjs from the export formats' table) and its entry. */
export const MP3_WORKER = { bundle: 'mp3-worker', entry: 'src/core/audio/mp3WorkerMain.ts' } as const;

/** The worker's heap: room for lamejs's tables and a few blocks, not for garbage to pile up. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 4 };

export interface Mp3JobMessage {
  wavPath: string;
  mp3Path: string;
  options: EncodeWavFileOptions;
}

/** A failure crosses the thread as its problem (plain data): a CoreError thrown in the worker keeps its kind. */
export type Mp3WorkerReply = { ok: true; result: Mp3FileResult } | { ok: false; problem: Problem };

/** `encodeWavFileToMp3`, in a worker when the bundled one is there. `signal` stops the worker (the partial is removed). */
export async function encodeWavFileToMp3Off(wavPath: string, mp3Path: string, options: EncodeWavFileOptions = {}, signal?: AbortSignal): Promise<Mp3FileResult> {
  const script = join(__dirname, `${MP3_WORKER.bundle}.js`);
  if (!existsSync(script)) return encodeWavFileToMp3(wavPath, mp3Path, options);
  return encodeInWorker(script, wavPath, mp3Path, options, signal);
}

/** Runs the worker `script` (a built mp3-worker.js) on one file. */
export function encodeInWorker(script: string, wavPath: string, mp3Path: string, options: EncodeWavFileOptions = {}, signal?: AbortSignal): Promise<Mp3FileResult> {
  signal?.throwIfAborted();
  const worker = new Worker(script, { workerData: { wavPath, mp3Path, options } satisfies Mp3JobMessage, resourceLimits: WORKER_LIMITS });
  return new Promise<Mp3FileResult>((resolve, reject) => {
    const onAbort = () => void worker.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    worker.once('message', (reply: Mp3WorkerReply) => settle(() => (reply.ok ? resolve(reply.result) : reject(new CoreError(reply.problem)))));
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(signal?.aborted ? signal.reason : new CoreError({ kind: 'mp3Encoding', reason: 'stopped', exitCode: code }))));
  });
}
