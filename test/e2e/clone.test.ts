// The clone-and-preview flow in a real workbench (code-server + chromium), driven as a person would.
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { pcmToWav } from '../../src/core/audio/wav';
import { expectPlaying, inPage } from './player';
import { page, runCommand, webview, workbench } from './workbench';

const FIELDS = ['Sample audio URL', 'Sample transcript (optional)', 'Text to preview', 'Voice name'] as const;
let counter = 0;

function sampleUrl(): string {
  const { double } = workbench();
  return double.addFile(`/samples/e2e-${counter++}.wav`, pcmToWav(Buffer.alloc(24000 * 2 * 4)), 'audio/wav');
}

async function openPanel(): Promise<FrameLocator> {
  await runCommand('GLM Voice Clone: Open Panel');
  const view = webview();
  await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
  return view;
}

async function fill(view: FrameLocator, values: Record<(typeof FIELDS)[number], string>): Promise<void> {
  for (const label of FIELDS) await view.getByLabel(label, { exact: true }).fill(values[label]);
}

async function assertEventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s`);
    await page().waitForTimeout(50);
  }
}

async function readFields(view: FrameLocator): Promise<string[]> {
  return Promise.all(FIELDS.map((label) => view.getByLabel(label, { exact: true }).inputValue()));
}

suite('Clone and preview in the browser', () => {
  setup(() => {
    workbench().double.clearFaults();
  });

  test('fill the four fields by their labels, press “Clone and preview”, and hear the preview play', async () => {
    const view = await openPanel();
    const name = `e2e-voice-${Date.now().toString(36)}`;
    const text = 'This preview is long enough to be heard playing for a couple of seconds in the browser.';
    await fill(view, { 'Sample audio URL': sampleUrl(), 'Sample transcript (optional)': 'Four seconds of quiet.', 'Text to preview': text, 'Voice name': name });
    await view.getByLabel('I have the right to clone this voice').check();
    await view.getByRole('button', { name: 'Clone and preview' }).click();
    await view.locator('#result').waitFor({ state: 'visible', timeout: 30_000 });
    await expectPlaying(view);
    // from the bytes the host sent, not a resource load: a data: URL here (this engine encodes base64 natively), a
    // WAV ("RIFF" is UklGR in base64)
    assert.match((await view.locator('#player').getAttribute('src')) ?? '', /^data:audio\/wav;base64,UklGR/, 'the fresh preview plays from the bytes the host sent');
    assert.match((await view.locator('#voiceId').textContent()) ?? '', /\S/, 'the voice id is shown');
    assert.match((await view.locator('#elapsed').textContent()) ?? '', /cloned in \d+\.\d s/);
    await view.getByLabel('Playback speed').selectOption('1.5');
    assert.equal(await view.locator('#player').evaluate(inPage('return el.playbackRate;')), 1.5);
    const clone = workbench().double.requests.find((r) => r.path === '/v3/glm-tts-voice-clone' && JSON.parse(r.bodyText).voice_name === name);
    assert.ok(clone, 'the double received the clone');
    assert.equal(clone!.headers['authorization'], `Bearer ${workbench().apiKey}`);
  });

  test('a slow preview download says so; the next preview takes the player’s place and plays; a free name is offered', async () => {
    const view = await openPanel();
    const name = `e2e-slow-${Date.now().toString(36)}`;
    await fill(view, { 'Sample audio URL': sampleUrl(), 'Sample transcript (optional)': '', 'Text to preview': 'A first preview, fetched at once.', 'Voice name': name });
    await view.getByLabel('I have the right to clone this voice').check();
    await view.getByRole('button', { name: 'Clone and preview' }).click();
    await expectPlaying(view);
    const firstSrc = await view.locator('#player').getAttribute('src');
    // the run ended with the result itself: idle again, and the name field offers a free name
    const nameField = view.getByLabel('Voice name', { exact: true });
    await assertEventually(async () => (await nameField.inputValue()) !== name, 'a new name is proposed after the clone');
    assert.equal(await view.getByRole('button', { name: 'Clone and preview' }).isEnabled(), true);

    workbench().double.setFault('audio', { delayMs: 1500, times: 1 });
    await view.getByLabel('Text to preview', { exact: true }).fill('A second preview, slow to download.');
    await view.getByLabel('I have the right to clone this voice').check();
    await view.getByRole('button', { name: 'Clone and preview' }).click();
    const progress = view.locator('#progress');
    await assertEventually(async () => ((await progress.textContent()) ?? '').includes('Downloading the preview'), 'the slow download is named');
    await assertEventually(async () => (await view.locator('#player').getAttribute('src')) !== firstSrc, 'the new preview replaces the first', 15_000);
    await expectPlaying(view);
    assert.equal(await view.locator('audio#player').count(), 1, 'one preview player');
  });

  test('a 401 shows the error inline with “Set API Key” and keeps every field as typed', async () => {
    workbench().double.setFault('clone', { status: 401 });
    const view = await openPanel();
    const values = {
      'Sample audio URL': sampleUrl(),
      'Sample transcript (optional)': 'A transcript <b>with markup</b> that must survive.',
      'Text to preview': 'Nothing typed here may be lost.',
      'Voice name': `e2e-denied-${Date.now().toString(36)}`,
    };
    await fill(view, values);
    await view.getByLabel('I have the right to clone this voice').check();
    await view.getByRole('button', { name: 'Clone and preview' }).click();
    const banner = view.locator('#form-error');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    assert.match((await banner.textContent()) ?? '', /API key/i);
    assert.equal(await view.getByRole('button', { name: 'Set API Key' }).isVisible(), true);
    assert.deepEqual(await readFields(view), Object.values(values));
    assert.equal(await view.getByRole('button', { name: 'Clone and preview' }).isEnabled(), true, 'back to idle');
    assert.equal((await banner.textContent())!.includes(workbench().apiKey), false, 'the key is not shown');
  });

  test('closing and reopening the panel restores every field', async () => {
    const view = await openPanel();
    const values = {
      'Sample audio URL': 'https://example.com/my-sample.wav',
      'Sample transcript (optional)': 'Restored transcript.',
      'Text to preview': 'Restored text to preview.',
      'Voice name': 'restored-name',
    };
    await fill(view, values);
    await runCommand('View: Close All Editors');
    await page().locator('iframe.webview').filter({ visible: true }).waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    const reopened = await openPanel();
    assert.deepEqual(await readFields(reopened), Object.values(values));
  });
});
