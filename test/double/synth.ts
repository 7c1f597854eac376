// The audio the Novita double "speaks": deterministic PCM whose length and first samples tests can predict.
import { execFile } from 'node:child_process';
import { tryParseWavHeader } from '../../src/core/audio/wav';

export const SAMPLE_RATE = 24000;
export const LABEL_SAMPLES = 8;
const TONE_HZ = 220;
const TONE_AMPLITUDE = 600;

/** Samples (24 kHz, 16-bit mono) the double makes for `text`: 2400 + 240 per Unicode code point. */
export function samplesFor(text: string): number {
  return 2400 + 240 * [...text].length;
}

/** 32-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

/** The label written into the first 8 samples of every clip made for `text` (its FNV-1a hash). */
export function labelFor(text: string): number {
  return fnv1a32(text);
}

/** The 8 sample values that encode `label`: one 4-bit nibble per sample, most significant first, as nibble*1000+500. */
export function labelSamples(label: number): number[] {
  const out: number[] = [];
  for (let i = LABEL_SAMPLES - 1; i >= 0; i--) out.push(((label >>> (i * 4)) & 0xf) * 1000 + 500);
  return out;
}

/** The label at `sampleOffset` (in samples) of 16-bit LE PCM, or undefined when those samples are not a label. */
export function readLabel(pcm: Buffer, sampleOffset = 0): number | undefined {
  const start = sampleOffset * 2;
  if (start < 0 || start + LABEL_SAMPLES * 2 > pcm.length) return undefined;
  let label = 0;
  for (let i = 0; i < LABEL_SAMPLES; i++) {
    const v = pcm.readInt16LE(start + i * 2) - 500;
    if (v < 0 || v % 1000 !== 0 || v / 1000 > 15) return undefined;
    label = ((label << 4) | (v / 1000)) >>> 0;
  }
  return label;
}

/** 16-bit LE mono PCM at 24 kHz: the label of `text`, then a quiet sine tone, `samplesFor(text)` samples in all. */
export function synthesizePcm(text: string): Buffer {
  const n = samplesFor(text);
  const pcm = Buffer.alloc(n * 2);
  const label = labelSamples(labelFor(text));
  for (let i = 0; i < n; i++) {
    const v = i < LABEL_SAMPLES ? label[i] : Math.round(TONE_AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ * i) / SAMPLE_RATE));
    pcm.writeInt16LE(v, i * 2);
  }
  return pcm;
}

let espeakAvailable: Promise<boolean> | undefined;

function runEspeak(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('espeak-ng', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 20000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

/**
 * Real speech from espeak-ng, resampled to 24 kHz and labelled like `synthesizePcm`; its length is the speech's own,
 * not `samplesFor(text)`. Falls back to `synthesizePcm` when espeak-ng is missing or fails.
 */
export async function speakPcm(text: string): Promise<Buffer> {
  espeakAvailable ??= runEspeak(['--version']).then(
    () => true,
    () => false,
  );
  if (!(await espeakAvailable)) return synthesizePcm(text);
  try {
    // `--` so a text starting with "-" is not read as an option.
    const wav = await runEspeak(['--stdout', '--', text]);
    const info = tryParseWavHeader(wav);
    if (!info || info.bitsPerSample !== 16 || info.channels !== 1) return synthesizePcm(text);
    const src = wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes - (info.dataBytes % 2));
    const srcCount = src.length / 2;
    const outCount = Math.max(LABEL_SAMPLES, Math.round((srcCount * SAMPLE_RATE) / info.sampleRate));
    const out = Buffer.alloc(outCount * 2);
    for (let i = 0; i < outCount; i++) {
      const pos = (i * info.sampleRate) / SAMPLE_RATE;
      const j = Math.min(srcCount - 1, Math.floor(pos));
      const k = Math.min(srcCount - 1, j + 1);
      const frac = pos - j;
      const v = srcCount === 0 ? 0 : Math.round(src.readInt16LE(j * 2) * (1 - frac) + src.readInt16LE(k * 2) * frac);
      out.writeInt16LE(v, i * 2);
    }
    labelSamples(labelFor(text)).forEach((v, i) => out.writeInt16LE(v, i * 2));
    return out;
  } catch {
    return synthesizePcm(text);
  }
}
