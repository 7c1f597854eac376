// The README's pictures, made by the e2e run: the panel in the dark, light and high-contrast themes, cropped to the
// panel and kept small. Written to test-results/screenshots/readme/; with GVC_README_SCREENSHOTS=1 also to
// media/readme/ (the committed copies the README shows).
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcmToWav } from '../../src/core/audio/wav';
import { REPO_ROOT } from '../../scripts/harness/paths';
import { page, runCommand, SCREENSHOTS_DIR, webview, workbench } from './workbench';

const THEMES = [
  { file: 'panel-dark.png', theme: 'Default Dark Modern', bodyClass: 'vscode-dark' },
  { file: 'panel-light.png', theme: 'Default Light Modern', bodyClass: 'vscode-light' },
  { file: 'panel-high-contrast.png', theme: 'Default High Contrast', bodyClass: 'vscode-high-contrast' },
];
const MAX_BYTES = 150 * 1024;

function setTheme(theme: string): void {
  const file = join(workbench().server.userDataDir, 'User', 'settings.json');
  const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, `${JSON.stringify({ ...settings, 'workbench.colorTheme': theme }, null, 2)}\n`);
}

suite('README screenshots', () => {
  suiteTeardown(() => setTheme('Default Dark Modern'));

  test('the panel in dark, light and high contrast, each under 150 KB', async () => {
    const { double } = workbench();
    await runCommand('GLM Voice Clone: Open Panel');
    const view = webview();
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    const sample = double.addFile('/samples/readme.wav', pcmToWav(Buffer.alloc(24000 * 2 * 6)), 'audio/wav');
    await view.getByLabel('Sample audio URL', { exact: true }).fill(sample);
    await view.getByLabel('Sample transcript (optional)', { exact: true }).fill('Six seconds of my own voice, read slowly.');
    await view.getByLabel('Text to preview', { exact: true }).fill('Hello! This is my cloned voice reading the README.');
    await view.getByLabel('Voice name', { exact: true }).fill('readme-voice');
    await view.locator('#sample-info', { hasText: 'WAV' }).waitFor({ timeout: 15_000 }).catch(() => undefined);
    const out = join(SCREENSHOTS_DIR, 'readme');
    mkdirSync(out, { recursive: true });
    const frame = page().locator('iframe.webview').filter({ visible: true }).first();
    for (const { file, theme, bodyClass } of THEMES) {
      setTheme(theme);
      await view.locator(`body.${bodyClass}`).waitFor({ timeout: 15_000 });
      await page().waitForTimeout(600);
      const box = (await frame.boundingBox())!;
      const path = join(out, file);
      await page().screenshot({ path, clip: { x: box.x, y: box.y, width: Math.min(box.width, 760), height: Math.min(box.height, 720) } });
      const size = statSync(path).size;
      assert.ok(size < MAX_BYTES, `${file} is ${Math.round(size / 1024)} KB`);
      if (process.env.GVC_README_SCREENSHOTS === '1') {
        mkdirSync(join(REPO_ROOT, 'media', 'readme'), { recursive: true });
        copyFileSync(path, join(REPO_ROOT, 'media', 'readme', file));
      }
    }
  });
});
