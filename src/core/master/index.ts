// Mastering for publication: presets (what each destination requires), the mastering itself, the compliance report.
export * from './presets';
export { master, ROOM_TONE_MIN_DB, type MasterResult } from './master';
export { measure, type Measurement } from './meter';
export { complianceReport, judge, type ComplianceReport, type RuleCheck, type RuleId } from './report';
export { toInt16, type Pcm } from './pcm';
