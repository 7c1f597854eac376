// Cloning from a file of the workspace in a real workbench (code-server + chromium): the panel's "Workspace File…"
// quick pick, the file shown by name and size, Novita (selected) refusing a local file with "Clone with Zhipu" offered,
// and that button cloning at the Zhipu double: the upload carries the file's bytes, the preview plays.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pcmToWav } from '../../src/core/audio/wav';
import { demoSamplePcm } from '../double/synth';
import { expectPlaying, inPage } from './player';
import { page, runCommand, webview, workbench } from './workbench';

suite('Clone from a workspace file with Zhipu in the browser', () => {
  test('pick a workspace WAV with “Workspace File…”, Novita refuses it, “Clone with Zhipu” clones it and the preview plays', async () => {
    const { zhipu, workspace } = workbench();
    const fileName = `e2e-voice-${Date.now().toString(36)}.wav`;
    const bytes = pcmToWav(demoSamplePcm());
    writeFileSync(join(workspace, fileName), bytes);
    zhipu.clearRequests();

    await runCommand('GLM Voice Clone: Open Panel');
    const view = webview();
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    try {
      await view.getByRole('button', { name: 'Workspace File…' }).click();
      // the quick pick is the workbench's: its row for the file (the workspace's file search may take a moment)
      const row = page().locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first();
      await row.waitFor({ timeout: 30_000 });
      await page().locator('.quick-input-widget input.input').fill(fileName);
      await row.click();

      const chip = view.locator('#sample-file');
      await chip.waitFor({ state: 'visible', timeout: 15_000 });
      assert.match((await view.locator('#sample-file-text').textContent()) ?? '', new RegExp(`^${fileName.replace(/\./g, '\\.')} · \\d+ KB$`));
      assert.equal(await view.getByLabel('Sample audio URL', { exact: true }).isVisible(), false, 'the URL field gives way to the file');
      // the check ran on the file's bytes
      await view.locator('#sample-info', { hasText: /WAV · \d+\.\d s/ }).waitFor({ timeout: 15_000 });

      const name = `e2e-zhipu-${Date.now().toString(36)}`;
      await view.getByLabel('Text to preview', { exact: true }).fill('Hello from a recording on my own disk.');
      await view.getByLabel('Voice name', { exact: true }).fill(name);
      await view.getByLabel('I have the right to clone this voice').check();
      await view.getByRole('button', { name: 'Clone and preview' }).click();

      // Novita is selected: the reason, and the offer (Zhipu's key is in the environment)
      const banner = view.locator('#form-error');
      await banner.waitFor({ state: 'visible', timeout: 20_000 });
      assert.match((await banner.textContent()) ?? '', /Novita clones only from a public URL/);
      assert.equal(zhipu.requests.length, 0, 'nothing was sent to Zhipu yet');
      await view.getByRole('button', { name: 'Clone with Zhipu' }).click();

      await view.locator('#result').waitFor({ state: 'visible', timeout: 30_000 });
      await expectPlaying(view);
      const upload = [...zhipu.uploads.values()].find((u) => u.filename === fileName);
      assert.ok(upload, 'the file reached Zhipu under its name');
      assert.ok(upload.bytes.equals(bytes), 'the upload is the file’s bytes');
      const clone = zhipu.requestsTo('clone').find((r) => (r.json as { voice_name?: string }).voice_name === name);
      assert.equal((clone?.json as { file_id?: string } | undefined)?.file_id, upload.id, 'cloned by its file_id');
      assert.ok(upload.deleted, 'the sample was deleted at Zhipu after the clone');
    } finally {
      // the next tests type a URL: the draft goes back to one
      const clear = view.getByRole('button', { name: 'Use a URL Instead' });
      if (await clear.isVisible().catch(() => false)) await clear.click();
    }
  });

  test('a file dropped on the sample field (its URI list, as the Explorer gives it) becomes the sample; “Use a URL Instead” goes back', async () => {
    const { workspace } = workbench();
    const fileName = `e2e-dropped-${Date.now().toString(36)}.wav`;
    writeFileSync(join(workspace, fileName), pcmToWav(demoSamplePcm()));
    await runCommand('GLM Voice Clone: Open Panel');
    const view = webview();
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    const uri = pathToFileURL(join(workspace, fileName)).href;
    // What VS Code hands a webview for an Explorer drag held with Shift: its own URI list type, and text/uri-list.
    await view.locator('#sample-drop').evaluate(
      inPage<void>(`
        const data = new DataTransfer();
        data.setData('application/vnd.code.uri-list', ${JSON.stringify(`${uri}
`)});
        data.setData('text/uri-list', ${JSON.stringify(`${uri}
`)});
        el.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
        el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      `),
    );
    await view.locator('#sample-file-text', { hasText: fileName }).waitFor({ timeout: 15_000 });
    await view.locator('#sample-info', { hasText: /WAV · \d+\.\d s/ }).waitFor({ timeout: 15_000 });
    await view.getByRole('button', { name: 'Use a URL Instead' }).click();
    const url = view.getByLabel('Sample audio URL', { exact: true });
    await url.waitFor({ state: 'visible' });
    assert.equal(await view.locator('#sample-file').isVisible(), false);
    assert.equal(await url.evaluate(inPage<boolean>('return el === el.ownerDocument.activeElement;')), true, 'the URL field has the focus');
  });
});
