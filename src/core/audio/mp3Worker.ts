// MP3 encoding off the main thread, in a worker with a small heap: an export never stalls the extension host (or the
// CLI's requests) while LAME runs, and the CLI encodes several files at once, a worker each (`--jobs`). The worker
// is the bundled `mp3-worker.js` beside this code (esbuild.mjs), or the script the caller gives (the CLI inlines the
// same worker's code: `{ source }`); where there is none (tests, running from source) the encoding runs in this
// thread instead, with the same result.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CoreError, problemOf, type Problem } from '../errors';
import { encodeWavFileToMp3, type EncodeWavFileOptions, type Mp3FileResult } from './mp3';

/** The worker's bundle (`dist/mp3-worker.js`, built by esbuild.mjs from the export formats' table) and its entry. */
export const MP3_WORKER = { bundle: 'mp3-worker', entry: 'src/core/audio/mp3WorkerMain.ts' } as const;

/** The worker's heap: room for the glue and a few blocks (LAME's own memory is the wasm instance's, outside it). */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 4 };

export interface Mp3JobMessage {
  /** Marks the worker data as an MP3 job (a script that is also something else, the CLI, tells them apart). */
  mp3Job: 1;
  wavPath: string;
  mp3Path: string;
  options: EncodeWavFileOptions;
}

/** A failure crosses the thread as its problem (plain data): a CoreError thrown in the worker keeps its kind. */
export type Mp3WorkerReply = { ok: true; result: Mp3FileResult } | { ok: false; problem: Problem };

/** A worker's script: a file, or its code (a Worker with `eval`). */
export type Mp3WorkerScript = string | { source: string };

/** How a WAV file becomes an MP3 file (the narration flow's default: `encodeWavFileToMp3Off`). */
export type Mp3Encode = (wavPath: string, mp3Path: string, options: EncodeWavFileOptions, signal?: AbortSignal) => Promise<Mp3FileResult>;

/**
 * `encodeWavFileToMp3`, in a worker running `script` (default: the bundled mp3-worker.js beside this code) when there
 * is one, else in this thread. `signal` stops the encoding; the partial file is removed.
 */
export async function encodeWavFileToMp3Off(wavPath: string, mp3Path: string, options: EncodeWavFileOptions = {}, signal?: AbortSignal, script?: Mp3WorkerScript): Promise<Mp3FileResult> {
  const worker = script ?? join(__dirname, `${MP3_WORKER.bundle}.js`);
  if (typeof worker === 'string' && !existsSync(worker)) return encodeWavFileToMp3(wavPath, mp3Path, options, signal);
  return encodeInWorker(worker, wavPath, mp3Path, options, signal);
}

/** Runs the worker `script` (a built mp3-worker.js, or its code) on one file. */
export async function encodeInWorker(script: Mp3WorkerScript, wavPath: string, mp3Path: string, options: EncodeWavFileOptions = {}, signal?: AbortSignal): Promise<Mp3FileResult> {
  signal?.throwIfAborted();
  const workerData = { mp3Job: 1, wavPath, mp3Path, options } satisfies Mp3JobMessage;
  const worker =
    typeof script === 'string'
      ? new Worker(script, { workerData, resourceLimits: WORKER_LIMITS })
      : new Worker(script.source, { eval: true, workerData, resourceLimits: WORKER_LIMITS });
  let stopped = false;
  try {
    return await new Promise<Mp3FileResult>((resolve, reject) => {
      const onAbort = () => {
        stopped = true;
        void worker.terminate();
      };
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
  } finally {
    // A worker stopped mid-file cannot clean up after itself: its partial MP3 is removed here.
    if (stopped) await rm(`${mp3Path}.partial`, { force: true }).catch(() => undefined);
  }
}

export function isMp3Job(data: unknown): data is Mp3JobMessage {
  return typeof data === 'object' && data !== null && (data as Partial<Mp3JobMessage>).mp3Job === 1;
}

/** The worker's side (mp3WorkerMain.ts): encodes the job's file and answers the thread that started it. */
export function serveMp3Job(job: Mp3JobMessage, reply: (message: Mp3WorkerReply) => void): Promise<void> {
  return encodeWavFileToMp3(job.wavPath, job.mp3Path, job.options).then(
    (result) => reply({ ok: true, result }),
    async (err: unknown) => {
      await rm(`${job.mp3Path}.partial`, { force: true }).catch(() => undefined);
      reply({ ok: false, problem: problemOf(err) });
    },
  );
}
