// MP3 export of a long narration: encoding speed (× real time) and how far the process's memory grows while a WAV
// on disk is streamed to MP3, then the same WAV in this thread with the product's encoder (LAME in WebAssembly) and
// with lamejs (the JavaScript port it replaced, kept as a devDependency for this comparison only): the ratio of the
// two, same run, same machine, same conditions (target ≥ 3×). Plain Node, no editor:
// `node --import tsx test/bench/mp3.ts [--chars N] [--cps N] [--kbps N] [--in-thread]` (or `npm run bench:mp3 -- …`);
// `npm run bench` runs it too and reports its figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { open, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { encodeWavFileToMp3 } from '../../src/core/audio/mp3';
import { encodeInWorker } from '../../src/core/audio/mp3Worker';
import { NOVITA_PCM, tryParseWavHeader, wavHeader } from '../../src/core/audio/wav';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} needs a positive number\n`);
    process.exit(2);
  }
  return value;
}

const chars = option('chars', 50_000);
// Narrated English runs ~150 words a minute at ~6 characters a word (with the space): ~15 characters a second.
const charsPerSec = option('cps', 15);
const kbps = option('kbps', 64);
const MB = 1024 * 1024;

/** Speech-like test audio: a gliding tone under a syllable-rate envelope, with a little noise, written in blocks. */
async function writeWav(path: string, seconds: number): Promise<number> {
  const rate = NOVITA_PCM.sampleRate;
  const frames = Math.round(seconds * rate);
  const handle = await open(path, 'w');
  try {
    await handle.write(wavHeader(frames * 2));
    const block = Buffer.alloc(rate * 2); // one second at a time: memory stays flat here too
    let seed = 1;
    for (let at = 0; at < frames; ) {
      const n = Math.min(rate, frames - at);
      for (let i = 0; i < n; i++) {
        const t = (at + i) / rate;
        const pitch = 140 + 40 * Math.sin(2 * Math.PI * 0.3 * t);
        const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const noise = (seed / 0x7fffffff - 0.5) * 800;
        const v = envelope * (6000 * Math.sin(2 * Math.PI * pitch * t) + 2000 * Math.sin(2 * Math.PI * 3 * pitch * t)) + noise;
        block.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i * 2);
      }
      await handle.write(block, 0, n * 2);
      at += n;
    }
  } finally {
    await handle.close();
  }
  return frames * 2 + 44;
}

interface LameJs {
  Mp3Encoder: new (channels: number, sampleRate: number, kbps: number) => { encodeBuffer(pcm: Int16Array): Int8Array; flush(): Int8Array };
}

/**
 * The WAV to MP3 with lamejs as the product ran it until it was replaced (mp3.ts then): read in 256 KiB blocks, fed
 * in 4-frame blocks (its fastest), in this thread. Returns the MP3's size.
 */
async function encodeWithLamejs(wavPath: string, mp3Path: string): Promise<number> {
  // its "require" build only sets a script global: the ES module build, by a real dynamic import
  const { Mp3Encoder } = (await import('@breezystack/lamejs')) as unknown as LameJs;
  const input = await open(wavPath, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    await input.read(head, 0, head.length, 0);
    const info = tryParseWavHeader(head);
    if (!info) throw new Error(`${wavPath} is not a WAV`);
    const encoder = new Mp3Encoder(1, info.sampleRate, kbps);
    const out: Uint8Array[] = [];
    const block = Buffer.alloc(256 * 1024);
    const frames = 1152 * 4;
    for (let at = info.dataOffset; ; ) {
      const { bytesRead } = await input.read(block, 0, block.length, at);
      if (!bytesRead) break;
      at += bytesRead;
      const pcm = new Int16Array(block.buffer, block.byteOffset, bytesRead >> 1);
      for (let i = 0; i < pcm.length; i += frames) out.push(Buffer.from(encoder.encodeBuffer(pcm.subarray(i, i + frames))));
    }
    out.push(Buffer.from(encoder.flush()));
    const mp3 = Buffer.concat(out);
    await writeFile(mp3Path, mp3);
    return mp3.length;
  } finally {
    await input.close();
  }
}

async function main(): Promise<void> {
  const seconds = chars / charsPerSec;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`assumption: ${chars} characters at ${charsPerSec} characters/s of speech = ${seconds.toFixed(0)} s (${(seconds / 60).toFixed(1)} min) of 24 kHz mono 16-bit PCM`);
  const dir = mkdtempSync(join(tmpdir(), 'gvc-bench-mp3-'));
  try {
    const wav = join(dir, 'narration.wav');
    const wavBytes = await writeWav(wav, seconds);
    say(`WAV on disk: ${(wavBytes / MB).toFixed(1)} MB`);

    // Let the WAV writing's garbage go before the baseline, so the growth is the encoder's.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const baseline = process.memoryUsage().rss;
    const samples: { at: number; rss: number }[] = [];
    const started = performance.now();
    const sample = () => samples.push({ at: performance.now() - started, rss: process.memoryUsage().rss });
    const sampler = setInterval(sample, 20);
    // As the extension does it: in the bundled worker (npm run build first), else in this thread.
    const worker = join(__dirname, '..', '..', 'dist', 'mp3-worker.js');
    const inWorker = existsSync(worker) && !process.argv.includes('--in-thread');
    say(`encoding ${inWorker ? 'in the bundled worker (dist/mp3-worker.js)' : 'in this thread'}`);
    const result = inWorker ? await encodeInWorker(worker, wav, join(dir, 'narration.mp3'), { kbps }) : await encodeWavFileToMp3(wav, join(dir, 'narration.mp3'), { kbps });
    const elapsedMs = performance.now() - started;
    const elapsedSec = elapsedMs / 1000;
    clearInterval(sampler);
    sample();
    const peak = Math.max(baseline, ...samples.map((s) => s.rss));
    // Peak by stretch of the run: flat memory means the later stretches peak no higher than the first.
    const stretches = [0.1, 0.25, 0.5, 0.75, 1].map((f, i, all) => {
      const from = (i ? all[i - 1] : 0) * elapsedMs;
      const inside = samples.filter((s) => s.at >= from && s.at <= f * elapsedMs + 1).map((s) => s.rss);
      return `${Math.round(f * 100)}%: ${(Math.max(0, ...inside) / MB).toFixed(0)}`;
    });
    const mp3Bytes = (await stat(result.path)).size;

    say(`MP3: ${(mp3Bytes / MB).toFixed(1)} MB at ${kbps} kbit/s, ${result.durationSec.toFixed(0)} s of audio`);
    say(`encoding: ${elapsedSec.toFixed(1)} s = ${(result.durationSec / elapsedSec).toFixed(1)}× real time`);
    say(`RSS: ${(baseline / MB).toFixed(0)} MB before, ${(peak / MB).toFixed(0)} MB peak → growth ${((peak - baseline) / MB).toFixed(1)} MB`);
    say(`RSS peak (MB) by stretch of the run, up to: ${stretches.join(', ')}`);

    // Same WAV, this thread, one after the other: the product's encoder, then lamejs. Wall time and this process's
    // CPU time: on a machine busy with other work the wall clock counts their turns too, the CPU time does not.
    const timed = async <T>(fn: () => Promise<T>) => {
      const wall = performance.now();
      const cpu = process.cpuUsage();
      const value = await fn();
      const used = process.cpuUsage(cpu);
      return { value, wallSec: (performance.now() - wall) / 1000, cpuSec: (used.user + used.system) / 1e6 };
    };
    const wasm = await timed(() => encodeWavFileToMp3(wav, join(dir, 'here.mp3'), { kbps }));
    const lame = await timed(() => encodeWithLamejs(wav, join(dir, 'lamejs.mp3')));
    const audioSec = wasm.value.durationSec;
    const line = (name: string, t: { wallSec: number; cpuSec: number }, bytes: number) =>
      `in this thread, ${name}: ${t.wallSec.toFixed(1)} s = ${(audioSec / t.wallSec).toFixed(1)}× real time (CPU ${t.cpuSec.toFixed(1)} s = ${(audioSec / t.cpuSec).toFixed(1)}×), ${(bytes / MB).toFixed(2)} MB`;
    say(line('LAME in WebAssembly', wasm, wasm.value.bytes));
    say(line('lamejs', lame, lame.value));
    say(`speed-up over lamejs: ${(lame.cpuSec / wasm.cpuSec).toFixed(1)}× in CPU time, ${(lame.wallSec / wasm.wallSec).toFixed(1)}× in wall time (target ≥ 3×)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
