// Checking the sample before paying for a clone, and filling its transcript, in the real extension host.
import * as assert from 'node:assert/strict';
import vscode = require('vscode');
import type { NovitaDouble } from '../double/novitaDouble';
import type { CloneCommandResult } from '../../src/host/commands/clone';
import { pcmToWav } from '../../src/core/audio/wav';
import { startDouble, stopDouble } from './fixture';

const KEY = 'gvc-sample-key-91c0e7d35a4f';
const wav = (seconds: number) => pcmToWav(Buffer.alloc(Math.round(24000 * seconds) * 2));
let n = 0;
const name = () => `sample-suite-${Date.now().toString(36)}-${n++}`;

suite('Sample checks and transcript assist (real extension host, Novita double)', () => {
  let double: NovitaDouble;

  suiteSetup(async () => {
    double = await startDouble(KEY);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await stopDouble(double);
  });

  setup(() => {
    double.clearRequests();
    double.clearFaults();
  });

  const clone = (sampleUrl: string, extra: Record<string, unknown> = {}) =>
    vscode.commands.executeCommand<CloneCommandResult>('glmVoiceClone.cloneVoice', { sampleUrl, transcript: '', text: 'Checked first.', voiceName: name(), consent: true, ...extra });
  const cloneRequests = () => double.requests.filter((r) => r.path === '/v3/glm-tts-voice-clone').length;

  test('a 2 s sample is not cloned without the user’s say-so; “clone anyway” goes ahead', async () => {
    const url = double.addFile('/samples/short-2s.wav', wav(2), 'audio/wav');
    const warned = await clone(url);
    assert.equal(warned.ok, false);
    assert.match((warned as { message: string }).message, /2(\.0)? s/);
    assert.equal(cloneRequests(), 0, 'nothing was paid for');
    const anyway = await clone(url, { acceptWarnings: true });
    assert.ok(anyway.ok, JSON.stringify(anyway));
    assert.equal(cloneRequests(), 1);
  });

  test('a 40 s sample gets the “too long” warning', async () => {
    const url = double.addFile('/samples/long-40s.wav', wav(40), 'audio/wav');
    const warned = await clone(url);
    assert.equal(warned.ok, false);
    assert.match((warned as { message: string }).message, /40(\.0)? s/);
    assert.equal(cloneRequests(), 0);
  });

  for (const [label, setup, pattern] of [
    ['an 11 MB file', (d: NovitaDouble) => d.addFile('/samples/huge.wav', wav(230), 'audio/wav'), /10 MB|MB/],
    ['a web page', (d: NovitaDouble) => d.addFile('/samples/page.wav', Buffer.from('<!doctype html><html><body>Sign in</body></html>'), 'text/html'), /web page|not audio|HTML/i],
    ['a 404', (d: NovitaDouble) => `${d.baseUrl}/samples/missing.wav`, /404|not found/i],
  ] as const) {
    test(`${label} is refused with its reason, before any request to Novita`, async () => {
      const result = await clone(setup(double));
      assert.equal(result.ok, false);
      assert.match((result as { message: string }).message, pattern);
      assert.equal(cloneRequests(), 0);
    });
  }

  test('a sample on this machine is flagged when the API is not local: Novita could not fetch it', async () => {
    const url = double.addFile('/samples/local-only.wav', wav(5), 'audio/wav');
    const config = vscode.workspace.getConfiguration('glmVoiceClone');
    const local = config.get<string>('apiBaseUrl');
    await config.update('apiBaseUrl', 'https://api.novita.invalid', vscode.ConfigurationTarget.Global);
    try {
      const warned = await clone(url);
      assert.equal(warned.ok, false);
      assert.match((warned as { message: string }).message, /cannot reach 127\.0\.0\.1/);
    } finally {
      await config.update('apiBaseUrl', local, vscode.ConfigurationTarget.Global);
    }
    assert.equal(cloneRequests(), 0);
    const ok = await clone(url);
    assert.ok(ok.ok, `with a local API the same sample is fine: ${JSON.stringify(ok)}`);
  });

  test('Transcribe Sample fills the transcript from Novita’s speech recognition', async () => {
    const url = double.addFile('/samples/spoken.wav', wav(5), 'audio/wav', 'Hello, this is the sample speaking.');
    const result = await vscode.commands.executeCommand<{ ok: boolean; text?: string }>('glmVoiceClone.transcribeSample', url);
    assert.deepEqual(result, { ok: true, text: 'Hello, this is the sample speaking.' });
    const asr = double.requests.filter((r) => r.path === '/v3/glm-asr');
    assert.equal(asr.length, 1);
    assert.equal(JSON.parse(asr[0].bodyText).file, url);
    assert.equal(asr[0].headers['authorization'], `Bearer ${KEY}`);
  });

  test('an ASR error is reported and changes nothing', async () => {
    double.setFault('asr', { status: 500 });
    const url = double.addFile('/samples/spoken-2.wav', wav(5), 'audio/wav', 'Never seen.');
    const result = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('glmVoiceClone.transcribeSample', url);
    assert.equal(result.ok, false);
    assert.match(result.message ?? '', /busy|retry|server/i);
  });
});
