// One bench session: a fresh code-server (the product installed from its .vsix) and chromium, the bench suite
// (out/bench/index.js) run as extensionTestsPath inside the real extension host. The suite can hand a step to
// this side (ask-<step>.json → a handler here, which drives the page → answer-<step>.json).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { answerFile, type BenchEnv, type BenchMode } from '../../test/bench/protocol';
import { launchChromium } from '../harness/browser';
import { startCodeServer } from '../harness/codeServer';
import { followFile, suiteUrl, TEST_SETTINGS } from '../harness/editorSuite';
import { REPO_ROOT, TEST_HOST_FIXTURE } from '../harness/paths';

export const BENCH_ENTRY = join(REPO_ROOT, 'out', 'bench', 'index.js');

export type StepHandler = (payload: unknown, page: Page) => Promise<unknown>;

export interface SessionOptions {
  mode: BenchMode;
  /** The session's own folder for the hand-over files, the result and the log. */
  dir: string;
  /** Installed before the start (the first session); later sessions reuse `extensionsDir`. */
  vsix?: string[];
  extensionsDir: string;
  /** The workbench's extensionDevelopmentPath (default: the test host fixture, which has no code). */
  developmentPath?: string;
  settings?: Record<string, unknown>;
  env?: Partial<BenchEnv> & Record<string, string>;
  handlers?: Record<string, StepHandler>;
  timeoutMs?: number;
  print: (line: string) => void;
}

export interface SessionOutcome<T> {
  result: T;
  chromiumVersion: string;
  /** Seconds from the start of code-server to the suite's end. */
  seconds: number;
  /** Seconds spent starting code-server (and installing the .vsix), launching chromium, running the suite. */
  phases: { codeServer: number; chromium: number; suite: number };
}

export async function runBenchSession<T>(opts: SessionOptions): Promise<SessionOutcome<T>> {
  const started = Date.now();
  rmSync(opts.dir, { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true });
  const out = join(opts.dir, 'result.json');
  const log = join(opts.dir, 'suite.log');
  const env: Record<string, string> = {
    ...opts.env,
    GVC_BENCH_MODE: opts.mode,
    GVC_BENCH_DIR: opts.dir,
    GVC_BENCH_OUT: out,
    GVC_BENCH_LOG: log,
  };
  const server = await startCodeServer({
    vsix: opts.vsix,
    extensionsDir: opts.extensionsDir,
    settings: { ...TEST_SETTINGS, ...opts.settings },
    env,
  });
  const serverUp = Date.now();
  try {
    const workspace = join(server.scratch, 'workspace');
    mkdirSync(workspace, { recursive: true });
    const browser = await launchChromium(server.scratch, server.sandboxEnv);
    const browserUp = Date.now();
    try {
      const { page } = browser;
      let done!: (code: number | 'timeout') => void;
      const finished = new Promise<number | 'timeout'>((r) => (done = r));
      await page.exposeFunction('codeAutomationExit', (code: number) => done(code));
      page.on('pageerror', (e) => opts.print(`  [page error] ${String(e).slice(0, 300)}`));
      const timeoutMs = opts.timeoutMs ?? 300_000;
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      const follower = followFile(log, (line) => opts.print(`  ${line}`));
      const steps = serveSteps(opts.dir, page, opts.handlers ?? {}, opts.print);
      await page.goto(suiteUrl(server, workspace, opts.developmentPath ?? TEST_HOST_FIXTURE, BENCH_ENTRY), { waitUntil: 'domcontentloaded' });
      const code = await finished;
      clearTimeout(timer);
      await steps.stop();
      follower.stop();
      if (code === 'timeout') throw new Error(`the bench suite (${opts.mode}) did not finish in ${timeoutMs / 1000} s (code-server log: ${server.logFile})`);
      const result = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as T & { error?: string }) : undefined;
      if (!result) throw new Error(`the bench suite (${opts.mode}) exited with ${code} and wrote no result`);
      if (result.error) throw new Error(`the bench suite (${opts.mode}) failed: ${result.error}`);
      const now = Date.now();
      return {
        result,
        chromiumVersion: browser.context.browser()?.version() ?? '',
        seconds: (now - started) / 1000,
        phases: { codeServer: (serverUp - started) / 1000, chromium: (browserUp - serverUp) / 1000, suite: (now - browserUp) / 1000 },
      };
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
}

/** Answers the suite's hand-over files with the matching handler, one step at a time. */
function serveSteps(dir: string, page: Page, handlers: Record<string, StepHandler>, print: (line: string) => void): { stop(): Promise<void> } {
  const seen = new Set<string>();
  let busy: Promise<void> = Promise.resolve();
  const poll = () => {
    for (const name of readdirSync(dir)) {
      const m = /^ask-(.+)\.json$/.exec(name);
      if (!m || seen.has(name)) continue;
      seen.add(name);
      const step = m[1];
      busy = busy.then(async () => {
        let answer: unknown;
        try {
          const handler = handlers[step];
          if (!handler) throw new Error(`no handler for step "${step}"`);
          answer = await handler(JSON.parse(readFileSync(join(dir, name), 'utf8')), page);
        } catch (err) {
          print(`  step ${step} failed: ${err instanceof Error ? err.message : String(err)}`);
          answer = { error: err instanceof Error ? err.message : String(err) };
        }
        // written whole, then renamed: the suite never reads half a file
        const tmp = join(dir, `${answerFile(step)}.tmp`);
        writeFileSync(tmp, JSON.stringify(answer));
        renameSync(tmp, join(dir, answerFile(step)));
      });
    }
  };
  const timer = setInterval(poll, 50);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
    },
  };
}

