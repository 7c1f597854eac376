// `npm start`: the extension, built and installed from its .vsix, in code-server on 127.0.0.1, against the
// Novita double (demo key) unless NOVITA_API_KEY and a real base URL are given; Ctrl+C stops everything.
//   PORT=8080 npm start                                       fixed port (default: a free one)
//   NOVITA_API_KEY=… GVC_API_BASE_URL=https://api.novita.ai npm start   the real API, no double
//   NOVITA_API_KEY=… npm start -- --real                      the same, with the default base URL
//   GVC_PROVIDER=zhipu npm start                              Zhipu selected, against the Zhipu double (demo key),
//                                                             with samples/my-voice.wav in the demo workspace to
//                                                             clone from (Browse… or Workspace File… in the panel)
// State (user-data-dir, extensions, demo workspace) persists in .cache/start/ across restarts.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pcmToWav } from '../src/core/audio/wav';
import { NovitaDouble } from '../test/double/novitaDouble';
import { demoSamplePcm } from '../test/double/synth';
import { ZhipuDouble } from '../test/double/zhipuDouble';
import { buildAndPackage } from './harness/build';
import { readSettings, startCodeServer } from './harness/codeServer';
import { ensureHarness } from './harness/install';
import { REPO_ROOT, VSIX } from './harness/paths';
import { onCleanup, runCleanups, stopGroup, trackGroup } from './harness/processes';

const START_DIR = join(REPO_ROOT, '.cache', 'start');
const WORKSPACE = join(START_DIR, 'workspace');
const DEMO_KEY = 'demo-key';
const DOUBLE_CLI = join(REPO_ROOT, 'test', 'double', 'cli.ts');
/** Copied into the demo workspace: a Markdown dialogue with a cast, a Fountain scene, the cast and pronunciation files. */
const DEMO_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'demo');
const say = (msg: string) => process.stdout.write(`[start] ${msg}\n`);
/** `GVC_PROVIDER=zhipu`: Zhipu selected, against its double, with a sample file in the workspace. */
const ZHIPU = process.env.GVC_PROVIDER === 'zhipu';
/** The recording a newcomer clones from with Zhipu (the demo sample: speech-like, about 5 s). */
const ZHIPU_SAMPLE = join('samples', 'my-voice.wav');

interface Backend {
  baseUrl: string;
  sampleUrl?: string;
  /** NOVITA_API_KEY for the extension host. */
  apiKey: string;
  demo: boolean;
}

/** The double's CLI in its own process group; resolves with the JSON line it prints. */
async function startDoubleCli(): Promise<Backend> {
  const child = spawn(process.execPath, ['--import', 'tsx', DOUBLE_CLI, '--key', DEMO_KEY], {
    cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackGroup(child);
  onCleanup(() => stopGroup(child.pid!));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Novita double printed nothing in 30 s')), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`the Novita double exited (${code}) before it printed its URL`)));
  });
  lines.on('line', (line) => say(`double: ${line}`));
  const info = JSON.parse(first) as { baseUrl: string; sampleUrl?: string };
  return { baseUrl: info.baseUrl, sampleUrl: info.sampleUrl, apiKey: DEMO_KEY, demo: true };
}

/** Fallback while the CLI does not exist: the double in this process. */
async function startDoubleInProcess(): Promise<Backend> {
  const double = new NovitaDouble({ apiKey: DEMO_KEY });
  const baseUrl = await double.start();
  onCleanup(() => double.stop());
  return { baseUrl, apiKey: DEMO_KEY, demo: true };
}

async function chooseBackend(): Promise<Backend> {
  const key = process.env.NOVITA_API_KEY;
  const realUrl = process.env.GVC_API_BASE_URL ?? (process.argv.includes('--real') ? 'https://api.novita.ai' : undefined);
  if (key && realUrl) return { baseUrl: realUrl, apiKey: key, demo: false };
  if (realUrl && !key) say('GVC_API_BASE_URL/--real given without NOVITA_API_KEY: using the Novita double instead');
  return existsSync(DOUBLE_CLI) ? startDoubleCli() : startDoubleInProcess();
}

function sampleSetting(backend: Backend): Record<string, string> {
  if (backend.demo) return backend.sampleUrl ? { 'glmVoiceClone.sampleUrl': backend.sampleUrl } : {};
  const previous = readSettings(join(START_DIR, 'user-data', 'User', 'settings.json'))['glmVoiceClone.sampleUrl'];
  return typeof previous === 'string' && /^http:\/\/127\.0\.0\.1[:/]/.test(previous) ? { 'glmVoiceClone.sampleUrl': '' } : {};
}

/** The Zhipu double in this process (Ctrl+C stops it with the rest); its base URL. */
async function startZhipuDouble(): Promise<string> {
  const double = new ZhipuDouble({ apiKey: DEMO_KEY });
  const baseUrl = await double.start();
  onCleanup(() => double.stop());
  return baseUrl;
}

/**
 * Zhipu selected and pointed at its double; after such a run, a plain `npm start` takes both settings back (the
 * double they named is gone), so it starts as it always did.
 */
function zhipuSettings(zhipuBaseUrl: string | undefined): Record<string, unknown> {
  if (zhipuBaseUrl) return { 'glmVoiceClone.provider': 'zhipu', 'glmVoiceClone.zhipu.apiBaseUrl': zhipuBaseUrl };
  const previous = readSettings(join(START_DIR, 'user-data', 'User', 'settings.json'))['glmVoiceClone.zhipu.apiBaseUrl'];
  return typeof previous === 'string' && /^http:\/\/127\.0\.0\.1[:/]/.test(previous) ? { 'glmVoiceClone.provider': undefined, 'glmVoiceClone.zhipu.apiBaseUrl': undefined } : {};
}

function prepareWorkspace(): void {
  mkdirSync(WORKSPACE, { recursive: true });
  const script = join(WORKSPACE, 'script.md');
  if (!existsSync(script)) {
    writeFileSync(script, [
      '# A short script',
      '',
      'Welcome to the demo. Select this paragraph and read it aloud in a cloned voice.',
      '',
      'Open the panel with **GLM Voice Clone: Open Panel** from the command palette (F1).',
      '',
    ].join('\n'));
  }
  // Never over a file already there: a document the user edited in the workspace is theirs.
  cpSync(DEMO_FIXTURES, WORKSPACE, { recursive: true, force: false });
  const sample = join(WORKSPACE, ZHIPU_SAMPLE);
  if (ZHIPU && !existsSync(sample)) {
    mkdirSync(join(WORKSPACE, 'samples'), { recursive: true });
    writeFileSync(sample, pcmToWav(demoSamplePcm()));
  }
}

async function main(): Promise<void> {
  mkdirSync(START_DIR, { recursive: true });
  ensureHarness();
  buildAndPackage(join(START_DIR, 'build.log'), { tests: false });
  prepareWorkspace();
  const backend = await chooseBackend();
  const zhipuBaseUrl = ZHIPU ? await startZhipuDouble() : undefined;
  const port = process.env.PORT ? Number(process.env.PORT) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port <= 0 || port > 65535)) throw new Error(`PORT=${process.env.PORT} is not a port`);
  const server = await startCodeServer({
    port,
    vsix: [VSIX],
    userDataDir: join(START_DIR, 'user-data'),
    extensionsDir: join(START_DIR, 'extensions'),
    mergeSettings: true,
    // The demo's sample fills the clone panel's empty sample field (the walkthrough's "clone a first voice");
    // with a real key, a demo sample left from an earlier run (a loopback URL, dead now) is cleared.
    settings: { 'glmVoiceClone.apiBaseUrl': backend.baseUrl, ...sampleSetting(backend), ...zhipuSettings(zhipuBaseUrl) },
    defaultSettings: {
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
    },
    env: { NOVITA_API_KEY: backend.apiKey, ...(zhipuBaseUrl ? { ZHIPU_API_KEY: DEMO_KEY } : {}) },
    startTimeoutMs: 90_000,
  });
  const url = `${server.url}/?folder=${encodeURIComponent(WORKSPACE)}`;
  process.stdout.write([
    '',
    `  GLM Voice Clone is running in code-server. Open in a browser:`,
    '',
    `    ${url}`,
    '',
    backend.demo
      ? `  Backend: the Novita double at ${backend.baseUrl} (demo key; nothing leaves this machine).`
      : `  Backend: ${backend.baseUrl} with NOVITA_API_KEY from your environment.`,
    ...(backend.sampleUrl ? [`  A sample to clone from (the panel starts with it): ${backend.sampleUrl}`] : []),
    ...(zhipuBaseUrl
      ? [
          `  Provider: Zhipu, the double at ${zhipuBaseUrl} (demo key). Clone from a file: in the panel, Workspace File… → ${ZHIPU_SAMPLE}`,
        ]
      : []),
    `  Then: F1 → "GLM Voice Clone: Open Panel".  Logs: ${server.logFile}`,
    '  Press Ctrl+C to stop.',
    '',
  ].join('\n'));
  // Runs until a signal (processes.ts stops everything); stop by ourselves if code-server dies.
  const healthTimer = setInterval(async () => {
    try {
      await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    } catch {
      say('code-server stopped answering: stopping');
      clearInterval(healthTimer);
      await runCleanups();
      process.exit(1);
    }
  }, 5000);
}

main().catch(async (err) => {
  process.stderr.write(`[start] ${err instanceof Error ? err.message : String(err)}\n`);
  await runCleanups();
  process.exit(1);
});
