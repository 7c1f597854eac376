// The one table of what a narration can be exported as: each audio format's extension, MIME type, encoder (what turns
// the joined WAV into it, in its worker thread) and bitrates, and the subtitle kinds. The editor's settings
// (package.json's enums, checked by test/unit/core/export/exportFormats.test.ts), the CLI's options and the build's worker bundles
// (esbuild.mjs) all come from here: a new format is an encoder file, a row and its strings.
import type { Mp3SampleRate } from '../audio/mp3';
import { encodeWavFileToMp3Off, MP3_WORKER } from '../audio/mp3Worker';

/** What the encoder of a row is asked: the joined WAV, the file to write, the bitrate chosen. */
export interface EncodeJob {
  wavPath: string;
  target: string;
  kbps?: number;
  /** The output's sample rate, where the encoder can resample (MP3: 44 100 for a publishing preset); default: the input's. */
  sampleRate?: number;
}

export interface AudioFormat {
  /** With its dot, as written after the file's name. */
  readonly extension: string;
  readonly mime: string;
  /** Turns the joined WAV into this format; none: the joined WAV is the file. */
  readonly encode?: (job: EncodeJob, signal?: AbortSignal) => Promise<unknown>;
  /** The bitrates offered (kbit/s; the `glmVoiceClone.export.<id>Bitrate` setting, the CLI's `--<id>-kbps`); none: uncompressed. */
  readonly bitrates?: readonly number[];
  readonly defaultKbps?: number;
  /** The encoder's worker thread: its bundle in dist/ (`<bundle>.js`) and the entry esbuild.mjs builds it from. */
  readonly worker?: { readonly bundle: string; readonly entry: string };
  /** Where the file holds its title, cover and chapters: 'id3' (ID3v2 in front of the audio); none: only the chapters file beside it. */
  readonly tags?: 'id3';
}

export const FORMATS = {
  /** As Novita sends it (24 kHz 16-bit mono PCM): the joined file itself. */
  wav: { extension: '.wav', mime: 'audio/wav' },
  /** About a tenth of the size; LAME (WebAssembly) in a worker with a small heap. */
  mp3: {
    extension: '.mp3',
    mime: 'audio/mpeg',
    encode: (job: EncodeJob, signal?: AbortSignal) =>
      encodeWavFileToMp3Off(job.wavPath, job.target, { kbps: job.kbps, ...(job.sampleRate ? { outputSampleRate: job.sampleRate as Mp3SampleRate } : {}) }, signal),
    bitrates: [32, 48, 64, 96, 128, 160, 192],
    defaultKbps: 64,
    worker: MP3_WORKER,
    tags: 'id3',
  },
} as const satisfies Record<string, AudioFormat>;

export type FormatId = keyof typeof FORMATS;
/** The formats in the table's order (the settings' enum, the CLI's `--format`). */
export const FORMAT_IDS = Object.keys(FORMATS) as FormatId[];
export const DEFAULT_FORMAT: FormatId = 'wav';

export function isFormatId(value: unknown): value is FormatId {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(FORMATS, value);
}

export function formatOf(id: FormatId): AudioFormat {
  return FORMATS[id];
}

/** The format a file name's extension says (case-insensitive), if it is one of the table's. */
export function formatOfPath(path: string): FormatId | undefined {
  const lower = path.toLowerCase();
  return FORMAT_IDS.find((id) => lower.endsWith(FORMATS[id].extension));
}

/** MP3's bitrates, as the `glmVoiceClone.export.mp3Bitrate` setting and `--mp3-kbps` offer them. */
export const MP3_BITRATES: readonly number[] = FORMATS.mp3.bitrates;
export const DEFAULT_MP3_KBPS: number = FORMATS.mp3.defaultKbps;

/** Subtitle files, a cue per sentence timed from the audio. */
export const SUBTITLE_FORMATS = {
  srt: { extension: '.srt', mime: 'application/x-subrip' },
  vtt: { extension: '.vtt', mime: 'text/vtt' },
} as const satisfies Record<string, { extension: string; mime: string }>;

export type SubtitleFormat = keyof typeof SUBTITLE_FORMATS;

/** What the subtitles setting and `--subtitles` offer: each choice and the files it writes. */
export const SUBTITLES = {
  none: [],
  srt: ['srt'],
  vtt: ['vtt'],
  both: ['srt', 'vtt'],
} as const satisfies Record<string, readonly SubtitleFormat[]>;

export type SubtitleChoice = keyof typeof SUBTITLES;
export const SUBTITLE_CHOICES = Object.keys(SUBTITLES) as SubtitleChoice[];
export const DEFAULT_SUBTITLES: SubtitleChoice = 'none';

export function isSubtitleChoice(value: unknown): value is SubtitleChoice {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SUBTITLES, value);
}

/** The deepest Markdown heading level that starts a chapter: 0 writes no chapters (the setting, `--chapter-level`). */
export const CHAPTER_LEVEL = { default: 2, min: 0, max: 6 } as const;

/** Every extension an export writes (audio and subtitles): what a CLI glob never reads back as input. */
export function exportExtensions(): string[] {
  return [...FORMAT_IDS.map((id) => FORMATS[id].extension), ...Object.values(SUBTITLE_FORMATS).map((s) => s.extension)];
}
