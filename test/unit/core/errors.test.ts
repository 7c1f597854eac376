import * as assert from 'node:assert/strict';
import { CoreError, isCoreError, isTransient, problemOf, redact, sanitizeDetail, type Problem } from '../../../src/core/errors';
import { fieldFromErrorBody, problemForStatus } from '../../../src/core/novita/status';
import { describeProblem, english } from '../../../src/messages/index';

/** The sentence a person reads for a problem, in English. */
const say = (p: Problem, taskId?: string) => describeProblem(p, english, taskId).message;

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

  test('a problem detail from the server is redacted given the secret', () => {
    const p = problemForStatus(400, JSON.stringify({ message: `bad key ${KEY} here` }), 'application/json', { secret: KEY });
    const e = new CoreError(p);
    assert.ok(!JSON.stringify(e.problem).includes(KEY));
    assert.ok(!e.message.includes(KEY));
    assert.ok(!String(e.stack).includes(KEY));
    assert.ok(!say(e.problem).includes(KEY));
  });

  test('problemOf: a CoreError keeps its problem, an AbortError is a cancel, anything else is unexpected', () => {
    const e = new CoreError({ kind: 'timeout', source: 'api', host: 'h', seconds: 3 });
    assert.equal(isCoreError(e), true);
    assert.equal(problemOf(e), e.problem);
    const abort = new Error('stop');
    abort.name = 'AbortError';
    assert.deepEqual(problemOf(abort), { kind: 'cancelled' });
    assert.deepEqual(problemOf(new Error('boom')), { kind: 'unexpected', detail: 'boom' });
    assert.deepEqual(problemOf('text'), { kind: 'unexpected', detail: 'text' });
    assert.equal(isCoreError(new Error('x')), false);
    assert.equal(isCoreError({ kind: 'server', problem: {} }), false);
  });

  test('isTransient: rate limit, busy server, timeout and network only', () => {
    assert.equal(isTransient(new CoreError({ kind: 'rateLimited' })), true);
    assert.equal(isTransient(new CoreError({ kind: 'server', source: 'api', status: 503 })), true);
    assert.equal(isTransient(new CoreError({ kind: 'network', host: 'h', stage: 'connect' })), true);
    assert.equal(isTransient(new CoreError({ kind: 'badRequest', status: 400 })), false);
    assert.equal(isTransient(new CoreError({ kind: 'unauthorized', cause: 'rejected' })), false);
    assert.equal(isTransient(new Error('network')), false);
  });

  test('withTask keeps the problem and adds the task; the sentence then warns against cloning again', () => {
    const e = new CoreError({ kind: 'server', source: 'api', status: 503 }).withTask('task-9');
    assert.equal(e.taskId, 'task-9');
    assert.equal(e.kind, 'server');
    const d = describeProblem(e.problem, english, e.taskId);
    assert.match(d.message, /task task-9.*wait a minute before cloning this voice again/);
    assert.equal(d.action, undefined, 'no Retry once Novita accepted the clone');
  });
});

suite('errors: status mapping', () => {
  const body = (message: string, metadata: object = {}) => JSON.stringify({ code: 400, reason: 'INVALID_REQUEST_BODY', message, metadata });

  test('400 names the field from metadata, else from the earliest field in the text', () => {
    const fields = ['text', 'input', 'audio_url', 'voice_name'];
    const field = (p: Problem) => (p.kind === 'badRequest' ? p.field : 'not a badRequest');
    assert.equal(field(problemForStatus(400, body('bad', { field: 'voice_name' }), 'application/json', { fields })), 'voice_name');
    assert.equal(field(problemForStatus(400, body('audio_url could not be fetched; check the text'), 'application/json', { fields })), 'audio_url');
    assert.equal(field(problemForStatus(400, body('something else entirely'), 'application/json', { fields })), undefined);
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
      const e = new CoreError(problemForStatus(status, '', undefined));
      assert.equal(e.kind, kind, `status ${status}`);
      assert.equal(e.status ?? (status === 404 ? 404 : undefined), status);
      assert.match(say(e.problem), message, `status ${status}`);
      assert.ok(!say(e.problem).includes('\n    at '), 'no stack in the message');
    }
  });

  test('429 with Retry-After says how long to wait', () => {
    const e = new CoreError(problemForStatus(429, '', undefined, { retryAfterMs: 7000 }));
    assert.equal(e.retryAfterMs, 7000);
    assert.match(say(e.problem), /wait 7 s and try again/);
  });

  test('an HTML error page becomes a short detail, not the page', () => {
    const p = problemForStatus(404, '<html><body><h1>Not Found</h1>'.padEnd(5000, 'x'), 'text/html');
    assert.equal(p.kind === 'notFound' ? p.detail : undefined, 'the server answered with a web page');
  });
});

suite('errors: the kinds the core throws instead of English (cache, library, MP3)', () => {
  test('cacheWrite names the folder and the system code, and says the audio is not lost', () => {
    assert.equal(say({ kind: 'cacheWrite', dir: '/c/chunks', code: 'ENOSPC' }), 'Could not write to the narration cache in /c/chunks (ENOSPC). The audio itself is not lost; check the space and permissions there.');
    assert.equal(say({ kind: 'cacheWrite', dir: '/c/chunks' }), 'Could not write to the narration cache in /c/chunks. The audio itself is not lost; check the space and permissions there.');
  });

  test('libraryUnreadable names the file and why it could not be moved aside, not the technical reason', () => {
    const p: Problem = { kind: 'libraryUnreadable', file: '/d/registry.json', code: 'EACCES', detail: 'it is not valid JSON (Unexpected token)' };
    assert.equal(say(p), 'The voice library /d/registry.json cannot be read and could not be moved aside (EACCES), so it was left as it is. Move or fix the file, then try again.');
    assert.ok(!say(p).includes('Unexpected token'), 'the parser message is for the log');
    assert.match(new CoreError(p).message, /libraryUnreadable .*file=\/d\/registry\.json/, 'the log line has the data');
    assert.doesNotMatch(say({ kind: 'libraryUnreadable', file: '/d/registry.json' }), /\(\w*\)/);
  });

  test('mp3Encoding: one sentence per reason, with its data', () => {
    assert.match(say({ kind: 'mp3Encoding', reason: 'encoderMissing' }), /^The MP3 encoder could not be loaded: this installation is incomplete\. Reinstall the extension, or export WAV\.$/);
    assert.equal(say({ kind: 'mp3Encoding', reason: 'notWav', path: '/t/a.wav' }), '/t/a.wav is not a WAV file with a readable header, so it cannot be encoded as MP3.');
    assert.equal(say({ kind: 'mp3Encoding', reason: 'notPcm16', path: '/t/a.wav', bitsPerSample: 24, channels: 6 }), '/t/a.wav is 24-bit audio with 6 channels; MP3 encoding takes 16-bit PCM, mono or stereo.');
    assert.equal(say({ kind: 'mp3Encoding', reason: 'stopped', exitCode: 134 }), 'The MP3 encoder stopped before it finished (exit code 134). Try again, or export WAV.');
  });

  test('none of them reads as "Something went wrong"', () => {
    const problems: Problem[] = [
      { kind: 'cacheWrite', dir: '/c' },
      { kind: 'libraryUnreadable', file: '/f' },
      ...(['encoderMissing', 'notWav', 'notPcm16', 'stopped'] as const).map((reason): Problem => ({ kind: 'mp3Encoding', reason })),
    ];
    for (const p of problems) assert.doesNotMatch(say(p), /Something went wrong/, p.kind);
  });
});
