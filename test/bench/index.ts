// The bench suite's entry (extensionTestsPath): measurements inside the real extension host, no mocha. The mode
// comes from $GVC_BENCH_MODE: `activation` (run once per fresh code-server start) or `host` (panel opens, the
// clone step handed to the runner for the webview, narration). Findings go to $GVC_BENCH_OUT as JSON; progress
// lines to $GVC_BENCH_LOG (the extension host's console only reaches the browser).
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vscode = require('vscode');
import { measureActivation } from './activation';
import { measureNarration, measureReexport, warmUpNarration } from './narration';
import { measureColdReadAlong, measureReadAlong, measureStreamedReadAlong } from './readAlong';
import { measureWebviewFloor, probeAudioDir, probeOpenMs } from './webviewFloor';
import { closeAll, measurePanelOpens, sleep } from './panel';
import { answerFile, askFile, EXTENSION_ID, STALLS_FILE, type BenchEnv, type CloneAnswer, type CloneAsk, type HostResult, type ReadAlongRun, type WebviewMarks } from './protocol';

const env = process.env as Partial<BenchEnv>;

function say(line: string): void {
  console.log(`[bench] ${line}`);
  if (env.GVC_BENCH_LOG) appendFileSync(env.GVC_BENCH_LOG, `${line}\n`);
}

function required(name: keyof BenchEnv): string {
  const value = env[name];
  if (!value) throw new Error(`$${name} is not set`);
  return value;
}

/** Hands a step to the runner outside (it drives the webview) and waits for its answer file. */
async function askRunner<T>(step: string, payload: unknown, timeoutMs: number): Promise<T> {
  const dir = required('GVC_BENCH_DIR');
  const answer = join(dir, answerFile(step));
  rmSync(answer, { force: true });
  writeFileSync(join(dir, askFile(step)), JSON.stringify(payload));
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(answer)) {
    if (Date.now() > deadline) throw new Error(`the runner did not answer "${step}" in ${timeoutMs / 1000} s`);
    await sleep(50);
  }
  await sleep(20); // the runner writes then renames; a short grace for slow file systems anyway
  return JSON.parse(readFileSync(answer, 'utf8')) as T;
}

/**
 * Notes every stretch the extension host's event loop was busy for more than 4 ms (a 1 ms timer that fired late),
 * on the wall clock, one JSON line each: the runner lines them up with the clone runs.
 */
function watchStalls(file: string): { stop(): void } {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - 1;
    if (late > 4) appendFileSync(file, `${JSON.stringify({ start: performance.timeOrigin + last + 1, ms: late })}\n`);
    last = now;
  }, 1);
  return { stop: () => clearInterval(timer) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function runHost(): Promise<HostResult> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed`);
  await ext.activate();
  const result: HostResult = { nodeVersion: process.versions.node, vscodeVersion: vscode.version, panelOpenMs: [], narration: [] };

  const dir = required('GVC_BENCH_DIR');
  if (env.GVC_BENCH_ONLY === 'readalong-cold') {
    // One read per window: this suite runs again in each window the runner reloads (same browser profile and
    // origin, a new extension host), and keeps the runs so far in the session's folder.
    const windows = Number(env.GVC_BENCH_COLD_WINDOWS ?? 1);
    const kept = join(dir, 'cold-runs.json');
    const runs: ReadAlongRun[] = existsSync(kept) ? (JSON.parse(readFileSync(kept, 'utf8')) as ReadAlongRun[]) : [];
    const window = runs.length;
    const [run] = await measureColdReadAlong(required('GVC_BENCH_NARRATION_URL'), dir, say);
    const marks = await askRunner<WebviewMarks>(`webviewMarks-${window}`, {}, 30_000);
    const wait = marks.started !== undefined && marks.workerReady !== undefined ? Math.round(marks.workerReady - marks.started) : undefined;
    say(`read-along cold, window ${window}: VS Code waited ${wait ?? 'n/a'} ms for its webview service worker`);
    runs.push({ ...run, window, ...(wait === undefined ? {} : { serviceWorkerWaitMs: wait }) });
    writeFileSync(kept, JSON.stringify(runs));
    if (runs.length < windows) {
      // The panel closed first, so the next window does not restore the player: its first read makes the view.
      await vscode.commands.executeCommand('workbench.action.closePanel');
      await sleep(1000);
      await askRunner(`reload-${window}`, {}, 30_000);
      await new Promise<never>(() => undefined); // the window reloads: this extension host ends here
    }
    result.readAlong = runs;
    return result;
  }
  if (env.GVC_BENCH_ONLY === 'readalong') {
    result.readAlong = await measureReadAlong(required('GVC_BENCH_NARRATION_URL'), dir, say);
    result.streamedReadAlong = await measureStreamedReadAlong(required('GVC_BENCH_NARRATION_URL'), required('GVC_BENCH_ZHIPU_URL'), dir, say);
    return result;
  }
  if (env.GVC_BENCH_ONLY === 'streamed') {
    result.streamedReadAlong = await measureStreamedReadAlong(required('GVC_BENCH_NARRATION_URL'), required('GVC_BENCH_ZHIPU_URL'), dir, say);
    return result;
  }
  if (env.GVC_BENCH_ONLY === 'narration') {
    const audioDir = await warmUpNarration(required('GVC_BENCH_NARRATION_URL'), dir);
    for (let i = 0; i < Number(env.GVC_BENCH_NARRATION_RUNS ?? 3); i++) result.narration.push(await measureNarration(required('GVC_BENCH_NARRATION_URL'), dir, audioDir, say));
    result.reexport = await measureReexport(required('GVC_BENCH_NARRATION_URL'), dir, say);
    return result;
  }
  if (env.GVC_BENCH_ONLY === 'clone') {
    result.webviewFloor = await measureWebviewFloor(dir, 41_760, 12, []);
    await closeAll();
    result.clone = await runClone(dir);
    return result;
  }
  const opens = await measurePanelOpens(Number(env.GVC_BENCH_PANEL_RUNS ?? 13), say, () => probeOpenMs(probeAudioDir(dir)));
  result.panelOpenMs = opens.panel;
  // the preview of the clone runs is ~42 KB of WAV
  result.webviewFloor = await measureWebviewFloor(dir, 41_760, 12, opens.probe);
  say(`probe webview: open ${median(result.webviewFloor.openMs).toFixed(0)} ms, round trip ${median(result.webviewFloor.roundTripMs).toFixed(1)} ms (to it ${median(result.webviewFloor.toWebviewMs).toFixed(1)}, back ${median(result.webviewFloor.fromWebviewMs).toFixed(1)}), audio load ${median(result.webviewFloor.audioLoadMs).toFixed(1)} ms (medians)`);
  await closeAll();
  // A one-sentence narration now (not right before the measured ones): it finds the audio folder to watch, and the
  // first large narration still comes after other work, as a user's would.
  const audioDir = await warmUpNarration(required('GVC_BENCH_NARRATION_URL'), dir);

  result.clone = await runClone(dir);
  await closeAll();

  const runs = Number(env.GVC_BENCH_NARRATION_RUNS ?? 3);
  for (let i = 0; i < runs; i++) result.narration.push(await measureNarration(required('GVC_BENCH_NARRATION_URL'), dir, audioDir, say));
  result.reexport = await measureReexport(required('GVC_BENCH_NARRATION_URL'), dir, say);
  result.readAlong = await measureReadAlong(required('GVC_BENCH_NARRATION_URL'), dir, say);
  result.streamedReadAlong = await measureStreamedReadAlong(required('GVC_BENCH_NARRATION_URL'), required('GVC_BENCH_ZHIPU_URL'), dir, say);
  return result;
}

/** Clone and preview: the host opens the panel against the 200 ms double, the runner clicks in the webview. */
async function runClone(dir: string): Promise<CloneAnswer> {
  await vscode.workspace.getConfiguration('glmVoiceClone').update('apiBaseUrl', required('GVC_BENCH_CLONE_URL'), vscode.ConfigurationTarget.Global);
  await vscode.commands.executeCommand('glmVoiceClone.openPanel');
  say('panel open for the clone runs; handing over to the runner');
  const stalls = watchStalls(join(dir, STALLS_FILE));
  try {
    const clone = await askRunner<CloneAnswer>('clone', { panelOpen: true } satisfies CloneAsk, 10 * 60_000);
    if (clone.error) say(`clone step failed: ${clone.error}`);
    return clone;
  } finally {
    stalls.stop();
  }
}

export async function run(): Promise<void> {
  const out = required('GVC_BENCH_OUT');
  try {
    const mode = env.GVC_BENCH_MODE;
    let result: unknown;
    if (mode === 'activation') result = await measureActivation(say, env.GVC_BENCH_CONTROL_ID, env.GVC_BENCH_CONTROL_FIRST === '1');
    else if (mode === 'host') result = await runHost();
    else throw new Error(`unknown $GVC_BENCH_MODE "${mode}"`);
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  } catch (err) {
    const message = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
    say(`FAILED: ${message}`);
    writeFileSync(out, `${JSON.stringify({ error: message }, null, 2)}\n`);
    throw err;
  }
}
