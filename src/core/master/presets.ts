// What "publishable" means, per destination: one table, read by the mastering (master.ts) and the compliance report
// (report.ts). Figures from the issue; sources: Apple Podcasts / AES TD1004 (-16 LUFS stereo, -19 LUFS mono: a mono
// file is played on both speakers, about 3 LU louder than it measures), ACX's audio submission requirements.

export type PresetId = 'none' | 'podcast' | 'acx' | 'web';

export const PRESET_IDS: readonly PresetId[] = ['none', 'podcast', 'acx', 'web'];

export interface Range {
  min: number;
  max: number;
}

export interface Preset {
  id: PresetId;
  /** Integrated loudness target, LUFS (stereo or more), and the mono one; the result within ± `toleranceLu`. */
  loudness?: { stereoLufs: number; monoLufs: number; toleranceLu: number };
  /** Highest true peak, dBTP. */
  truePeakMaxDbtp?: number;
  /** ACX: whole-file RMS window and the level aimed at inside it. */
  rms?: Range & { targetDb: number };
  /** Highest sample peak, dBFS. */
  samplePeakMaxDbfs?: number;
  /** Highest noise floor (RMS of the room tone), dB. */
  noiseFloorMaxDb?: number;
  /** The output rate; none: the source's (24 kHz from GLM-TTS). */
  sampleRate?: number;
  /** The MP3 this destination takes, constant bit rate (what ACX requires, and all src/core/audio/mp3.ts encodes). */
  mp3?: { kbps: number };
  /** Room tone at the head and tail (seconds: the accepted range and what the mastering puts there). */
  roomTone?: { head: Range & { target: number }; tail: Range & { target: number } };
}

export const PRESETS: Readonly<Record<PresetId, Preset>> = {
  // Today's output, untouched.
  none: { id: 'none' },
  podcast: {
    id: 'podcast',
    loudness: { stereoLufs: -16, monoLufs: -19, toleranceLu: 0.5 },
    truePeakMaxDbtp: -1,
    sampleRate: 44100,
    mp3: { kbps: 128 },
  },
  acx: {
    id: 'acx',
    rms: { min: -23, max: -18, targetDb: -20 },
    samplePeakMaxDbfs: -3,
    noiseFloorMaxDb: -60,
    sampleRate: 44100,
    mp3: { kbps: 192 },
    roomTone: { head: { min: 0.5, max: 1, target: 0.75 }, tail: { min: 1, max: 5, target: 2 } },
  },
  // The issue names only -16 LUFS and 64 kbit/s; the -1 dBTP ceiling is ours, so the gain up to -16 never clips
  // (nor the MP3 decoded from it). -16 whatever the channels: a web player is not a podcast app.
  web: {
    id: 'web',
    loudness: { stereoLufs: -16, monoLufs: -16, toleranceLu: 0.5 },
    truePeakMaxDbtp: -1,
    mp3: { kbps: 64 },
  },
};

export function isPresetId(x: unknown): x is PresetId {
  return typeof x === 'string' && (PRESET_IDS as readonly string[]).includes(x);
}

/** The integrated loudness `preset` aims at for `channels` channels (podcast: -19 LUFS mono, -16 stereo). */
export function loudnessTarget(preset: Preset, channels: number): number | undefined {
  if (!preset.loudness) return undefined;
  return channels === 1 ? preset.loudness.monoLufs : preset.loudness.stereoLufs;
}
