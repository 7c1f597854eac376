// The clone flow in the real extension host, against the Novita double running in this same process.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import vscode = require('vscode');
import { NovitaDouble } from '../double/novitaDouble';
import { parseWavHeader, pcmToWav } from '../../src/core/audio/wav';
import type { CloneCommandResult } from '../../src/host/commands/clone';

const EXTENSION_ID = 'glm-voice-clone.glm-voice-clone';
// Distinctive, so a leak anywhere would be unmistakable.
const KEY = 'gvc-test-key-7f3c9a1e5b2d4068';

type Ok = Extract<CloneCommandResult, { ok: true }>;

async function clone(form: { sampleUrl: string; transcript?: string; text: string; voiceName: string }): Promise<CloneCommandResult | undefined> {
  return vscode.commands.executeCommand<CloneCommandResult | undefined>('glmVoiceClone.cloneVoice', { transcript: '', consent: true, ...form });
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

suite('Clone flow (real extension host, Novita double)', () => {
  let double: NovitaDouble;
  let n = 0;
  const uniqueName = () => `suite-voice-${Date.now().toString(36)}-${n++}`;

  suiteSetup(async () => {
    double = new NovitaDouble({ apiKey: KEY });
    const baseUrl = await double.start();
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    await vscode.workspace.getConfiguration('glmVoiceClone').update('apiBaseUrl', baseUrl, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('glmVoiceClone.setApiKey', KEY);
    double.addFile('/samples/voice.wav', pcmToWav(Buffer.alloc(24000 * 2 * 5)), 'audio/wav'); // 5 s of silence
  });

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('glmVoiceClone').update('apiBaseUrl', undefined, vscode.ConfigurationTarget.Global);
    await double?.stop();
  });

  setup(() => {
    double.clearRequests();
    double.clearFaults();
    double.mode = 'sync';
  });

  test('without the consent box, a sample never cloned is refused locally with the reason; nothing reaches Novita', async () => {
    const sampleUrl = `${double.baseUrl}/samples/voice.wav?never-cloned-${Date.now()}`;
    const result = await vscode.commands.executeCommand<CloneCommandResult | undefined>('glmVoiceClone.cloneVoice', { sampleUrl, transcript: '', text: 'Not mine to clone.', voiceName: uniqueName() });
    assert.equal(result?.ok, false);
    assert.match((result as { message: string }).message, /right to clone this voice.*Nothing was sent to Novita/);
    assert.equal(double.requests.length, 0, 'not even the sample check');
  });

  test('the consent is recorded in the registry with the voice and its date', async () => {
    const voiceName = uniqueName();
    const before = Date.now();
    const result = await clone({ sampleUrl: `${double.baseUrl}/samples/voice.wav`, text: 'Mine to clone.', voiceName });
    assert.ok(result?.ok, JSON.stringify(result));
    const registry = JSON.parse(readFileSync(join(dirname((result as Ok).filePath), '..', 'registry.json'), 'utf8')) as { voices: { name: string; consent?: { at: string } }[] };
    const at = registry.voices.find((v) => v.name === voiceName)?.consent?.at;
    assert.ok(at && Date.parse(at) >= before - 1000, `consent recorded: ${at}`);
  });

  test('Clone Voice… sends the exact JSON body and Bearer header, and leaves a valid WAV preview', async () => {
    const voiceName = uniqueName();
    const sampleUrl = `${double.baseUrl}/samples/voice.wav`;
    const result = await clone({ sampleUrl, transcript: 'Hello there.', text: 'A cloned voice says hi.', voiceName });
    assert.ok(result?.ok, `clone failed: ${JSON.stringify(result)}`);
    const ok = result as Ok;

    const calls = double.requests.filter((r) => r.path === '/v3/glm-tts-voice-clone');
    assert.equal(calls.length, 1, 'exactly one clone request');
    assert.equal(calls[0].method, 'POST');
    assert.equal(calls[0].headers['authorization'], `Bearer ${KEY}`);
    assert.match(String(calls[0].headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(calls[0].bodyText), { text: 'Hello there.', input: 'A cloned voice says hi.', audio_url: sampleUrl, voice_name: voiceName });

    // The preview was downloaded at once, without the key.
    const downloads = double.requests.filter((r) => r.path.startsWith('/audio/'));
    assert.equal(downloads.length, 1);
    assert.equal(downloads[0].headers['authorization'], undefined, 'the key is never sent with the audio download');

    assert.ok(existsSync(ok.filePath), 'preview file exists');
    const bytes = readFileSync(ok.filePath);
    const wav = parseWavHeader(bytes);
    assert.equal(wav.sampleRate, 24000);
    assert.equal(wav.channels, 1);
    assert.equal(wav.bitsPerSample, 16);
    assert.ok(wav.dataBytes > 0 && wav.dataOffset + wav.dataBytes === bytes.length, 'data chunk fills the file');
    assert.equal(ok.voiceName, voiceName);
    assert.ok(ok.voiceId.length > 0);
  });

  test('an empty transcript is left out of the request body', async () => {
    const voiceName = uniqueName();
    const result = await clone({ sampleUrl: `${double.baseUrl}/samples/voice.wav`, text: 'No transcript here.', voiceName });
    assert.ok(result?.ok, JSON.stringify(result));
    const body = JSON.parse(double.requests.find((r) => r.path === '/v3/glm-tts-voice-clone')!.bodyText);
    assert.equal('text' in body, false);
  });

  test('the asynchronous answer shape ({task_id} then task-result polling) gives the same outcome', async () => {
    double.mode = 'async';
    const result = await clone({ sampleUrl: `${double.baseUrl}/samples/voice.wav`, text: 'Async shape.', voiceName: uniqueName() });
    assert.ok(result?.ok, JSON.stringify(result));
    const polls = double.requests.filter((r) => r.path === '/v3/async/task-result');
    assert.ok(polls.length >= 2, `polled ${polls.length} times`);
    assert.ok(existsSync((result as Ok).filePath));
  });

  test('a name already used in this installation is refused locally, before any request', async () => {
    const voiceName = uniqueName();
    assert.ok((await clone({ sampleUrl: `${double.baseUrl}/samples/voice.wav`, text: 'First.', voiceName }))?.ok);
    double.clearRequests();
    const again = await clone({ sampleUrl: `${double.baseUrl}/samples/voice.wav`, text: 'Second.', voiceName });
    assert.equal(again?.ok, false);
    assert.match((again as { message: string }).message, /already exists/);
    assert.equal(double.requests.length, 0, 'nothing was sent');
  });

  test('a non-http sample URL is refused locally with an actionable message', async () => {
    const result = await clone({ sampleUrl: 'file:///etc/passwd', text: 'x', voiceName: uniqueName() });
    assert.equal(result?.ok, false);
    assert.match((result as { message: string }).message, /http/);
    assert.equal(double.requests.length, 0);
  });

  test('a 401 from Novita says to set the key, and records no voice', async () => {
    double.setFault('clone', { status: 401 });
    const voiceName = uniqueName();
    const result = await clone({ sampleUrl: `${double.baseUrl}/samples/voice.wav`, text: 'Rejected.', voiceName });
    assert.equal(result?.ok, false);
    const message = (result as { message: string }).message;
    assert.match(message, /Set API Key/);
    assert.equal(message.includes(KEY), false, 'the key is not in the message');
    double.clearFaults();
    // The name was not taken by the failed attempt.
    const retry = await clone({ sampleUrl: `${double.baseUrl}/samples/voice.wav`, text: 'Accepted.', voiceName });
    assert.ok(retry?.ok, JSON.stringify(retry));
  });

  test('the key is kept in SecretStorage only: not in settings, not in the extension’s storage folder', async () => {
    const result = await clone({ sampleUrl: `${double.baseUrl}/samples/voice.wav`, text: 'Scan me.', voiceName: uniqueName() });
    assert.ok(result?.ok);
    const config = vscode.workspace.getConfiguration('glmVoiceClone');
    for (const key of Object.keys(config)) {
      assert.equal(JSON.stringify(config.inspect(key) ?? null).includes(KEY), false, `setting ${key} holds the key`);
    }
    const storageRoot = dirname(dirname((result as Ok).filePath));
    const files = walk(storageRoot);
    assert.ok(files.length >= 2, 'storage holds the registry and previews');
    for (const f of files) {
      if (statSync(f).size > 50_000_000) continue;
      assert.equal(readFileSync(f).includes(KEY), false, `${f} holds the key`);
    }
  });
});
