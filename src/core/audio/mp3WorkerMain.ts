// The MP3 worker's entry (bundled as dist/mp3-worker.js): encodes one WAV file and reports back. See mp3Worker.ts.
import { rm } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { problemOf } from '../errors';
import { encodeWavFileToMp3 } from './mp3';
import type { Mp3JobMessage, Mp3WorkerReply } from './mp3Worker';

const job = workerData as Mp3JobMessage;
encodeWavFileToMp3(job.wavPath, job.mp3Path, job.options).then(
  (result) => parentPort?.postMessage({ ok: true, result } satisfies Mp3WorkerReply),
  async (err: unknown) => {
    await rm(`${job.mp3Path}.partial`, { force: true }).catch(() => undefined);
    parentPort?.postMessage({ ok: false, problem: problemOf(err) } satisfies Mp3WorkerReply);
  },
);
