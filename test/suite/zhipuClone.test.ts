// Cloning from a file of the workspace with Zhipu, in the real extension host against the Zhipu double running in this
// same process: the multipart upload carries the file's bytes, the clone names its file_id, the sample is deleted
// after; a cancel during the upload deletes it too; with Novita selected the file is refused with the reason, and
// "Clone with Zhipu" offered when a Zhipu key is set.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import vscode = require('vscode');
import { pcmToWav } from '../../src/core/audio/wav';
import type { CloneCommandResult } from '../../src/host/commands/clone';
import { demoSamplePcm } from '../double/synth';
import { ZhipuDouble } from '../double/zhipuDouble';
import { EXTENSION_ID, waitFor } from './fixture';

const KEY = 'zk.gvcSUITEzhipu9c41';

type Ok = Extract<CloneCommandResult, { ok: true }>;

suite('Clone from a file with Zhipu (real extension host, Zhipu double)', () => {
  let double: ZhipuDouble;
  let sample: vscode.Uri;
  let bytes: Uint8Array;
  let n = 0;
  const uniqueName = () => `zhipu-file-${Date.now().toString(36)}-${n++}`;
  const config = () => vscode.workspace.getConfiguration('glmVoiceClone');
  const clone = (options: Record<string, unknown>) =>
    vscode.commands.executeCommand<CloneCommandResult | undefined>('glmVoiceClone.cloneVoice', { transcript: '', consent: true, text: 'Hello from my own recording.', voiceName: uniqueName(), sampleFile: sample.toString(), ...options });

  suiteSetup(async () => {
    double = new ZhipuDouble({ apiKey: KEY });
    await double.start();
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    await config().update('zhipu.apiBaseUrl', double.baseUrl, vscode.ConfigurationTarget.Global);
    // The extension host is this process: Zhipu's key from the environment, as ZHIPU_API_KEY gives it.
    process.env.ZHIPU_API_KEY = KEY;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(folder, 'the suite runs with a workspace folder');
    bytes = pcmToWav(demoSamplePcm());
    sample = vscode.Uri.joinPath(folder, 'recordings', 'me.wav');
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder, 'recordings'));
    await vscode.workspace.fs.writeFile(sample, bytes);
  });

  suiteTeardown(async () => {
    delete process.env.ZHIPU_API_KEY;
    await config().update('zhipu.apiBaseUrl', undefined, vscode.ConfigurationTarget.Global);
    await config().update('provider', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.fs.delete(sample).then(undefined, () => undefined);
    await double?.stop();
  });

  setup(async () => {
    double.clearRequests();
    double.clearFaults();
    double.latencyMs = 0;
    process.env.ZHIPU_API_KEY = KEY;
    await config().update('provider', 'zhipu', vscode.ConfigurationTarget.Global);
  });

  test('Zhipu: the multipart upload carries the file’s bytes, the clone names its file_id, then the sample is deleted', async () => {
    const result = await clone({});
    assert.ok(result?.ok, `clone failed: ${JSON.stringify(result)}`);
    const ok = result as Ok;
    const routes = double.requests.map((r) => r.route);
    const upload = double.requestsTo('upload');
    assert.equal(upload.length, 1, `one upload: ${routes.join(', ')}`);
    assert.match(upload[0].headers['content-type'], /^multipart\/form-data; boundary=/);
    assert.equal(upload[0].headers.authorization, `Bearer ${KEY}`);
    assert.match(upload[0].bodyText, /name="purpose"\r\n\r\nvoice-clone-input/);
    const stored = [...double.uploads.values()].find((u) => u.filename === 'me.wav');
    assert.ok(stored, 'the file was uploaded under its name');
    assert.ok(Buffer.from(bytes).equals(stored.bytes), 'the upload is the file’s bytes, byte for byte');
    const cloneCall = double.requestsTo('clone');
    assert.equal(cloneCall.length, 1);
    assert.equal((cloneCall[0].json as { file_id?: string }).file_id, stored.id, 'the clone names the uploaded file_id');
    const deletion = double.requestsTo('deleteFile');
    assert.equal(deletion.length, 1, 'the sample is deleted once');
    assert.ok(deletion[0].path.endsWith(`/files/${stored.id}`), deletion[0].path);
    assert.ok(stored.deleted, 'gone at Zhipu');
    // In that order: upload, clone, (the preview), deletion.
    assert.ok(double.requests.indexOf(upload[0]) < double.requests.indexOf(cloneCall[0]) && double.requests.indexOf(cloneCall[0]) < double.requests.indexOf(deletion[0]), routes.join(', '));
    assert.ok(existsSync(ok.filePath), 'the preview is on disk');
    assert.equal(readFileSync(ok.filePath).subarray(0, 4).toString('latin1'), 'RIFF');
    const registry = JSON.parse(readFileSync(join(dirname(ok.filePath), '..', 'registry.json'), 'utf8')) as { voices: { name: string; voiceId: string; provider?: string; sampleUrl: string }[] };
    const voice = registry.voices.find((v) => v.name === ok.voiceName);
    assert.equal(voice?.provider, 'zhipu');
    assert.equal(voice?.voiceId, ok.voiceId);
    assert.match(voice?.sampleUrl ?? '', /^file:\/\/.*\/recordings\/me\.wav$/);
  });

  test('Cancel during the upload: cancelled, no clone asked for, and the uploaded sample deleted at Zhipu', async () => {
    double.latencyMs = 1500;
    const controller = new AbortController();
    const running = clone({ signal: controller.signal });
    await waitFor(() => double.requestsTo('upload').length > 0, 10_000, 'the upload');
    controller.abort();
    const result = await running;
    assert.equal(result?.ok, false, JSON.stringify(result));
    assert.equal((result as { cancelled?: boolean }).cancelled, true, JSON.stringify(result));
    const stored = [...double.uploads.values()].filter((u) => u.filename === 'me.wav').at(-1);
    assert.ok(stored, 'the upload reached Zhipu');
    await waitFor(() => stored.deleted, 10_000, 'the sample’s deletion');
    assert.equal(double.requestsTo('clone').length, 0, 'no clone after the cancel');
  });

  test('Novita selected: a local file is refused with the reason (a public URL), Clone with Zhipu offered; nothing sent', async () => {
    await config().update('provider', 'novita', vscode.ConfigurationTarget.Global);
    const offered = await clone({});
    assert.equal(offered?.ok, false);
    assert.match((offered as { message: string }).message, /Novita clones only from a public URL/);
    assert.equal((offered as { offer?: string }).offer, 'cloneWithZhipu');
    // Without a Zhipu key, the same reason and no offer.
    delete process.env.ZHIPU_API_KEY;
    const plain = await clone({});
    assert.equal(plain?.ok, false);
    assert.match((plain as { message: string }).message, /Novita clones only from a public URL/);
    assert.equal((plain as { offer?: string }).offer, undefined);
    assert.equal(double.requests.length, 0, 'nothing reached Zhipu');
    // The offer's button clones there.
    process.env.ZHIPU_API_KEY = KEY;
    const withZhipu = await clone({ provider: 'zhipu' });
    assert.ok(withZhipu?.ok, JSON.stringify(withZhipu));
    assert.equal(double.requestsTo('upload').length, 1);
  });
});
