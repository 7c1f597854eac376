import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { page } from './workbench';

// Browser-side functions are built from source text: the test runner's transpiler would otherwise inject
// helpers (such as __name) that do not exist inside the page.
/** `el => <expression>` as a real function whose source is exactly the text given. */
export function inPage<R>(body: string): (el: unknown) => R {
  return new Function('el', body) as (el: unknown) => R;
}

// The element with the same id at each check: the panel may load a new preview in a new <audio> that takes the
// old one's place once it can play.
const WAIT_PLAYING = inPage<Promise<void>>(`return new Promise((resolve, reject) => {
  const current = () => (el.id && el.ownerDocument.getElementById(el.id)) || el;
  const timer = setTimeout(() => { const p = current(); reject(new Error('never played (readyState ' + p.readyState + ', error ' + (p.error && p.error.code) + ')')); }, 15000);
  const check = () => { const p = current(); if (!p.paused && p.currentTime > 0) { clearTimeout(timer); resolve(); } else setTimeout(check, 50); };
  check();
});`);
export const CURRENT_TIME = inPage<number>('return el.currentTime;');

/** Resolves once the preview player is playing and its currentTime has moved forward. */
export async function expectPlaying(view: FrameLocator): Promise<void> {
  const player = view.locator('#player');
  await player.evaluate(WAIT_PLAYING);
  const t1 = await player.evaluate(CURRENT_TIME);
  await page().waitForTimeout(400);
  const t2 = await player.evaluate(CURRENT_TIME);
  assert.ok(t2 > t1, `currentTime advances (${t1} → ${t2})`);
}

/** The read-along player: the visible webview whose document has the sentence list (it is resolved on first use). */
export async function readAlongPlayer(timeoutMs = 30_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const frames = page().locator('iframe.webview').filter({ visible: true });
    for (let i = 0; i < (await frames.count()); i++) {
      const f = frames.nth(i).contentFrame().frameLocator('#active-frame');
      if ((await f.locator('ol#sentences').count().catch(() => 0)) > 0) return f;
    }
    await page().waitForTimeout(200);
  }
  throw new Error('the read-along player never showed');
}
