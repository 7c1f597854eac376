// Mastering for a destination (presets.ts): the whole file's level set by one gain (never per sentence: the
// narration's dynamics stay as spoken), a true-peak limiter only where that gain would pass the ceiling, the rate
// the destination takes (resample.ts, a windowed-sinc polyphase filter), and for ACX room tone at the head and tail.
//
// Each result is measured with the same meter the report uses and corrected until it passes: the limiter lowers the
// loudness a little where it acts, so the gain is raised by what was lost and the limiter run again (a few rounds at
// most), and a true peak the meter still finds above the ceiling lowers the limiter's ceiling by the overshoot.
import { integratedLoudness, truePeak } from './ebur128';
import { limitTruePeak, truePeakEnvelope } from './limiter';
import { backgroundLevel, EDGE_SILENCE_DB } from './meter';
import { deinterleave, floorDb, fromDb, interleave, toDb, DB_FLOOR, type Pcm } from './pcm';
import { PRESETS, loudnessTarget, type Preset, type PresetId } from './presets';
import { resample } from './resample';

export interface MasterResult {
  preset: PresetId;
  /** Interleaved float samples in [-1, 1]; `toInt16` (pcm.ts) for a 16-bit WAV. */
  pcm: { samples: Float32Array; sampleRate: number; channels: number };
  /** The one gain applied to the whole file, dB (0: none). */
  gainDb: number;
  /** How many samples the limiter turned down (0: it was not needed). */
  limitedSamples: number;
  /** ACX: the room tone added, seconds, and its RMS level (dB). */
  roomTone?: { headSeconds: number; tailSeconds: number; levelDb: number };
  /**
   * How far every moment of the input moved in the output, seconds (ACX: the room tone put at the head less the
   * silence cut from it; 0 otherwise): subtitles and chapters are shifted by it.
   */
  offsetSeconds: number;
}

/**
 * The room tone ACX gets matches the recording's own background (the level between words), so the head and tail do
 * not sound gated; a clean recording (digital silence between words, as TTS can give) gets this much: 15 dB under
 * ACX's -60 dB noise floor, 20 dB over 16-bit silence (ACX rejects absolute digital silence as room tone).
 */
export const ROOM_TONE_MIN_DB = -75;
/**
 * The room tone goes no louder than this (room tone any louder would count as speech at the edges): a file whose
 * background between words really is this loud fails the noise-floor rule, as it should. (A file with no pause to
 * measure a background in gets ROOM_TONE_MIN_DB: see backgroundLevel.)
 */
const ROOM_TONE_MAX_DB = -50;
/** How near the loudness (or RMS) target a result must come before the rounds stop. */
const AIM_TOLERANCE_DB = 0.2;
/** The limiter aims this far under a ceiling: the meter's true peak and the limiter's estimate differ by hundredths. */
const CEILING_MARGIN_DB = 0.1;
const MAX_ROUNDS = 6;
/** The fade at a cut into speech where ACX's head and tail silence is replaced by room tone. */
const EDGE_FADE_SECONDS = 0.005;
const EDGE_BLOCK_SECONDS = 0.01;

export async function master(input: Pcm, presetId: PresetId): Promise<MasterResult> {
  const preset = PRESETS[presetId];
  let chans = deinterleave(input);
  let rate = input.sampleRate;
  if (preset.sampleRate !== undefined && preset.sampleRate !== rate) {
    chans = await resample(chans, rate, preset.sampleRate);
    rate = preset.sampleRate;
  }
  if (preset.rms) return masterRms(chans, rate, preset);
  if (preset.loudness) return masterLoudness(chans, rate, preset);
  return { preset: presetId, pcm: { samples: interleave(chans), sampleRate: rate, channels: chans.length }, gainDb: 0, limitedSamples: 0, offsetSeconds: 0 };
}

function scaled(chans: readonly Float32Array[], gainDb: number): Float32Array[] {
  const g = fromDb(gainDb);
  return chans.map((ch) => {
    const out = new Float32Array(ch.length);
    for (let i = 0; i < ch.length; i++) out[i] = ch[i] * g;
    return out;
  });
}

/** Podcast, web: integrated loudness on target, true peak under the ceiling. */
function masterLoudness(chans: Float32Array[], rate: number, preset: Preset): MasterResult {
  const target = loudnessTarget(preset, chans.length) as number;
  const ceiling = preset.truePeakMaxDbtp ?? 0;
  const frames = chans[0]?.length ?? 0;
  const measured = frames === 0 ? DB_FLOOR : floorDb(integratedLoudness(rate, chans));
  if (measured <= DB_FLOOR) return done(preset, chans, rate, 0, 0); // silence (or all gated out): nothing to aim
  let gainDb = target - measured;
  let margin = CEILING_MARGIN_DB;
  let out = chans;
  let limited = 0;
  // The true peak scales with the gain: when the gain alone stays under the ceiling (with the margin), that is all.
  if (floorDb(truePeak(rate, chans)) + gainDb <= ceiling - margin) return done(preset, scaled(chans, gainDb), rate, gainDb, 0);
  const envelopes = chans.map(truePeakEnvelope);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    out = scaled(chans, gainDb);
    limited = limitTruePeak(out, rate, ceiling - margin, { envelopes, scale: fromDb(gainDb) });
    const peak = truePeak(rate, out);
    if (peak > ceiling) {
      margin += peak - ceiling + 0.05;
      continue;
    }
    if (limited === 0) break; // the gain alone (under the limiter's estimate): on target by construction
    const loudness = floorDb(integratedLoudness(rate, out));
    if (Math.abs(loudness - target) <= AIM_TOLERANCE_DB) break;
    gainDb += target - loudness;
  }
  return done(preset, out, rate, gainDb, limited);
}

function done(preset: Preset, chans: Float32Array[], rate: number, gainDb: number, limited: number, roomTone?: MasterResult['roomTone'], offsetSeconds = 0): MasterResult {
  return { preset: preset.id, pcm: { samples: interleave(chans), sampleRate: rate, channels: chans.length }, gainDb, limitedSamples: limited, ...(roomTone ? { roomTone } : {}), offsetSeconds };
}

/** The first and last+1 frame of the 10 ms blocks louder than `thresholdLinear` RMS ([0, 0] if none). */
function speechSpan(chans: readonly Float32Array[], rate: number, thresholdLinear: number): [number, number] {
  const frames = chans[0]?.length ?? 0;
  const size = Math.max(1, Math.round(EDGE_BLOCK_SECONDS * rate));
  const limit = thresholdLinear * thresholdLinear;
  const loud = (b: number): boolean => {
    const lo = b * size, hi = Math.min(frames, lo + size);
    let s = 0;
    for (const ch of chans) for (let i = lo; i < hi; i++) s += ch[i] * ch[i];
    return s / ((hi - lo) * chans.length) >= limit;
  };
  const blocks = Math.ceil(frames / size);
  let first = 0;
  while (first < blocks && !loud(first)) first++;
  if (first === blocks) return [0, 0];
  let last = blocks - 1;
  while (last > first && !loud(last)) last--;
  return [first * size, Math.min(frames, (last + 1) * size)];
}

/** Deterministic room tone (the same file masters to the same bytes): white noise, one-pole low-passed, at `db` RMS. */
function roomTone(frames: number, db: number, seed: number): Float32Array {
  const out = new Float32Array(frames);
  let x = seed >>> 0 || 1;
  let y = 0;
  let sum = 0;
  for (let i = 0; i < frames; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    y = 0.7 * y + 0.3 * (x / 0x100000000 * 2 - 1);
    out[i] = y;
    sum += y * y;
  }
  const g = frames > 0 && sum > 0 ? fromDb(db) / Math.sqrt(sum / frames) : 0;
  for (let i = 0; i < frames; i++) out[i] *= g;
  return out;
}

/** ACX: whole-file RMS on target, sample peak under the limit, the edges' silence replaced by room tone. */
function masterRms(chans: Float32Array[], rate: number, preset: Preset): MasterResult {
  const rms = preset.rms as NonNullable<Preset['rms']>;
  const tone = preset.roomTone as NonNullable<Preset['roomTone']>;
  const ceiling = preset.samplePeakMaxDbfs ?? 0;
  const nch = chans.length;
  const energy = (cs: readonly Float32Array[]): number => {
    let s = 0;
    for (const ch of cs) for (let i = 0; i < ch.length; i++) s += ch[i] * ch[i];
    return s;
  };
  // Where the speech starts and ends, judged at the level it will have: silence at the edges gives way to room tone.
  const frames = chans[0]?.length ?? 0;
  const whole = energy(chans);
  const roughGain = whole > 0 ? fromDb(rms.targetDb) / Math.sqrt(whole / (frames * nch)) : 1;
  const [start, end] = speechSpan(chans, rate, fromDb(EDGE_SILENCE_DB) / roughGain);
  const speech = chans.map((ch) => ch.slice(start, end));
  const fade = Math.min(Math.round(EDGE_FADE_SECONDS * rate), speech[0].length >> 1);
  for (const ch of speech) {
    for (let i = 0; i < fade; i++) {
      const w = i / fade;
      if (start > 0) ch[i] *= w;
      if (end < frames) ch[ch.length - 1 - i] *= w;
    }
  }
  const head = Math.round(tone.head.target * rate);
  const tail = Math.round(tone.tail.target * rate);
  const total = head + speech[0].length + tail;
  const speechEnergy = energy(speech);
  // The room tone's level: the speech's background at the gain it is about to get (the tone's own energy, a few
  // seconds at -50 dB at most, left out of that first estimate).
  const firstGainDb = speechEnergy > 0 ? toDb(fromDb(rms.targetDb) * Math.sqrt((total * nch) / speechEnergy)) : 0;
  // A file with no pause (its background unknown: the double's clips, TTS joined end to end) gets the clean minimum.
  const background = backgroundLevel(speech, rate);
  const toneDb = background === undefined ? ROOM_TONE_MIN_DB : Math.min(ROOM_TONE_MAX_DB, Math.max(ROOM_TONE_MIN_DB, background + firstGainDb));
  const heads = chans.map((_, c) => roomTone(head, toneDb, 0x9e3779b9 + c));
  const tails = chans.map((_, c) => roomTone(tail, toneDb, 0x85ebca6b + c));
  const toneEnergy = energy(heads) + energy(tails);

  // The gain that brings the finished file (speech + room tone) to the target RMS.
  const gainFor = (targetDb: number): number => {
    const want = fromDb(targetDb) ** 2 * total * nch - toneEnergy;
    return want > 0 && speechEnergy > 0 ? toDb(Math.sqrt(want / speechEnergy)) : 0;
  };
  let aim = rms.targetDb;
  let gainDb = gainFor(aim);
  let margin = CEILING_MARGIN_DB;
  let limited = 0;
  let out: Float32Array[] = chans;
  const envelopes = speech.map(truePeakEnvelope);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const body = scaled(speech, gainDb);
    // On the true peak, which is never under the sample peak: the limit holds for samples, and for the MP3 too.
    limited = limitTruePeak(body, rate, ceiling - margin, { envelopes, scale: fromDb(gainDb) });
    out = body.map((b, c) => {
      const o = new Float32Array(total);
      o.set(heads[c], 0);
      o.set(b, head);
      o.set(tails[c], head + b.length);
      return o;
    });
    let peak = 0;
    for (const o of out) for (let i = 0; i < o.length; i++) peak = Math.max(peak, Math.abs(o[i]));
    if (toDb(peak) > ceiling) {
      margin += toDb(peak) - ceiling + 0.05;
      continue;
    }
    const got = toDb(Math.sqrt(energy(out) / (total * nch)));
    if (limited === 0 || Math.abs(got - rms.targetDb) <= AIM_TOLERANCE_DB) break;
    // The limiter took some level: ask the gain for that much more (while the RMS window still has room).
    aim += rms.targetDb - got;
    gainDb = gainFor(aim);
  }
  return done(preset, out, rate, gainDb, limited, { headSeconds: head / rate, tailSeconds: tail / rate, levelDb: toneDb }, (head - start) / rate);
}
