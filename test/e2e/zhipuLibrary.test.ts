// Zhipu's voices in the library, as a person meets them: Set API Key asks which provider (Zhipu), the Voices view
// lists the voices Zhipu has for that key, one is used from its row, and Delete at Zhipu… from the row's context
// menu, confirmed in the modal, deletes it at the Zhipu double. The README's picture of the library (the context menu
// open on a Zhipu voice) is taken on the way: test-results/screenshots/readme/library-zhipu.png, and with
// GVC_README_SCREENSHOTS=1 media/readme/library-zhipu.png.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcmToWav } from '../../src/core/audio/wav';
import { ZhipuClient } from '../../src/core/zhipu/client';
import { ZhipuDouble } from '../double/zhipuDouble';
import { REPO_ROOT } from '../../scripts/harness/paths';
import { page, runCommand, SCREENSHOTS_DIR, workbench } from './workbench';

const ZHIPU_KEY = 'gvc-e2e-zhipu-key-3f9a0c7d2e61';
const MAX_BYTES = 150 * 1024;

function settingsFile(): string {
  return join(workbench().server.userDataDir, 'User', 'settings.json');
}

/** Sets (or with undefined removes) one user setting in settings.json, which the workbench watches. */
function setUserSetting(key: string, value: unknown): void {
  const file = settingsFile();
  const settings = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  if (value === undefined) delete settings[key];
  else settings[key] = value;
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
}

suite('Zhipu voices in the library (browser)', function () {
  this.timeout(180_000);
  let zhipu: ZhipuDouble;
  const stamp = Date.now().toString(36).slice(-4);
  const names = { narrator: `narrator-${stamp}`, interview: `interview-${stamp}` };
  const ids: Record<string, string> = {};

  suiteSetup(async () => {
    zhipu = new ZhipuDouble({ apiKey: ZHIPU_KEY });
    const baseUrl = await zhipu.start();
    // Two voices cloned at Zhipu with this key, as the CLI or another editor would have.
    const client = new ZhipuClient({ baseUrl, apiKey: ZHIPU_KEY });
    try {
      for (const name of Object.values(names)) {
        const file = await client.upload(pcmToWav(Buffer.alloc(24000 * 2 * 4)), `${name}.wav`);
        ids[name] = (await client.clone({ fileId: file.id, voiceName: name, input: `Hello from ${name}.` })).voiceId;
      }
    } finally {
      await client.close();
    }
    setUserSetting('glmVoiceClone.zhipu.apiBaseUrl', baseUrl);
  });

  suiteTeardown(async () => {
    await page().keyboard.press('Escape').catch(() => undefined);
    // only Zhipu's key is stored (Novita's comes from the environment): Clear API Key takes it without asking
    await runCommand('GLM Voice Clone: Clear API Key').catch(() => undefined);
    setUserSetting('glmVoiceClone.zhipu.apiBaseUrl', undefined);
    await zhipu?.stop();
  });

  test('Set API Key for Zhipu, the Voices view lists Zhipu’s voices, and Delete at Zhipu… from the context menu deletes one there', async () => {
    const p = page();
    // 1. Set API Key asks which provider, saying which has a key, never showing one
    await runCommand('GLM Voice Clone: Set API Key');
    const input = p.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    const zhipuRow = p.locator('.quick-input-list .monaco-list-row', { hasText: 'Zhipu (bigmodel.cn)' });
    const novitaRow = p.locator('.quick-input-list .monaco-list-row', { hasText: 'Novita (novita.ai)' });
    await zhipuRow.waitFor({ timeout: 10_000 });
    assert.match((await zhipuRow.textContent()) ?? '', /no key/);
    assert.match((await novitaRow.textContent()) ?? '', /key from NOVITA_API_KEY/);
    const listText = (await p.locator('.quick-input-list').textContent()) ?? '';
    assert.equal(listText.includes(workbench().apiKey), false, 'no key is shown');
    await zhipuRow.click();
    // the key's own box: a password field
    await p.locator('.quick-input-widget input.input[type="password"]').waitFor({ timeout: 10_000 });
    await input.fill(ZHIPU_KEY);
    await p.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 10_000 });

    // 2. the Voices view lists the double's voices, marked as only at Zhipu
    await runCommand('GLM Voice Clone: Focus on Voices View');
    const row = (name: string) => p.locator('.part.sidebar .monaco-list-row', { hasText: name });
    await row(names.narrator).waitFor({ timeout: 30_000 });
    await row(names.interview).waitFor({ timeout: 10_000 });
    assert.match((await row(names.narrator).textContent()) ?? '', /only at Zhipu/);
    const lists = zhipu.requestsTo('list');
    assert.ok(lists.length > 0 && lists.every((r) => r.headers.authorization === `Bearer ${ZHIPU_KEY}`), 'the key set for Zhipu is the one Zhipu saw');

    // 3. use one from its row: it is recorded here (and active), still at Zhipu
    await row(names.narrator).hover();
    await row(names.narrator).getByRole('button', { name: 'Use This Voice' }).click();
    await p.locator('.statusbar-item', { hasText: names.narrator }).first().waitFor({ timeout: 15_000 });
    await row(names.narrator).filter({ hasText: /at Zhipu/ }).filter({ hasNotText: /only at Zhipu/ }).waitFor({ timeout: 15_000 });

    // 4. its context menu offers Delete at Zhipu… (the README's picture), the modal says what it means
    await row(names.narrator).click({ button: 'right' });
    const item = p.getByRole('menuitem', { name: /Delete at Zhipu…/ });
    await item.waitFor({ timeout: 10_000 });
    await p.waitForTimeout(400);
    await readmeShot(p.locator('.part.sidebar'), p.locator('.monaco-menu-container').first());
    await item.click();
    const dialog = p.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    assert.match((await dialog.textContent()) ?? '', /stops working for everyone using it/);
    assert.equal(zhipu.requestsTo('deleteVoice').length, 0, 'nothing is sent before the confirmation');
    await dialog.getByRole('button', { name: 'Delete at Zhipu' }).click();

    // 5. deleted at the double, recorded here, shown as deleted; the other voice untouched
    const deadline = Date.now() + 20_000;
    while (!zhipu.clonedVoices.get(ids[names.narrator])?.deleted) {
      if (Date.now() > deadline) assert.fail('the voice was not deleted at the double');
      await p.waitForTimeout(100);
    }
    await row(names.narrator).filter({ hasText: /deleted at Zhipu/ }).waitFor({ timeout: 15_000 });
    assert.equal(zhipu.clonedVoices.get(ids[names.interview])?.deleted, false);
    assert.deepEqual(zhipu.requestsTo('deleteVoice').map((r) => r.json), [{ voice: ids[names.narrator] }]);
    // the active voice falls back to the default
    await p.locator('.statusbar-item', { hasText: 'tongtong' }).first().waitFor({ timeout: 15_000 });
  });
});

/** The sidebar and the open menu in one picture, under 150 KB. */
async function readmeShot(sidebar: import('playwright-core').Locator, menu: import('playwright-core').Locator): Promise<void> {
  const a = (await sidebar.boundingBox())!;
  const b = await menu.boundingBox();
  const x = a.x;
  const y = a.y;
  const right = Math.max(a.x + a.width, b ? b.x + b.width : 0) + 8;
  const bottom = Math.min(Math.max(b ? b.y + b.height + 16 : 0, a.y + 320), a.y + a.height);
  const out = join(SCREENSHOTS_DIR, 'readme');
  mkdirSync(out, { recursive: true });
  const path = join(out, 'library-zhipu.png');
  await page().screenshot({ path, clip: { x, y, width: Math.min(right - x, 900), height: bottom - y } });
  const size = statSync(path).size;
  assert.ok(size < MAX_BYTES, `library-zhipu.png is ${Math.round(size / 1024)} KB`);
  if (process.env.GVC_README_SCREENSHOTS === '1') {
    mkdirSync(join(REPO_ROOT, 'media', 'readme'), { recursive: true });
    copyFileSync(path, join(REPO_ROOT, 'media', 'readme', 'library-zhipu.png'));
  }
}
