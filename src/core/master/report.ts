// The compliance report: every figure of the meter for a PCM file, and each rule of a preset as data (rule, limit,
// measured, pass). No sentence here: src/messages/master.ts words the rules.
import { measure, type Measurement } from './meter';
import type { Pcm } from './pcm';
import { PRESETS, loudnessTarget, type PresetId } from './presets';

export type RuleId =
  | 'integratedLoudness' // LUFS, within the target ± tolerance
  | 'truePeak' // dBTP, at most
  | 'rms' // dB, within ACX's window
  | 'samplePeak' // dBFS, at most
  | 'noiseFloor' // dB, at most
  | 'sampleRate' // Hz, exactly
  | 'roomToneHead' // seconds of room tone at the head, within
  | 'roomToneTail'; // seconds at the tail, within

export interface RuleCheck {
  rule: RuleId;
  /** The bounds that pass (inclusive); one of them may be absent. */
  limit: { min?: number; max?: number };
  measured: number;
  pass: boolean;
}

export interface ComplianceReport {
  preset: PresetId;
  measurement: Measurement;
  rules: RuleCheck[];
  /** Every rule passes (true for `none`, which has none). */
  pass: boolean;
}

/** Meter figures are judged at the precision they are shown with: -18.004 dB passes a -18 dB limit. */
const round = (x: number): number => Math.round(x * 100) / 100;

function check(rule: RuleId, limit: { min?: number; max?: number }, measured: number): RuleCheck {
  const m = round(measured);
  const pass = (limit.min === undefined || m >= limit.min) && (limit.max === undefined || m <= limit.max);
  return { rule, limit, measured, pass };
}

/** The measurement of `pcm` and each of `presetId`'s rules checked against it. */
export function complianceReport(pcm: Pcm, presetId: PresetId): ComplianceReport {
  const m = measure(pcm);
  return judge(m, presetId);
}

/** The rules of `presetId` checked against a measurement already made. */
export function judge(m: Measurement, presetId: PresetId): ComplianceReport {
  const p = PRESETS[presetId];
  const rules: RuleCheck[] = [];
  const target = loudnessTarget(p, m.channels);
  if (p.loudness && target !== undefined) {
    rules.push(check('integratedLoudness', { min: target - p.loudness.toleranceLu, max: target + p.loudness.toleranceLu }, m.integratedLufs));
  }
  if (p.truePeakMaxDbtp !== undefined) rules.push(check('truePeak', { max: p.truePeakMaxDbtp }, m.truePeakDbtp));
  if (p.rms) rules.push(check('rms', { min: p.rms.min, max: p.rms.max }, m.rmsDb));
  if (p.samplePeakMaxDbfs !== undefined) rules.push(check('samplePeak', { max: p.samplePeakMaxDbfs }, m.samplePeakDbfs));
  if (p.noiseFloorMaxDb !== undefined) rules.push(check('noiseFloor', { max: p.noiseFloorMaxDb }, m.noiseFloorDb));
  if (p.sampleRate !== undefined) rules.push(check('sampleRate', { min: p.sampleRate, max: p.sampleRate }, m.sampleRate));
  if (p.roomTone) {
    rules.push(check('roomToneHead', { min: p.roomTone.head.min, max: p.roomTone.head.max }, m.headSilenceSeconds));
    rules.push(check('roomToneTail', { min: p.roomTone.tail.min, max: p.roomTone.tail.max }, m.tailSilenceSeconds));
  }
  return { preset: presetId, measurement: m, rules, pass: rules.every((r) => r.pass) };
}
