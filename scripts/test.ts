// `npm test`: the three layers in order, each counted from its machine-readable result file:
//   unit    test/unit/**/*.test.ts (mirroring src/), mocha tdd in plain Node (tsx)
//   editor  build + vsix, then the in-editor suite (out/test/suite) in code-server's real extension host
//   e2e     test/e2e/*.test.ts, mocha tdd driving code-server in chromium (one workbench for the layer)
// Usage: tsx scripts/test.ts [--only unit|editor|e2e]... [--keep]   (GVC_GREP=pattern: only the editor/e2e tests it matches)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildAndPackage } from './harness/build';
import { runEditorSuite } from './harness/editorSuite';
import { ensureHarness } from './harness/install';
import { sampleMemory } from './harness/memory';
import { REPO_ROOT, RESULTS_DIR, VSIX } from './harness/paths';
import { formatMatrix, readMatrix } from './harness/matrix';
import { runCleanups } from './harness/processes';
import { readResult, type LayerResult } from './harness/results';

const LAYERS = ['unit', 'editor', 'e2e'] as const;
type Layer = (typeof LAYERS)[number];

interface LayerOutcome {
  layer: Layer;
  result?: LayerResult;
  /** Why the layer could not run or ran nothing. */
  problem?: string;
  seconds: number;
}

const MOCHA = join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const REPORTER = join(REPO_ROOT, 'scripts', 'harness', 'mochaReporter.ts');

function parseArgs(argv: string[]): { only: Set<Layer>; keep: boolean } {
  const only = new Set<Layer>();
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--keep') keep = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      for (const v of (value ?? '').split(',')) {
        if (!(LAYERS as readonly string[]).includes(v)) usage(`unknown layer "${v}"`);
        only.add(v as Layer);
      }
    } else usage(`unknown option ${a}`);
  }
  return { only: only.size ? only : new Set(LAYERS), keep };
}

function usage(problem: string): never {
  process.stderr.write(`${problem}\nusage: npm test -- [--only unit|editor|e2e]... [--keep]\n`);
  process.exit(2);
}

function heading(text: string): void {
  process.stdout.write(`\n=== ${text} ===\n`);
}

/** Every *.test.ts under `dir`, in its subfolders too (test/unit mirrors src/), sorted by path. */
function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f));
}

/** mocha (tdd) in plain Node with tsx; resolves with the result file's content (none when it did not finish). */
function runMocha(files: string[], resultFile: string, extra: string[], limitMs: number, env: NodeJS.ProcessEnv = {}): Promise<LayerResult | undefined> {
  rmSync(resultFile, { force: true });
  return new Promise((resolve) => {
    // --exit: a test that leaves a socket or timer open must not hold the whole run
    const child = spawn(process.execPath, [
      '--import', 'tsx', MOCHA, '--ui', 'tdd', '--reporter', REPORTER, '--no-colors', '--exit', ...extra, ...files,
    ], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env, GVC_TEST_RESULT: resultFile } });
    const timer = setTimeout(() => {
      process.stdout.write(`\nthe layer ran past ${limitMs / 60_000} minutes: stopping it\n`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, limitMs);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal ? undefined : readResult(resultFile));
    });
    child.once('error', () => resolve(undefined));
  });
}

let built: string | undefined;
/** Build, vsix and test bundles once for the editor and e2e layers; remembers a failure. */
function buildOnce(): void {
  if (built === 'ok') return;
  if (built) throw new Error(built);
  try {
    ensureHarness();
    buildAndPackage(join(RESULTS_DIR, 'build.log'), { tests: true });
    built = 'ok';
  } catch (err) {
    built = err instanceof Error ? err.message : String(err);
    throw err;
  }
}

async function runLayer(layer: Layer, keep: boolean): Promise<LayerOutcome> {
  const started = Date.now();
  const outcome = (result: LayerResult | undefined, problem?: string): LayerOutcome => {
    const seconds = (Date.now() - started) / 1000;
    if (!result) return { layer, seconds, problem: problem ?? 'no result file: the runner did not finish' };
    if (result.passes + result.failures === 0) return { layer, seconds, result, problem: 'ran no test' };
    return { layer, seconds, result, problem };
  };
  try {
    if (layer === 'unit') {
      const files = testFiles(join(REPO_ROOT, 'test', 'unit'));
      if (!files.length) return outcome(undefined, 'no test/unit/**/*.test.ts');
      return outcome(await runMocha(files, join(RESULTS_DIR, 'unit.json'), ['--timeout', '10000'], 10 * 60_000));
    }
    buildOnce();
    if (layer === 'editor') {
      const resultFile = join(RESULTS_DIR, 'editor.json');
      const code = await runEditorSuite({
        vsix: [VSIX],
        logFile: join(RESULTS_DIR, 'editor.log'),
        resultFile,
        keepScratch: keep,
        env: {
          ...(process.env.GVC_MATRIX_FILE ? { GVC_MATRIX_FILE: process.env.GVC_MATRIX_FILE } : {}),
          ...(process.env.GVC_GREP ? { GVC_GREP: process.env.GVC_GREP } : {}),
        },
      });
      const result = readResult(resultFile);
      if (result && code !== 0 && result.failures === 0) return outcome(result, `the suite exited with ${code}`);
      return outcome(result);
    }
    const files = testFiles(join(REPO_ROOT, 'test', 'e2e'));
    if (!files.length) return outcome(undefined, 'no test/e2e/*.test.ts');
    return outcome(await runMocha(files, join(RESULTS_DIR, 'e2e.json'), [
      '--require', join(REPO_ROOT, 'test', 'e2e', 'workbench.ts'), '--timeout', '60000',
      ...(process.env.GVC_GREP ? ['--grep', process.env.GVC_GREP] : []),
    ], 20 * 60_000, keep ? { GVC_KEEP: '1' } : {}));
  } catch (err) {
    return outcome(undefined, err instanceof Error ? err.message : String(err));
  }
}

function table(outcomes: LayerOutcome[]): string {
  const rows = [['layer', 'passed', 'failed', 'pending', 'time', 'status']];
  for (const o of outcomes) {
    const r = o.result;
    const status = o.problem ? `NOT OK: ${o.problem.split('\n')[0].slice(0, 80)}` : r && r.failures > 0 ? 'FAILED' : 'ok';
    rows.push([o.layer, String(r?.passes ?? '-'), String(r?.failures ?? '-'), String(r?.pending ?? '-'), `${o.seconds.toFixed(1)} s`, status]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<number> {
  const { only, keep } = parseArgs(process.argv.slice(2));
  mkdirSync(RESULTS_DIR, { recursive: true });
  // Every layer appends its fault cases here (unit and e2e inherit the variable; the editor gets it below).
  // One file per run (others may run the suite in this checkout at the same time); kept as matrix.jsonl at the end.
  const matrixFile = join(RESULTS_DIR, `matrix.${process.pid}.jsonl`);
  rmSync(matrixFile, { force: true });
  process.env.GVC_MATRIX_FILE = matrixFile;
  const memory = sampleMemory();
  const started = Date.now();
  const outcomes: LayerOutcome[] = [];
  for (const layer of LAYERS) {
    if (!only.has(layer)) continue;
    heading(`${layer} tests`);
    const o = await runLayer(layer, keep);
    if (o.problem) process.stdout.write(`\n${layer}: ${o.problem}\n`);
    outcomes.push(o);
  }
  memory.stop();
  await runCleanups();

  const matrix = formatMatrix(readMatrix(matrixFile));
  if (matrix) {
    heading('fault matrix (fault × route → outcome)');
    process.stdout.write(`${matrix}\n`);
    renameSync(matrixFile, join(RESULTS_DIR, 'matrix.jsonl'));
  }

  heading('summary');
  process.stdout.write(`${table(outcomes)}\n`);
  // With its error's first lines: CI often keeps only the tail of the output, and this summary is that tail.
  const failedTests = outcomes.flatMap((o) =>
    (o.result?.tests ?? [])
      .filter((t) => t.state === 'failed')
      .map((t) => `${o.layer}: ${t.title}${t.error ? `\n      ${firstLines(t.error, 3).join('\n      ')}` : ''}`),
  );
  if (failedTests.length) process.stdout.write(`\nfailed:\n${failedTests.map((t) => `  ${t}`).join('\n')}\n`);
  process.stdout.write(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s; peak memory (summed RSS of this run's processes) ${(memory.peakBytes() / 2 ** 30).toFixed(2)} GiB\n`);
  const passes = outcomes.reduce((n, o) => n + (o.result?.passes ?? 0), 0);
  // a layer that could not run, or ran nothing, counts as one failure so the closing line never looks green
  const failures = outcomes.reduce((n, o) => n + (o.result?.failures ?? 0) + (o.problem ? 1 : 0), 0);
  process.stdout.write(`${passes} passed, ${failures} failed\n`);
  return failures > 0 ? 1 : 0;
}

/** The first `n` non-blank lines of an error, each cut at 300 characters. */
function firstLines(text: string, n: number): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, n)
    .map((l) => (l.length > 300 ? `${l.slice(0, 299)}…` : l));
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    await runCleanups();
    process.exit(1);
  },
);
