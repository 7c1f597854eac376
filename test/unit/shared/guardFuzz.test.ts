// The webview guard under 10 000 seeded random and malformed messages: it never throws, never accepts a message that
// does not have exactly the shape of a known one, and never lets a prototype trick through. The same generator feeds
// the browser fuzz test (test/e2e/fuzz.test.ts), which sends these messages through the real panel.
import * as assert from 'node:assert/strict';
import { isFromWebviewMessage, MAX_MESSAGE_STRING } from '../../../src/shared/protocol';
import { fuzzMessages, VALID_MESSAGES } from '../../support/fuzzMessages';

/** Every string inside `v` is within the guard's limit. */
function stringsBounded(v: unknown, depth = 0): boolean {
  if (depth > 4) return false;
  if (typeof v === 'string') return v.length <= MAX_MESSAGE_STRING;
  if (v && typeof v === 'object') return Object.values(v).every((x) => stringsBounded(x, depth + 1));
  return true;
}

suite('webview guard: 10 000 random and malformed messages', () => {
  test('every valid message of each type is accepted (the fuzz starts from real shapes)', () => {
    for (const m of VALID_MESSAGES) assert.equal(isFromWebviewMessage(m), true, JSON.stringify(m));
  });

  test('nothing throws; what passes is a plain object of a known type, with bounded strings and no prototype tricks', () => {
    const messages = fuzzMessages(10_000, 1, { hugeChars: MAX_MESSAGE_STRING + 1, hugeShare: 0.01 });
    let accepted = 0;
    for (const m of messages) {
      let ok: boolean;
      assert.doesNotThrow(() => {
        ok = isFromWebviewMessage(m);
      }, JSON.stringify(m)?.slice(0, 200));
      if (!ok!) continue;
      accepted++;
      const o = m as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(o), Object.prototype);
      assert.ok(!Object.prototype.hasOwnProperty.call(o, '__proto__') && !Object.prototype.hasOwnProperty.call(o, 'constructor'), JSON.stringify(o));
      assert.ok(stringsBounded(o), 'a huge string got through');
      // round trip through JSON (as the message crosses to the extension host): still accepted, same shape
      assert.equal(isFromWebviewMessage(JSON.parse(JSON.stringify(o))), true);
    }
    // near misses that are still valid exist (e.g. a removed optional field), but they are few
    assert.ok(accepted < messages.length * 0.1, `${accepted} of ${messages.length} accepted`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was not polluted');
  });

  test('JSON-borne "__proto__" and "constructor" keys are refused at every level', () => {
    for (const text of [
      '{"type":"ready","__proto__":{"previewFile":"x"}}',
      '{"type":"draft","form":{"sampleUrl":"","transcript":"","text":"","voiceName":"","__proto__":{}}}',
      '{"type":"proposeName","constructor":{"prototype":{}}}',
    ]) {
      assert.equal(isFromWebviewMessage(JSON.parse(text)), false, text);
    }
  });
});
