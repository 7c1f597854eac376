// The one place the editor turns a failure into words: the core reports kinds with data (src/core/errors.ts),
// src/messages says them, translated here through vscode.l10n.
import vscode = require('vscode');
import { problemOf, type Problem, type SettingsFileProblem } from '../../core/errors';
import { describeProblem, fieldProblemText, progressText, sampleRefusalText, sampleSummary, sampleWarningText, settingsFileProblemText, type Described, type L10n } from '../../messages/index';
import type { SamplePreflight } from '../../core/audio/preflight';
import type { SampleCheck } from '../../shared/protocol';
import type { CloneField, FieldProblem } from '../../core/validation';
import type { ProgressEvent } from '../../core/flows/ports';
import type { MasteringOutcome } from '../../core/export/mastering';
import type { ComplianceReport } from '../../core/master/report';
import { reportMarkdown, verdictTitle } from '../../messages/master';

/** A size as the panel shows it ("580 KB"). */
export { formatBytes } from '../../messages/index';

/** `vscode.l10n` as the messages module expects it. */
export const l10n: L10n = vscode.l10n;

export type { Described };

/** What the user reads for anything thrown. A bug (not a CoreError) is logged; the key never appears in either. */
export function describe(err: unknown, log?: { error(message: string): void }): Described {
  const problem = problemOf(err);
  if (problem.kind === 'unexpected') log?.error(`unexpected failure: ${problem.detail}`);
  const taskId = (err as { taskId?: unknown })?.taskId;
  return describeProblem(problem, l10n, typeof taskId === 'string' ? taskId : undefined);
}

/** A problem's sentence alone (no action), e.g. for a chunk that failed inside a narration that went on. */
export function describeProblemText(problem: Problem): string {
  return describeProblem(problem, l10n).message;
}

/** A mistake in a cast, front-matter or pronunciation file, as the Problems panel shows it. */
export function describeSettingsFileProblem(problem: SettingsFileProblem): string {
  return settingsFileProblemText(problem, l10n);
}

export function describeProgress(event: ProgressEvent): string {
  return progressText(event, l10n);
}

/** A finished sample check as the panel shows it: a summary line, the refusal or the warnings, in words. */
export function describeSampleCheck(url: string, result: SamplePreflight): SampleCheck {
  return {
    url,
    state: 'done',
    ok: result.ok,
    summary: sampleSummary(result, l10n),
    ...(result.refusal ? { refusal: sampleRefusalText(result.refusal, l10n) } : result.ok ? {} : { refusal: l10n.t('The sample cannot be cloned from.') }),
    // Every warning may be overridden ("Clone Anyway"); what may not is a refusal.
    warnings: result.warnings.map((w) => ({ message: sampleWarningText(w, l10n), overridable: true })),
  };
}

/** A field's problem (from src/core/validation) as the input box or the form shows it; undefined: none. */
export function fieldMessage(field: CloneField, problem: FieldProblem | undefined): string | undefined {
  return problem ? fieldProblemText(field, problem, l10n) : undefined;
}

/** After an export mastered for a preset: "Meets Audiobook (ACX)", "2 problems for Podcast". */
export function describeVerdict(report: ComplianceReport): string {
  return verdictTitle(report, l10n);
}

/** The compliance report as a Markdown document (Show Report). */
export function describeMasteringReport(file: string, mastering: MasteringOutcome): string {
  return reportMarkdown(file, mastering, l10n);
}
