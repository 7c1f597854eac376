// Debian chromium driven by playwright-core, headless, its profile and HOME in the run's short scratch folder.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { checkChromium } from './install';
import { CHROMIUM } from './paths';
import { onCleanup } from './processes';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchChromium(scratch: string, sandboxEnv: Record<string, string>): Promise<Browser> {
  checkChromium();
  const profile = join(scratch, 'chromium');
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: CHROMIUM_ARGS,
    env: { ...process.env, ...sandboxEnv } as Record<string, string>,
    // processes.ts owns the signals: it closes the browser before it removes the profile's folder
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  // tsx compiles tests with keepNames: functions passed to evaluate() call esbuild's __name helper, which
  // the page (and every webview frame) lacks. A no-op stand-in, installed before any page script runs.
  await context.addInitScript('globalThis.__name ??= (target) => target;');
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    unregister();
    await context.close().catch(() => undefined);
  };
  const unregister = onCleanup(close);
  return { context, page, close };
}
