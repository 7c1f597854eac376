// The MP3 worker's entry (bundled as dist/mp3-worker.js): encodes one WAV file and reports back. See mp3Worker.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { isMp3Job, serveMp3Job } from './mp3Worker';

if (isMp3Job(workerData)) void serveMp3Job(workerData, (reply) => parentPort?.postMessage(reply));
