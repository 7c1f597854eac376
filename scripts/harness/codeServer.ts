// Starts code-server sandboxed per run: own user-data-dir, extensions-dir, config, HOME/XDG_*/TMPDIR in a
// short scratch folder, in its own process group that stop() (or any exit of this process) kills whole.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, ensureHarness } from './install';
import { CODE_SERVER_ENTRY, NODE24, pathWithNode24 } from './paths';
import { onCleanup, stopGroup, trackGroup } from './processes';

export interface CodeServerOptions {
  /** Written to <user-data-dir>/User/settings.json. */
  settings?: Record<string, unknown>;
  /** Keep what a persistent settings.json already holds and set only `settings` over it. */
  mergeSettings?: boolean;
  /** Settings written only where settings.json does not set them yet (with mergeSettings). */
  defaultSettings?: Record<string, unknown>;
  /** Extra environment for code-server; its extension host inherits it. */
  env?: Record<string, string>;
  /** .vsix files installed into the extensions-dir before the start. */
  vsix?: string[];
  /** Default: a free port. */
  port?: number;
  /** Persistent folders (npm start); default: inside the scratch folder. */
  userDataDir?: string;
  extensionsDir?: string;
  /** Keep the scratch folder after stop() (for a look at the logs). */
  keepScratch?: boolean;
  extraArgs?: string[];
  /**
   * VS Code's display language (`--locale`), e.g. 'zh-cn'. No language pack can be downloaded here, so the
   * user-data-dir gets the languagepacks.json entry a pack would write, pointing at `translations` (a main.i18n.json;
   * workbench strings it lacks stay English). VS Code then runs in that language: extensions get their
   * package.nls.<locale>.json and l10n/bundle.l10n.<locale>.json, and vscode.env.language is the locale.
   */
  displayLanguage?: { locale: string; translations: string };
  /** Milliseconds to wait for /healthz. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  /** Short per-run folder: HOME, TMPDIR, logs, chromium profile. */
  scratch: string;
  home: string;
  tmp: string;
  logFile: string;
  /** The sandbox environment (HOME, XDG_*, TMPDIR): reuse it for chromium. */
  sandboxEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Chromium's Unix socket paths have a length limit: keep scratch folders short. */
export function makeScratch(prefix = 'gvc-'): string {
  const base = tmpdir().length <= 32 ? tmpdir() : '/tmp';
  return mkdtempSync(join(base, prefix));
}

function sandboxEnvFor(scratch: string): Record<string, string> {
  const home = join(scratch, 'home');
  const tmp = join(scratch, 'tmp');
  for (const d of [home, tmp, join(home, '.config'), join(home, '.local', 'share'), join(home, '.cache')]) mkdirSync(d, { recursive: true });
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    TMPDIR: tmp,
  };
}

/** The host's environment minus what would confuse a nested VS Code or npm. */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(cleanEnv()).filter(([k]) => !/^(VSCODE_|ELECTRON_|XDG_)/.test(k)));
}

/** settings.json may hold comments or trailing commas (VS Code writes JSONC): those are dropped on merge. */
export function readSettings(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  const tryParse = (t: string) => {
    try {
      const v = JSON.parse(t);
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  return tryParse(text)
    ?? tryParse(text.replace(/^\s*\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '').replace(/,(\s*[}\]])/g, '$1'))
    ?? {};
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  ensureHarness({ quiet: true });
  const scratch = makeScratch();
  const removeScratch = async () => {
    if (!opts.keepScratch) await rm(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  const unregisterScratch = onCleanup(removeScratch);
  const sandboxEnv = sandboxEnvFor(scratch);
  const userDataDir = opts.userDataDir ?? join(scratch, 'ud');
  const extensionsDir = opts.extensionsDir ?? join(scratch, 'ext');
  const config = join(scratch, 'config.yaml');
  const logFile = join(scratch, 'code-server.log');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(config, 'auth: none\n');
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  const previous = opts.mergeSettings ? readSettings(settingsFile) : {};
  writeFileSync(settingsFile, `${JSON.stringify({ ...opts.defaultSettings, ...previous, ...opts.settings }, null, 2)}\n`);
  if (opts.displayLanguage) {
    const { locale, translations } = opts.displayLanguage;
    // the shape VS Code's language-pack cache writes; `extensions` names the pack (VS Code reads its first entry)
    const extensions = [{ extensionIdentifier: { id: `glm-voice-clone-tests.display-language-${locale}` }, version: '0.0.1' }];
    writeFileSync(join(userDataDir, 'languagepacks.json'), JSON.stringify({ [locale]: { hash: `test-${locale}`, label: locale, extensions, translations: { vscode: translations } } }));
  }
  const env: NodeJS.ProcessEnv = { ...baseEnv(), ...sandboxEnv, PATH: pathWithNode24(), ...opts.env };
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  for (const vsix of opts.vsix ?? []) {
    if (!existsSync(vsix)) throw new Error(`${vsix} does not exist: run \`npm run package\` first`);
    const r = spawnSync(NODE24, [CODE_SERVER_ENTRY, ...common, '--install-extension', vsix, '--force'], { env, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0 || !/successfully installed|already installed/i.test(r.stdout + r.stderr)) {
      await removeScratch();
      unregisterScratch();
      throw new Error(`installing ${vsix} into code-server failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    }
  }

  const port = opts.port ?? (await freePort());
  const fd = openSync(logFile, 'a');
  const child = spawn(NODE24, [
    CODE_SERVER_ENTRY, ...common,
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--vscode-option', 'enable-smoke-test-driver',
    ...(opts.displayLanguage ? ['--locale', opts.displayLanguage.locale] : []),
    ...(opts.extraArgs ?? []),
  ], { env, cwd: scratch, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  trackGroup(child);
  const pid = child.pid!;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exit ${code ?? signal}`;
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregisterStop();
    await stopGroup(pid);
    if (opts.keepScratch) process.stdout.write(`[harness] kept ${scratch} (code-server log: ${logFile})\n`);
    await removeScratch();
    unregisterScratch();
  };
  const unregisterStop = onCleanup(stop);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      const log = tail(logFile);
      await stop();
      throw new Error(`code-server ended before it answered (${exited}):\n${log}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = tail(logFile);
      await stop();
      throw new Error(`code-server did not answer /healthz on ${url} in time:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, userDataDir, extensionsDir, scratch, home: sandboxEnv.HOME, tmp: sandboxEnv.TMPDIR, logFile, sandboxEnv, stop };
}
