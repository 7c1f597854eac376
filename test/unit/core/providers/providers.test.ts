// The provider port: Novita's and Zhipu's adapters against their doubles (clone from a URL or a file, speech whole and
// streamed, voices listed and deleted, what each can do, a cancelled clone's sample deleted), the keyed connections,
// the synthesizer speaking a voice at its provider, the registry's provider field, and CloneFlow's file path.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcmToWav } from '../../../../src/core/audio/wav';
import { CoreError, type ProblemKind } from '../../../../src/core/errors';
import { CloneFlow } from '../../../../src/core/flows/clone';
import type { LogPort } from '../../../../src/core/flows/ports';
import { SampleFlow } from '../../../../src/core/flows/sample';
import { Synthesizer } from '../../../../src/core/flows/synthesis';
import { providerOf, VoiceRegistry } from '../../../../src/core/library/voiceRegistry';
import { NovitaClient } from '../../../../src/core/novita/client';
import { ProviderConnections } from '../../../../src/core/providers/connections';
import { NovitaProvider } from '../../../../src/core/providers/novita';
import { CAPABILITIES, type ProviderId } from '../../../../src/core/providers/port';
import { ZhipuProvider } from '../../../../src/core/providers/zhipu';
import { ZhipuClient } from '../../../../src/core/zhipu/client';
import { describeProblem, english, progressText } from '../../../../src/messages/index';
import { NovitaDouble } from '../../../double/novitaDouble';
import { synthesizePcm, ZhipuDouble } from '../../../double/zhipuDouble';

const NOVITA_KEY = 'novita-key-PROVIDERS-1';
const ZHIPU_KEY = 'zk.PROVIDERSsecret2';
const quiet: LogPort = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** Five seconds of a WAV: within the 3–30 s a sample check wants. */
const wav = () => pcmToWav(Buffer.concat([synthesizePcm('the sample says this'), Buffer.alloc(5 * 24000 * 2)]));

async function rejectsWith(p: Promise<unknown>, kind: ProblemKind): Promise<CoreError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CoreError, `not a CoreError: ${String(err)}`);
    assert.equal(err.problem.kind, kind, JSON.stringify(err.problem));
    return err;
  }
  assert.fail(`expected ${kind}`);
}

suite('providers: the port over both doubles', function () {
  this.timeout(20_000);
  let zd: ZhipuDouble;
  let nd: NovitaDouble;
  let novitaBase: string;
  let sampleUrl: string;
  let dir: string;
  let zhipu: ZhipuProvider;
  let novita: NovitaProvider;
  let n = 0;
  const closers: Array<() => Promise<void>> = [];
  const previewPath = () => join(dir, `preview-${++n}.download`);

  suiteSetup(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gvc-providers-'));
    zd = new ZhipuDouble({ apiKey: ZHIPU_KEY });
    await zd.start();
    nd = new NovitaDouble({ apiKey: NOVITA_KEY });
    novitaBase = await nd.start();
    sampleUrl = nd.addFile('/sample.wav', wav(), 'audio/wav', 'what the sample says');
    const zc = new ZhipuClient({ baseUrl: zd.baseUrl, apiKey: ZHIPU_KEY, timeoutMs: 3000, retry: { baseDelayMs: 5 } });
    const nc = new NovitaClient({ baseUrl: novitaBase, apiKey: NOVITA_KEY, timeoutMs: 3000 });
    closers.push(() => zc.close(), () => nc.close());
    zhipu = new ZhipuProvider(zc);
    novita = new NovitaProvider(nc, novitaBase);
  });
  suiteTeardown(async () => {
    for (const c of closers) await c();
    await zd?.stop();
    await nd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  setup(() => {
    zd.clearFaults();
    zd.clearRequests();
    nd.clearRequests();
    nd.clearFaults();
  });

  test('capabilities: Novita clones from a URL and transcribes; Zhipu uploads, streams, lists and deletes', () => {
    assert.deepEqual(novita.capabilities, { cloneFrom: ['url'], streamedSpeech: false, listVoices: false, deleteVoice: false, transcribe: true });
    assert.deepEqual(zhipu.capabilities, { cloneFrom: ['upload', 'url'], streamedSpeech: true, listVoices: true, deleteVoice: true, transcribe: false });
    assert.equal(CAPABILITIES.zhipu, zhipu.capabilities);
  });

  test('Zhipu clone from a file: upload (the file’s bytes) → clone by its file_id → preview from the list → the sample deleted', async () => {
    const bytes = wav();
    const steps: string[] = [];
    const r = await zhipu.clone({ source: { kind: 'file', bytes, filename: 'me.wav' }, voiceName: 'me-file', input: 'Hello there.' }, { previewPath: previewPath(), onStep: (s) => steps.push(s), keepBytesUpTo: 1 << 24 });
    assert.deepEqual(steps, ['uploading', 'cloning', 'preview']);
    const routes = zd.requests.map((q) => q.route);
    // The sample goes as soon as the voice exists, while the preview is fetched (list, then its download_url).
    assert.deepEqual(routes.slice(0, 2), ['upload', 'clone']);
    assert.deepEqual([...routes.slice(2)].sort(), ['deleteFile', 'list', 'preview']);
    assert.ok(routes.indexOf('list') < routes.indexOf('preview'), routes.join(', '));
    const upload = [...zd.uploads.values()].find((u) => u.filename === 'me.wav');
    assert.ok(upload, 'uploaded');
    assert.ok(upload.bytes.equals(bytes), 'the double got the very bytes');
    assert.equal((zd.requestsTo('clone')[0].json as { file_id: string }).file_id, upload.id);
    assert.ok(upload.deleted, 'the uploaded sample was deleted');
    assert.equal(zd.clonedVoices.get(r.voiceId)?.voiceName, 'me-file');
    assert.equal(r.preview.format, 'wav');
    assert.ok(readFileSync(r.preview.path).equals(r.preview.data!), 'the preview is on disk and handed back');
    assert.equal(r.keptFileId, undefined);
  });

  test('Zhipu keeps the uploaded sample when told to', async () => {
    const r = await zhipu.clone({ source: { kind: 'file', bytes: wav(), filename: 'keep.wav' }, voiceName: 'me-keep', input: 'Hello.' }, { previewPath: previewPath(), keepUploadedSample: true });
    assert.ok(r.keptFileId);
    assert.equal(zd.uploads.get(r.keptFileId)?.deleted, false);
    assert.equal(zd.requestsTo('deleteFile').length, 0);
  });

  test('Zhipu clone from a URL: the sample is fetched here (no key sent to its host), then uploaded', async () => {
    const r = await zhipu.clone({ source: { kind: 'url', url: sampleUrl }, voiceName: 'me-url', input: 'Hello.' }, { previewPath: previewPath() });
    const fetched = nd.requests.filter((q) => q.path === '/sample.wav');
    assert.equal(fetched.length, 1);
    assert.equal(fetched[0].headers.authorization, undefined, 'no key to the sample’s host');
    const upload = [...zd.uploads.values()].find((u) => u.purpose === 'voice-clone-input' && u.filename === 'sample.wav' && u.deleted);
    assert.ok(upload, 'uploaded as a WAV, then deleted');
    assert.ok(zd.clonedVoices.has(r.voiceId));
  });

  test('cancel after the upload (while cloning): cancelled, and the uploaded sample is deleted', async () => {
    const controller = new AbortController();
    zd.latencyMs = 300;
    try {
      const p = zhipu.clone({ source: { kind: 'file', bytes: wav(), filename: 'cancel.wav' }, voiceName: 'me-cancel', input: 'Hello.' }, {
        previewPath: previewPath(),
        signal: controller.signal,
        onStep: (s) => s === 'cloning' && setTimeout(() => controller.abort(), 50),
      });
      await rejectsWith(p, 'cancelled');
      const upload = [...zd.uploads.values()].find((u) => u.filename === 'cancel.wav');
      assert.ok(upload, 'it was uploaded');
      assert.ok(upload.deleted, 'and deleted after the cancel');
    } finally {
      zd.latencyMs = 0;
    }
  });

  test('cancel during the upload: cancelled, and the sample (stored at Zhipu all the same) is deleted; no clone is asked for', async () => {
    const controller = new AbortController();
    zd.latencyMs = 300;
    try {
      const p = zhipu.clone({ source: { kind: 'file', bytes: wav(), filename: 'cancel-upload.wav' }, voiceName: 'me-cancel-upload', input: 'Hello.' }, {
        previewPath: previewPath(),
        signal: controller.signal,
        onStep: (s) => s === 'uploading' && setTimeout(() => controller.abort(), 50),
      });
      await rejectsWith(p, 'cancelled');
      const upload = [...zd.uploads.values()].find((u) => u.filename === 'cancel-upload.wav');
      assert.ok(upload, 'the upload reached Zhipu');
      assert.ok(upload.deleted, 'and was deleted after the cancel');
      assert.equal(zd.requestsTo('clone').length, 0, 'no clone after a cancel');
    } finally {
      zd.latencyMs = 0;
    }
  });

  test('cancel at the preview: the voice exists, so previewLost (cause cancelled) with its id; the sample is deleted', async () => {
    const controller = new AbortController();
    const p = zhipu.clone({ source: { kind: 'file', bytes: wav(), filename: 'late.wav' }, voiceName: 'me-late', input: 'Hello.' }, {
      previewPath: previewPath(),
      signal: controller.signal,
      onStep: (s) => s === 'preview' && controller.abort(),
    });
    const e = await rejectsWith(p, 'previewLost');
    assert.ok(e.problem.kind === 'previewLost' && e.problem.cause.kind === 'cancelled' && zd.clonedVoices.has(e.problem.voiceId));
    assert.ok([...zd.uploads.values()].find((u) => u.filename === 'late.wav')?.deleted);
  });

  test('a failed clone (content filter) still deletes the uploaded sample', async () => {
    zd.setFault('clone', { code: '1301' });
    await rejectsWith(zhipu.clone({ source: { kind: 'file', bytes: wav(), filename: 'filtered.wav' }, voiceName: 'me-filtered', input: 'Hello.' }, { previewPath: previewPath() }), 'contentFiltered');
    assert.ok([...zd.uploads.values()].find((u) => u.filename === 'filtered.wav')?.deleted);
  });

  test('Zhipu speech: whole PCM, and streamed in pieces that add up to the same PCM', async () => {
    const text = 'Speak this at Zhipu, please.';
    const whole = await zhipu.speak({ input: text, voice: 'tongtong' });
    assert.ok(whole.equals(zd.pcmFor(text)));
    zd.frameBytes = 4800;
    const pieces: Buffer[] = [];
    for await (const b of zhipu.speakStreamed({ input: text, voice: 'tongtong' })) pieces.push(b);
    assert.ok(pieces.length > 1, `${pieces.length} pieces`);
    assert.ok(Buffer.concat(pieces).equals(whole));
  });

  test('Zhipu streamed speech: a cut stream, or an error line, reaches the caller as streamBroken after the audio so far', async () => {
    zd.frameBytes = 2400;
    for (const fault of [{ stream: 'cut' as const, afterFrames: 2 }, { stream: 'midError' as const, afterFrames: 2 }]) {
      zd.setFault('speech', fault);
      const pieces: Buffer[] = [];
      const e = await rejectsWith(
        (async () => {
          for await (const b of zhipu.speakStreamed({ input: 'A sentence long enough to need several frames of audio.', voice: 'tongtong' })) pieces.push(b);
        })(),
        'streamBroken',
      );
      assert.equal(Buffer.concat(pieces).length, 4800, `${fault.stream}: the two frames before the break were handed on`);
      assert.equal(e.problem.kind === 'streamBroken' && e.problem.reason, fault.stream === 'cut' ? 'cut' : 'error');
    }
    zd.frameBytes = 4800;
  });

  test('Zhipu voices: listed (system and cloned), deleted at Zhipu (then gone from the list)', async () => {
    const r = await zhipu.clone({ source: { kind: 'file', bytes: wav(), filename: 'listed.wav' }, voiceName: 'me-listed', input: 'Hello.' }, { previewPath: previewPath() });
    const list = await zhipu.listVoices();
    assert.ok(list.some((v) => v.kind === 'system' && v.voiceId === 'tongtong'));
    assert.deepEqual(
      list.filter((v) => v.voiceId === r.voiceId).map((v) => [v.name, v.kind]),
      [['me-listed', 'cloned']],
    );
    await zhipu.deleteVoice(r.voiceId);
    assert.equal(zd.clonedVoices.get(r.voiceId)?.deleted, true);
    assert.ok(!(await zhipu.listVoices()).some((v) => v.voiceId === r.voiceId));
  });

  test('Novita: clone from a URL with its preview; a file, upload, list and delete refused before anything is sent', async () => {
    const steps: string[] = [];
    const r = await novita.clone({ source: { kind: 'url', url: sampleUrl }, voiceName: 'nov-url', input: 'Hello.' }, { previewPath: previewPath(), onStep: (s) => steps.push(s) });
    assert.deepEqual(steps, ['cloning', 'preview']);
    assert.ok(r.voiceId && readFileSync(r.preview.path).length > 44);
    nd.clearRequests();
    const e = await rejectsWith(novita.clone({ source: { kind: 'file', bytes: wav(), filename: 'me.wav' }, voiceName: 'nov-file', input: 'Hello.' }, { previewPath: previewPath() }), 'notSupported');
    assert.match(describeProblem(e.problem, english).message, /public URL/);
    await rejectsWith(novita.upload(), 'notSupported');
    await rejectsWith(novita.listVoices(), 'notSupported');
    await rejectsWith(novita.deleteVoice(), 'notSupported');
    assert.equal(nd.requests.length, 0, 'nothing sent');
  });

  test('Novita speech: whole, and "streamed" as the whole chunk once', async () => {
    const whole = await novita.speak({ input: 'Hello from Novita.', voice: 'tongtong' });
    const pieces: Buffer[] = [];
    for await (const b of novita.speakStreamed({ input: 'Hello from Novita.', voice: 'tongtong' })) pieces.push(b);
    assert.equal(pieces.length, 1);
    assert.ok(pieces[0].length > 0 && whole.length > 0);
  });

  test('connections: a key per provider; a missing Zhipu key is Zhipu’s, and Novita’s path is untouched', async () => {
    const asked: Array<ProviderId | undefined> = [];
    let zhipuKey: string | undefined;
    const connections = new ProviderConnections({
      secrets: { apiKey: async (p) => (asked.push(p), p === 'zhipu' ? zhipuKey : NOVITA_KEY) },
      log: quiet,
      settings: () => ({ apiBaseUrl: novitaBase, requestTimeoutMs: 3000 }),
      zhipu: () => ({ apiBaseUrl: zd.baseUrl, keepUploadedSample: false }),
    });
    try {
      const e = await rejectsWith(connections.provider('zhipu'), 'unauthorized');
      assert.equal(describeProblem(e.problem, english).message, 'No Zhipu (bigmodel.cn) API key is set.');
      zhipuKey = ZHIPU_KEY;
      const z = await connections.provider('zhipu');
      assert.equal(z.id, 'zhipu');
      assert.equal(await connections.provider('zhipu'), z, 'one client while key and settings stay');
      const nv = await connections.provider('novita');
      assert.equal(nv.id, 'novita');
      assert.equal(await connections.provider('novita'), nv);
      assert.deepEqual(asked, ['zhipu', 'zhipu', 'zhipu', undefined, undefined], 'Novita’s key is asked for as before (no argument)');
      zhipuKey = `${ZHIPU_KEY}x`;
      assert.notEqual(await connections.provider('zhipu'), z, 'a new key, a new client');
      assert.equal(connections.endpoint('zhipu'), zd.baseUrl);
    } finally {
      connections.dispose();
    }
  });

  test('a Zhipu rate limit (1302) is waited out and said as Zhipu’s, to whoever listens for retry waits', async () => {
    const connections = new ProviderConnections({
      secrets: { apiKey: async (p) => (p === 'zhipu' ? ZHIPU_KEY : NOVITA_KEY) },
      log: quiet,
      settings: () => ({ apiBaseUrl: novitaBase, requestTimeoutMs: 3000 }),
      zhipu: () => ({ apiBaseUrl: zd.baseUrl, keepUploadedSample: false }),
    });
    try {
      zd.setFault('speech', { code: '1302' });
      const heard: string[] = [];
      const z = await connections.provider('zhipu');
      const pcm = await connections.withRetryNotices((e) => heard.push(progressText(e, english)), () => z.speak({ input: 'Wait for it.', voice: 'tongtong' }));
      assert.ok(pcm.equals(zd.pcmFor('Wait for it.')));
      assert.equal(zd.requestsTo('speech').length, 2);
      assert.equal(heard.length, 1);
      assert.match(heard[0], /^Zhipu asked us to wait; retrying in \d+ s…$/);
    } finally {
      connections.dispose();
    }
  });

  test('the synthesizer speaks a voice at its provider: Zhipu’s voice at Zhipu, the others at Novita; separate cache keys', async () => {
    const connections = new ProviderConnections({
      secrets: { apiKey: async (p) => (p === 'zhipu' ? ZHIPU_KEY : NOVITA_KEY) },
      log: quiet,
      settings: () => ({ apiBaseUrl: novitaBase, requestTimeoutMs: 3000 }),
      zhipu: () => ({ apiBaseUrl: zd.baseUrl, keepUploadedSample: false }),
    });
    try {
      const r = await zhipu.clone({ source: { kind: 'file', bytes: wav(), filename: 'synth.wav' }, voiceName: 'me-synth', input: 'Hello.' }, { previewPath: previewPath() });
      zd.clearRequests();
      nd.clearRequests();
      const synth = new Synthesizer({ connections: connections.novita, endpoint: () => novitaBase, providers: connections, providerOf: (id) => (id === r.voiceId ? 'zhipu' : undefined) });
      const z = await synth.chunk('Spoken at Zhipu.', { voiceId: r.voiceId, speed: 1, volume: 1 });
      assert.ok(z.pcm.equals(zd.pcmFor('Spoken at Zhipu.')));
      assert.equal(zd.requestsTo('speech').length, 1);
      assert.equal(nd.requests.filter((q) => q.route === 'tts').length, 0);
      await synth.chunk('Spoken at Novita.', { voiceId: 'tongtong', speed: 1, volume: 1 });
      assert.equal(nd.requests.filter((q) => q.route === 'tts').length, 1);
      assert.notEqual(synth.key('Same.', { voiceId: r.voiceId, speed: 1, volume: 1 }), new Synthesizer({ connections: connections.novita, endpoint: () => novitaBase }).key('Same.', { voiceId: r.voiceId, speed: 1, volume: 1 }));
      // Without providers, every voice is Novita's, keyed as before.
      const plain = new Synthesizer({ connections: connections.novita, endpoint: () => novitaBase, providerOf: () => 'zhipu' });
      assert.equal(plain.providerFor(r.voiceId), 'novita');
    } finally {
      connections.dispose();
    }
  });
});

suite('providers: the registry and the clone flow', function () {
  this.timeout(20_000);
  let dir: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'gvc-providers-reg-'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  test('an old registry (no provider field) loads: its voices are Novita’s; a Zhipu voice and its deletion persist', async () => {
    const old = { version: 1, voices: [{ voiceId: 'v-old', name: 'old', sampleUrl: 'https://x/s.wav', createdAt: '2026-01-01T00:00:00.000Z' }], history: [] };
    writeFileSync(join(dir, 'registry.json'), JSON.stringify(old));
    const reg = await VoiceRegistry.open(dir);
    assert.equal(reg.droppedOnLoad, 0);
    assert.equal(providerOf(reg.voice('v-old')!), 'novita');
    await reg.addVoice({ voiceId: 'v-z', name: 'zed', sampleUrl: 'file:///tmp/me.wav', createdAt: new Date().toISOString(), provider: 'zhipu' });
    assert.equal(await reg.markDeleted('v-z', '2026-02-02T00:00:00.000Z'), true);
    const again = await VoiceRegistry.open(dir);
    assert.equal(again.voice('v-z')?.provider, 'zhipu');
    assert.equal(again.voice('v-z')?.deletedAt, '2026-02-02T00:00:00.000Z');
    await assert.rejects(reg.addVoice({ voiceId: 'v-bad', name: 'bad', sampleUrl: '', createdAt: new Date().toISOString(), provider: 'other' as ProviderId }), TypeError);
  });

  suite('CloneFlow from a file', () => {
    let zd: ZhipuDouble;
    let connections: ProviderConnections;
    let flow: CloneFlow;
    let requestsBefore: number;
    suiteSetup(async () => {
      zd = new ZhipuDouble({ apiKey: ZHIPU_KEY });
      await zd.start();
    });
    suiteTeardown(async () => zd.stop());
    setup(() => {
      connections = new ProviderConnections({
        secrets: { apiKey: async (p) => (p === 'zhipu' ? ZHIPU_KEY : NOVITA_KEY) },
        log: quiet,
        settings: () => ({ apiBaseUrl: 'http://127.0.0.1:9', requestTimeoutMs: 3000 }),
        zhipu: () => ({ apiBaseUrl: zd.baseUrl, keepUploadedSample: false }),
      });
      const folders = { audioDir: async () => dir };
      const samples = new SampleFlow({ connections: connections.novita, folders, settings: () => ({ apiBaseUrl: 'http://127.0.0.1:9', requestTimeoutMs: 3000 }) });
      flow = new CloneFlow({ connections: connections.novita, folders, library: () => VoiceRegistry.open(dir), samples, historyMaxItems: () => 10, providers: connections });
      requestsBefore = zd.requests.length;
    });
    teardown(() => connections.dispose());
    const form = { sampleUrl: '', transcript: '', text: 'Hello from my file.', voiceName: 'from-file' };

    test('with Zhipu: checked, uploaded, cloned, recorded as Zhipu’s with the file as its sample; progress names each step', async () => {
      const file = join(dir, 'me.wav');
      writeFileSync(file, wav());
      const events: string[] = [];
      const outcome = await flow.clone(form, { consent: true, provider: 'zhipu', sampleFile: { path: file, bytes: readFileSync(file) }, progress: (e) => events.push(progressText(e, english)) });
      assert.deepEqual(events, ['Checking the sample…', 'Uploading the sample to Zhipu…', 'Cloning the voice at Zhipu…', 'Downloading the preview…']);
      const rec = (await VoiceRegistry.open(dir)).voice(outcome.voiceId);
      assert.equal(rec?.provider, 'zhipu');
      assert.match(rec!.sampleUrl, /^file:\/\/.*me\.wav$/);
      assert.ok(readFileSync(outcome.filePath).length > 44);
      assert.ok([...zd.uploads.values()].filter((u) => u.filename === 'me.wav').every((u) => u.deleted));
    });

    test('a file Zhipu cannot take (not mp3/wav) is refused before anything is sent', async () => {
      const file = join(dir, 'me.ogg');
      writeFileSync(file, Buffer.concat([Buffer.from('OggS'), Buffer.alloc(4000)]));
      const e = await rejectsWith(flow.clone(form, { consent: true, provider: 'zhipu', sampleFile: { path: file, bytes: readFileSync(file) } }), 'sampleRefused');
      assert.match(describeProblem(e.problem, english).message, /only MP3, WAV can be cloned from|not audio that can be cloned/);
      assert.equal(zd.requests.length, requestsBefore, 'nothing sent');
    });

    test('a file with Novita: its clear message, nothing sent, no key read', async () => {
      const file = join(dir, 'me.wav');
      writeFileSync(file, wav());
      const e = await rejectsWith(flow.clone(form, { consent: true, provider: 'novita', sampleFile: { path: file, bytes: readFileSync(file) } }), 'notSupported');
      assert.match(describeProblem(e.problem, english).message, /Novita clones only from a public URL/);
    });
  });
});
