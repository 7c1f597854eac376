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

/**
 * The tone's level and what lies around it (NovitaDouble's `tone` setting): inputs whose level differs, for the
 * mastering presets (a quiet, a middling and a loud narration; a noisy one that no preset can save).
 */
export interface ToneSettings {
  /** The tone's peak, dBFS (default: 600/32768, about -34.7 dBFS). */
  levelDb?: number;
  /** White noise under everything after the label, RMS dBFS (default: none). */
  noiseDb?: number;
  /** The last fraction of each clip is a pause, noise only (default 0: the tone to the end), like a breath between sentences. */
  pause?: number;
}

/** 16-bit LE mono PCM at 24 kHz: the label of `text`, then a quiet sine tone, `samplesFor(text)` samples in all. */
export function synthesizePcm(text: string, tone: ToneSettings = {}): Buffer {
  const n = samplesFor(text);
  const pcm = Buffer.alloc(n * 2);
  const label = labelSamples(labelFor(text));
  const amplitude = tone.levelDb === undefined ? TONE_AMPLITUDE : 32767 * Math.pow(10, tone.levelDb / 20);
  const toneEnd = n - Math.round(n * Math.min(1, Math.max(0, tone.pause ?? 0)));
  // Uniform noise in [-a, a] has RMS a/√3; a deterministic generator seeded by the label.
  const noiseA = tone.noiseDb === undefined ? 0 : 32767 * Math.pow(10, tone.noiseDb / 20) * Math.sqrt(3);
  let x = labelFor(text) || 1;
  const noise = (): number => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return (x / 0x100000000) * 2 - 1;
  };
  for (let i = 0; i < n; i++) {
    let v: number;
    if (i < LABEL_SAMPLES) v = label[i];
    else {
      v = i < toneEnd ? amplitude * Math.sin((2 * Math.PI * TONE_HZ * i) / SAMPLE_RATE) : 0;
      if (noiseA) v += noiseA * noise();
      v = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
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

/** What the demo sample (`demoSamplePcm`) "says": the transcript the double's speech recognition returns for it. */
export const DEMO_SAMPLE_TEXT = 'This is a demo sample served by the Novita double.';

/** Formants (Hz) of the vowels the demo sample's syllables glide between. */
const VOWELS: Record<string, [number, number, number]> = {
  i: [270, 2290, 3010],
  e: [530, 1840, 2480],
  a: [730, 1090, 2440],
  o: [570, 840, 2410],
  u: [300, 870, 2240],
  E: [660, 1720, 2410],
  O: [500, 1000, 2400],
};

/** The demo sample's words as syllables: [onset consonant ('s' hiss, 'p' burst, 'm' hum, '' none), vowel, glide-to vowel]. */
const DEMO_WORDS: Array<Array<[string, string, string]>> = [
  [['', 'i', 'i']], // this
  [['', 'i', 'e']], // is
  [['', 'E', 'E']], // a
  [['m', 'e', 'E'], ['m', 'o', 'u']], // demo
  [['s', 'a', 'a'], ['p', 'O', 'O']], // sample
  [['s', 'E', 'O']], // served
  [['p', 'a', 'i']], // by
  [['', 'E', 'E']], // the
  [['m', 'o', 'o'], ['', 'i', 'i'], ['p', 'a', 'E']], // Novita
  [['p', 'a', 'O'], ['', 'O', 'O']], // double
];

/**
 * The sample `npm start` opens the panel with: about 5.3 s of speech-like 16-bit mono PCM at 24 kHz (within the
 * 3–30 s Novita recommends), deterministic. Voiced syllables are harmonics of a glottal pitch that falls across the
 * sentence and rises and falls within each word, shaped by three vowel formants gliding from one vowel to the next;
 * consonant onsets are a hiss, a burst or a hum, and words are parted by short pauses.
 */
export function demoSamplePcm(): Buffer {
  const sr = SAMPLE_RATE;
  const out: number[] = [];
  const silence = (sec: number): void => {
    for (let i = 0, n = Math.round(sec * sr); i < n; i++) out.push(0);
  };
  let seed = 0x2545f491;
  const noise = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed / 0x100000000) * 2 - 1;
  };
  const syllableCount = DEMO_WORDS.reduce((n, w) => n + w.length, 0);
  let syllableIndex = 0;
  const phases = new Float64Array(40);
  silence(0.2);
  DEMO_WORDS.forEach((word, w) => {
    word.forEach(([onset, from, to], s) => {
      if (onset === 's') for (let i = 0, n = Math.round(0.09 * sr); i < n; i++) out.push(Math.round(1800 * noise() * Math.sin((Math.PI * i) / n)));
      if (onset === 'p') {
        silence(0.04);
        for (let i = 0, n = Math.round(0.015 * sr); i < n; i++) out.push(Math.round(5000 * noise() * Math.exp(-i / (0.003 * sr))));
      }
      const hum = onset === 'm' ? 0.06 : 0;
      const stressed = s === 0 || word.length === 1;
      const dur = (stressed ? 0.2 : 0.15) + 0.02 * ((w + s) % 3) + hum;
      const n = Math.round(dur * sr);
      // Declination across the sentence (150 → 105 Hz), a rise and fall within the syllable, a little vibrato.
      const base = 150 - (45 * syllableIndex) / syllableCount;
      const [f1a, f2a, f3a] = VOWELS[from];
      const [f1b, f2b, f3b] = VOWELS[to];
      for (let i = 0; i < n; i++) {
        const t = i / n;
        const f0 = base * (1 + (stressed ? 0.12 : 0.05) * Math.sin(Math.PI * t)) * (1 + 0.01 * Math.sin((2 * Math.PI * 5.5 * i) / sr));
        const inHum = i < hum * sr;
        const g = inHum ? 0 : Math.min(1, (i - hum * sr) / (n - hum * sr));
        const formants = inHum ? [250, 1200, 2500] : [f1a + (f1b - f1a) * g, f2a + (f2b - f2a) * g, f3a + (f3b - f3a) * g];
        let v = 0;
        for (let k = 1; k < phases.length && k * f0 < 4000; k++) {
          phases[k] += (2 * Math.PI * k * f0) / sr;
          const f = k * f0;
          let gain = 0;
          for (let j = 0; j < 3; j++) {
            const bw = 60 + 40 * j;
            gain += (j === 0 ? 1 : 0.5 / j) / (1 + ((f - formants[j]) / bw) ** 2);
          }
          v += (gain / Math.sqrt(k)) * Math.sin(phases[k]);
        }
        const envelope = Math.min(1, i / (0.025 * sr), (n - i) / (0.05 * sr)) * (inHum ? 0.35 : 1);
        out.push(Math.round(8000 * envelope * v));
      }
      syllableIndex++;
    });
    silence(w === 3 || w === 6 ? 0.22 : 0.1);
  });
  silence(0.2);
  const pcm = Buffer.alloc(out.length * 2);
  out.forEach((v, i) => pcm.writeInt16LE(Math.max(-32768, Math.min(32767, v)), i * 2));
  return pcm;
}
