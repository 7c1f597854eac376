// The clone flow and the lists with the keyboard alone (no mouse event anywhere in this file), in a real workbench:
// Tab between fields, Space on the consent box, Enter on the button; the status is announced in the live region,
// the focus lands on the field to fix or on the player; the lists are codicon buttons with accessible names.
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { pcmToWav } from '../../src/core/audio/wav';
import { expectPlaying, inPage } from './player';
import { page, runCommand, webview, workbench } from './workbench';

const ACTIVE = inPage<string>("const a = document.activeElement; return a ? (a.id || (a.dataset && a.dataset.action ? 'action:' + a.dataset.action : a.tagName)) : '';");
const ACTIVE_ROW = inPage<string>("const li = document.activeElement && document.activeElement.closest('li'); return li ? (li.dataset.voiceId || li.dataset.previewId || '') : '';");

async function active(view: FrameLocator): Promise<string> {
  return view.locator('body').evaluate(ACTIVE);
}

/** Presses Tab until `target` has the focus (as a person would; the audio controls take a few presses). */
async function tabTo(view: FrameLocator, target: string | ((id: string) => boolean), max = 40): Promise<void> {
  const matches = typeof target === 'string' ? (id: string) => id === target : target;
  for (let i = 0; i < max; i++) {
    if (matches(await active(view))) return;
    await page().keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${typeof target === 'string' ? target : 'the target'} (focus on ${await active(view)})`);
}

async function announced(view: FrameLocator, pattern: RegExp): Promise<void> {
  const region = view.locator('#announcer');
  const deadline = Date.now() + 15_000;
  while (!pattern.test((await region.textContent()) ?? '')) {
    if (Date.now() > deadline) assert.fail(`not announced: ${pattern} (live region says “${await region.textContent()}”)`);
    await page().waitForTimeout(50);
  }
  assert.equal(await region.getAttribute('aria-live'), 'polite');
}

suite('Keyboard only and screen readers', () => {
  test('keyboard alone: fill the form, refused without the consent box (focus on it, reason announced), then clone and hear the preview', async () => {
    const { double } = workbench();
    const p = page();
    const sample = double.addFile(`/samples/keyboard-${Date.now().toString(36)}.wav`, pcmToWav(Buffer.alloc(24000 * 2 * 4)), 'audio/wav');
    const name = `keyboard-${Date.now().toString(36)}`;
    await runCommand('GLM Voice Clone: Open Panel'); // F1, typing, Enter
    const view = webview();
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });

    await tabTo(view, 'sampleUrl');
    await p.keyboard.press('ControlOrMeta+A');
    await p.keyboard.insertText(sample);
    await tabTo(view, 'transcript');
    await p.keyboard.press('ControlOrMeta+A');
    await p.keyboard.press('Delete');
    await tabTo(view, 'text');
    await p.keyboard.press('ControlOrMeta+A');
    await p.keyboard.insertText('Typed and cloned without touching the mouse, long enough to be heard.');
    await tabTo(view, 'voiceName');
    await p.keyboard.press('ControlOrMeta+A');
    await p.keyboard.insertText(name);
    assert.equal(await view.locator('#consent').isChecked(), false);

    // Enter on the button without the box: refused here, before anything is sent
    double.clearRequests();
    await tabTo(view, 'clone');
    await p.keyboard.press('Enter');
    await view.locator('#consent-error').waitFor({ state: 'visible', timeout: 5000 });
    assert.match((await view.locator('#consent-error').textContent()) ?? '', /right to clone this voice/);
    assert.equal(await active(view), 'consent', 'the focus is on the box to check');
    await announced(view, /right to clone this voice/);
    assert.equal(double.requests.filter((r) => r.route === 'clone').length, 0, 'nothing was sent');

    await p.keyboard.press('Space');
    assert.equal(await view.locator('#consent').isChecked(), true);
    await tabTo(view, 'clone');
    await p.keyboard.press('Enter');
    await view.locator('#result').waitFor({ state: 'visible', timeout: 30_000 });
    await expectPlaying(view);
    await announced(view, new RegExp(`“${name}” cloned`));
    assert.equal(await active(view), 'player', 'after the clone the focus is on the player');
    // Space on the focused player pauses it
    await p.keyboard.press('Space');
    await view.locator('#player').evaluate(inPage<Promise<void>>("return new Promise((r) => { const c = () => el.paused ? r() : setTimeout(c, 50); c(); });"));
    assert.ok(double.requests.some((r) => r.route === 'clone' && (r.json as { voice_name?: string }).voice_name === name));
  });

  test('the lists: one Tab stop each, arrows between codicon buttons with accessible names, Enter uses a voice; the focus survives the update', async () => {
    const p = page();
    await runCommand('GLM Voice Clone: Open Panel');
    const view = webview();
    await view.locator('#voice-list li').first().waitFor({ timeout: 30_000 });
    const firstRow = view.locator('#voice-list li').first();
    const buttons = firstRow.locator('button');
    assert.ok((await buttons.count()) >= 4);
    for (const b of await buttons.all()) {
      assert.match((await b.getAttribute('aria-label')) ?? '', /\S/, 'every button has an accessible name');
      assert.equal(await b.getAttribute('title'), await b.getAttribute('aria-label'));
      assert.equal(await b.locator('.codicon').count(), 1, 'a codicon, not a text label');
      assert.equal((await b.textContent())?.trim(), '', 'no visible text');
    }
    assert.equal(await view.locator('#voice-list button[tabindex="0"]').count(), 1, 'one Tab stop in the list');
    const voiceId = (await firstRow.getAttribute('data-voice-id'))!;
    const voiceName = (await firstRow.locator('.name').textContent())!;

    await tabTo(view, (id) => id.startsWith('action:') && true, 60);
    // Tab landed in a list: make sure it is the voices (Shift+Tab back from the history otherwise)
    for (let i = 0; i < 5 && (await view.locator('body').evaluate(inPage<boolean>("return !!(document.activeElement && document.activeElement.closest('#voice-list'));"))) === false; i++) await p.keyboard.press('Shift+Tab');
    await p.keyboard.press('Home');
    assert.equal(await view.locator('body').evaluate(ACTIVE_ROW), voiceId);
    // → to "use" (the row's buttons: play, use, copy, rename, remove)
    while ((await active(view)) !== 'action:use') await p.keyboard.press('ArrowRight');
    await p.keyboard.press('Enter');
    await view.locator('#active-voice', { hasText: voiceName }).waitFor({ timeout: 10_000 });
    await announced(view, new RegExp(voiceName));
    // the row is rebuilt (it is the active one now): the focus moved to its new "use" button, not to the page
    await view.locator('#voice-list li.active').waitFor({ timeout: 10_000 });
    await page().waitForTimeout(300);
    assert.equal(await active(view), 'action:use', 'the focus stays on the button pressed');
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowUp');
    assert.equal(await view.locator('body').evaluate(ACTIVE_ROW), voiceId, '↑ comes back to the row');
  });

  test('the voices list shows the recorded consent as a named mark', async () => {
    await runCommand('GLM Voice Clone: Open Panel');
    const view = webview();
    const row = view.locator('#voice-list li').first();
    await row.waitFor({ timeout: 30_000 });
    const mark = row.locator('.badge');
    assert.match((await mark.getAttribute('aria-label')) ?? '', /Right to clone confirmed/);
    assert.equal(await mark.getAttribute('role'), 'img');
  });
});
