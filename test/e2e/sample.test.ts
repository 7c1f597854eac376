// Sample checks and transcript assist in the real panel.
import * as assert from 'node:assert/strict';
import { pcmToWav } from '../../src/core/audio/wav';
import { runCommand, webview, workbench } from './workbench';

async function openPanel() {
  await runCommand('GLM Voice Clone: Open Panel');
  const view = webview();
  await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
  return view;
}

suite('Sample check in the browser', () => {
  test('typing a sample URL shows its format and duration, and the sample itself can be played', async () => {
    const url = workbench().double.addFile(`/samples/typed-${Date.now().toString(36)}.wav`, pcmToWav(Buffer.alloc(24000 * 2 * 6)), 'audio/wav');
    const view = await openPanel();
    await view.getByLabel('Sample audio URL', { exact: true }).fill('');
    await view.getByLabel('Sample audio URL', { exact: true }).pressSequentially(url, { delay: 2 });
    const info = view.locator('#sample-info');
    await info.filter({ hasText: /WAV/ }).waitFor({ timeout: 15_000 });
    const text = (await info.textContent()) ?? '';
    assert.match(text, /^WAV · 6(\.0)? s · 24 kHz mono · \d+(\.\d)? (KB|MB)$/, text);
    await view.getByRole('button', { name: 'Play sample' }).click();
    const player = view.locator('#sample-player');
    await player.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await player.getAttribute('src')) ?? '', /sample-[0-9a-f]+\.wav/);
  });

  test('a 2 s sample shows a warning next to the field; Transcribe never overwrites typed text without asking', async () => {
    const url = workbench().double.addFile(`/samples/short-${Date.now().toString(36)}.wav`, pcmToWav(Buffer.alloc(24000 * 2 * 2)), 'audio/wav', 'What the short sample says.');
    const view = await openPanel();
    await view.getByLabel('Sample audio URL', { exact: true }).fill(url);
    await view.locator('#sample-warning').filter({ hasText: /2(\.0)? s/ }).waitFor({ timeout: 15_000 });

    const transcript = view.getByLabel('Sample transcript (optional)', { exact: true });
    await transcript.fill('My own words.');
    await view.getByRole('button', { name: 'Transcribe sample' }).click();
    await view.locator('#transcript-offer').waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await transcript.inputValue(), 'My own words.', 'typed text kept until the user decides');
    await view.getByRole('button', { name: 'Replace my text' }).click();
    assert.equal(await transcript.inputValue(), 'What the short sample says.');
  });
});
