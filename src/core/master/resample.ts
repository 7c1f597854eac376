// Sample-rate conversion with libsamplerate (Secret Rabbit Code) compiled to WebAssembly
// (npm `@alexanderolsen/libsamplerate-js`: a UMD file with the wasm inlined, so it loads in plain Node and esbuild
// bundles it like any CommonJS package). SINC_MEDIUM_QUALITY: a passband to 90 % of the lower Nyquist (10.8 kHz of
// GLM-TTS's 12 kHz) at about 97 dB SNR, twice as fast as SINC_BEST (see test/bench/master.ts).
import type { SRC } from '@alexanderolsen/libsamplerate-js/dist/src';

type LibSampleRate = typeof import('@alexanderolsen/libsamplerate-js');

let lib: LibSampleRate | undefined;

/** Loaded on first use: 2 MB of JavaScript with the wasm inlined. */
function load(): LibSampleRate {
  lib ??= require('@alexanderolsen/libsamplerate-js') as LibSampleRate;
  return lib;
}

/**
 * The filter's delay is flushed with this much silence after the input: libsamplerate-js feeds long inputs (over
 * 1 M samples) through the streaming API without "end of input", which kept the last ~2 ms back.
 */
const FLUSH_SECONDS = 0.05;

/** Each channel resampled from `from` Hz to `to` Hz (the same arrays when the rates match), exactly n·to/from long. */
export async function resample(chans: readonly Float32Array[], from: number, to: number): Promise<Float32Array[]> {
  if (from === to) return [...chans];
  const { create, ConverterType } = load();
  const out: Float32Array[] = [];
  for (const ch of chans) {
    const src: SRC = await create(1, from, to, { converterType: ConverterType.SRC_SINC_MEDIUM_QUALITY });
    try {
      const frames = Math.round((ch.length * to) / from);
      if (ch.length === 0) {
        out.push(new Float32Array(0));
        continue;
      }
      const padded = new Float32Array(ch.length + Math.ceil(FLUSH_SECONDS * from));
      padded.set(ch);
      const y = src.simple(padded);
      // A copy (`simple` may return a view of the module's heap), cut to the input's length.
      const exact = new Float32Array(frames);
      exact.set(y.subarray(0, Math.min(frames, y.length)));
      out.push(exact);
    } finally {
      src.destroy();
    }
  }
  return out;
}
