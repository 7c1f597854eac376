// Runs the in-editor suite (out/test/suite/index.js) inside code-server's real extension host: the workbench
// is opened with a payload naming extensionDevelopmentPath + extensionTestsPath, and it calls
// window.codeAutomationExit(code) when the suite ends.
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { SUITE_ENTRY, TEST_HOST_FIXTURE } from './paths';

export interface EditorSuiteOptions {
  /** Tee of the suite's reporter. */
  logFile: string;
  /** The suite's JSON outcome. */
  resultFile: string;
  vsix: string[];
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  timeoutMs?: number;
  keepScratch?: boolean;
  /** Progress lines (the extension host's console). */
  print?: (line: string) => void;
}

export const TEST_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

/** The workbench URL that makes VS Code load the fixture and run the suite. */
export function suiteUrl(server: CodeServer, folder: string, extensionDevelopmentPath: string, extensionTestsPath: string): string {
  const host = `127.0.0.1:${server.port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${host}${extensionDevelopmentPath}`],
    ['extensionTestsPath', `vscode-remote://${host}${extensionTestsPath}`],
    ['skipWelcome', 'true'],
  ];
  return `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Resolves with the suite's exit code (0 = all passed); rejects on timeout or when the editor did not start. */
export async function runEditorSuite(opts: EditorSuiteOptions): Promise<number> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  rmSync(opts.resultFile, { force: true });
  rmSync(opts.logFile, { force: true });
  const server = await startCodeServer({
    vsix: opts.vsix,
    settings: { ...TEST_SETTINGS, ...opts.settings },
    env: { ...opts.env, GVC_TEST_LOG: opts.logFile, GVC_TEST_RESULT: opts.resultFile },
    keepScratch: opts.keepScratch,
  });
  try {
    const workspace = join(server.scratch, 'workspace');
    mkdirSync(workspace, { recursive: true });
    const browser = await launchChromium(server.scratch, server.sandboxEnv);
    try {
      const { page } = browser;
      let done!: (code: number | 'timeout') => void;
      const finished = new Promise<number | 'timeout'>((r) => (done = r));
      await page.exposeFunction('codeAutomationExit', (code: number) => done(code));
      if (process.env.GVC_DEBUG_CONSOLE) page.on('console', (m) => print(`  [browser] ${m.text()}`));
      page.on('pageerror', (e) => print(`  [page error] ${String(e).slice(0, 300)}`));
      const timeoutMs = opts.timeoutMs ?? 900_000;
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      await page.goto(suiteUrl(server, workspace, TEST_HOST_FIXTURE, SUITE_ENTRY), { waitUntil: 'domcontentloaded' });
      // The suite tees its reporter to the log file: follow it, so progress shows while it runs.
      const follower = followFile(opts.logFile, print);
      const code = await finished;
      clearTimeout(timer);
      follower.stop();
      if (code === 'timeout') throw new Error(`the in-editor suite did not finish in ${timeoutMs / 1000} s (code-server log: ${server.logFile})`);
      return code;
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
}

/** Prints the lines appended to `file` (polled; the file may not exist yet). */
export function followFile(file: string, print: (line: string) => void): { stop(): void } {
  let offset = 0;
  let partial = '';
  const poll = () => {
    if (!existsSync(file)) return;
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        partial += buf.subarray(0, n).toString('utf8');
      }
    } finally {
      closeSync(fd);
    }
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) print(line);
  };
  const timer = setInterval(poll, 250);
  return {
    stop() {
      clearInterval(timer);
      poll();
      if (partial) print(partial);
    },
  };
}
