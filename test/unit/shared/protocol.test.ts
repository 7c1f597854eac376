import * as assert from 'node:assert/strict';
import { isFromWebviewMessage, MAX_MESSAGE_STRING } from '../../../src/shared/protocol';
import { checkCloneForm, checkSampleUrl, checkText, checkVoiceName, checkVoiceNameExact, freeName, type CloneField, type FieldProblem } from '../../../src/core/validation';
import { fieldProblemsText, fieldProblemText, english } from '../../../src/messages/index';

/** A field's problem in the words the form shows. */
const words = (field: CloneField) => (p: FieldProblem | undefined) => (p ? fieldProblemText(field, p, english) : undefined);
const validateSampleUrl = (v: string) => words('sampleUrl')(checkSampleUrl(v));
const validateText = (v: string) => words('text')(checkText(v));
const validateVoiceNameFormat = (v: string) => words('voiceName')(checkVoiceName(v));
const validateCloneForm = (f: typeof form, taken?: (n: string) => boolean) => fieldProblemsText(checkCloneForm(f, taken), english);

const form = { sampleUrl: 'https://example.com/a.wav', transcript: '', text: 'Hello', voiceName: 'my-voice' };

suite('protocol guard (messages from the webview)', () => {
  test('accepts each well-formed message', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'ready', previewFile: 'v-1.wav' },
      { type: 'clone', requestId: 'abc123', form },
      { type: 'clone', requestId: 'abc123', form, consent: true, acceptWarnings: false },
      { type: 'cancel', requestId: 'abc123' },
      { type: 'copyVoiceId', voiceId: 'voice_1' },
      { type: 'setApiKey' },
      { type: 'proposeName' },
    ]) {
      assert.equal(isFromWebviewMessage(m), true, JSON.stringify(m));
    }
  });

  test('a local file as the sample: a file: or vscode-remote: URI with its name and size, nothing else', () => {
    const file = { uri: 'file:///home/me/me.wav', name: 'me.wav', sizeBytes: 12345 };
    for (const m of [
      { type: 'clone', requestId: 'abc123', form, sampleFile: file },
      { type: 'clone', requestId: 'abc123', form, sampleFile: file, provider: 'zhipu' },
      { type: 'draft', form, sampleFile: { ...file, uri: 'vscode-remote://localhost:8080/home/me/me.wav' } },
      { type: 'checkSampleFile', file },
      { type: 'pickSample', how: 'browse' },
      { type: 'pickSample', how: 'workspace' },
      { type: 'dropSample', uris: 'file:///home/me/me.wav\r\n' },
    ]) {
      assert.equal(isFromWebviewMessage(m), true, JSON.stringify(m));
    }
    for (const m of [
      { type: 'clone', requestId: 'abc123', form, sampleFile: { ...file, uri: 'https://example.com/me.wav' } },
      { type: 'clone', requestId: 'abc123', form, sampleFile: { ...file, uri: 'javascript:alert(1)' } },
      { type: 'clone', requestId: 'abc123', form, sampleFile: { ...file, extra: 1 } },
      { type: 'clone', requestId: 'abc123', form, sampleFile: { uri: file.uri, name: file.name } },
      { type: 'clone', requestId: 'abc123', form, sampleFile: { ...file, sizeBytes: -1 } },
      { type: 'clone', requestId: 'abc123', form, sampleFile: { ...file, sizeBytes: 1.5 } },
      { type: 'clone', requestId: 'abc123', form, sampleFile: { ...file, sizeBytes: '12' } },
      { type: 'clone', requestId: 'abc123', form, provider: 'novita' },
      { type: 'clone', requestId: 'abc123', form, provider: 'other' },
      { type: 'checkSampleFile' },
      { type: 'pickSample', how: 'anywhere' },
      { type: 'dropSample', uris: 'x'.repeat(MAX_MESSAGE_STRING + 1) },
    ]) {
      assert.equal(isFromWebviewMessage(m), false, JSON.stringify(m).slice(0, 200));
    }
  });

  test('refuses unknown types, extra or missing fields, wrong types and huge strings', () => {
    const bad: unknown[] = [
      null,
      undefined,
      'clone',
      42,
      [],
      {},
      { type: 'nope' },
      { type: 'toString' },
      { type: '__proto__' },
      { type: 'setApiKey', key: 'sk_123' },
      { type: 'clone', requestId: 'abc' },
      { type: 'clone', requestId: 'abc', form: { ...form, extra: 1 } },
      { type: 'clone', requestId: 'abc', form: { ...form, text: 5 } },
      { type: 'clone', requestId: 'abc', form: { sampleUrl: 'x', text: 'y', voiceName: 'z' } },
      { type: 'clone', requestId: 'a b', form },
      { type: 'clone', requestId: 'abc', form, consent: 'yes' },
      { type: 'clone', requestId: 'abc', form, consent: 1 },
      { type: 'clone', requestId: 'x'.repeat(65), form },
      { type: 'clone', requestId: 'abc', form: { ...form, text: 'x'.repeat(MAX_MESSAGE_STRING + 1) } },
      { type: 'cancel', requestId: 7 },
      { type: 'copyVoiceId' },
      { type: 'ready', previewFile: 3 },
      Object.create({ type: 'setApiKey' }),
    ];
    for (const m of bad) assert.equal(isFromWebviewMessage(m), false, JSON.stringify(m));
  });

  test('a message with a prototype other than Object is refused', () => {
    class Fake {
      type = 'setApiKey';
    }
    assert.equal(isFromWebviewMessage(new Fake()), false);
  });
});

suite('form validation', () => {
  test('sample URL: http(s) only, with an actionable message', () => {
    assert.equal(validateSampleUrl('https://example.com/s.wav'), undefined);
    assert.equal(validateSampleUrl('http://127.0.0.1:8080/s.wav'), undefined);
    assert.match(validateSampleUrl('')!, /Enter the URL/);
    assert.match(validateSampleUrl('not a url')!, /not a URL/);
    assert.match(validateSampleUrl('ftp://example.com/a.wav')!, /Only http and https/);
    assert.match(validateSampleUrl('file:///etc/passwd')!, /Only http and https/);
  });

  test('text: non-empty and at most 1024 code points (emoji count once)', () => {
    assert.match(validateText('   ')!, /Enter the text/);
    assert.equal(validateText('😀'.repeat(1024)), undefined);
    assert.match(validateText('a'.repeat(1025))!, /1025 characters/);
  });

  test('voice name: allowed characters and length', () => {
    assert.equal(validateVoiceNameFormat('narrator_2-b'), undefined);
    assert.match(validateVoiceNameFormat('')!, /Give the voice a name/);
    assert.match(validateVoiceNameFormat('has space')!, /letters, digits/);
    assert.match(validateVoiceNameFormat('<script>')!, /letters, digits/);
    assert.match(validateVoiceNameFormat('x'.repeat(65))!, /at most 64/);
    assert.match(words('voiceName')(checkVoiceNameExact(' padded'))!, /spaces at the start or end/);
  });

  test('free names: the name itself when free, else the next number, always a valid name', () => {
    const taken = new Set(['alice', 'alice-2', 'bob-3']);
    const isTaken = (n: string) => taken.has(n);
    assert.equal(freeName('carol', isTaken), 'carol');
    assert.equal(freeName('alice', isTaken), 'alice-3');
    assert.equal(freeName('bob-3', isTaken), 'bob-2');
    assert.equal(freeName('  日本語 ', isTaken), 'my-voice');
    assert.equal(freeName('x'.repeat(80), () => false).length, 64);
    const long = 'y'.repeat(64);
    assert.equal(freeName(long, (n) => n === long), `${'y'.repeat(62)}-2`);
    for (const n of [freeName('a b/c', isTaken), freeName('', isTaken)]) assert.equal(checkVoiceName(n), undefined, n);
  });

  test('the whole form reports every field at once and checks local uniqueness', () => {
    const errors = validateCloneForm({ sampleUrl: 'nope', transcript: '', text: '', voiceName: 'taken' }, (n) => n === 'taken');
    assert.deepEqual(Object.keys(errors).sort(), ['sampleUrl', 'text', 'voiceName']);
    assert.match(errors.voiceName!, /already exists/);
    assert.deepEqual(validateCloneForm(form), {});
  });
});
