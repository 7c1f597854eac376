// Seeded random and malformed webview messages: unknown types, missing and extra fields, wrong types, huge strings,
// prototype tricks, arrays, null, and near-misses of every valid message (one field changed). Pure data, so the same
// messages can be checked against the guard in Node and sent through the real panel in the browser.

import { mulberry32 } from '../double/random';

const FORM = { sampleUrl: 'https://example.com/s.wav', transcript: 'hello', text: 'Say this.', voiceName: 'fuzz-voice' };

/** One valid message of each type: the near-misses are made from these. */
export const VALID_MESSAGES: readonly Record<string, unknown>[] = [
  { type: 'ready' },
  { type: 'ready', previewFile: 'a.wav' },
  { type: 'draft', form: FORM },
  { type: 'clone', requestId: 'abc123', form: FORM },
  { type: 'cancel', requestId: 'abc123' },
  { type: 'copyVoiceId', voiceId: 'voice_1' },
  { type: 'setApiKey' },
  { type: 'proposeName' },
  { type: 'voiceAction', action: 'remove', voiceId: 'voice_1' },
  { type: 'previewAction', action: 'remove', id: 'p1' },
];

export interface FuzzOptions {
  /** Characters of the "huge" strings (default 1 MiB). */
  hugeChars?: number;
  /** Share of messages that carry a huge string (default 0.002). */
  hugeShare?: number;
}

export function fuzzMessages(count: number, seed: number, options: FuzzOptions = {}): unknown[] {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const hugeChars = options.hugeChars ?? 1024 * 1024;
  const hugeShare = options.hugeShare ?? 0.002;
  const huge = () => 'x'.repeat(hugeChars);
  const weird = (): unknown =>
    pick<() => unknown>([
      () => null,
      () => undefined,
      () => true,
      () => 0,
      () => -1,
      () => Number.MAX_SAFE_INTEGER,
      () => 1e308,
      () => '',
      () => ' ',
      () => '<script>parent.postMessage("owned","*")</script>',
      () => '"><img src=x onerror=alert(1)>',
      () => '../../../../etc/passwd',
      () => 'a'.repeat(20_001),
      () => '\u0000\u202e\ud800',
      () => [],
      () => [1, 2, 3],
      () => ({}),
      () => ({ __proto__: { polluted: true } }),
      () => JSON.parse('{"__proto__": {"polluted": true}}'),
      () => ({ constructor: { prototype: { polluted: true } } }),
      () => ({ toString: 'not a function' }),
      () => ({ ...FORM, extra: 1 }),
      () => ({ sampleUrl: FORM.sampleUrl }),
      () => ({ ...FORM, text: 42 }),
      () => String(random()),
    ])();
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    if (random() < hugeShare) {
      // a valid shape with one huge string, or a huge unknown type
      const base = { ...pick(VALID_MESSAGES) } as Record<string, unknown>;
      const keys = Object.keys(base).filter((k) => typeof base[k] === 'string' && k !== 'type');
      if (keys.length) base[pick(keys)] = huge();
      else base.type = huge();
      if (base.type === 'draft' || base.type === 'clone') base.form = { ...FORM, text: huge() };
      out.push(base);
    } else if (r < 0.35) {
      // a near miss: one valid message with one field removed, added, or given a wrong value
      const base = structuredClone(pick(VALID_MESSAGES)) as Record<string, unknown>;
      const keys = Object.keys(base);
      const how = random();
      if (how < 0.3 && keys.length > 1) delete base[pick(keys.filter((k) => k !== 'type'))];
      else if (how < 0.55) base[pick(['extra', 'id', 'form', 'voiceId', '__proto__', 'constructor', 'then'])] = weird();
      else if (how < 0.85) base[pick(keys)] = weird();
      else if (base.form && typeof base.form === 'object') (base.form as Record<string, unknown>)[pick(['sampleUrl', 'text', 'extra', 'voiceName'])] = weird();
      else base.type = `${String(base.type)}${pick(['X', ' ', '\u0000', 'Constructor'])}`;
      out.push(base);
    } else if (r < 0.55) {
      out.push({ type: pick(['', 'CLONE', 'cloneVoice', 'eval', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'ready ', 'delete', 'setSecret', 'storeKey']), ...(random() < 0.5 ? { form: FORM } : {}) });
    } else if (r < 0.7) {
      out.push(weird());
    } else if (r < 0.85) {
      // random objects
      const o: Record<string, unknown> = {};
      const n = Math.floor(random() * 5);
      for (let k = 0; k < n; k++) o[pick(['type', 'form', 'requestId', 'voiceId', 'id', 'action', 'message', 'x'])] = weird();
      out.push(o);
    } else {
      out.push(pick<() => unknown>([() => [{ type: 'ready' }], () => ['clone', FORM], () => 'ready', () => JSON.stringify({ type: 'ready' }), () => ({ type: { toString: 'ready' } }), () => ({ type: ['ready'] })])());
    }
  }
  return out;
}
