// MP3 from 16-bit PCM with LAME compiled to WebAssembly (wasm-media-encoders: several times faster than lamejs, the
// JavaScript port it replaced, and the same stream at the same settings: constant bitrate, same sample rate, same
// size), fed as the PCM arrives so memory stays flat however long the narration. The wasm is compiled once per thread on first use (mp3Wasm.ts says where it comes
// from); each encoder is an instance of its own, with its own memory.

import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { createEncoder, type WasmMediaEncoder } from 'wasm-media-encoders';
import { CoreError, InternalError } from '../errors';
import { mp3WasmBytes } from './mp3Wasm';
import { tryParseWavHeader } from './wav';

/** Constant bitrates LAME writes (MPEG-2 rates, ≤ 24 kHz, stop at 160: LAME caps a higher one there). */
export const MP3_BITRATES = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
export type Mp3Bitrate = (typeof MP3_BITRATES)[number];
/** Sample rates an MP3 can have. */
export const MP3_SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
export type Mp3SampleRate = (typeof MP3_SAMPLE_RATES)[number];

let compiled: Promise<WebAssembly.Module> | undefined;

// Node's global WebAssembly (the project's lib, ES2022 without the DOM, declares its types but not the value).
const { compile } = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;

/** LAME's module, compiled once per thread; a failure is not kept (the next encoder tries again). */
function lameModule(): Promise<WebAssembly.Module> {
  compiled ??= mp3WasmBytes()
    .then((bytes) => compile(bytes))
    .catch((cause: unknown) => {
      compiled = undefined;
      // the .vsix or the CLI bundle shipped without its wasm: a packaging bug, but the user's export fails, so it is said
      throw new CoreError({ kind: 'mp3Encoding', reason: 'encoderMissing' }, { cause });
    });
  return compiled;
}

export interface Mp3EncoderOptions {
  /** The PCM's sample rate; default 24 000 (Novita's PCM). */
  sampleRate?: number;
  /** 1 or 2 (interleaved); default 1. */
  channels?: 1 | 2;
  /** Constant bitrate; default 64: clear speech at 24 kHz mono, ~0.5 MB a minute. */
  kbps?: number;
  /**
   * The MP3's sample rate (LAME resamples): e.g. 44 100 with 192 kbit/s for a publishing preset. Default: LAME's
   * choice, as lamejs made it: the PCM's rate, or lower for a low bitrate (22 050 at 32 kbit/s from 24 kHz).
   */
  outputSampleRate?: Mp3SampleRate;
}

// Samples per channel handed to LAME at once: a few 1152-sample MP3 frames, converted to float in a reused buffer.
const BLOCK_SAMPLES = 1152 * 16;

/**
 * Encodes interleaved 16-bit little-endian PCM to constant-bitrate MP3 as it arrives. `encode` takes any number of
 * bytes: a partial sample frame at the end of one call is carried into the next. Call `flush` once at the end for
 * the last frames. Made with `Mp3StreamEncoder.create` (the wasm is loaded asynchronously).
 */
export class Mp3StreamEncoder {
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  readonly kbps: number;
  readonly outputSampleRate: Mp3SampleRate | undefined;
  private readonly frameBytes: number;
  private readonly planes: Float32Array[];
  private carry = Buffer.alloc(0);
  private flushed = false;
  private samples = 0;

  /** Throws RangeError for settings LAME does not take; a CoreError `mp3Encoding` (encoderMissing) without its wasm. */
  static async create(options: Mp3EncoderOptions = {}): Promise<Mp3StreamEncoder> {
    const channels = options.channels ?? 1;
    const kbps = options.kbps ?? 64;
    const sampleRate = options.sampleRate ?? 24000;
    if (channels !== 1 && channels !== 2) throw new RangeError(`MP3 encoding takes 1 or 2 channels, not ${String(channels)}.`);
    if (!(MP3_BITRATES as readonly number[]).includes(kbps)) throw new RangeError(`${kbps} kbit/s is not an MP3 bitrate.`);
    if (options.outputSampleRate !== undefined && !(MP3_SAMPLE_RATES as readonly number[]).includes(options.outputSampleRate)) {
      throw new RangeError(`${options.outputSampleRate} Hz is not an MP3 sample rate.`);
    }
    if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`${sampleRate} Hz is not a sample rate.`);
    const lame = await createEncoder('audio/mpeg', await lameModule());
    lame.configure({ channels, sampleRate, bitrate: kbps as Mp3Bitrate, ...(options.outputSampleRate ? { outputSampleRate: options.outputSampleRate } : {}) });
    return new Mp3StreamEncoder(lame, { sampleRate, channels, kbps, outputSampleRate: options.outputSampleRate });
  }

  private constructor(
    private readonly lame: WasmMediaEncoder<'audio/mpeg'>,
    settings: { sampleRate: number; channels: 1 | 2; kbps: number; outputSampleRate?: Mp3SampleRate },
  ) {
    this.sampleRate = settings.sampleRate;
    this.channels = settings.channels;
    this.kbps = settings.kbps;
    this.outputSampleRate = settings.outputSampleRate;
    this.frameBytes = 2 * this.channels;
    this.planes = Array.from({ length: this.channels }, () => new Float32Array(BLOCK_SAMPLES));
  }

  /** Sample frames (per channel) taken so far, carried bytes excluded. */
  get samplesEncoded(): number {
    return this.samples;
  }

  /** MP3 bytes for the PCM so far (often empty: LAME holds back a frame or two). */
  encode(pcm: Uint8Array): Uint8Array {
    if (this.flushed) throw new InternalError('This MP3 encoder is already flushed.');
    let bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    if (this.carry.length) {
      bytes = Buffer.concat([this.carry, bytes]);
      this.carry = Buffer.alloc(0);
    }
    const whole = bytes.length - (bytes.length % this.frameBytes);
    if (whole < bytes.length) this.carry = Buffer.from(bytes.subarray(whole)); // copied: the caller may reuse its buffer
    const out: Uint8Array[] = [];
    const blockBytes = BLOCK_SAMPLES * this.frameBytes;
    for (let at = 0; at < whole; at += blockBytes) {
      const block = bytes.subarray(at, Math.min(whole, at + blockBytes));
      const mp3 = this.encodeFrames(block);
      if (mp3.length) out.push(mp3);
    }
    return concat(out);
  }

  /** The last MP3 frames. A dangling half sample (an odd byte count overall) is dropped. */
  flush(): Uint8Array {
    if (this.flushed) throw new InternalError('This MP3 encoder is already flushed.');
    this.flushed = true;
    this.carry = Buffer.alloc(0);
    return Uint8Array.prototype.slice.call(this.lame.finalize());
  }

  private encodeFrames(block: Buffer): Uint8Array {
    const frames = block.length / this.frameBytes;
    this.samples += frames;
    // Int16Array needs an even byte offset; copy when the caller's bytes are not aligned (or on a big-endian host).
    const aligned = block.byteOffset % 2 === 0 && LITTLE_ENDIAN;
    const interleaved = aligned ? new Int16Array(block.buffer, block.byteOffset, block.length / 2) : readInt16(block);
    const planes = this.planes.map((p) => p.subarray(0, frames));
    if (this.channels === 1) {
      const mono = planes[0];
      for (let i = 0; i < frames; i++) mono[i] = interleaved[i] / 32768;
    } else {
      const [left, right] = planes;
      for (let i = 0; i < frames; i++) {
        left[i] = interleaved[2 * i] / 32768;
        right[i] = interleaved[2 * i + 1] / 32768;
      }
    }
    // The result is a view of the instance's memory, overwritten by the next call: copied out.
    return Uint8Array.prototype.slice.call(this.lame.encode(planes));
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readInt16(block: Buffer): Int16Array {
  const out = new Int16Array(block.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = block.readInt16LE(i * 2);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 0) return new Uint8Array(0);
  if (parts.length === 1) return parts[0];
  return Buffer.concat(parts);
}

export interface Mp3FileResult {
  path: string;
  /** Bytes of MP3 written. */
  bytes: number;
  /** Seconds of audio encoded. */
  durationSec: number;
}

/** Plain data (it crosses to the worker thread as it is). */
export interface EncodeWavFileOptions {
  /** Constant bitrate in kbit/s (default 64). */
  kbps?: number;
  /** The MP3's sample rate (default: LAME's choice, see Mp3EncoderOptions), e.g. 44 100 with 192 kbit/s. */
  outputSampleRate?: Mp3SampleRate;
  /** Bytes read from the WAV at a time (default 256 KiB). */
  blockBytes?: number;
}

// Where `data` must start: WAVs with long LIST/INFO chunks still fit, anything else is not a WAV we wrote.
const HEADER_PROBE_BYTES = 64 * 1024;

/**
 * Encodes a 16-bit PCM WAV file to an MP3 file, reading and writing in blocks so memory stays flat for long files.
 * The MP3 is written to `mp3Path + '.partial'` and renamed into place when complete; on failure it is removed.
 * Throws a CoreError `mp3Encoding` when the file is not a WAV or not 16-bit integer PCM; a Node error when a file
 * cannot be read or written; CoreError `cancelled` when `signal` aborts (checked between blocks).
 */
export async function encodeWavFileToMp3(wavPath: string, mp3Path: string, options: EncodeWavFileOptions = {}, signal?: AbortSignal): Promise<Mp3FileResult> {
  signal?.throwIfAborted();
  const blockBytes = Math.max(4096, options.blockBytes ?? 256 * 1024);
  const input = await open(wavPath, 'r');
  let output: FileHandle | undefined;
  const partial = `${mp3Path}.partial`;
  try {
    const size = (await input.stat()).size;
    const head = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
    await readFully(input, head, 0);
    const info = tryParseWavHeader(head);
    if (!info) throw new CoreError({ kind: 'mp3Encoding', reason: 'notWav', path: wavPath });
    if ((info.audioFormat !== 1 && info.audioFormat !== 0xfffe) || info.bitsPerSample !== 16 || (info.channels !== 1 && info.channels !== 2)) {
      throw new CoreError({ kind: 'mp3Encoding', reason: 'notPcm16', path: wavPath, bitsPerSample: info.bitsPerSample, channels: info.channels });
    }
    // The parsed size is capped at the probe; take the declared one, capped at the file (0 or a placeholder: to the end).
    const declared = head.readUInt32LE(info.dataOffset - 4);
    const available = Math.max(0, size - info.dataOffset);
    const dataBytes = declared === 0 ? available : Math.min(declared, available);

    const encoder = await Mp3StreamEncoder.create({ sampleRate: info.sampleRate, channels: info.channels as 1 | 2, kbps: options.kbps, outputSampleRate: options.outputSampleRate });
    output = await open(partial, 'w');
    let written = 0;
    const write = async (bytes: Uint8Array) => {
      let at = 0;
      while (at < bytes.length) at += (await output!.write(bytes, at, bytes.length - at)).bytesWritten;
      written += bytes.length;
    };
    const block = Buffer.alloc(blockBytes);
    for (let at = 0; at < dataBytes; ) {
      if (signal?.aborted) throw new CoreError({ kind: 'cancelled' });
      const want = Math.min(blockBytes, dataBytes - at);
      const got = await readFully(input, block.subarray(0, want), info.dataOffset + at);
      if (got === 0) break; // the file shrank meanwhile
      await write(encoder.encode(block.subarray(0, got)));
      at += got;
    }
    await write(encoder.flush());
    await output.close();
    output = undefined;
    await rename(partial, mp3Path);
    return { path: mp3Path, bytes: written, durationSec: encoder.samplesEncoded / info.sampleRate };
  } catch (err) {
    await output?.close().catch(() => undefined);
    await rm(partial, { force: true }).catch(() => undefined);
    throw err;
  } finally {
    await input.close().catch(() => undefined);
  }
}

/** Reads until `into` is full or the file ends; returns the bytes read. */
async function readFully(handle: FileHandle, into: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < into.length) {
    const { bytesRead } = await handle.read(into, got, into.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}
