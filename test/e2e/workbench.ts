// Shared e2e fixture: ONE Novita double, ONE code-server (the product installed from its .vsix) and ONE
// headless chromium for the whole e2e layer, started in mocha root hooks (load with `--require`).
// Every test ends with a screenshot in test-results/screenshots/, failed or not.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { NovitaDouble } from '../double/novitaDouble';
import { ZhipuDouble } from '../double/zhipuDouble';
import { launchChromium, type Browser } from '../../scripts/harness/browser';
import { startCodeServer, type CodeServer } from '../../scripts/harness/codeServer';
import { TEST_SETTINGS } from '../../scripts/harness/editorSuite';
import { RESULTS_DIR, VSIX } from '../../scripts/harness/paths';

export const SCREENSHOTS_DIR = join(RESULTS_DIR, 'screenshots');

export interface Workbench {
  page: Page;
  server: CodeServer;
  double: NovitaDouble;
  /** The double's key, also in code-server's environment as NOVITA_API_KEY. */
  apiKey: string;
  /** Zhipu's double (glmVoiceClone.zhipu.apiBaseUrl), its key in the environment as ZHIPU_API_KEY; Novita stays selected. */
  zhipu: ZhipuDouble;
  workspace: string;
}

let current: Workbench | undefined;
let browser: Browser | undefined;

/** The running workbench; only inside tests and hooks. */
export function workbench(): Workbench {
  if (!current) throw new Error('the e2e workbench is not running (load test/e2e/workbench.ts with mocha --require)');
  return current;
}

export function page(): Page {
  return workbench().page;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command from the palette (F1) by its exact title; retries while the extension host is starting. */
export async function runCommand(title: string, attempts = 6, p: Page = page()): Promise<void> {
  const input = p.locator('.quick-input-widget input.input');
  let seen = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (await input.isVisible()) await p.keyboard.press('Escape');
    await p.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
    } catch {
      // focus was inside a webview that kept F1: give the workbench the focus back
      await p.locator('.monaco-workbench .part.statusbar').click({ position: { x: 2, y: 2 } }).catch(() => undefined);
      continue;
    }
    // The palette can close again under the test (a walkthrough step ticking moves the focus): then open it anew
    // instead of waiting the action's 30 s for an input that is gone.
    if (!(await input.fill(`>${title}`, { timeout: 5000 }).then(() => true, () => false))) continue;
    // first(): in a display language other than English a row also shows the command's English name
    const firstLabel = p.locator('.quick-input-list .monaco-list-row').first().locator('.label-name').first();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const label = (await firstLabel.textContent({ timeout: 1000 }).catch(() => null))?.trim();
      seen = label ?? seen;
      if (label === title) {
        await p.keyboard.press('Enter');
        await input.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
        return;
      }
      await sleep(200);
    }
    await p.keyboard.press('Escape');
    await sleep(1500);
  }
  throw new Error(`"${title}" never became the first row of the command palette (last seen: "${seen}")`);
}

/**
 * Opens a workspace file with Quick Open (Ctrl+P) and waits for its tab. Quick Open lists files only once the
 * workspace's file search answers, which on a busy machine can take many seconds, and a query typed before then is
 * not searched again: so the query is typed anew until the file's row shows, and the focus is taken back from a
 * webview that kept the keys. What it waits on is the row and then the tab, never a fixed time.
 */
export async function quickOpen(file: string, attempts = 8, p: Page = page()): Promise<void> {
  const input = p.locator('.quick-input-widget input.input');
  const row = p.locator('.quick-input-list .monaco-list-row', { hasText: file }).first();
  for (let attempt = 1; ; attempt++) {
    if (await input.isVisible()) await p.keyboard.press('Escape');
    await p.keyboard.press('ControlOrMeta+P');
    const opened = await input.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false);
    // (the input can close again under the test: then the query is typed anew, not waited on for 30 s)
    const typed = opened && (await input.fill(file, { timeout: 5000 }).then(() => true, () => false));
    if (typed && (await row.waitFor({ timeout: 8000 }).then(() => true, () => false))) break;
    // a webview (the clone panel, the player) kept Ctrl+P: the workbench takes the keys again
    if (!opened) await p.locator('.monaco-workbench .part.statusbar').click({ position: { x: 2, y: 2 } }).catch(() => undefined);
    if (attempt >= attempts) throw new Error(`Quick Open never listed ${file} (${attempts} attempts)`);
  }
  await p.keyboard.press('Enter');
  await p.locator('.tab.active', { hasText: file }).waitFor({ timeout: 15_000 });
}

/** The active webview panel's document (webviews are nested iframes). */
export function webview(p: Page = page()): FrameLocator {
  return p.locator('iframe.webview').filter({ visible: true }).first().contentFrame().frameLocator('#active-frame');
}

/** Saves a screenshot of the whole workbench as test-results/screenshots/<name>.png. */
export async function screenshot(name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = join(SCREENSHOTS_DIR, `${name.replace(/[^\w.-]+/g, '-').replace(/^-|-$/g, '').slice(0, 120) || 'screenshot'}.png`);
  await page().screenshot({ path: file });
  return file;
}

async function start(): Promise<void> {
  const apiKey = `gvc-e2e-${randomBytes(8).toString('hex')}`;
  const double = new NovitaDouble({ apiKey });
  const baseUrl = await double.start();
  const zhipu = new ZhipuDouble({ apiKey: `zk.${apiKey}` });
  const zhipuBaseUrl = await zhipu.start();
  try {
    const server = await startCodeServer({
      vsix: [VSIX],
      settings: { ...TEST_SETTINGS, 'glmVoiceClone.apiBaseUrl': baseUrl, 'glmVoiceClone.zhipu.apiBaseUrl': zhipuBaseUrl },
      env: { NOVITA_API_KEY: apiKey, ZHIPU_API_KEY: `zk.${apiKey}` },
      keepScratch: process.env.GVC_KEEP === '1',
    });
    const workspace = join(server.scratch, 'workspace');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'script.md'), '# Demo\n\nA sentence to hear in a cloned voice.\n');
    browser = await launchChromium(server.scratch, server.sandboxEnv);
    const p = browser.page;
    p.on('pageerror', (e) => process.stdout.write(`  [page error] ${String(e).slice(0, 300)}\n`));
    current = { page: p, server, double, apiKey, workspace, zhipu };
    await p.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
    await p.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await p.locator('.part.statusbar').waitFor({ timeout: 60_000 });
    // built-in extensions finish starting after the first render
    await sleep(1500);
  } catch (err) {
    await stop();
    await double.stop();
    await zhipu.stop();
    throw err;
  }
}

async function stop(): Promise<void> {
  const wb = current;
  current = undefined;
  await browser?.close();
  browser = undefined;
  await wb?.server.stop();
  await wb?.double.stop();
  await wb?.zhipu.stop();
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(180_000);
    await start();
  },
  async afterEach(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    if (!current) return;
    const test = this.currentTest;
    const state = test?.state ?? 'unknown';
    await screenshot(`${(test?.fullTitle() ?? 'test').slice(0, 100)}-${state}`).catch((err) => process.stdout.write(`  (no screenshot: ${err})\n`));
    // the next test starts from an empty editor area
    await page().keyboard.press('Escape').catch(() => undefined);
    await runCommand('View: Close All Editors').catch(() => undefined);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await stop();
  },
};
