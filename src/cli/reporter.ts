// How a batch shows itself: a progress bar on a terminal (standard error), a line per file otherwise, or JSON lines
// (--json) for CI logs and scripts. Problems always get a line on standard error.
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { problemOf } from '../core/errors';
import { progressText, type L10n } from '../messages/index';
import type { BatchReporter, BatchSummary, FileDone, FileFailure, PlannedFile } from './batch';
import type { InputProblem, Shard } from './files';
import { CliFailure, UsageError } from './problems';
import {
  describeCliProblem,
  describeForCli,
  dryRunSummaryText,
  dryRunText,
  fileDoneText,
  fileVerdictText,
  fileFailedText,
  fileUpToDateText,
  filesProgress,
  inputProblemText,
  interruptedText,
  keyRefusedText,
  progressBarFormat,
  skippedChunksText,
  summaryText,
} from './messages';
import type { CliRuntime } from './runtime';
import type { MasteringOutcome } from '../core/export/mastering';
import { verdictText } from '../messages/master';

const r2 = (x: number): number => Math.round(x * 100) / 100;

/** The compliance report as `--json` gives it: every figure (rounded to 0.01), each rule with its limit and verdict. */
function reportJson(m: MasteringOutcome): Record<string, unknown> {
  const f = m.report.measurement;
  return {
    preset: m.preset,
    pass: m.report.pass,
    measured: m.measured,
    figures: {
      integratedLufs: r2(f.integratedLufs),
      loudnessRangeLu: r2(f.loudnessRangeLu),
      truePeakDbtp: r2(f.truePeakDbtp),
      samplePeakDbfs: r2(f.samplePeakDbfs),
      rmsDb: r2(f.rmsDb),
      noiseFloorDb: r2(f.noiseFloorDb),
      sampleRate: f.sampleRate,
      ...(m.kbps !== undefined ? { kbps: m.kbps } : {}),
      durationSec: r2(m.durationSec),
    },
    rules: m.report.rules.map((r) => ({ rule: r.rule, limit: r.limit, measured: r2(r.measured), pass: r.pass })),
    gainDb: r2(m.gainDb),
    limitedSamples: m.limitedSamples,
  };
}

export function failureText(f: FileFailure, l10n: L10n): string {
  return f.cli ? describeCliProblem(f.cli, l10n) : describeForCli(f.problem, l10n);
}

/** A command's failure: one line on stderr (and a JSON line with --json); 130 when it was an interruption. */
export function reportFailure(runtime: CliRuntime, l10n: L10n, err: unknown, signal: AbortSignal): number {
  if (err instanceof UsageError) throw err;
  const failure = err instanceof CliFailure ? { cli: err.problem } : { problem: problemOf(err) };
  const message = failureText(failure, l10n);
  if (runtime.options.json) runtime.json({ event: 'failed', error: failure.cli ?? failure.problem, message });
  runtime.err(message);
  return signal.aborted ? 130 : 1;
}

export function createReporter(runtime: CliRuntime, l10n: L10n): BatchReporter & { readonly exitCode: number } {
  const json = runtime.options.json;
  const tty = !json && runtime.streams.stderr.isTTY === true && process.env.CI === undefined;
  let multibar: MultiBar | undefined;
  let bar: SingleBar | undefined;
  let filesTotal = 0;
  let filesDone = 0;
  let lastRetryNotice = 0;
  let plannedFiles = 0;
  let plannedChunks = 0;
  let plannedChars = 0;
  let plannedToSend = 0;
  let exitCode = 0;
  /** A problem line: above the bar while there is one. */
  const problem = (line: string) => {
    if (multibar) multibar.log(`${runtime.redact(line)}\n`);
    else runtime.err(line);
  };
  const info = (line: string) => {
    if (multibar) multibar.log(`${runtime.redact(line)}\n`);
    else runtime.out(line);
  };
  const stopBar = () => {
    multibar?.stop();
    multibar = undefined;
    bar = undefined;
  };
  return {
    countsChunks: tty,
    get exitCode() {
      return exitCode;
    },
    start({ files, shard }: { files: number; shard?: Shard }) {
      filesTotal = files;
      if (json) runtime.json({ event: 'start', files, shard: shard ? `${shard.index}/${shard.count}` : null });
    },
    work(delta: number) {
      if (!tty) return;
      if (!bar && delta > 0) {
        multibar = new MultiBar(
          { format: progressBarFormat(l10n), stream: runtime.streams.stderr as NodeJS.WriteStream, hideCursor: true, clearOnComplete: true, etaBuffer: 50, fps: 10 },
          Presets.shades_classic,
        );
        bar = multibar.create(delta, 0, { files: filesProgress(filesDone, filesTotal, l10n) });
      } else if (bar) bar.setTotal(Math.max(0, bar.getTotal() + delta));
    },
    chunks(delta: number) {
      bar?.increment(delta);
    },
    fileDone(d: FileDone) {
      filesDone++;
      bar?.update({ files: filesProgress(filesDone, filesTotal, l10n) });
      if (json) {
        runtime.json({
          event: 'file',
          status: 'done',
          file: d.file,
          output: d.output,
          subtitles: d.subtitles,
          ...(d.chapters ? { chapters: d.chapters } : {}),
          chunks: d.chunks,
          cachedChunks: d.cachedChunks,
          durationSec: Math.round(d.durationSec * 1000) / 1000,
          skippedChunks: d.skipped.map((s) => ({ index: s.index, problem: s.problem })),
          ...(d.mastering ? { report: reportJson(d.mastering) } : {}),
        });
      } else if (!tty) info(fileDoneText({ file: d.file, output: d.output, chunks: d.chunks, cached: d.cachedChunks, durationSec: d.durationSec }, l10n));
      if (d.mastering) {
        // An output that fails its preset is a failed run (exit 1), but a written file: the line says what to fix.
        const line = fileVerdictText(d.file, verdictText(d.mastering.report, l10n));
        if (d.mastering.report.pass) {
          if (!json) info(line);
        } else {
          exitCode = Math.max(exitCode, 1);
          if (!json) problem(line);
        }
      }
      if (d.skipped.length) problem(skippedChunksText(d.file, d.skipped.length, describeForCli(d.skipped[0].problem, l10n), l10n));
    },
    fileUpToDate(f: { file: string; output: string }) {
      filesDone++;
      bar?.update({ files: filesProgress(filesDone, filesTotal, l10n) });
      if (json) runtime.json({ event: 'file', status: 'upToDate', file: f.file, output: f.output });
      else info(fileUpToDateText(f, l10n));
    },
    fileFailed(file: string, f: FileFailure) {
      exitCode = 1;
      filesDone++;
      bar?.update({ files: filesProgress(filesDone, filesTotal, l10n) });
      const message = failureText(f, l10n);
      if (json) runtime.json({ event: 'file', status: 'failed', file, error: f.cli ?? f.problem, message });
      problem(fileFailedText(file, message));
    },
    inputProblem(p: InputProblem) {
      exitCode = 1;
      const message = inputProblemText(p, l10n);
      if (json) runtime.json({ event: 'input', status: 'failed', pattern: p.pattern, error: p, message });
      problem(message);
    },
    planned(f: PlannedFile) {
      plannedFiles++;
      plannedChunks += f.chunks;
      plannedChars += f.chars;
      plannedToSend += f.toSendChars;
      if (json) runtime.json({ event: 'plan', ...f });
      else runtime.out(dryRunText({ file: f.file, output: f.output, chunks: f.chunks, chars: f.chars, toSend: f.toSendChars }, l10n));
    },
    retryWait(seconds: number) {
      const now = Date.now();
      if (now - lastRetryNotice < 1000) return;
      lastRetryNotice = now;
      if (json) runtime.json({ event: 'retry', seconds });
      problem(progressText({ step: 'retryWait', seconds }, l10n));
    },
    keyRefused({ problem: p, notDone, files }) {
      exitCode = 1;
      const message = keyRefusedText(describeForCli(p, l10n), notDone, files, l10n);
      if (json) runtime.json({ event: 'stopped', reason: 'keyRefused', error: p, notDone, message });
      problem(message);
    },
    end(s: BatchSummary) {
      stopBar();
      if (s.interrupted) exitCode = 130;
      const usage = process.resourceUsage();
      if (json) {
        // The process's own peak memory and CPU time: what a CI runner must have (and what the bench reports).
        const cpuMs = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000);
        runtime.json({ event: 'summary', ...s, maxRssBytes: usage.maxRSS * 1024, cpuMs, exitCode });
      } else if (s.dryRun) {
        runtime.out(dryRunSummaryText({ files: plannedFiles, chunks: plannedChunks, chars: plannedChars, toSend: plannedToSend }, l10n));
      } else {
        runtime.err(summaryText({ done: s.done, failed: s.failed, upToDate: s.upToDate, chunks: s.chunks, cached: s.cachedChunks, requests: s.requests, sentChars: s.sentChars, seconds: s.elapsedMs / 1000 }, l10n));
      }
      if (s.interrupted) runtime.err(interruptedText(l10n));
    },
  };
}

