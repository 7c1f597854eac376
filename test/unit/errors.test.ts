import * as assert from 'node:assert/strict';
import {
  errorForStatus,
  fieldFromErrorBody,
  isNovitaError,
  NOVITA_ERROR_BRAND,
  NovitaError,
  redact,
  sanitizeDetail,
} from '../../src/core/novita/errors';

const KEY = 'sk_errTEST_Zq81+/x=';

suite('errors: redaction and guards', () => {
  test('redact removes the key, its URL-encoded form and any bearer token', () => {
    const text = `key=${KEY} url=?k=${encodeURIComponent(KEY)} header: Authorization: Bearer other-token-123`;
    const out = redact(text, KEY);
    assert.ok(!out.includes(KEY));
    assert.ok(!out.includes(encodeURIComponent(KEY)));
    assert.ok(!out.includes('other-token-123'));
    assert.match(out, /Bearer \*\*\*/);
  });

  test('sanitizeDetail flattens control characters and caps length', () => {
    const out = sanitizeDetail(`line1\r\nline2\u0000\t${'x'.repeat(1000)}`, KEY, 50);
    assert.equal(out.length, 50);
    assert.ok(out.endsWith('…'));
    assert.ok(out.startsWith('line1 line2 '));
  });

  test('NovitaError redacts message and detail given the secret', () => {
    const e = new NovitaError('badRequest', `bad ${KEY}`, { detail: `echo ${KEY}`, secret: KEY });
    assert.ok(!e.message.includes(KEY));
    assert.ok(!e.detail!.includes(KEY));
    assert.ok(!String(e.stack).includes(KEY));
  });

  test('isNovitaError is duck-typed on the brand, not instanceof', () => {
    assert.equal(isNovitaError(new NovitaError('timeout', 'x')), true);
    // what another bundle's copy of the class produces
    assert.equal(isNovitaError({ brand: NOVITA_ERROR_BRAND, kind: 'server', message: 'm' }), true);
    assert.equal(isNovitaError(new Error('x')), false);
    assert.equal(isNovitaError({ kind: 'server', message: 'm' }), false);
    assert.equal(isNovitaError(null), false);
    assert.equal(isNovitaError('NovitaError'), false);
  });
});

suite('errors: status mapping', () => {
  const body = (message: string, metadata: object = {}) => JSON.stringify({ code: 400, reason: 'INVALID_REQUEST_BODY', message, metadata });

  test('400 names the field from metadata, else from the earliest field in the text', () => {
    const fields = ['text', 'input', 'audio_url', 'voice_name'];
    assert.equal(errorForStatus(400, body('bad', { field: 'voice_name' }), 'application/json', { fields }).field, 'voice_name');
    assert.equal(errorForStatus(400, body('audio_url could not be fetched; check the text'), 'application/json', { fields }).field, 'audio_url');
    assert.equal(errorForStatus(400, body('something else entirely'), 'application/json', { fields }).field, undefined);
    // "input_text" must not count as "input"
    assert.equal(fieldFromErrorBody(undefined, 'input_text wrong', fields), undefined);
  });

  test('each status maps to its kind with an actionable sentence', () => {
    const cases: [number, string, RegExp][] = [
      [400, 'badRequest', /did not accept/],
      [401, 'unauthorized', /rejected the API key \(401\).*Set API Key/],
      [403, 'forbidden', /no access to the GLM voice-clone model, or identity verification is needed at novita\.ai/],
      [404, 'notFound', /404/],
      [413, 'tooLarge', /too large/],
      [429, 'rateLimited', /rate limit was reached; wait a few seconds/],
      [500, 'server', /Novita is busy \(500\); retry in a moment/],
      [503, 'server', /busy \(503\)/],
      [504, 'server', /busy \(504\)/],
    ];
    for (const [status, kind, message] of cases) {
      const e = errorForStatus(status, '', undefined);
      assert.equal(e.kind, kind, `status ${status}`);
      assert.equal(e.status, status);
      assert.match(e.message, message, `status ${status}`);
      assert.ok(!e.message.includes('\n    at '), 'no stack in the message');
    }
  });

  test('429 with Retry-After says how long to wait', () => {
    const e = errorForStatus(429, '', undefined, { retryAfterMs: 7000 });
    assert.equal(e.retryAfterMs, 7000);
    assert.match(e.message, /wait 7 s and try again/);
  });

  test('an HTML error page becomes a short detail, not the page', () => {
    const e = errorForStatus(502, '<html><body><h1>Bad Gateway</h1>'.padEnd(5000, 'x'), 'text/html');
    assert.equal(e.detail, 'the server answered with a web page');
  });
});
