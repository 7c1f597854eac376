// The answer checks both API clients share (src/core/http/answers.ts), on their own: each client's suite drives them
// through its double; these pin what each does with the inputs that are awkward to make a server send.
import * as assert from 'node:assert/strict';
import { pcmToWav } from '../../../../src/core/audio/wav';
import { CoreError } from '../../../../src/core/errors';
import { checkedApiKey, downloadStart, fieldInDetail, logSafely, redirectFailure, speechAnswer } from '../../../../src/core/http/answers';
import { RedirectError } from '../../../../src/core/http/get';

const malformed = (what: string) => new CoreError({ kind: 'malformed', what });
const whatOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CoreError);
    return err.problem.kind === 'malformed' ? err.problem.what : err.problem.kind;
  }
  return undefined;
};

suite('answers both API clients share', () => {
  const pcm = Buffer.alloc(480, 1);

  test('speech: a WAV kept whole for wav, its samples for pcm; raw PCM for pcm only', () => {
    const wav = pcmToWav(pcm);
    assert.equal(speechAnswer(wav, 'audio/wav', 'wav', malformed), wav);
    assert.deepEqual(speechAnswer(wav, 'audio/wav', 'pcm', malformed), pcm);
    assert.deepEqual(speechAnswer(pcm, 'application/octet-stream', 'pcm', malformed), pcm);
    assert.equal(whatOf(() => speechAnswer(pcm, 'application/octet-stream', 'wav', malformed)), 'expected a WAV file, got unrecognised bytes');
  });

  test('speech: JSON, a page, nothing and a WAV without data are refused, each saying what came', () => {
    assert.equal(whatOf(() => speechAnswer(Buffer.from('{"a":1}'), 'application/json', 'pcm', malformed)), 'expected audio, got JSON');
    assert.equal(whatOf(() => speechAnswer(Buffer.from('<!doctype html><p>hi'), 'application/octet-stream', 'pcm', malformed)), 'expected audio, got a web page or text');
    assert.equal(whatOf(() => speechAnswer(Buffer.alloc(0), 'audio/wav', 'wav', malformed)), 'the audio answer is empty');
    assert.equal(whatOf(() => speechAnswer(pcmToWav(pcm).subarray(0, 36), 'audio/wav', 'pcm', malformed)), 'a WAV answer without a data chunk');
  });

  test('a key with a space or a control character is refused without being echoed; an optional key may be empty', () => {
    assert.equal(checkedApiKey('  sk-abc  ', undefined), 'sk-abc');
    assert.equal(checkedApiKey('', undefined, { optional: true }), '');
    for (const bad of ['sk abc', 'sk\u0000abc', 'sk-ä']) {
      try {
        checkedApiKey(bad, 'zhipu');
        assert.fail('accepted');
      } catch (err) {
        assert.ok(err instanceof CoreError);
        assert.deepEqual(err.problem, { kind: 'unauthorized', cause: 'badCharacters', source: 'zhipu' });
        assert.equal(err.message.includes(bad), false);
      }
    }
    assert.throws(() => checkedApiKey(' ', undefined), (err: unknown) => err instanceof CoreError && err.problem.kind === 'unauthorized');
  });

  test('downloads start at http or https only; a redirect that could not be followed says why', () => {
    assert.equal(downloadStart('https://cdn.example/a.wav', 'k').host, 'cdn.example');
    assert.equal(whatOf(() => downloadStart('file:///etc/passwd', 'k')), 'insecureUrl');
    assert.equal(whatOf(() => downloadStart('not a url', 'k')), 'insecureUrl');
    const from = new URL('https://a.example/');
    const loop = redirectFailure(new RedirectError({ code: 'loop', target: new URL('https://a.example/x?sig=k'), status: 302, from }), 'k');
    assert.ok(loop instanceof CoreError && loop.problem.kind === 'redirectLoop');
    const other = new Error('x');
    assert.equal(redirectFailure(other, 'k'), other, 'anything else is passed on as it is');
  });

  test('the field an error names: the earliest of the request’s fields, as a whole word', () => {
    assert.equal(fieldInDetail('voice_name is taken; input too long', ['input', 'voice_name']), 'voice_name');
    assert.equal(fieldInDetail('input_text wrong', ['input']), undefined);
    assert.equal(fieldInDetail(undefined, ['input']), undefined);
  });

  test('a log line never carries the key, and a sink that throws breaks nothing', () => {
    type Entry = { url: string; error?: string };
    const seen: Entry[] = [];
    logSafely<Entry>((e) => seen.push(e), { url: '/v3/glm-tts', error: 'refused sk-secret-123' }, 'sk-secret-123');
    logSafely<Entry>((e) => seen.push(e), { url: '/v3/glm-tts' }, 'sk-secret-123');
    assert.equal(JSON.stringify(seen).includes('sk-secret-123'), false);
    assert.deepEqual(Object.keys(seen[1]), ['url']);
    assert.doesNotThrow(() => logSafely<Entry>(() => { throw new Error('sink'); }, { url: '/x' }, 'k'));
  });
});
