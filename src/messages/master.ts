// The words of the mastering presets and of the compliance report (src/core/master reports rules as data).
import type { PresetId } from '../core/master/presets';
import type { RuleCheck } from '../core/master/report';
import type { L10n } from './index';

/** A preset's name, as a picker shows it. */
export function describePreset(id: PresetId, l10n: L10n): string {
  switch (id) {
    case 'none':
      return l10n.t('As narrated (no mastering)');
    case 'podcast':
      return l10n.t('Podcast');
    case 'acx':
      return l10n.t('Audiobook (ACX)');
    case 'web':
      return l10n.t('Web');
  }
}

const dB = (x: number): string => x.toFixed(1);
const seconds = (x: number): string => x.toFixed(2);

/** One rule of the report: what was measured and what the preset allows (pass or fail is `check.pass`). */
export function describeRule(check: RuleCheck, l10n: L10n): string {
  const { min, max } = check.limit;
  const m = check.measured;
  switch (check.rule) {
    case 'integratedLoudness':
      return l10n.t('Integrated loudness {0} LUFS (allowed: {1} to {2} LUFS)', dB(m), dB(min ?? -Infinity), dB(max ?? 0));
    case 'truePeak':
      return l10n.t('True peak {0} dBTP (allowed: at most {1} dBTP)', dB(m), dB(max ?? 0));
    case 'rms':
      return l10n.t('RMS level {0} dB (allowed: {1} to {2} dB)', dB(m), dB(min ?? -Infinity), dB(max ?? 0));
    case 'samplePeak':
      return l10n.t('Peak level {0} dBFS (allowed: at most {1} dBFS)', dB(m), dB(max ?? 0));
    case 'noiseFloor':
      return l10n.t('Noise floor {0} dB (allowed: at most {1} dB)', dB(m), dB(max ?? 0));
    case 'sampleRate':
      return l10n.t('Sample rate {0} Hz (required: {1} Hz)', m, min ?? max ?? m);
    case 'roomToneHead':
      return l10n.t('Room tone at the start {0} s (allowed: {1} to {2} s)', seconds(m), seconds(min ?? 0), seconds(max ?? 0));
    case 'roomToneTail':
      return l10n.t('Room tone at the end {0} s (allowed: {1} to {2} s)', seconds(m), seconds(min ?? 0), seconds(max ?? 0));
  }
}
