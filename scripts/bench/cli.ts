// The command-line tool's figure for `npm run bench` (and alone: `npm run bench:cli`): 200 files × 2 000 characters
// through `glm-voice-clone narrate` (the built dist/cli.js, its own process) at concurrency 8 against the double
// answering each chunk after 300 ms. Wall ÷ ideal (ideal = chunks × 300 ms ÷ 8), the CLI's peak RSS (its own
// getrusage, reported in the --json summary), and a second run over the same cache, which must send nothing.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { planNarration } from '../../src/core/narration/plan';
import { NovitaDouble } from '../../test/double/novitaDouble';
import { epochNow, tapDouble } from './doubleLog';
import { mb, ms, table, type Row } from './report';

export const CLI_BENCH = { files: Number(process.env.GVC_CLI_BENCH_FILES) || 200, chars: 2000, concurrency: 8, latencyMs: 300 };
export const CLI_TARGETS = { ratio: 1.15, rssBytes: 150_000_000, secondRunRequests: 0 };
const KEY = `gvc-cli-bench-${Date.now().toString(36)}`;

/** `chars` characters of varied prose; `seed` makes each file's text its own (no chunk shared between files). */
export function benchText(seed: number, chars: number): string {
  const words = ['narration', 'chapter', 'sentence', 'course', 'lesson', 'voice', 'reader', 'module', 'example', 'section', 'summary', 'paragraph'];
  let out = `# Lesson ${seed}\n\n`;
  for (let i = 0; out.length < chars; i++) {
    const w = (k: number) => words[(seed * 7 + i * 3 + k) % words.length];
    out += `In lesson ${seed}, part ${i}, the ${w(0)} explains the ${w(1)} and the ${w(2)} to every ${w(3)}.${i % 6 === 5 ? '\n\n' : ' '}`;
  }
  return out.slice(0, chars);
}

interface CliRun {
  wallMs: number;
  exitCode: number | null;
  summary: { chunks: number; requests: number; cachedChunks: number; done: number; failed: number; maxRssBytes: number; cpuMs: number };
  stderr: string;
}

function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliRun & { startedAt: number; endedAt: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const startedAt = epochNow();
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      const line = out.trim().split('\n').map((l) => JSON.parse(l) as { event: string }).find((e) => e.event === 'summary');
      if (!line) return reject(new Error(`no summary from the CLI (exit ${code}): ${err}`));
      resolve({ wallMs, exitCode: code, summary: line as unknown as CliRun['summary'], stderr: err, startedAt, endedAt: epochNow() });
    });
  });
}

/** The share of the last minute some task waited for a CPU (Linux PSI), or undefined where there is none. */
function cpuPressure(): number | undefined {
  try {
    const m = /some avg10=[\d.]+ avg60=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function buildCli(outfile: string): Promise<void> {
  const { cliBuildOptions } = await import('../cli-bundle.mjs');
  await esbuild.build(cliBuildOptions({ production: true, outfile }));
}

export async function measureCli(print: (line: string) => void): Promise<{ rows: Row[]; raw: unknown }> {
  const scratch = mkdtempSync(join(tmpdir(), 'gvc-cli-bench-'));
  const double = new NovitaDouble({ apiKey: KEY, latencyMs: CLI_BENCH.latencyMs });
  try {
    const cli = join(scratch, 'cli.js');
    await buildCli(cli);
    const docs = join(scratch, 'docs');
    let chunks = 0;
    for (let i = 0; i < CLI_BENCH.files; i++) {
      const dir = join(docs, `part-${Math.floor(i / 20)}`);
      mkdirSync(dir, { recursive: true });
      const text = benchText(i, CLI_BENCH.chars);
      chunks += planNarration(text, 'markdown').chunks.length;
      writeFileSync(join(dir, `lesson-${i}.md`), text);
    }
    const baseUrl = await double.start();
    const env = { ...process.env, NOVITA_API_KEY: KEY, CI: '1' };
    const args = ['narrate', docs, '--out', join(scratch, 'audio'), '--cache-dir', join(scratch, 'cache'), '-j', String(CLI_BENCH.concurrency), '--json', '--base-url', baseUrl];
    const idealMs = (chunks * CLI_BENCH.latencyMs) / CLI_BENCH.concurrency;
    print(`cli: ${CLI_BENCH.files} files, ${chunks} chunks; ideal ${ms(idealMs)}`);
    const pressureBefore = cpuPressure();
    const served = tapDouble(double);
    const first = await runCli(cli, args, env);
    const answers = served.filter((e) => e.path === '/v3/glm-tts').map((e) => e.end - e.start).sort((a, b) => a - b);
    const busyMs = answers.reduce((a, b) => a + b, 0);
    const tts = served.filter((e) => e.path === '/v3/glm-tts');
    const firstAt = Math.min(...tts.map((e) => e.start));
    const lastAt = Math.max(...tts.map((e) => e.end));
    // Each answer's slot goes to the next request: the time between them is the CLI's turnaround.
    const starts = tts.map((e) => e.start).sort((a, b) => a - b);
    const ends = tts.map((e) => e.end).sort((a, b) => a - b);
    const turnaround = ends.slice(0, ends.length - CLI_BENCH.concurrency).map((end, i) => starts[i + CLI_BENCH.concurrency] - end).sort((a, b) => a - b);
    print(`cli: turnaround (answer → the next request) ${ms(turnaround[Math.floor(turnaround.length / 2)] ?? NaN, 1)} median, ${ms(turnaround[Math.floor(turnaround.length * 0.9)] ?? NaN, 1)} p90`);
    print(`cli: set-up ${ms(firstAt - first.startedAt)} (spawn → first request), tail ${ms(first.endedAt - lastAt)} (last answer → exit)`);
    print(`cli: the double answered a chunk in ${ms(answers[Math.floor(answers.length / 2)] ?? NaN)} median (max ${ms(answers[answers.length - 1] ?? NaN)}); at most ${double.maxInFlight('tts')} in flight; pool use ${(busyMs / (first.wallMs * CLI_BENCH.concurrency) * 100).toFixed(1)}%`);
    const firstRequests = double.requests.filter((r) => r.route === 'tts').length;
    if (first.exitCode !== 0) throw new Error(`the CLI run failed (exit ${first.exitCode}): ${first.stderr}`);
    print(`cli: first run ${ms(first.wallMs)} (${(first.wallMs / idealMs).toFixed(3)}×), ${firstRequests} requests, peak RSS ${mb(first.summary.maxRssBytes)}, CPU ${ms(first.summary.cpuMs)}`);
    double.clearRequests();
    const second = await runCli(cli, args, env);
    const secondRequests = double.requests.filter((r) => r.route === 'tts').length;
    print(`cli: second run ${ms(second.wallMs)}, ${secondRequests} requests, ${second.summary.cachedChunks} chunks from the cache`);
    const ratio = first.wallMs / idealMs;
    const pressureAfter = cpuPressure();
    const answerMedian = answers[Math.floor(answers.length / 2)] ?? NaN;
    const pressure = pressureBefore === undefined ? 'n/a' : `${pressureBefore.toFixed(0)}% → ${pressureAfter?.toFixed(0)}%`;
    const rows: Row[] = [
      {
        figure: `CLI narrate (${CLI_BENCH.files} files × ${CLI_BENCH.chars} chars, concurrency ${CLI_BENCH.concurrency}, ${CLI_BENCH.latencyMs} ms per chunk: wall ÷ ideal)`,
        value: `${ratio.toFixed(2)}×`,
        target: `≤ ${CLI_TARGETS.ratio.toFixed(2)}×`,
        meets: ratio <= CLI_TARGETS.ratio,
        how:
          `${chunks} chunks, ${firstRequests} requests: ${ms(first.wallMs)} from spawn to exit vs ideal ${ms(idealMs)} (chunks × latency ÷ concurrency);` +
          ` the double answered in ${ms(answerMedian)} median, so against its real answer time ${(first.wallMs / ((chunks * answerMedian) / CLI_BENCH.concurrency)).toFixed(2)}×;` +
          ` pool busy ${((busyMs / (first.wallMs * CLI_BENCH.concurrency)) * 100).toFixed(1)}% of the wall time; CLI CPU ${ms(first.summary.cpuMs)};` +
          ` machine CPU pressure (PSI some, avg60) ${pressure}`,
      },
      {
        figure: 'CLI narrate peak RSS (the CLI process, getrusage)',
        value: mb(first.summary.maxRssBytes),
        target: `≤ ${mb(CLI_TARGETS.rssBytes)}`,
        meets: first.summary.maxRssBytes <= CLI_TARGETS.rssBytes,
        how: `second run ${mb(second.summary.maxRssBytes)}`,
      },
      {
        figure: 'CLI narrate again with the cache (requests sent)',
        value: String(secondRequests),
        target: `= ${CLI_TARGETS.secondRunRequests}`,
        meets: secondRequests === CLI_TARGETS.secondRunRequests && second.exitCode === 0,
        how: `${ms(second.wallMs)}; ${second.summary.cachedChunks} of ${second.summary.chunks} chunks from the cache`,
      },
    ];
    return { rows, raw: { chunks, idealMs, first, second, firstRequests, secondRequests } };
  } finally {
    await double.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  measureCli(say).then(
    ({ rows }) => {
      say(`\n${table(rows)}`);
      process.exit(rows.some((r) => r.meets === false) ? 1 : 0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
