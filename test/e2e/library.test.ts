// The voice library in the panel: clone two voices, switch between them, replay a preview and hear it.
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { pcmToWav } from '../../src/core/audio/wav';
import { expectPlaying, inPage } from './player';
import { page, runCommand, webview, workbench } from './workbench';

async function cloneInPanel(view: FrameLocator, name: string): Promise<void> {
  const url = workbench().double.addFile(`/samples/${name}.wav`, pcmToWav(Buffer.alloc(24000 * 2 * 4)), 'audio/wav');
  await view.getByLabel('Sample audio URL', { exact: true }).fill(url);
  await view.getByLabel('Text to preview', { exact: true }).fill(`Hello from ${name}, a voice in the library with a preview long enough to hear.`);
  await view.getByLabel('Voice name', { exact: true }).fill(name);
  await view.getByLabel('I have the right to clone this voice').check();
  await view.getByRole('button', { name: 'Clone and preview' }).click();
  await view.locator(`#voice-list li[data-voice-id]`, { hasText: name }).waitFor({ timeout: 30_000 });
  await view.locator('body[data-state="idle"]').waitFor({ timeout: 10_000 });
}

suite('Voice library in the browser', () => {
  test('clone two voices, switch between them in the list, replay a preview and see it play', async () => {
    await runCommand('GLM Voice Clone: Open Panel');
    const view = webview();
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    const stamp = Date.now().toString(36);
    const first = `lib-a-${stamp}`;
    const second = `lib-b-${stamp}`;
    await cloneInPanel(view, first);
    await cloneInPanel(view, second);

    const row = (name: string) => view.locator('#voice-list li', { hasText: name });
    await row(first).getByRole('button', { name: `Use ${first} for Speak Selection and Speak File` }).click();
    await view.locator('#active-voice', { hasText: first }).waitFor({ timeout: 10_000 });
    await page().locator('.statusbar-item', { hasText: first }).first().waitFor({ timeout: 10_000 });
    assert.equal(await row(first).evaluate(inPage("return el.classList.contains('active');")), true);

    await row(second).getByRole('button', { name: `Use ${second} for Speak Selection and Speak File` }).click();
    await view.locator('#active-voice', { hasText: second }).waitFor({ timeout: 10_000 });
    await page().locator('.statusbar-item', { hasText: second }).first().waitFor({ timeout: 10_000 });
    assert.equal(await row(first).evaluate(inPage("return el.classList.contains('active');")), false);

    // Replay the first voice's preview: the player switches to it and plays.
    const player = view.locator('#player');
    const before = await player.getAttribute('src');
    await player.evaluate(inPage('el.pause();'));
    await row(first).getByRole('button', { name: `Play the preview of ${first}` }).click();
    await expectPlaying(view);
    assert.notEqual(await player.getAttribute('src'), before, 'the player switched to the first voice’s preview');

    // The history lists both clone previews.
    assert.ok((await view.locator('#history-list li').count()) >= 2);
  });
});
