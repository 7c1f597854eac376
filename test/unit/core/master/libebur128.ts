// The reference the meter (src/core/master/ebur128.ts) is checked against in tests: libebur128 as the Rust `ebur128`
// crate compiled to WebAssembly (npm `ebur128-wasm`, a dev dependency). The extension shipped this module until the
// package's size budget (issue 27: its 88 KB of WebAssembly were 40 KB of a 431 KB .vsix); the meter is now ours, and
// ebur128.test.ts holds it to this one.
//
// The package's own glue imports its `.wasm` as an ES module, which plain Node 20 cannot load
// (`--experimental-wasm-modules`); so the module is instantiated here, with the four host functions it imports (all
// for a Rust panic's message), and the exported calls are wrapped as the package's glue wraps them: the samples are
// copied into the module's heap (`__wbindgen_malloc`) and handed over, and the crate frees them when the call returns.
import { readFileSync } from 'node:fs';

function ebur128WasmBytes(): Uint8Array {
  return readFileSync(require.resolve('ebur128-wasm/ebur128_wasm_bg.wasm'));
}

const GLUE = './ebur128_wasm_bg.js';

/** The little of the WebAssembly API used here (the project's `lib` has no DOM, where its types live). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, (...args: number[]) => unknown>>) => { exports: unknown };
}

interface Exports {
  memory: { buffer: ArrayBuffer };
  ebur128_integrated_mono(rate: number, ptr: number, len: number): number;
  ebur128_integrated_stereo(rate: number, lPtr: number, lLen: number, rPtr: number, rLen: number): number;
  ebur128_true_peak_mono(rate: number, ptr: number, len: number): number;
  ebur128_true_peak_stereo(rate: number, lPtr: number, lLen: number, rPtr: number, rLen: number): number;
  __wbindgen_malloc(bytes: number): number;
}

let loaded: Exports | undefined;

function meter(): Exports {
  if (loaded) return loaded;
  // The imports only serve a panic's message (an Error's stack, console.error): never reached with valid input.
  const imports = {
    [GLUE]: {
      __wbg_new_693216e109162396: () => 0,
      __wbg_stack_0ddaca5d1abfb52f: () => undefined,
      __wbg_error_09919627ac0992f5: () => undefined,
      __wbindgen_object_drop_ref: () => undefined,
    },
  };
  const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
  const instance = new wasm.Instance(new wasm.Module(ebur128WasmBytes()), imports);
  loaded = instance.exports as unknown as Exports;
  return loaded;
}

/** Copies `samples` into the module's heap: the crate takes ownership and frees them. */
function pass(m: Exports, samples: Float32Array): number {
  const ptr = m.__wbindgen_malloc(samples.length * 4);
  new Float32Array(m.memory.buffer, ptr, samples.length).set(samples);
  return ptr;
}

/** Integrated loudness (LUFS, BS.1770 gated) of one or two channels; -Infinity when everything is gated out. */
export function referenceIntegratedLoudness(rate: number, channels: readonly Float32Array[]): number {
  const m = meter();
  if (channels.length === 1) return m.ebur128_integrated_mono(rate, pass(m, channels[0]), channels[0].length);
  const [l, r] = channels;
  const lp = pass(m, l);
  return m.ebur128_integrated_stereo(rate, lp, l.length, pass(m, r), r.length);
}

/** True peak (dBTP: the 4x oversampled peak of BS.1770 annex 2), the highest over the channels. */
export function referenceTruePeak(rate: number, channels: readonly Float32Array[]): number {
  const m = meter();
  let peak = -Infinity;
  // Per channel through the mono call: the stereo call returns one value in this build, not one per channel.
  for (const ch of channels) peak = Math.max(peak, m.ebur128_true_peak_mono(rate, pass(m, ch), ch.length));
  return peak;
}
