// VS Code's proxy settings in the real extension host: with http.proxy set, the clone and its preview download go
// through it (a counting loopback proxy); with http.noProxy naming the host they do not. The double is addressed as
// 127.0.0.2 (only localhost, 127.0.0.1 and ::1 bypass a proxy, here as in VS Code) and listens on 127.0.0.1, so a
// request that bypasses the proxy finds nothing listening and is refused.
import * as assert from 'node:assert/strict';
import vscode = require('vscode');
import type { NovitaDouble } from '../double/novitaDouble';
import type { CloneCommandResult } from '../../src/host/commands/clone';
import { CountingProxy } from '../support/countingProxy';
import { noteShown } from '../support/shownMessages';
import { startDouble, stopDouble } from './fixture';

const KEY = 'gvc-proxy-key-0c8d2e4f6a13';

suite('Proxy settings (real extension host)', function () {
  this.timeout(60_000);
  let double: NovitaDouble;
  let proxy: CountingProxy;
  const http = () => vscode.workspace.getConfiguration('http');

  const clone = (tag: string) =>
    vscode.commands.executeCommand<CloneCommandResult>('glmVoiceClone.cloneVoice', {
      consent: true,
      sampleUrl: `${double.baseUrl}/samples/voice.wav`,
      transcript: '',
      text: `Through the proxy, ${tag}.`,
      voiceName: `proxy-${tag}-${Date.now().toString(36)}`,
    });

  suiteSetup(async () => {
    proxy = new CountingProxy();
    await proxy.start();
    double = await startDouble(KEY, { publicHost: '127.0.0.2' });
    await http().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await http().update('proxy', undefined, vscode.ConfigurationTarget.Global);
    await http().update('noProxy', undefined, vscode.ConfigurationTarget.Global);
    await stopDouble(double);
    await proxy.stop();
  });

  test('http.proxy carries the clone and the preview download', async () => {
    proxy.clear();
    double.clearRequests();
    const result = await clone('via');
    assert.ok(result?.ok, JSON.stringify(result));
    const forwarded = proxy.to('127.0.0.2').map((f) => `${f.method} ${f.path?.replace(/\/audio\/\w+\.wav$/, '/audio/…')}`);
    // Every request the extension made went through it: the sample check (HEAD/GET of the sample), the clone, the preview.
    assert.deepEqual(forwarded.filter((f) => !f.includes('/samples/')), ['POST /v3/glm-tts-voice-clone', 'GET /audio/…']);
    assert.equal(forwarded.length, double.requests.length, `the double saw ${double.requests.length} requests, the proxy forwarded ${forwarded.length}`);
  });

  test('http.noProxy naming the host sends the requests direct: the proxy forwards nothing', async () => {
    await http().update('noProxy', ['127.0.0.2'], vscode.ConfigurationTarget.Global);
    try {
      proxy.clear();
      double.clearRequests();
      const result = await clone('direct');
      assert.equal(result?.ok, false);
      const message = (result as { message: string }).message;
      noteShown(message);
      // The first request (the sample check, or the clone) went direct and found nothing listening on 127.0.0.2.
      assert.match(message, /127\.0\.0\.2:\d+(: ECONNREFUSED| refused the connection)/);
      assert.equal(proxy.forwarded.length, 0);
      assert.equal(double.requests.length, 0);
    } finally {
      await http().update('noProxy', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
