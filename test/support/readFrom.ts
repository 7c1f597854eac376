// What "reading starts at sentence k" means in the double's request log, whatever order concurrent requests arrive
// in: sentence k went out alone (the one-sentence first chunk), in the first wave of requests, and nothing before
// it was sent at all.
import * as assert from 'node:assert/strict';

/** The narration's default `glmVoiceClone.concurrency`: how many requests may be in flight at once. */
export const FIRST_WAVE = 4;

export function assertStartsAt(inputs: readonly string[], sentences: readonly { text: string }[], k: number): void {
  const target = sentences[k].text;
  const at = inputs.indexOf(target);
  assert.ok(at >= 0, `“${target}” was not sent alone (sent: ${JSON.stringify(inputs.slice(0, FIRST_WAVE))}…)`);
  assert.ok(at < FIRST_WAVE, `“${target}” was request ${at + 1}, not in the first ${FIRST_WAVE}`);
  const before = sentences.slice(0, k).filter((s) => inputs.some((i) => i.includes(s.text)));
  assert.deepEqual(before.map((s) => s.text), [], 'nothing before the starting sentence is sent');
}
