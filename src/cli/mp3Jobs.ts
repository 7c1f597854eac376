// `narrate --jobs N`: how many files are encoded to MP3 at once, each in a worker thread of its own (LAME in
// WebAssembly runs ~250× real time on one core, so a batch of many files is bound by cores, not by requests). The
// bundled CLI (dist/cli.js) carries the MP3 worker's code, wasm inlined (scripts/cli-bundle.mjs), and starts it from
// that text: the one file needs nothing beside it, and a worker does not parse the whole CLI.
import { availableParallelism } from 'node:os';
import { encodeWavFileToMp3Off, type Mp3Encode, type Mp3WorkerScript } from '../core/audio/mp3Worker';
import { Semaphore } from './pool';

declare const CLI_VERSION: string | undefined;

/** The processors less one (the main thread keeps the requests flowing), at least 1. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** In the bundled CLI, the worker's code; from source (tests), none: the core's default (mp3-worker.js beside it, else this thread). */
function workerScript(): Mp3WorkerScript | undefined {
  if (typeof CLI_VERSION !== 'string') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { source: require('mp3-worker-source') as string }; // esbuild's text loader: the module is the string
}

/** An MP3 encoder for the batch's files: at most `jobs` at once, the others wait their turn (or their abort). */
export function boundedMp3Encoder(jobs: number, encode: Mp3Encode = (wav, mp3, options, signal) => encodeWavFileToMp3Off(wav, mp3, options, signal, workerScript())): Mp3Encode {
  const slots = new Semaphore(jobs);
  return (wav, mp3, options, signal) => slots.run(() => encode(wav, mp3, options, signal), signal);
}
