// The words of the mastering presets and of the compliance report (src/core/master reports rules as data).
import type { PresetId } from '../core/master/presets';
import type { MasteringOutcome } from '../core/export/mastering';
import type { ComplianceReport, RuleCheck } from '../core/master/report';
import type { L10n } from './types';

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

/**
 * The report in a line: "meets Audiobook (ACX)", or "2 problems: RMS level -25.1 dB (allowed: -23.0 to -18.0 dB);
 * …" (each failed rule as `describeRule` says it).
 */
export function verdictText(report: ComplianceReport, l10n: L10n): string {
  const failed = report.rules.filter((r) => !r.pass);
  if (!failed.length) return l10n.t('meets {0}', describePreset(report.preset, l10n));
  const list = failed.map((r) => describeRule(r, l10n)).join('; ');
  return failed.length === 1 ? l10n.t('1 problem: {0}', list) : l10n.t('{0} problems: {1}', failed.length, list);
}

/** The notification after an export: "Meets Audiobook (ACX)" or "2 problems" (the details are in the report). */
export function verdictTitle(report: ComplianceReport, l10n: L10n): string {
  const failed = report.rules.filter((r) => !r.pass).length;
  if (!failed) return l10n.t('Meets {0}', describePreset(report.preset, l10n));
  return failed === 1 ? l10n.t('1 problem for {0}', describePreset(report.preset, l10n)) : l10n.t('{0} problems for {1}', failed, describePreset(report.preset, l10n));
}

/** Markdown's special characters in a file name, escaped. */
const md = (s: string): string => s.replace(/([\\`*_[\]<>#|])/g, '\\$1');

/** The compliance report as a readable Markdown document: the verdict, every figure, each rule with ✓ or ✗. */
export function reportMarkdown(file: string, m: MasteringOutcome, l10n: L10n): string {
  const f = m.report.measurement;
  const figures: Array<[string, string]> = [
    [l10n.t('Integrated loudness'), `${dB(f.integratedLufs)} LUFS`],
    [l10n.t('Loudness range'), `${dB(f.loudnessRangeLu)} LU`],
    [l10n.t('True peak'), `${dB(f.truePeakDbtp)} dBTP`],
    [l10n.t('Sample peak'), `${dB(f.samplePeakDbfs)} dBFS`],
    [l10n.t('RMS level'), `${dB(f.rmsDb)} dB`],
    [l10n.t('Noise floor'), `${dB(f.noiseFloorDb)} dB`],
    [l10n.t('Sample rate'), `${f.sampleRate} Hz`],
    ...(m.kbps !== undefined ? [[l10n.t('Bitrate'), `${m.kbps} kbit/s CBR`] as [string, string]] : []),
    [l10n.t('Duration'), `${seconds(m.durationSec)} s`],
    [l10n.t('Gain applied to the whole file'), `${dB(m.gainDb)} dB`],
  ];
  const lines = [
    `# ${l10n.t('Compliance report: {0}', md(file))}`,
    '',
    `**${verdictTitle(m.report, l10n)}**`,
    '',
    m.measured === 'encoderInput'
      ? l10n.t('Measured on the mastered audio handed to the MP3 encoder (the MP3 decodes to within a few hundredths of a dB of it).')
      : l10n.t('Measured on the file written.'),
    '',
    `## ${l10n.t('Figures')}`,
    '',
    `| ${l10n.t('Figure')} | ${l10n.t('Value')} |`,
    '| --- | ---: |',
    ...figures.map(([name, value]) => `| ${name} | ${value} |`),
    '',
    `## ${l10n.t('Rules of {0}', describePreset(m.preset, l10n))}`,
    '',
    ...m.report.rules.map((r) => `- ${r.pass ? '✓' : '✗'} ${describeRule(r, l10n)}`),
    '',
  ];
  return lines.join('\n');
}
