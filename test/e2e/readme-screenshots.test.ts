// The README's pictures, made by the e2e run: the panel in the dark, light and high-contrast themes, cropped to the
// panel and kept small. Written to test-results/screenshots/readme/; with GVC_README_SCREENSHOTS=1 also to
// media/readme/ (the committed copies the README shows).
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pcmToWav } from '../../src/core/audio/wav';
import { REPO_ROOT } from '../../scripts/harness/paths';
import { inPage } from './player';
import { page, runCommand, SCREENSHOTS_DIR, webview, workbench } from './workbench';

/** `theme`: as the theme picker names them (the setting's ids are Default Dark Modern, Default Light Modern, Default High Contrast). */
const THEMES = [
  { file: 'panel-dark.png', theme: 'Dark Modern', bodyClass: 'vscode-dark' },
  { file: 'panel-light.png', theme: 'Light Modern', bodyClass: 'vscode-light' },
  { file: 'panel-high-contrast.png', theme: 'Dark High Contrast', bodyClass: 'vscode-high-contrast' },
];
const MAX_BYTES = 150 * 1024;

/** Picks a colour theme as a person would: Preferences: Color Theme, type its name, Enter on its row. */
async function setTheme(theme: string): Promise<void> {
  const p = page();
  // the workbench's own shortcut for Preferences: Color Theme (the panel's frame passes chords on to it)
  await p.locator('.monaco-workbench .part.statusbar').click({ position: { x: 2, y: 2 } });
  await p.keyboard.press('ControlOrMeta+K');
  await p.keyboard.press('ControlOrMeta+T');
  const input = p.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 5000 });
  await input.fill(theme);
  const first = p.locator('.quick-input-list .monaco-list-row').first().locator('.label-name');
  const deadline = Date.now() + 10_000;
  while (((await first.textContent({ timeout: 1000 }).catch(() => null)) ?? '').trim() !== theme) {
    if (Date.now() > deadline) assert.fail(`the theme “${theme}” is not offered`);
    await p.waitForTimeout(100);
  }
  await p.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
}

suite('README screenshots', () => {
  // the rest of the layer sees the workbench as it was
  suiteTeardown(async () => {
    await page().setViewportSize({ width: 1280, height: 800 });
    await setTheme('Light Modern').catch(() => undefined);
  });

  test('the panel in dark, light and high contrast, each under 150 KB', async () => {
    const { double } = workbench();
    await runCommand('GLM Voice Clone: Open Panel');
    const view = webview();
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    const sample = double.addFile('/samples/readme.wav', pcmToWav(Buffer.alloc(24000 * 2 * 6)), 'audio/wav');
    // a voice in the library first, so the lists show their rows
    await view.getByLabel('Sample audio URL', { exact: true }).fill(sample);
    await view.getByLabel('Text to preview', { exact: true }).fill('Hello! This is my own voice, cloned in the editor.');
    await view.getByLabel('Voice name', { exact: true }).fill(`my-voice-${Date.now().toString(36).slice(-4)}`);
    await view.getByLabel('I have the right to clone this voice').check();
    await view.getByRole('button', { name: 'Clone and preview' }).click();
    await view.locator('#result').waitFor({ state: 'visible', timeout: 30_000 });
    await view.locator('body[data-state="idle"]').waitFor({ timeout: 30_000 });
    await view.locator('#player').evaluate(inPage('el.pause();'));
    await view.getByLabel('Sample audio URL', { exact: true }).fill(sample);
    await view.getByLabel('Sample transcript (optional)', { exact: true }).fill('Six seconds of my own voice, read slowly.');
    await view.getByLabel('Text to preview', { exact: true }).fill('Hello! This is my cloned voice reading the README.');
    await view.getByLabel('Voice name', { exact: true }).fill('narrator');
    await view.getByLabel('I have the right to clone this voice').check();
    await view.locator('#sample-info', { hasText: 'WAV' }).waitFor({ timeout: 15_000 }).catch(() => undefined);
    const out = join(SCREENSHOTS_DIR, 'readme');
    mkdirSync(out, { recursive: true });
    const frame = page().locator('iframe.webview').filter({ visible: true }).first();
    // tall enough for the form, the preview and the lists in one picture
    await page().setViewportSize({ width: 1280, height: 1180 });
    for (const { file, theme, bodyClass } of THEMES) {
      await setTheme(theme);
      // the panel has the focus back for the screenshot's sake: its document carries the theme's class
      await view.locator(`body.${bodyClass}`).waitFor({ timeout: 15_000 });
      await page().waitForTimeout(600);
      const box = (await frame.boundingBox())!;
      const path = join(out, file);
      await page().screenshot({ path, clip: { x: box.x, y: box.y, width: Math.min(box.width, 760), height: Math.min(box.height, 1100) } });
      const size = statSync(path).size;
      assert.ok(size < MAX_BYTES, `${file} is ${Math.round(size / 1024)} KB`);
      if (process.env.GVC_README_SCREENSHOTS === '1') {
        mkdirSync(join(REPO_ROOT, 'media', 'readme'), { recursive: true });
        copyFileSync(path, join(REPO_ROOT, 'media', 'readme', file));
      }
    }
  });
});
