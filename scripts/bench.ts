// `npm run bench`: what users feel, measured in the real extension host (code-server 4.139, the product
// installed from its .vsix), against targets. Prints a table and writes bench/results.json. See bench/README.md.
// Usage: npm run bench -- [--starts N] [--runs N] [--no-build] [--only clone|readalong|coldread|narration|activation]
//   --starts  fresh code-server starts for activation (default 11, at least 10)
//   --runs    measured panel opens and clone runs (default 12 each, at least 10)
//   --no-build  reuse dist-vsix/glm-voice-clone.vsix as it is (while working on the bench itself)
//   --only clone  just the clone runs and their timeline (≈ 1 minute, while working on that path); writes nothing
//   --only readalong  just the read-along figures (first sound, join gap, highlight lag; streamed and cold too); writes nothing
//   --only streamed  just the streamed read-along (a Zhipu voice, the streaming double); writes nothing
//   --only coldread  just the first read-along in fresh windows (≈ 1.5 minutes); writes nothing
//   --only narration  just the narration runs and the re-export (≈ 2 minutes); writes nothing
//   --only activation  just the fresh starts' activation cost (≈ 4 minutes); writes nothing
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { NovitaDouble } from '../test/double/novitaDouble';
import { samplesFor, ZhipuDouble, type ZhipuStreamRecord } from '../test/double/zhipuDouble';
import { synthesizePcm } from '../test/double/synth';
import { pcmToWav } from '../src/core/audio/wav';
import {
  STALLS_FILE,
  STREAM_FIRST_FRAME_MS,
  STREAM_FIRST_SENTENCE_CHARS,
  STREAM_WHOLE_CHUNK_MS,
  type ActivationSample,
  type HostResult,
  type ReadAlongRun,
  type StreamedReadAlongRun,
  type WebviewFloor,
  type WebviewMarks,
} from '../test/bench/protocol';
import { medianTimeline, narrationBreakdown } from './bench/analysis';
import { CLONE_LATENCY_MS, measureClone } from './bench/clone';
import { measureCli } from './bench/cli';
import { between, tapDouble, type Served } from './bench/doubleLog';
import { kb, mb, ms, summarize, table, type Row, type Summary } from './bench/report';
import { runBenchSession, type StepHandler } from './bench/session';
import { assertProductionPackage, measureSizes } from './bench/sizes';
import { VSIX_TARGET_BYTES } from './bench/vsix';
import { buildAndPackage } from './harness/build';
import { makeScratch } from './harness/codeServer';
import { ensureHarness } from './harness/install';
import { CODE_SERVER_VERSION, NODE24, REPO_ROOT, VSIX } from './harness/paths';
import { onCleanup, removeOnCleanup, runCleanups } from './harness/processes';

const RESULTS = join(REPO_ROOT, 'bench', 'results.json');
const LOG_DIR = join(REPO_ROOT, 'test-results');
const NARRATION_LATENCY_MS = 300;
/** The first read-along in a window: the double's delay per speech request (issue 27 set the target against it). */
const COLD_LATENCY_MS = 600;
/** Fresh windows (reloads) for the first read-along's figure, after the session's first window. */
const COLD_READS = 3;
const API_KEY = `gvc-bench-${Date.now().toString(36)}`;
const ZHIPU_KEY = `zk.bench${Date.now().toString(36)}`;

const TARGETS = {
  activationMs: 5,
  eagerHostBytes: 5_000,
  panelOpenMs: 300,
  cloneRatio: 1.1,
  narrationRatio: 1.15,
  narrationRssBytes: 50_000_000,
  /** Re-export after a one-sentence edit: chunks sent, and wall time ÷ one chunk's latency. */
  reexportSent: 2,
  reexportRatio: 1.5,
  mp3RssBytes: 50_000_000,
  /** The MP3 encoder (LAME in WebAssembly) ÷ lamejs, the JavaScript port it replaced, same run, same thread. */
  mp3VsLamejs: 3,
  firstSoundRatio: 1.3,
  /** The first read-along in a fresh window (the player's view created by it). */
  coldFirstSoundRatio: 1.5,
  joinGapMs: 20,
  highlightLagMs: 100,
  /** The .vsix (KB of 1000 bytes, as printed). */
  vsixBytes: VSIX_TARGET_BYTES,
};

const say = (line: string) => process.stdout.write(`${line}\n`);

type Only = 'clone' | 'readalong' | 'coldread' | 'narration' | 'activation' | 'streamed';

/** What activate() left for a tick later (the extension times it itself), when every start reported it. */
function deferredSummary(activation: ActivationSample[]): Summary | undefined {
  const later = activation.map((a) => a.deferredMs);
  return later.every((d): d is number => d !== undefined) && later.length ? summarize(later) : undefined;
}

function parseArgs(argv: string[]): { starts: number; runs: number; build: boolean; only?: Only } {
  const opts: { starts: number; runs: number; build: boolean; only?: Only } = { starts: 11, runs: 12, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 10) usage(`${a} needs a whole number ≥ 10`);
      return v;
    };
    if (a === '--starts') opts.starts = num();
    else if (a === '--runs') opts.runs = num();
    else if (a === '--no-build') opts.build = false;
    else if (a === '--only' && ['clone', 'readalong', 'coldread', 'narration', 'activation', 'streamed'].includes(argv[i + 1])) opts.only = argv[++i] as Only;
    else usage(`unknown option ${a}`);
  }
  return opts;
}

function usage(problem: string): never {
  process.stderr.write(`${problem}\nusage: npm run bench -- [--starts N] [--runs N] [--no-build] [--only clone|readalong|coldread|narration|activation|streamed]\n`);
  process.exit(2);
}

async function bundleSuite(): Promise<void> {
  await esbuild.build({
    entryPoints: { index: join(REPO_ROOT, 'test', 'bench', 'index.ts') },
    outdir: join(REPO_ROOT, 'out', 'bench'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The smallest useful extension: one command registered in activate(). */
function writeControlExtension(dir: string): { path: string; id: string } {
  mkdirSync(dir, { recursive: true });
  const manifest = { name: 'bench-control', publisher: 'bench', version: '0.0.0', private: true, main: './extension.js', engines: { vscode: '^1.96.0' } };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(dir, 'extension.js'),
    "const vscode = require('vscode');\nexports.activate = (context) => {\n  context.subscriptions.push(vscode.commands.registerCommand('benchControl.hello', () => vscode.window.showInformationMessage('Hello')));\n};\nexports.deactivate = () => {};\n",
  );
  return { path: dir, id: 'bench.bench-control' };
}

/**
 * What any webview path pays here, from the bare probe panel: the click's message to the host (one way), then the
 * preview's bytes posted to the webview until an <audio> can play them. Added to the bare client's time.
 */
function floorNote(floor: WebviewFloor | undefined, bareMs: number): string {
  if (!floor?.bytesToPlayableMs?.length) return '';
  const from = summarize(floor.fromWebviewMs).median;
  const bytes = summarize(floor.bytesToPlayableMs).median;
  return `; webview floor here: webview → host ${ms(from, 1)}, preview bytes host → playable ${ms(bytes, 1)} (round trip ${ms(summarize(floor.roundTripMs).median, 1)}; an <audio> loading a file through asWebviewUri ${ms(summarize(floor.audioLoadMs).median, 1)}) → the best a webview path can do ≈ ${((bareMs + from + bytes) / bareMs).toFixed(2)}×`;
}

/**
 * Read-along, same-run figures: first sound ÷ the double's latency for the first chunk's request (short and
 * 50 000-character files), the most silence scheduled between chunks while playing, the highlight's lag (median of
 * every crossing). The latency is what the double took to answer that request (its server's request → the answer's
 * end, from the tap): the configured delay plus making the audio and writing it, on the same loaded machine.
 */
function readAlongRows(runs: ReadAlongRun[], served: Served[]): Row[] {
  if (!runs.length) return [{ figure: 'read-along', value: 'n/a', target: 'measured', meets: false, how: 'no read-along run came back' }];
  const rows: Row[] = [];
  for (const [label, long] of [['short file', false], ['50 000-character file', true]] as const) {
    const mine = runs.filter((r) => (r.chars >= 10_000) === long);
    if (!mine.length) continue;
    // The run's first speech request: the render asks for its first chunk before anything else.
    const answered = mine.map((r) => {
      const first = between(served, r.commandAt, r.commandAt + r.firstSoundMs).find((x) => x.path === '/v3/glm-tts');
      return first ? first.end - first.start : Number.NaN;
    });
    if (answered.some((a) => Number.isNaN(a))) {
      rows.push({ figure: `read-along first sound, ${label}`, value: 'n/a', target: `≤ ${TARGETS.firstSoundRatio.toFixed(2)}×`, meets: false, how: 'the double saw no speech request between Speak File and the first sound' });
      continue;
    }
    const ratio = summarize(mine.map((r, i) => r.firstSoundMs / answered[i]));
    const configured = summarize(mine.map((r) => r.firstSoundMs / r.firstChunkLatencyMs));
    rows.push({
      figure: `read-along first sound ÷ the double's answer to the first chunk, ${label} (median of ${ratio.n})`,
      value: `${ratio.median.toFixed(2)}×`,
      target: `≤ ${TARGETS.firstSoundRatio.toFixed(2)}×`,
      meets: check(ratio.median, TARGETS.firstSoundRatio),
      how:
        `Speak File → the player starts the audio: ${mine.map((r, i) => `${ms(r.firstSoundMs)} (double answered in ${ms(answered[i])}, host has the chunk at ${ms(r.firstChunkInHostMs)})`).join(', ')}` +
        `; ${mine[0].sentences} sentences, ${mine[0].chars} chars; against the configured ${ms(mine[0].firstChunkLatencyMs)} alone: ${configured.median.toFixed(2)}×`,
    });
  }
  const gap = Math.max(...runs.map((r) => r.joinGapMs));
  rows.push({
    figure: 'read-along gap at chunk joins while playing (most silence scheduled, every run)',
    value: ms(gap, 1),
    target: `≤ ${TARGETS.joinGapMs} ms`,
    meets: check(gap, TARGETS.joinGapMs),
    how: `per run ${runs.map((r) => `${r.joinGapMs} ms`).join(', ')}; underruns ${runs.map((r) => r.underruns).join(', ')}`,
  });
  const lags = runs.flatMap((r) => r.highlightLagsMs);
  const lag = lags.length ? summarize(lags) : undefined;
  rows.push({
    figure: `read-along highlight lag (audio crosses a sentence boundary → decoration moved, median of ${lags.length})`,
    value: lag ? ms(lag.median, 1) : 'n/a',
    target: `≤ ${TARGETS.highlightLagMs} ms`,
    meets: lag ? check(lag.median, TARGETS.highlightLagMs) : false,
    how: lag ? `range ${lag.min.toFixed(1)}–${lag.max.toFixed(1)} ms` : 'no crossing measured',
  });
  return rows;
}

/**
 * Streamed read-along (a Zhipu voice, the double's first frame after STREAM_FIRST_FRAME_MS and the first chunk whole
 * after STREAM_WHOLE_CHUNK_MS): first sound ÷ the first-frame latency (the configured one, the target's; and the one
 * the double actually took, request → first frame written, from its stream log), and the most silence the page
 * scheduled at a join (a piece after the audio before it) in any run.
 */
function streamedRows(runs: StreamedReadAlongRun[], streams: ZhipuStreamRecord[]): Row[] {
  if (!runs.length) return [{ figure: 'streamed read-along', value: 'n/a', target: 'measured', meets: false, how: 'no streamed read-along run came back' }];
  const ratio = summarize(runs.map((r) => r.firstSoundMs / STREAM_FIRST_FRAME_MS));
  const actual = runs.map((r) => {
    const s = streams.find((x) => x.startedAt >= r.commandAt && x.startedAt <= r.commandAt + r.firstSoundMs && x.firstFrameAt !== undefined);
    return s ? s.firstFrameAt! - s.startedAt : Number.NaN;
  });
  const asked = runs.map((r) => {
    const s = streams.find((x) => x.startedAt >= r.commandAt && x.startedAt <= r.commandAt + r.firstSoundMs);
    return s ? ms(s.startedAt - r.commandAt) : '?';
  });
  const vsActual = actual.every((a) => !Number.isNaN(a)) ? summarize(runs.map((r, i) => r.firstSoundMs / actual[i])) : undefined;
  const gap = Math.max(...runs.map((r) => r.joinGapMs));
  return [
    {
      figure: `streamed read-along first sound ÷ first-frame latency (${STREAM_FIRST_FRAME_MS} ms; whole chunk ${STREAM_WHOLE_CHUNK_MS} ms), player open (median of ${ratio.n})`,
      value: `${ratio.median.toFixed(2)}×`,
      target: `≤ ${TARGETS.firstSoundRatio.toFixed(2)}×`,
      meets: check(ratio.median, TARGETS.firstSoundRatio),
      how:
        `Speak File → the page starts the first piece: ${runs.map((r, i) => `${ms(r.firstSoundMs)} (the stream asked for at ${asked[i]}, first piece in the host ${ms(r.firstPieceInHostMs)}, ${r.pieces} pieces${r.playerReadyMs !== undefined ? `, player ready at ${ms(r.playerReadyMs)}` : ''})`).join(', ')}` +
        (vsActual ? `; ÷ the double's own first frame (${actual.map((a) => ms(a)).join(', ')}): ${vsActual.median.toFixed(2)}×` : '; the double logged no stream for some run'),
    },
    {
      figure: 'streamed read-along gap at joins (a piece or chunk after the audio before it: most silence scheduled, every run)',
      value: ms(gap, 1),
      target: `≤ ${TARGETS.joinGapMs} ms`,
      meets: check(gap, TARGETS.joinGapMs),
      how: `per run ${runs.map((r) => `${r.joinGapMs} ms`).join(', ')}; underruns ${runs.map((r) => r.underruns).join(', ')}`,
    },
  ];
}

/**
 * The first read-along in a window: first sound ÷ the double's answer to the first chunk, as the warm figure, with
 * where the time went (the host has the first chunk, the view is resolved, VS Code's wait for its webview service
 * worker, the player's script listens). The figure: fresh windows (reloads: the browser profile and the origin
 * kept, as a user reopening the editor). Reported beside it: the session's first window, a new browser profile,
 * where VS Code first registers its webview service worker.
 */
function coldReadAlongRows(runs: ReadAlongRun[], served: Served[]): Row[] {
  const at = (v: number | undefined) => (v === undefined ? 'n/a' : ms(v));
  const row = (mine: ReadAlongRun[], figure: string, target: number | undefined): Row => {
    const shown = target === undefined ? 'reported' : `≤ ${target.toFixed(2)}×`;
    const answered = mine.map((r) => {
      const first = between(served, r.commandAt, r.commandAt + r.firstSoundMs).find((x) => x.path === '/v3/glm-tts');
      return first ? first.end - first.start : Number.NaN;
    });
    if (!mine.length || answered.some((a) => Number.isNaN(a))) return { figure, value: 'n/a', target: shown, meets: target === undefined ? undefined : false, how: 'no run, or the double saw no speech request between Speak File and the first sound' };
    const ratio = summarize(mine.map((r, i) => r.firstSoundMs / answered[i]));
    return {
      figure: `${figure} (median of ${ratio.n})`,
      value: `${ratio.median.toFixed(2)}×`,
      target: shown,
      meets: target === undefined ? undefined : check(ratio.median, target),
      how: `Speak File → ${mine.map((r, i) => `first sound ${ms(r.firstSoundMs)} (${(r.firstSoundMs / answered[i]).toFixed(2)}×; double answered in ${ms(answered[i])}; host has the chunk at ${ms(r.firstChunkInHostMs)}, view resolved at ${at(r.viewResolvedMs)}, VS Code waited ${at(r.serviceWorkerWaitMs)} for its webview service worker, page script listens at ${at(r.playerReadyMs)})`).join(', ')}`,
    };
  };
  return [
    row(runs.filter((r) => (r.window ?? 0) > 0), `read-along first sound ÷ the double's answer to the first chunk, first read in a fresh window, ${COLD_LATENCY_MS} ms double`, TARGETS.coldFirstSoundRatio),
    row(runs.filter((r) => (r.window ?? 0) === 0), 'the same in a new browser profile (VS Code registers its webview service worker: the wait between its webview host page\'s marks content/started and content/workerReady)', undefined),
  ];
}

/**
 * When the player's webview host page (VS Code's pre/index.html) was given the page to show, and when the service
 * worker it waits for before it shows any page was ready (its own performance marks, on the browser's wall clock).
 */
async function webviewMarks(page: Page): Promise<WebviewMarks> {
  const script = `(() => { const at = (n) => { const m = performance.getEntriesByName('webview/index.html/content/' + n, 'mark')[0]; return m ? performance.timeOrigin + m.startTime : undefined; };
    return location.pathname.endsWith('/pre/index.html') || location.pathname.endsWith('/pre/') ? { started: at('started'), workerReady: at('workerReady') } : undefined; })()`;
  const found = await Promise.all(page.frames().map((f) => f.evaluate(script).catch(() => undefined) as Promise<WebviewMarks | undefined>));
  return found.find((m) => m?.started !== undefined && m.workerReady !== undefined) ?? {};
}

/**
 * One code-server session: the first read-along in its first window (a new browser profile), then in `samples`
 * fresh windows, each a reload of the page (the suite runs again in each, keeping its runs in the session's folder).
 */
async function measureColdReads(samples: number, o: { scratch: string; extensionsDir: string; narrationUrl: string; vsix?: string }): Promise<ReadAlongRun[]> {
  const handlers: Record<string, StepHandler> = {};
  for (let w = 0; w <= samples; w++) {
    handlers[`webviewMarks-${w}`] = (_payload, page) => webviewMarks(page);
    handlers[`reload-${w}`] = async (_payload, page) => {
      void page.reload({ waitUntil: 'domcontentloaded' }).catch(() => undefined);
      return {};
    };
  }
  const outcome = await runBenchSession<HostResult>({
    mode: 'host',
    dir: join(o.scratch, 'cold-reads'),
    vsix: o.vsix ? [o.vsix] : undefined,
    extensionsDir: o.extensionsDir,
    settings: { 'glmVoiceClone.apiBaseUrl': o.narrationUrl },
    env: { NOVITA_API_KEY: API_KEY, GVC_BENCH_NARRATION_URL: o.narrationUrl, GVC_BENCH_ONLY: 'readalong-cold', GVC_BENCH_COLD_WINDOWS: String(samples + 1) },
    handlers,
    timeoutMs: (samples + 1) * 90_000,
    print: say,
  });
  say(`cold read-along: ${samples + 1} windows in ${outcome.seconds.toFixed(1)} s`);
  return outcome.result.readAlong ?? [];
}

function check(value: number, target: number): boolean {
  return value <= target;
}

async function main(): Promise<number> {
  const { starts, runs, build, only } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const loadBefore = loadavg();
  mkdirSync(LOG_DIR, { recursive: true });
  ensureHarness();

  // 1. The production build and its package; the package is copied aside at once (others may rebuild meanwhile).
  if (build) buildAndPackage(join(LOG_DIR, 'bench-build.log'), { tests: false });
  if (!existsSync(VSIX)) throw new Error(`${VSIX} is missing: run without --no-build`);
  const scratch = makeScratch('gvcb-');
  removeOnCleanup(scratch);
  const vsix = join(scratch, 'glm-voice-clone.vsix');
  copyFileSync(VSIX, vsix);
  assertProductionPackage(vsix);
  const sizes = measureSizes(vsix);
  await bundleSuite();
  say(`sizes: host ${kb(sizes.eagerHostBytes)} eager; webview ${kb(sizes.webviewAssetsBytes)}; vsix ${kb(sizes.vsixBytes)}`);

  // 1b. The command-line tool (its own process against a double here; no editor): 200 files through `narrate`.
  const cli = only ? undefined : await measureCli(say);

  // 2. Activation: one fresh code-server (fresh extension host, fresh user data, fresh browser) per sample; a
  //    hello-world extension (the development path) is activated in the same start, before or after, alternately.
  const extensionsDir = join(scratch, 'extensions');
  const control = writeControlExtension(join(scratch, 'control'));
  const activation: ActivationSample[] = [];
  let chromiumVersion = '';
  for (let i = 0; i < (only && only !== 'activation' ? 0 : starts); i++) {
    const outcome = await runBenchSession<ActivationSample>({
      mode: 'activation',
      dir: join(scratch, `activation-${i}`),
      vsix: i === 0 ? [vsix] : undefined,
      extensionsDir,
      developmentPath: control.path,
      env: { GVC_BENCH_CONTROL_ID: control.id, GVC_BENCH_CONTROL_FIRST: i % 2 ? '1' : '0' },
      timeoutMs: 120_000,
      print: say,
    });
    if (!outcome.result.fresh) throw new Error('the extension was already active or loaded when the activation bench began');
    activation.push(outcome.result);
    chromiumVersion = outcome.chromiumVersion;
    say(`fresh start ${i + 1}/${starts} done in ${outcome.seconds.toFixed(1)} s`);
  }

  if (only === 'activation') {
    const cost = summarize(activation.map((a) => a.moduleLoadMs + a.activateMs));
    const controls = activation.filter((a) => a.control).map((a) => a.control!.loadMs + a.control!.activateMs);
    const later = deferredSummary(activation);
    say(`\nactivation cost ${ms(cost.median, 2)} (range ${cost.min.toFixed(2)}–${cost.max.toFixed(2)} ms; target ≤ ${TARGETS.activationMs} ms)${later ? `, then ${ms(later.median, 2)} of setup a tick later` : ''}; a hello-world extension in the same starts ${controls.length ? ms(summarize(controls).median, 2) : 'n/a'}; load ${loadBefore.map((l) => l.toFixed(1)).join('/')} → ${loadavg().map((l) => l.toFixed(1)).join('/')}`);
    say('--only activation: bench/results.json left as it was');
    return check(cost.median, TARGETS.activationMs) ? 0 : 1;
  }

  // 3. One more session for the panel, the clone and the narration, against two doubles in this process (outside
  //    the extension host, so its memory figure is the extension's alone): 200 ms for the clone, 300 ms per chunk.
  const cloneDouble = new NovitaDouble({ apiKey: API_KEY, latencyMs: CLONE_LATENCY_MS });
  const narrationDouble = new NovitaDouble({ apiKey: API_KEY, latencyMs: NARRATION_LATENCY_MS });
  const cloneUrl = await cloneDouble.start();
  onCleanup(() => cloneDouble.stop());
  const narrationUrl = await narrationDouble.start();
  onCleanup(() => narrationDouble.stop());
  const narrationServed = tapDouble(narrationDouble);
  // Zhipu's double, streaming: the first frame after 300 ms, and the streamed read's first chunk (its first sentence,
  // STREAM_FIRST_SENTENCE_CHARS characters) whole after 1 500 ms: its frames (100 ms of audio each) paced evenly.
  const zhipuFrames = Math.ceil((samplesFor('x'.repeat(STREAM_FIRST_SENTENCE_CHARS)) * 2) / 4800);
  const zhipuDouble = new ZhipuDouble({ apiKey: ZHIPU_KEY, firstFrameDelayMs: STREAM_FIRST_FRAME_MS, frameDelayMs: (STREAM_WHOLE_CHUNK_MS - STREAM_FIRST_FRAME_MS) / zhipuFrames, frameBytes: 4800 });
  const zhipuUrl = await zhipuDouble.start();
  onCleanup(() => zhipuDouble.stop());
  // The first read in a window against a double of its own, answering as the issue that set its target measured it.
  const coldDouble = new NovitaDouble({ apiKey: API_KEY, latencyMs: COLD_LATENCY_MS });
  const coldUrl = await coldDouble.start();
  onCleanup(() => coldDouble.stop());
  const coldServed = tapDouble(coldDouble);
  // a 5 s tone, not silence, so no sample check could object to it
  const sampleUrl = cloneDouble.addFile('/samples/bench.wav', pcmToWav(synthesizePcm('x'.repeat(490))), 'audio/wav');
  if (only === 'coldread') {
    // No session before these: the first one installs the package.
    const cold = await measureColdReads(COLD_READS, { scratch, extensionsDir, narrationUrl: coldUrl, vsix });
    const rows = coldReadAlongRows(cold, coldServed);
    say(`\n${table(rows)}\n`);
    for (const r of rows) say(`- ${r.figure}: ${r.how}`);
    say('--only coldread: bench/results.json left as it was');
    return rows.every((r) => r.meets !== false) ? 0 : 1;
  }
  const host = await runBenchSession<HostResult>({
    mode: 'host',
    dir: join(scratch, 'host'),
    // the activation starts installed the package; with --only there were none
    vsix: only ? [vsix] : undefined,
    extensionsDir,
    settings: { 'glmVoiceClone.apiBaseUrl': cloneUrl },
    env: {
      NOVITA_API_KEY: API_KEY,
      GVC_BENCH_CLONE_URL: cloneUrl,
      GVC_BENCH_NARRATION_URL: narrationUrl,
      GVC_BENCH_ZHIPU_URL: zhipuUrl,
      ZHIPU_API_KEY: ZHIPU_KEY,
      GVC_BENCH_PANEL_RUNS: String(runs + 1),
      GVC_BENCH_NARRATION_RUNS: '3',
      ...(only ? { GVC_BENCH_ONLY: only } : {}),
    },
    handlers: {
      clone: (_payload, page) => measureClone(page, { double: cloneDouble, apiKey: API_KEY, sampleUrl, runs, print: say, stallsFile: join(scratch, 'host', STALLS_FILE) }),
    },
    timeoutMs: 15 * 60_000,
    print: say,
  });
  const hostResult = host.result;
  const coldReads = only === undefined || only === 'readalong' ? await measureColdReads(COLD_READS, { scratch, extensionsDir, narrationUrl: coldUrl }) : [];
  if (only === 'readalong' || only === 'streamed') {
    const rows = [
      ...(only === 'readalong' ? [...readAlongRows(hostResult.readAlong ?? [], narrationServed), ...coldReadAlongRows(coldReads, coldServed)] : []),
      ...streamedRows(hostResult.streamedReadAlong ?? [], zhipuDouble.streams),
    ];
    say(`\n${table(rows)}\n`);
    for (const r of rows) say(`- ${r.figure}: ${r.how}`);
    say(`--only ${only}: bench/results.json left as it was`);
    return rows.every((r) => r.meets !== false) ? 0 : 1;
  }
  if (only === 'narration') {
    const failed = hostResult.narration.find((r) => !r.ok);
    if (failed) throw new Error(`a narration failed: ${failed.message}`);
    const ratios = hostResult.narration.map((r) => r.wallMs / r.idealMs);
    const sent = narrationDouble.requests.filter((r) => r.path === '/v3/glm-tts').length;
    say(`\nnarration ${ratios.map((r) => `${r.toFixed(3)}×`).join(', ')} (target ≤ ${TARGETS.narrationRatio.toFixed(2)}×); the double answered ${sent} speech requests in all`);
    say('--only narration: bench/results.json left as it was');
    return ratios.every((r) => check(r, TARGETS.narrationRatio)) ? 0 : 1;
  }
  const clone = hostResult.clone;
  if (!clone || clone.error || !clone.panelMs.length) throw new Error(`the clone runs failed: ${clone?.error ?? 'no answer'}`);
  const failedNarration = hostResult.narration.find((r) => !r.ok);
  if (failedNarration) throw new Error(`a narration failed: ${failedNarration.message}`);

  if (only === 'clone') {
    const panel = summarize(clone.panelMs);
    const bare = summarize(clone.bareMs);
    const ratio = panel.median / bare.median;
    say(`\nclone overhead ${ratio.toFixed(2)}× (target ≤ ${TARGETS.cloneRatio.toFixed(2)}×): panel ${ms(panel.median)} (${panel.min.toFixed(0)}–${panel.max.toFixed(0)}), bare ${ms(bare.median)}${floorNote(hostResult.webviewFloor, bare.median)}`);
    say(`median timeline from the click (ms): ${medianTimeline(clone.timelines).map((e) => `${e.at.toFixed(0)} ${e.what}`).join(' · ')}`);
    say('--only clone: bench/results.json left as it was');
    return check(ratio, TARGETS.cloneRatio) ? 0 : 1;
  }

  // 4. Figures.
  const activationCost = summarize(activation.map((a) => a.moduleLoadMs + a.activateMs));
  const moduleLoad = summarize(activation.map((a) => a.moduleLoadMs));
  const activateCall = summarize(activation.map((a) => a.activateMs));
  const vscodeMarks = activation.every((a) => a.vscodeCodeLoadingMs !== undefined && a.vscodeActivateMs !== undefined)
    ? summarize(activation.map((a) => a.vscodeCodeLoadingMs! + a.vscodeActivateMs!))
    : undefined;
  const apiActivate = summarize(activation.map((a) => a.apiActivateMs));
  const controls = activation.filter((a) => a.control).map((a) => a.control!.loadMs + a.control!.activateMs);
  const controlCost = controls.length ? summarize(controls) : undefined;
  const deferred = deferredSummary(activation);
  const panelCold = summarize(activation.map((a) => a.panelColdMs));
  // the session's first open is its window's first: counted among the fresh starts' cold opens, not here
  const panelWarm = summarize(hostResult.panelOpenMs.slice(1));
  const clonePanel = summarize(clone.panelMs);
  const cloneBare = summarize(clone.bareMs);
  const cloneRatio = clonePanel.median / cloneBare.median;
  const narrationRatios = hostResult.narration.map((r) => r.wallMs / r.idealMs);
  const narrationRatio = summarize(narrationRatios);
  const narrationRun = hostResult.narration[narrationRatios.indexOf([...narrationRatios].sort((a, b) => a - b)[Math.floor((narrationRatios.length - 1) / 2)])];
  const rssGrowth = Math.max(...hostResult.narration.map((r) => r.rssMaxBytes - r.rssBeforeBytes));
  const alsoLoaded = [...new Set(activation.flatMap((a) => a.alsoLoaded))];
  const cloneTimeline = medianTimeline(clone.timelines);
  const narrationBreakdowns = hostResult.narration.map((r) => narrationBreakdown(r, narrationServed));
  const nb = narrationBreakdowns[hostResult.narration.indexOf(narrationRun)];
  const floor = hostResult.webviewFloor;
  const probeOpen = floor?.openMs.length ? summarize(floor.openMs) : undefined;
  const roundTrip = floor ? summarize(floor.roundTripMs) : undefined;
  const audioLoad = floor ? summarize(floor.audioLoadMs) : undefined;
  const peak = hostResult.narration.reduce((a, b) => (b.rssMaxBytes - b.rssBeforeBytes > a.rssMaxBytes - a.rssBeforeBytes ? b : a));

  const spread = (s: Summary, digits = 0) => `${s.min.toFixed(digits)}–${s.max.toFixed(digits)}`;
  const rows: Row[] = [
    {
      figure: `activation cost (module load + activate(), median of ${activationCost.n} fresh starts)`,
      value: ms(activationCost.median, 2),
      target: `≤ ${TARGETS.activationMs} ms`,
      meets: check(activationCost.median, TARGETS.activationMs),
      how:
        `load ${ms(moduleLoad.median, 2)} + activate() ${ms(activateCall.median, 2)} (range ${spread(activationCost, 2)} ms); VS Code's own marks ${vscodeMarks ? ms(vscodeMarks.median, 1) : 'n/a'};` +
        ` Extension.activate() seen by its caller ${ms(apiActivate.median, 1)}; a hello-world extension in the same starts ${controlCost ? ms(controlCost.median, 2) : 'n/a'}` +
        `; then, a tick after activation, ${deferred ? ms(deferred.median, 2) : 'n/a'} of setup (views, serializer, status-bar item, lens provider, document watchers: not counted above)`,
    },
    {
      figure: 'eager host bundle (dist/extension.js, minified)',
      value: kb(sizes.eagerHostBytes),
      target: `≤ ${kb(TARGETS.eagerHostBytes)}`,
      meets: check(sizes.eagerHostBytes, TARGETS.eagerHostBytes) && alsoLoaded.length === 0,
      how: `${sizes.eagerHostBytes} bytes; lazy chunks ${Object.entries(sizes.lazyChunkBytes).map(([f, b]) => `${f} ${kb(b)}`).join(', ')}; loaded at activation besides it: ${alsoLoaded.join(', ') || 'nothing'}`,
    },
    {
      figure: 'webview bundle (dist/webview.js + css + fonts)',
      value: kb(sizes.webviewAssetsBytes),
      target: 'reported',
      how: Object.entries(sizes.webviewAssets).map(([f, b]) => `${f} ${b} B`).join(', '),
    },
    { figure: '.vsix size', value: kb(sizes.vsixBytes), target: `≤ ${kb(TARGETS.vsixBytes)}`, meets: check(sizes.vsixBytes, TARGETS.vsixBytes), how: `${sizes.vsixBytes} bytes` },
    {
      figure: `panel open → interactive (median of ${panelWarm.n}, panel closed between)`,
      value: ms(panelWarm.median),
      target: `≤ ${TARGETS.panelOpenMs} ms`,
      meets: check(panelWarm.median, TARGETS.panelOpenMs),
      how: `range ${spread(panelWarm)} ms; the window's first open ${ms(hostResult.panelOpenMs[0])}; a bare webview (no product code) opens to its first message in ${probeOpen ? ms(probeOpen.median) : 'n/a'}, interleaved`,
    },
    {
      figure: `  the same, first open after a fresh start (median of ${panelCold.n})`,
      value: ms(panelCold.median),
      target: 'reported',
      how: `range ${spread(panelCold)} ms; right after activation, 3 s after the workbench started: fresh browser profile, the webview's first load`,
    },
    {
      figure: `clone overhead (Clone and preview → audio playable ÷ bare client, medians of ${clonePanel.n})`,
      value: `${cloneRatio.toFixed(2)}×`,
      target: `≤ ${TARGETS.cloneRatio.toFixed(2)}×`,
      meets: check(cloneRatio, TARGETS.cloneRatio),
      how:
        `panel ${ms(clonePanel.median)} (${spread(clonePanel)}), bare undici ${ms(cloneBare.median)} (${spread(cloneBare)}); double latency ${CLONE_LATENCY_MS} ms; first run ${ms(clone.warmupPanelMs ?? NaN)} vs ${ms(clone.warmupBareMs ?? NaN)}` +
        floorNote(floor, cloneBare.median),
    },
    {
      figure: `narration (50 000 chars, concurrency 4, 300 ms per chunk: wall ÷ ideal, median of ${narrationRatio.n})`,
      value: `${narrationRatio.median.toFixed(2)}×`,
      target: `≤ ${TARGETS.narrationRatio.toFixed(2)}×`,
      meets: check(narrationRatio.median, TARGETS.narrationRatio),
      how:
        `${narrationRun.chunks} chunks: ${ms(narrationRun.wallMs)} vs ideal ${ms(narrationRun.idealMs)}; ratios ${narrationRatios.map((r) => r.toFixed(3)).join(', ')}` +
        (nb
          ? `; set-up ${ms(nb.setupMs)}, requests ${ms(nb.requestsMs)}, tail ${ms(nb.tailMs)} (${nb.tail.map((e) => `${e.what} +${e.at.toFixed(0)}`).join(', ')});` +
            ` the double answers a chunk in ${ms(nb.doubleAnswerMedianMs)} (max ${ms(nb.doubleAnswerMaxMs)}), so against its real answer time the ratio is ${(narrationRun.wallMs / (nb.doubleAnswerMedianMs * Math.ceil(narrationRun.chunks / narrationRun.concurrency))).toFixed(2)}×;` +
            ` answer → next request ${ms(nb.turnaroundMedianMs, 1)} median (max ${ms(nb.turnaroundMaxMs)}); at most ${nb.maxInFlight} in flight`
          : ''),
    },
    {
      figure: 'narration memory (extension host RSS growth, worst run)',
      value: mb(rssGrowth),
      target: `≤ ${mb(TARGETS.narrationRssBytes)}`,
      meets: check(rssGrowth, TARGETS.narrationRssBytes),
      how:
        hostResult.narration.map((r) => `+${mb(r.rssMaxBytes - r.rssBeforeBytes)} from ${mb(r.rssBeforeBytes)}`).join('; ') +
        `; at the worst peak: heap used ${mb(peak.memoryAtPeak.heapUsed - peak.memoryBefore.heapUsed)}, heap total ${mb(peak.memoryAtPeak.heapTotal - peak.memoryBefore.heapTotal)},` +
        ` external ${mb(peak.memoryAtPeak.external - peak.memoryBefore.external)}, array buffers ${mb(peak.memoryAtPeak.arrayBuffers - peak.memoryBefore.arrayBuffers)} (growth)`,
    },
    ...(cli?.rows ?? []),
  ];

  const re = hostResult.reexport;
  if (re) {
    rows.push(
      {
        figure: 're-export of the 50 000-character script after a one-sentence edit: chunks sent',
        value: String(re.editedSent),
        target: `≤ ${TARGETS.reexportSent}`,
        meets: re.editedSent <= TARGETS.reexportSent && re.editedSent >= 1,
        how: `${re.chunks} chunks, ${re.chunks - re.editedSent} from the chunk cache`,
      },
      {
        figure: '  its wall time ÷ one chunk’s latency',
        value: `${(re.editedWallMs / re.chunkLatencyMs).toFixed(2)}×`,
        target: `≤ ${TARGETS.reexportRatio.toFixed(2)}×`,
        meets: check(re.editedWallMs / re.chunkLatencyMs, TARGETS.reexportRatio),
        how: `${ms(re.editedWallMs)} vs ${re.chunkLatencyMs} ms per chunk at the double`,
      },
      {
        figure: 'second export of the unchanged script: requests, wall time',
        value: `${re.unchangedSent}, ${ms(re.unchangedWallMs)}`,
        target: '0 requests',
        meets: re.unchangedSent === 0,
        how: `${re.chunks} chunks read from the cache, joined and written`,
      },
    );
  }
  const mp3 = measureMp3();
  if (mp3) {
    rows.push({
      figure: 'MP3 encoding of the 50 000-character narration (64 kbit/s, in its worker)',
      value: `${mp3.speed.toFixed(1)}× real time (${mp3.vsLamejs.toFixed(1)}× lamejs in CPU time), RSS +${mb(mp3.rssGrowthBytes)}`,
      target: `≥ ${TARGETS.mp3VsLamejs}× lamejs, RSS ≤ +${mb(TARGETS.mp3RssBytes)}`,
      meets: check(mp3.rssGrowthBytes, TARGETS.mp3RssBytes) && mp3.vsLamejs >= TARGETS.mp3VsLamejs,
      how: mp3.lines.join('; '),
    });
  }
  const levels = measureMasterLevels();
  if (levels) {
    rows.push({
      figure: 'Mastering three levels of the double\'s tone (podcast, acx)',
      value: `${levels.passed} of ${levels.runs} pass`,
      target: 'podcast: |I − target| ≤ 0.5 LU, true peak ≤ -1 dBTP; acx: RMS -23…-18 dB, peak ≤ -3 dBFS',
      meets: levels.passed === levels.runs,
      how: levels.lines.join('; '),
    });
  }
  const upToDate = measureUpToDate();
  if (upToDate) {
    rows.push({
      figure: 'CLI re-run over 200 unchanged files, --format mp3 (the manifest)',
      value: upToDate.rerun ?? 'not measured',
      target: '0 requests, wall ≤ 2 s',
      meets: upToDate.met,
      how: upToDate.lines.join('; '),
    });
  }
  const zhipuClone = measureZhipuClone();
  if (zhipuClone) {
    rows.push({
      figure: 'clone from a 2 MB local WAV at Zhipu (upload + clone + preview) ÷ a bare client making the same three calls',
      value: zhipuClone.ratio ?? 'not measured',
      target: '≤ 1.15×',
      meets: zhipuClone.met,
      how: zhipuClone.lines.join('; '),
    });
  }
  rows.push(...readAlongRows(hostResult.readAlong ?? [], narrationServed), ...coldReadAlongRows(coldReads, coldServed));
  rows.push(...streamedRows(hostResult.streamedReadAlong ?? [], zhipuDouble.streams));

  const seconds = (Date.now() - started) / 1000;
  const results = {
    date: new Date().toISOString(),
    durationSeconds: Math.round(seconds),
    git: { commit: git(['rev-parse', 'HEAD']), dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '' },
    machine: {
      os: `${osType()} ${release()}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '',
      memoryBytes: totalmem(),
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg(),
    },
    versions: {
      runnerNode: process.versions.node,
      codeServerNode: execFileSync(NODE24, ['--version'], { encoding: 'utf8' }).trim(),
      extensionHostNode: hostResult.nodeVersion,
      vscode: hostResult.vscodeVersion,
      codeServer: CODE_SERVER_VERSION,
      chromium: chromiumVersion,
    },
    targets: TARGETS,
    figures: rows.map(({ figure, value, target, meets, how }) => ({ figure, value, target, meets: meets ?? null, how })),
    raw: {
      sizes,
      activation,
      panelOpenMs: hostResult.panelOpenMs,
      webviewFloor: floor,
      clone,
      narration: hostResult.narration,
      cli: cli?.raw,
      readAlong: hostResult.readAlong,
      streamedReadAlong: hostResult.streamedReadAlong,
      readAlongCold: coldReads,
    },
    analysis: { cloneTimeline, narration: narrationBreakdowns },
    summaries: { activationCost, moduleLoad, activateCall, vscodeMarks, apiActivate, controlCost, panelWarm, panelCold, probeOpen, clonePanel, cloneBare, roundTrip, audioLoad, narrationRatio },
  };
  mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

  say(`\n${table(rows)}\n`);
  for (const r of rows) say(`- ${r.figure}: ${r.how}`);
  say(`\nClone and preview, median timeline from the click (ms): ${cloneTimeline.map((e) => `${e.at.toFixed(0)} ${e.what}`).join(' · ')}`);
  const missed = rows.filter((r) => r.meets === false);
  say(`\n${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${loadBefore.map((l) => l.toFixed(1)).join('/')} → ${loadavg().map((l) => l.toFixed(1)).join('/')}; extension host Node ${hostResult.nodeVersion}, VS Code ${hostResult.vscodeVersion}`);
  say(`bench/results.json written; ${missed.length ? `${missed.length} target(s) missed` : 'every target met'}; ${seconds.toFixed(0)} s in all`);
  return missed.length ? 1 : 0;
}

main().then(
  async (code) => {
    await runCleanups();
    process.exit(code);
  },
  async (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    await runCleanups();
    process.exit(1);
  },
);

/** test/bench/masterLevels.ts in its own Node process: three levels of the double's tone mastered for podcast and acx, measured again. */
function measureMasterLevels(): { runs: number; passed: number; lines: string[] } | undefined {
  say('Mastering the double\'s tone at three levels (podcast, acx)…');
  let out: string;
  try {
    out = execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'bench', 'masterLevels.ts')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10 * 60_000 });
  } catch (err) {
    say(`mastering bench failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  const lines = out.trim().split('\n').filter((l) => l.startsWith('level '));
  for (const l of lines) say(l);
  return { runs: lines.length, passed: lines.filter((l) => / pass: /.test(l)).length, lines };
}

/** test/bench/upToDate.ts in its own Node process: 200 small files narrated to MP3 by dist/cli.js, then again unchanged. */
function measureUpToDate(): { rerun?: string; met: boolean; lines: string[] } | undefined {
  say('CLI: 200 unchanged files narrated again (the manifest)…');
  let out: string;
  try {
    out = execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'bench', 'upToDate.ts')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10 * 60_000 });
  } catch (err) {
    say(`up-to-date bench failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  const lines = out.trim().split('\n').map((l) => l.trim()).filter((l) => /ms wall|target:/.test(l));
  for (const l of lines) say(l);
  const rerun = lines.find((l) => l.startsWith('re-run, nothing changed'))?.replace(/\s+/g, ' ');
  return { rerun, met: lines.some((l) => /target:.*: met$/.test(l)), lines };
}

/** test/bench/zhipuClone.ts in its own Node process: CloneFlow from a 2 MB WAV on disk vs bare fetch calls, at the Zhipu double. */
function measureZhipuClone(): { ratio?: string; met: boolean; lines: string[] } | undefined {
  say('Zhipu: clone from a 2 MB local WAV vs a bare client…');
  let out: string;
  try {
    out = execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'bench', 'zhipuClone.ts')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10 * 60_000 });
  } catch (err) {
    say(`Zhipu clone bench failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  const lines = out.trim().split('\n').map((l) => l.trim()).filter((l) => /^(assumption|ours|bare|samples deleted|target)/.test(l));
  for (const l of lines) say(l);
  const ratio = /bare client = ([\d.]+×)/.exec(out)?.[1];
  return { ratio, met: /target:.*: met$/m.test(out), lines };
}

/** test/bench/mp3.ts in its own Node process (the bundled worker, as the extension runs it): speed, RSS growth, and the speed-up over lamejs. */
function measureMp3(): { speed: number; vsLamejs: number; rssGrowthBytes: number; lines: string[] } | undefined {
  say('MP3 encoding of a 50 000-character narration (about 55 minutes of audio)…');
  let out: string;
  try {
    out = execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'bench', 'mp3.ts')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 15 * 60_000 });
  } catch (err) {
    say(`MP3 bench failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  const speed = Number(/= ([\d.]+)× real time/.exec(out)?.[1]);
  const growth = Number(/growth ([\d.]+) MB/.exec(out)?.[1]);
  const vsLamejs = Number(/speed-up over lamejs: ([\d.]+)×/.exec(out)?.[1]);
  if (!Number.isFinite(speed) || !Number.isFinite(growth) || !Number.isFinite(vsLamejs)) return undefined;
  return { speed, vsLamejs, rssGrowthBytes: growth * 1024 * 1024, lines: out.trim().split('\n').filter((l) => /assumption|MP3:|RSS:|this thread,|lamejs:/.test(l)) };
}
