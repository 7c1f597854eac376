// VS Code with its display language set to zh-cn (code-server --locale zh-cn; see displayLanguage in
// scripts/harness/codeServer.ts): the command palette, the panel's labels and an error message are in Chinese.
// A workbench of its own (the layer's shared one is English), with its own Novita double.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { pcmToWav } from '../../src/core/audio/wav';
import { NovitaDouble } from '../double/novitaDouble';
import { launchChromium, type Browser } from '../../scripts/harness/browser';
import { startCodeServer, type CodeServer } from '../../scripts/harness/codeServer';
import { TEST_SETTINGS } from '../../scripts/harness/editorSuite';
import { REPO_ROOT, VSIX } from '../../scripts/harness/paths';
import { runCommand, SCREENSHOTS_DIR, webview } from './workbench';

const TRANSLATIONS = join(REPO_ROOT, 'test', 'fixtures', 'zh-cn-display-language', 'main.i18n.json');

suite('zh-cn display language', function () {
  this.timeout(180_000);
  let double: NovitaDouble;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let p: Page;
  let configuredSample: string;

  suiteSetup(async function () {
    this.timeout(180_000);
    double = new NovitaDouble({ apiKey: 'gvc-e2e-zh-key' });
    const baseUrl = await double.start();
    // as `npm start` configures the demo: the panel's empty sample field starts with this sample
    configuredSample = double.addFile('/samples/configured.wav', pcmToWav(Buffer.alloc(24000 * 2 * 5)), 'audio/wav');
    server = await startCodeServer({
      vsix: [VSIX],
      settings: { ...TEST_SETTINGS, 'glmVoiceClone.apiBaseUrl': baseUrl, 'glmVoiceClone.sampleUrl': configuredSample },
      env: { NOVITA_API_KEY: 'gvc-e2e-zh-key' },
      displayLanguage: { locale: 'zh-cn', translations: TRANSLATIONS },
    });
    browser = await launchChromium(server.scratch, server.sandboxEnv);
    p = browser.page;
    await p.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
    await p.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await p.locator('.part.statusbar').waitFor({ timeout: 60_000 });
    await p.waitForTimeout(1500);
  });

  teardown(async function () {
    // the layer's screenshots are of the English workbench: this one is of this workbench
    if (this.currentTest?.state === 'failed') await p.screenshot({ path: join(SCREENSHOTS_DIR, `zh-cn-workbench-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
  });

  suiteTeardown(async function () {
    this.timeout(60_000);
    await browser?.close();
    await server?.stop();
    await double?.stop();
  });

  test('the workbench runs in zh-cn; our commands are listed in Chinese in the palette', async () => {
    assert.equal(await p.evaluate(() => (globalThis as { _VSCODE_NLS_LANGUAGE?: string })._VSCODE_NLS_LANGUAGE), 'zh-cn');
    const input = p.locator('.quick-input-widget input.input');
    for (const title of ['GLM Voice Clone: 打开面板', 'GLM Voice Clone: 设置 API 密钥', 'GLM Voice Clone: 克隆音色…', 'GLM Voice Clone: 朗读文件']) {
      let first = '';
      for (let attempt = 0; attempt < 6 && first !== title; attempt++) {
        await p.keyboard.press('Escape');
        await p.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 5000 });
        await input.fill(`>${title}`);
        await p.waitForTimeout(attempt ? 1500 : 500);
        first = ((await p.locator('.quick-input-list .monaco-list-row').first().locator('.label-name').first().textContent().catch(() => '')) ?? '').trim();
      }
      assert.equal(first, title, 'the palette lists the command by its Chinese title');
    }
    await p.keyboard.press('Escape');
  });

  test('the panel’s labels are Chinese, its page says lang="zh-cn", the configured sample fills the empty field, and a refused field says why in Chinese', async () => {
    await runCommand('GLM Voice Clone: 打开面板', 6, p);
    const view = webview(p);
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    assert.equal(await view.locator('h1').textContent(), '克隆音色');
    assert.equal(await view.locator('html').getAttribute('lang'), 'zh-cn', 'the extension host reports vscode.env.language zh-cn');
    for (const label of ['样本音频 URL', '试听文本', '音色名称', '我有权克隆这个音色']) await view.getByLabel(label, { exact: true }).waitFor({ timeout: 5000 });
    // glmVoiceClone.sampleUrl fills the empty sample field (the demo's sample in `npm start`); emptied for what follows
    const sampleField = view.getByLabel('样本音频 URL', { exact: true });
    assert.equal(await sampleField.inputValue(), configuredSample, 'the configured sample fills the empty field');
    await sampleField.fill('');
    await view.getByRole('button', { name: '克隆并试听' }).click();
    const error = view.locator('#sampleUrl-error');
    await error.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await error.textContent(), '请输入样本录音的 URL（http 或 https）。');
    assert.match((await view.locator('#consent-error').textContent()) ?? '', /请确认你有权克隆这个音色/);
  });

  test('an error from the extension host is Chinese', async () => {
    // the workbench's own strings stay English here (no Microsoft language pack); ours are Chinese
    await runCommand('View: Close All Editors', 6, p);
    await runCommand('GLM Voice Clone: 朗读文件', 6, p);
    // a toast, or (once it is gone) the notification centre
    const message = (where: string) => p.locator(`${where} .notification-list-item-message`, { hasText: 'GLM Voice Clone: 请先打开要朗读的文件。' }).first();
    const toast = await message('.notifications-toasts').waitFor({ timeout: 5000 }).then(() => true, () => false);
    if (!toast) {
      await runCommand('Notifications: Show Notifications', 6, p);
      await message('.notifications-center').waitFor({ timeout: 10_000 });
    }
  });

  test('the walkthrough is Chinese: its title, its steps and the step’s page (media/walkthrough/*.nls.zh-cn.md)', async () => {
    await runCommand('View: Close All Editors', 6, p);
    await runCommand('Welcome: Open Walkthrough...', 6, p);
    const input = p.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill('GLM');
    await p.locator('.quick-input-list .monaco-list-row', { hasText: '开始使用 GLM Voice Clone' }).first().waitFor({ timeout: 10_000 });
    await p.keyboard.press('Enter');
    const container = p.locator('.gettingStartedContainer', { hasText: '开始使用 GLM Voice Clone' }).first();
    await container.waitFor({ timeout: 15_000 });
    for (const step of ['设置 API 密钥（Novita 或智谱）', '克隆第一个音色', '朗读文件']) await container.getByText(step, { exact: true }).first().waitFor({ timeout: 5000 });
    // the first step is open: its Markdown page is the Chinese one
    await webview(p).locator('h1', { hasText: '你的 API 密钥：Novita 或智谱' }).waitFor({ timeout: 15_000 });
  });
});
