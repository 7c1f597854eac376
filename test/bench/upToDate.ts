// `npm run bench:uptodate`: a re-run of `glm-voice-clone narrate --format mp3` over 200 unchanged files (the built
// dist/cli.js, its own process, against the double) must send nothing and take at most 2 s of wall time: every file is
// found up to date in its folder's manifest, so nothing is planned, read from the cache, joined or encoded. Prints the
// first run, the re-run, a re-run with one file changed (only it renders) and one with --force (every file from the
// chunk cache, joined and encoded again: what a re-run cost before), with their requests and wall times.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { NovitaDouble } from '../double/novitaDouble';

const FILES = Number(process.env.GVC_UPTODATE_FILES) || 200;
const TARGET = { wallMs: 2000, requests: 0 };
const KEY = `gvc-uptodate-bench-${Date.now().toString(36)}`;

interface Run {
  wallMs: number;
  code: number | null;
  summary: { done: number; upToDate: number; failed: number; requests: number; chunks: number };
}

function narrate(cli: string, cwd: string, base: string, extra: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH, NOVITA_API_KEY: KEY, XDG_DATA_HOME: join(cwd, '.data'), XDG_CACHE_HOME: join(cwd, '.cache') };
    const started = performance.now();
    const child = spawn(process.execPath, [cli, 'narrate', 'docs', '--format', 'mp3', '--subtitles', 'vtt', '-j', '8', '--json', '--base-url', base, ...extra], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      const summary = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string })
        .find((e) => e.event === 'summary');
      if (!summary) return reject(new Error(`no summary (exit ${code}): ${err}`));
      resolve({ wallMs, code, summary: summary as unknown as Run['summary'] });
    });
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'gvc-uptodate-'));
  const double = new NovitaDouble({ apiKey: KEY });
  try {
    const cli = join(work, 'cli.js');
    const { cliBuildOptions } = await import('../../scripts/cli-bundle.mjs');
    await esbuild.build(cliBuildOptions({ outfile: cli }));
    const base = await double.start();
    const cwd = join(work, 'project');
    for (let i = 0; i < FILES; i++) {
      const dir = join(cwd, 'docs', `part${Math.floor(i / 50)}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `f${i}.md`), `# File ${i}\n\nFile ${i} says a short sentence. And a second one, to be heard.\n`);
    }
    const tts = () => double.requests.filter((r) => r.route === 'tts').length;
    const rows: Array<[string, Run, number]> = [];
    const measure = async (label: string, extra: string[] = []) => {
      double.clearRequests();
      const run = await narrate(cli, cwd, base, extra);
      rows.push([label, run, tts()]);
      return run;
    };
    await measure('first run');
    const rerun = await measure('re-run, nothing changed');
    writeFileSync(join(cwd, 'docs', 'part0', 'f7.md'), '# File 7\n\nFile 7 now says something else.\n');
    await measure('re-run, one file changed');
    // What a re-run cost before the manifest: every chunk from the cache, every file joined and encoded again.
    await measure('re-run with --force', ['--force']);
    process.stdout.write(`\n${FILES} small Markdown files, narrate --format mp3 --subtitles vtt -j 8 (dist/cli.js against the double)\n\n`);
    for (const [label, run, requests] of rows) {
      const s = run.summary;
      process.stdout.write(`  ${label.padEnd(26)} ${String(Math.round(run.wallMs)).padStart(6)} ms wall   ${String(requests).padStart(4)} requests   ${String(s.done).padStart(4)} rendered   ${String(s.upToDate).padStart(4)} up to date   exit ${run.code}\n`);
    }
    const ok = rerun.wallMs <= TARGET.wallMs && rows[1][2] === TARGET.requests && rerun.summary.upToDate === FILES;
    process.stdout.write(`\n  target: a re-run over unchanged files sends ${TARGET.requests} requests in ≤ ${TARGET.wallMs} ms: ${ok ? 'met' : 'NOT met'}\n`);
  } finally {
    await double.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
