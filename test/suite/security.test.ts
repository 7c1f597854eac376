// Where the key may go, in the real extension host: only to the configured base URL, never to the host of a preview
// (not even after a redirect), and never over plain http unless the base is loopback.
import * as assert from 'node:assert/strict';
import vscode = require('vscode');
import { NovitaDouble } from '../double/novitaDouble';
import type { CloneCommandResult } from '../../src/host/commands/clone';
import { pcmToWav } from '../../src/core/audio/wav';
import { noteShown } from '../support/shownMessages';
import { startDouble, stopDouble } from './fixture';

const KEY = 'gvc-security-key-6b1e9d03f5a7';

suite('Where the API key goes (real extension host)', function () {
  this.timeout(60_000);
  let double: NovitaDouble;
  let cdn: NovitaDouble;
  const config = () => vscode.workspace.getConfiguration('glmVoiceClone');
  const clone = (text: string) =>
    vscode.commands.executeCommand<CloneCommandResult>('glmVoiceClone.cloneVoice', {
      consent: true,
      sampleUrl: `${double.baseUrl}/samples/voice.wav`,
      transcript: '',
      text,
      voiceName: `security-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`,
    });

  suiteSetup(async () => {
    double = await startDouble(KEY);
    // Another origin (another port): stands in for the CDN that hosts previews.
    cdn = new NovitaDouble({ apiKey: 'not-the-key' });
    await cdn.start();
    cdn.addFile('/preview.wav', pcmToWav(Buffer.alloc(24000 * 2)), 'audio/wav');
  });

  suiteTeardown(async () => {
    await stopDouble(double);
    await cdn.stop();
  });

  setup(() => {
    double.clearFaults();
    double.clearRequests();
    cdn.clearRequests();
  });

  test('a preview on another host is fetched without the key, also when the base URL redirects there', async () => {
    double.setFault('clone', { bodyOverride: { voice: 'voice_cdn_1', audio_url: `${cdn.baseUrl}/preview.wav` }, times: 1 });
    const direct = await clone('Preview on the CDN.');
    assert.ok(direct?.ok, JSON.stringify(direct));
    // the base URL's own audio link answers with a redirect to the other host
    double.setFault('audio', { redirectTo: `${cdn.baseUrl}/preview.wav` });
    const redirected = await clone('Preview redirected to the CDN.');
    assert.ok(redirected?.ok, JSON.stringify(redirected));
    assert.equal(cdn.requests.length, 2);
    for (const r of cdn.requests) assert.equal(r.headers.authorization, undefined, `the key went to ${r.path}`);
    const api = double.requests.filter((r) => r.route === 'clone');
    assert.ok(api.length === 2 && api.every((r) => r.headers.authorization === `Bearer ${KEY}`), 'the API calls carry it');
    assert.ok(double.requests.filter((r) => r.route === 'audio').every((r) => r.headers.authorization === undefined), 'downloads from the base host do not');
  });

  test('an http base URL that is not loopback is refused before anything is sent, with a sentence saying why', async () => {
    for (const base of ['http://api.novita.ai', 'http://10.0.0.1:8080', 'http://localhost.example.com']) {
      await config().update('apiBaseUrl', base, vscode.ConfigurationTarget.Global);
      const result = await clone('Never sent.');
      assert.equal(result?.ok, false, base);
      const message = (result as { message: string }).message;
      noteShown(message);
      assert.match(message, /plain http, which would send the API key unencrypted\. Use https/, base);
      assert.equal(message.includes(KEY), false);
    }
    await config().update('apiBaseUrl', double.baseUrl, vscode.ConfigurationTarget.Global);
    assert.equal(double.requests.length, 0);
    const loopback = await clone('Loopback http is fine.');
    assert.ok(loopback?.ok, JSON.stringify(loopback));
  });
});
