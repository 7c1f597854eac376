import * as assert from 'node:assert/strict';
import { parseWavHeader, pcmToWav } from '../../../../src/core/audio/wav';
import type { Problem, ProblemKind } from '../../../../src/core/errors';
import { isRetryableZhipu, problemForZhipuCode, problemForZhipuStatus } from '../../../../src/core/zhipu/status';
import { canFallBackToWhole, ZhipuClient, type ZhipuClientOptions, type ZhipuRequestLogEntry, type ZhipuRetryInfo } from '../../../../src/core/zhipu/client';
import { labelFor, magicInput, readLabel, synthesizePcm, ZhipuDouble, ZHIPU_CODE_STATUS, ZHIPU_SYSTEM_VOICES } from '../../../double/zhipuDouble';
import { describeProblem, english } from '../../../../src/messages/index';
import { said, type Said } from '../../../support/said';

/** Distinctive and of Zhipu's `<id>.<secret>` form, so any leak into a message, detail or log line is found. */
const KEY = 'zk7LEAKCHECKid.Qs9secretLEAK42';

async function expectError(p: Promise<unknown>, kind: ProblemKind): Promise<Said> {
  try {
    await p;
  } catch (err) {
    const e = said(err, kind);
    for (const text of [e.message, e.error.message, e.detail ?? '', String(err), e.error.stack ?? '', JSON.stringify(e.problem)]) {
      assert.ok(!text.includes(KEY), `the key leaked: ${text}`);
    }
    return e;
  }
  assert.fail(`expected a ${kind} CoreError, but the call succeeded`);
}

/** Reads a stream to its end; `onBuffer` sees each buffer as it is yielded. */
async function drain(stream: AsyncIterable<Buffer>, onBuffer?: (b: Buffer, i: number) => void): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const b of stream) {
    onBuffer?.(b, out.length);
    out.push(b);
  }
  return out;
}

/** Reads a stream until it fails; returns what came before, and the failure. */
async function drainUntilError(stream: AsyncIterable<Buffer>, kind: ProblemKind): Promise<{ buffers: Buffer[]; e: Said }> {
  const buffers: Buffer[] = [];
  const e = await expectError(
    (async () => {
      for await (const b of stream) buffers.push(b);
    })(),
    kind,
  );
  return { buffers, e };
}

function sample(text = 'the sample says this'): Buffer {
  return pcmToWav(synthesizePcm(text));
}

suite('zhipu client against the double', function () {
  this.timeout(15000);
  let d: ZhipuDouble;
  let base: string;
  let n = 0;
  const clients: ZhipuClient[] = [];
  const logs: ZhipuRequestLogEntry[] = [];
  const name = () => `zhipu-voice-${++n}`;

  const client = (over: Partial<ZhipuClientOptions> = {}) => {
    const c = new ZhipuClient({ baseUrl: base, apiKey: KEY, timeoutMs: 3000, retry: { baseDelayMs: 5 }, log: (e) => logs.push(e), ...over });
    clients.push(c);
    return c;
  };
  /** A voice cloned here, and the client that cloned it. */
  const cloned = async (c = client()) => {
    const file = await c.upload(sample(), 'sample.wav');
    const voiceName = name();
    const r = await c.clone({ fileId: file.id, voiceName, input: `Preview of ${voiceName}` });
    return { ...r, voiceName, fileId: file.id };
  };

  suiteSetup(async () => {
    d = new ZhipuDouble({ apiKey: KEY });
    base = await d.start();
  });
  suiteTeardown(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await d.stop();
  });
  setup(() => {
    d.clearFaults();
    d.clearRequests();
    d.latencyMs = 0;
    d.firstFrameDelayMs = 0;
    d.frameDelayMs = 0;
    d.frameBytes = 4800;
    d.emptyFirstChunk = false;
    d.sendDone = false;
  });
  teardown(() => {
    for (const e of logs) assert.ok(!JSON.stringify(e).includes(KEY), `the key leaked into a log entry: ${JSON.stringify(e)}`);
    logs.length = 0;
  });

  suite('files and voices', () => {
    test('upload sends the file’s bytes and purpose voice-clone-input as multipart, with the key as Bearer', async () => {
      const bytes = sample('upload me');
      const f = await client().upload(bytes, 'my sample.wav');
      const [req] = d.requestsTo('upload');
      assert.equal(req.headers.authorization, `Bearer ${KEY}`);
      assert.match(req.headers['content-type'], /^multipart\/form-data; boundary=/);
      assert.match(req.bodyText, /name="purpose"\r\n\r\nvoice-clone-input\r\n/);
      const held = d.uploads.get(f.id);
      assert.ok(held, 'the double kept the file');
      assert.equal(held.purpose, 'voice-clone-input');
      assert.equal(held.filename, 'my sample.wav');
      assert.ok(held.bytes.equals(bytes), 'the double received the very bytes');
      assert.equal(f.bytes, bytes.length);
      assert.equal(f.purpose, 'voice-clone-input');
    });

    test('upload builds its multipart body itself: it works without undici’s FormData (cut from the bundled dist/undici.js)', async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const u = require('undici') as { FormData: unknown };
      const saved = u.FormData;
      u.FormData = undefined;
      try {
        const bytes = sample('no form data');
        const f = await client().upload(bytes, 'say "hi"\r\n.wav');
        const held = d.uploads.get(f.id);
        assert.ok(held, 'the double kept the file');
        assert.ok(held.bytes.equals(bytes), 'the very bytes arrived');
        assert.equal(held.purpose, 'voice-clone-input');
        assert.equal(held.filename, 'say "hi"\r\n.wav', 'a quote or line break in the name cannot break the part');
      } finally {
        u.FormData = saved;
      }
    });

    test('upload refuses, before sending, what Zhipu refuses: not mp3/wav, over 10 MB, empty', async () => {
      const c = client();
      assert.equal((await expectError(c.upload(sample(), 'sample.ogg'), 'badRequest')).message, 'Zhipu clones only from MP3 or WAV samples.');
      await expectError(c.upload(Buffer.alloc(10 * 1024 * 1024 + 1), 'big.wav'), 'badRequest');
      await expectError(c.upload(Buffer.alloc(0), 'empty.wav'), 'badRequest');
      assert.equal(d.requestsTo('upload').length, 0);
    });

    test('clone by file_id: the documented body, a voice id that is not the name, the preview’s file id', async () => {
      const c = client();
      const file = await c.upload(sample(), 'sample.wav');
      const voiceName = name();
      const r = await c.clone({ fileId: file.id, voiceName, input: 'Hello from the clone', text: 'the sample says this', requestId: 'req-42' });
      const [req] = d.requestsTo('clone');
      assert.deepEqual(req.json, { model: 'glm-tts-clone', voice_name: voiceName, input: 'Hello from the clone', file_id: file.id, text: 'the sample says this', request_id: 'req-42' });
      assert.notEqual(r.voiceId, voiceName);
      assert.equal(d.clonedVoices.get(r.voiceId)?.voiceName, voiceName);
      assert.equal(r.previewFileId, d.clonedVoices.get(r.voiceId)?.previewFileId);
      assert.equal(r.requestId, 'req-42');
    });

    test('clone: a repeated voice_name and an unknown file are 1214, a bad request naming the field', async () => {
      const c = client();
      const first = await cloned(c);
      const file = await c.upload(sample(), 's.wav');
      const dup = await expectError(c.clone({ fileId: file.id, voiceName: first.voiceName, input: 'again' }), 'badRequest');
      assert.equal(dup.status, 400);
      assert.equal(dup.field, 'voice_name');
      assert.equal(dup.problem.kind === 'badRequest' ? dup.problem.code : '', '1214');
      assert.match(dup.message, /Zhipu did not accept “voice_name” \(400\)/);
      const unknown = await expectError(c.clone({ fileId: 'file_nope', voiceName: name(), input: 'x' }), 'badRequest');
      assert.equal(unknown.field, 'file_id');
    });

    test('list: OFFICIAL is the seven system voices, PRIVATE the clones, a name search filters; the preview downloads without the key', async () => {
      const c = client();
      const mine = await cloned(c);
      const official = await c.listVoices({ type: 'OFFICIAL' });
      assert.deepEqual(official.map((v) => v.voiceId).sort(), [...ZHIPU_SYSTEM_VOICES].sort());
      const priv = await c.listVoices({ type: 'PRIVATE' });
      assert.ok(priv.some((v) => v.voiceId === mine.voiceId && v.voiceName === mine.voiceName && v.type === 'PRIVATE'));
      assert.ok(priv.every((v) => v.type === 'PRIVATE'));
      const all = await c.listVoices();
      assert.equal(all.length, official.length + priv.length);
      const found = await c.listVoices({ name: mine.voiceName });
      assert.deepEqual(
        found.map((v) => v.voiceId),
        [mine.voiceId],
      );
      assert.deepEqual(
        d.requestsTo('list').map((r) => r.query),
        [{ voiceType: 'OFFICIAL' }, { voiceType: 'PRIVATE' }, {}, { voiceName: mine.voiceName }],
      );
      const preview = await c.downloadPreview(found[0].downloadUrl!);
      assert.equal(preview.format, 'wav');
      const info = parseWavHeader(preview.bytes);
      assert.equal(info.sampleRate, 24000);
      assert.equal(readLabel(preview.bytes.subarray(info.dataOffset)), labelFor(`Preview of ${mine.voiceName}`), 'the preview speaks the clone’s input');
      const [get] = d.requestsTo('preview');
      assert.equal(get.headers.authorization, undefined, 'no key sent to a download link');
    });

    test('deleteVoice: the voice leaves the list and speech with it fails with 1214', async () => {
      const c = client();
      const mine = await cloned(c);
      assert.ok((await c.speech({ input: 'Before.', voice: mine.voiceId })).length > 44);
      const r = await c.deleteVoice(mine.voiceId);
      assert.equal(r.voiceId, mine.voiceId);
      assert.match(r.updateTime ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.ok(!(await c.listVoices({ type: 'PRIVATE' })).some((v) => v.voiceId === mine.voiceId));
      const e = await expectError(c.speech({ input: 'After.', voice: mine.voiceId }), 'badRequest');
      assert.equal(e.field, 'voice');
      assert.equal(e.problem.kind === 'badRequest' ? e.problem.code : '', '1214');
      await expectError(drain(c.speechStream({ input: 'After, streamed.', voice: mine.voiceId })), 'badRequest');
    });

    test('deleteFile: the sample is gone, and cannot be cloned from', async () => {
      const c = client();
      const file = await c.upload(sample(), 's.wav');
      assert.deepEqual(await c.deleteFile(file.id), { id: file.id, deleted: true });
      assert.equal(d.uploads.get(file.id)?.deleted, true);
      assert.equal(d.requestsTo('deleteFile')[0].method, 'DELETE');
      await expectError(c.clone({ fileId: file.id, voiceName: name(), input: 'x' }), 'badRequest');
    });
  });

  suite('speech', () => {
    test('whole: a 24 kHz WAV of the double’s audio for the text, with the documented body', async () => {
      const c = client();
      const wav = await c.speech({ input: 'Say it whole.', voice: 'tongtong', speed: 1.5, volume: 2, watermark: false });
      const info = parseWavHeader(wav);
      assert.deepEqual([info.sampleRate, info.channels, info.bitsPerSample], [24000, 1, 16]);
      assert.ok(wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes).equals(synthesizePcm('Say it whole.')));
      assert.deepEqual(d.requestsTo('speech')[0].json, { model: 'glm-tts', input: 'Say it whole.', voice: 'tongtong', speed: 1.5, volume: 2, watermark_enabled: false, response_format: 'wav' });
      const pcm = await c.speech({ input: 'Say it raw.', voice: 'jam', format: 'pcm' });
      assert.ok(pcm.equals(synthesizePcm('Say it raw.')));
    });

    test('whole: raw PCM that happens to start with “{” is audio; a 200 that is Zhipu’s error body is that error', async () => {
      const c = client();
      const pcm = Buffer.from('{"not": "json, just samples"}!!', 'latin1');
      d.setFault('speech', { body: pcm });
      assert.ok((await c.speech({ input: 'Curly.', voice: 'tongtong', format: 'pcm' })).equals(pcm));
      d.setFault('speech', { body: JSON.stringify({ error: { code: '1301', message: 'blocked' } }), contentType: 'application/json' });
      await expectError(c.speech({ input: 'Error in a 200.', voice: 'tongtong' }), 'contentFiltered');
      d.setFault('speech', { body: JSON.stringify({ error: { code: '1113', message: 'no money' } }), contentType: 'application/json' });
      await expectError(drain(c.speechStream({ input: 'Error in a 200, streamed.', voice: 'tongtong' })), 'noBalance');
    });

    test('preview links are downloads: a gone preview is the audio host’s 404, not Zhipu’s API', async () => {
      const c = client();
      const mine = await cloned(c);
      const [voice] = await c.listVoices({ name: mine.voiceName });
      await c.deleteVoice(mine.voiceId);
      const e = await expectError(c.downloadPreview(voice.downloadUrl!), 'notFound');
      assert.equal(e.problem.kind === 'notFound' && e.problem.source, 'download');
      assert.match(e.message, /^The audio file is gone \(404\)/);
    });

    test('whole: local checks before sending (empty, over 1024 characters, speed, volume)', async () => {
      const c = client();
      await expectError(c.speech({ input: ' ', voice: 'tongtong' }), 'badRequest');
      const long = await expectError(c.speech({ input: 'x'.repeat(1025), voice: 'tongtong' }), 'badRequest');
      assert.match(long.message, /1025 characters; Zhipu takes at most 1024/);
      await expectError(c.speech({ input: 'x', voice: 'tongtong', speed: 3 }), 'badRequest');
      await expectError(c.speech({ input: 'x', voice: 'tongtong', volume: 0 }), 'badRequest');
      assert.throws(() => c.speechStream({ input: 'x', voice: '' }), (e: unknown) => said(e, 'badRequest').field === 'voice');
      assert.equal(d.requestsTo('speech').length, 0);
    });

    test('streamed: PCM in order; the first buffer is handed over before the double has sent the end mark', async () => {
      d.firstFrameDelayMs = 20;
      d.frameDelayMs = 40;
      d.frameBytes = 2400;
      const text = 'A sentence long enough for several chunks of streamed speech.';
      const seen: { framesSent: number; stopSent: boolean }[] = [];
      const buffers = await drain(client().speechStream({ input: text, voice: 'tongtong' }), () => {
        const s = d.streams[0];
        seen.push({ framesSent: s.framesSent, stopSent: s.stopSent });
      });
      const s = d.streams[0];
      assert.ok(s.totalFrames >= 5, `${s.totalFrames} chunks`);
      assert.ok(Buffer.concat(buffers).equals(synthesizePcm(text)), 'the chunks, joined, are the whole speech');
      assert.equal(seen[0].stopSent, false, 'the first buffer arrived before the end mark was sent');
      assert.ok(seen[0].framesSent < s.totalFrames, `the first buffer arrived with ${seen[0].framesSent} of ${s.totalFrames} chunks sent`);
      assert.equal(s.stopSent, true);
      assert.deepEqual(d.requestsTo('speech')[0].json, { model: 'glm-tts', input: text, voice: 'tongtong', response_format: 'pcm', stream: true, encode_format: 'base64' });
      assert.equal(d.requestsTo('speech')[0].headers.accept, 'text/event-stream');
    });

    test('streamed: ends on the stop chunk with and without data: [DONE], skipping an empty first chunk', async () => {
      const c = client();
      for (const sendDone of [false, true]) {
        d.clearRequests();
        d.sendDone = sendDone;
        d.emptyFirstChunk = true;
        const text = `Ending ${sendDone ? 'with' : 'without'} DONE.`;
        const buffers = await drain(c.speechStream({ input: text, voice: 'kazi' }));
        assert.ok(Buffer.concat(buffers).equals(synthesizePcm(text)), `sendDone=${sendDone}`);
        assert.ok(buffers.every((b) => b.length > 0), 'no empty buffer handed on');
        assert.equal(d.streams[0].doneSent, sendDone);
      }
      const logged = logs.filter((e) => e.url.endsWith('/audio/speech'));
      assert.equal(logged.length, 2);
      assert.ok(logged.every((e) => e.status === 200 && e.error === undefined), JSON.stringify(logged));
    });

    test('streamed: hex chunks decode to the same PCM', async () => {
      d.frameBytes = 1000;
      const text = 'Hex encoded stream.';
      const buffers = await drain(client().speechStream({ input: text, voice: 'tongtong', encoding: 'hex' }));
      assert.equal(d.streams[0].encoding, 'hex');
      assert.equal((d.requestsTo('speech')[0].json as { encode_format?: string }).encode_format, 'hex');
      assert.ok(Buffer.concat(buffers).equals(synthesizePcm(text)));
    });

    test('streamed: a connection cut before the end mark is streamBroken “cut”, after the audio that came', async () => {
      d.frameBytes = 2000;
      d.setFault('speech', { stream: 'cut', afterFrames: 2 });
      const { buffers, e } = await drainUntilError(client().speechStream({ input: 'This stream will be cut off.', voice: 'tongtong' }), 'streamBroken');
      assert.equal(d.streams[0].cut, true);
      assert.equal(d.streams[0].stopSent, false);
      assert.equal(e.problem.kind === 'streamBroken' && e.problem.reason, 'cut');
      assert.equal(Buffer.concat(buffers).length, 4000, 'the two chunks before the cut were handed on');
      assert.equal(e.problem.kind === 'streamBroken' && e.problem.receivedBytes, 4000);
      assert.match(e.message, /Zhipu's speech stream broke off after 0\.1 s of audio/);
      assert.equal(canFallBackToWhole(e.error), true, 'a cut stream can be asked for whole');
      assert.equal(describeAction(e), 'retry');
    });

    test('streamed: an answer that ends cleanly after some audio but without the end mark is “cut” too', async () => {
      d.frameBytes = 2000;
      d.setFault('speech', { stream: 'noStop', afterFrames: 3 });
      const { buffers, e } = await drainUntilError(client().speechStream({ input: 'This stream just stops early.', voice: 'tongtong' }), 'streamBroken');
      assert.equal(d.streams[0].ended, true);
      assert.equal(d.streams[0].cut, false, 'the double closed the answer properly');
      assert.equal(Buffer.concat(buffers).length, 6000);
      assert.ok(e.problem.kind === 'streamBroken' && e.problem.reason === 'cut' && e.problem.receivedBytes === 6000, JSON.stringify(e.problem));
    });

    test('streamed: a mid-stream error line is streamBroken “error” with what its code means', async () => {
      const c = client();
      d.setFault('speech', { stream: 'midError', afterFrames: 1, streamCode: '1234' });
      const server = await drainUntilError(c.speechStream({ input: 'An error comes mid-stream.', voice: 'tongtong' }), 'streamBroken');
      assert.equal(server.buffers.length, 1);
      assert.equal(d.streams[0].errorSent, true);
      const p = server.e.problem;
      assert.ok(p.kind === 'streamBroken' && p.reason === 'error' && p.code === '1234' && p.cause?.kind === 'server', JSON.stringify(p));
      assert.equal(describeAction(server.e), 'retry');
      assert.equal(canFallBackToWhole(server.e.error), true, 'a 1234 mid-stream can be asked for whole');
      d.setFault('speech', { stream: 'midError', afterFrames: 1, streamCode: '1301' });
      const filtered = await drainUntilError(c.speechStream({ input: 'Filtered mid-stream.', voice: 'tongtong' }), 'streamBroken');
      const q = filtered.e.problem;
      assert.ok(q.kind === 'streamBroken' && q.cause?.kind === 'contentFiltered', JSON.stringify(q));
      assert.match(filtered.e.message, /content filter/);
      assert.equal(describeAction(filtered.e), undefined, 'no retry for a content filter');
      assert.equal(canFallBackToWhole(filtered.e.error), false, 'the whole text would be filtered too');
      assert.equal(d.requestsTo('speech').length, 2, 'a broken stream is not retried by the client');
    });

    test('streamed: a finish_reason other than stop, and a body-less 200, are failures', async () => {
      const c = client();
      d.setFault('speech', { stream: 'finishReason', finishReason: 'sensitive' });
      const fr = await drainUntilError(c.speechStream({ input: 'Finish oddly.', voice: 'tongtong' }), 'streamBroken');
      assert.ok(fr.buffers.length > 0);
      assert.ok(fr.e.problem.kind === 'streamBroken' && fr.e.problem.reason === 'finishReason' && fr.e.problem.finishReason === 'sensitive');
      d.setFault('speech', { stream: 'bodyless' });
      const empty = await drainUntilError(c.speechStream({ input: 'Nothing at all.', voice: 'tongtong' }), 'streamBroken');
      assert.equal(empty.buffers.length, 0);
      assert.ok(empty.e.problem.kind === 'streamBroken' && empty.e.problem.reason === 'empty');
      // the same through the magic input
      await drainUntilError(c.speechStream({ input: magicInput('bodyless'), voice: 'tongtong' }), 'streamBroken');
    });

    test('streamed: cancelling mid-stream stops reading and closes the connection', async () => {
      d.frameDelayMs = 50;
      d.frameBytes = 1200;
      const ac = new AbortController();
      const { buffers } = await drainUntilError(
        (async function* () {
          for await (const b of client().speechStream({ input: 'Cancel me after the first chunk, please.', voice: 'tongtong' }, { signal: ac.signal })) {
            ac.abort();
            yield b;
          }
        })(),
        'cancelled',
      );
      assert.equal(buffers.length, 1);
      const s = d.streams[0];
      await waitFor(() => s.clientClosed);
      assert.equal(s.stopSent, false);
    });

    test('streamed: leaving the loop early closes the connection', async () => {
      d.frameDelayMs = 50;
      d.frameBytes = 1200;
      for await (const _ of client().speechStream({ input: 'Only the first chunk is wanted here.', voice: 'tongtong' })) break;
      await waitFor(() => d.streams[0].clientClosed);
      assert.equal(d.streams[0].stopSent, false);
    });

    test('streamed: a reader slower than the timeout is not a timeout (the deadline is the server’s silence)', async () => {
      d.frameBytes = 2400;
      d.frameDelayMs = 20;
      const text = 'A slow reader takes its time with each chunk.';
      const buffers: Buffer[] = [];
      for await (const b of client({ timeoutMs: 200 }).speechStream({ input: text, voice: 'tongtong' })) {
        buffers.push(b);
        if (buffers.length === 1) await new Promise((r) => setTimeout(r, 450));
      }
      assert.ok(Buffer.concat(buffers).equals(synthesizePcm(text)));
    });

    test('streamed: a stream that stalls past the timeout is a timeout, not a hang', async () => {
      d.firstFrameDelayMs = 1500;
      const e = await expectError(drain(client({ timeoutMs: 300 }).speechStream({ input: 'Stalled.', voice: 'tongtong' })), 'timeout');
      assert.match(e.message, /^Zhipu did not answer within \d+ s/);
    });
  });

  suite('errors and retries', () => {
    const CODES: [string, ProblemKind, RegExp][] = [
      ['1000', 'unauthorized', /Zhipu rejected the API key \(401\)/],
      ['1113', 'noBalance', /Your Zhipu account has no balance left/],
      ['1302', 'rateLimited', /Zhipu's rate limit was reached/],
      ['1305', 'server', /Zhipu's speech model is overloaded/],
      ['1301', 'contentFiltered', /Zhipu's content filter blocked/],
      ['1234', 'server', /Zhipu is busy \(500\)/],
      ['1210', 'badRequest', /Zhipu did not accept the request \(400\)/],
      ['1214', 'badRequest', /Zhipu did not accept/],
      ['1304', 'quotaReached', /quota of Zhipu/],
      ['1220', 'forbidden', /no access to GLM-TTS/],
    ];

    test('every error code maps to its kind and its sentence (whole and streamed)', async () => {
      const c = client({ retry: { maxAttempts: 1 } });
      for (const [code, kind, words] of CODES) {
        const whole = await expectError(c.speech({ input: magicInput(code), voice: 'tongtong' }), kind);
        assert.match(whole.message, words, code);
        assert.equal((whole.problem as { source?: string }).source, 'zhipu', code);
        const streamed = await expectError(drain(c.speechStream({ input: magicInput(code), voice: 'tongtong' })), kind);
        assert.match(streamed.message, words, code);
      }
    });

    test('the key itself: a refused key is 401 1000, unauthorized with “set it again”', async () => {
      d.refusedKeys.add('refused.key');
      try {
        const e = await expectError(client({ apiKey: 'refused.key' }).listVoices(), 'unauthorized');
        assert.equal(e.status, 401);
        assert.equal(e.problem.kind === 'unauthorized' ? e.problem.code : '', '1000');
        assert.equal(describeAction(e), 'setApiKey');
      } finally {
        d.refusedKeys.delete('refused.key');
      }
      assert.throws(() => new ZhipuClient({ baseUrl: base, apiKey: ' ' }), (e: unknown) => said(e, 'unauthorized').message === 'No Zhipu (bigmodel.cn) API key is set.');
      assert.throws(() => new ZhipuClient({ baseUrl: 'http://example.com/api/paas/v4', apiKey: KEY }), (e: unknown) => said(e, 'insecureUrl') !== undefined);
    });

    for (const code of ['1302', '1305']) {
      test(`${code} is retried with backoff, then succeeds`, async () => {
        const retries: ZhipuRetryInfo[] = [];
        d.setFault('speech', [{ code }, { code }]);
        const wav = await client({ onRetry: (r) => retries.push(r) }).speech({ input: 'Retry me.', voice: 'tongtong' });
        assert.ok(parseWavHeader(wav).dataBytes > 0);
        assert.equal(d.requestsTo('speech').length, 3);
        assert.deepEqual(
          retries.map((r) => [r.attempt, r.delayMs]),
          [
            [2, 5],
            [3, 10],
          ],
        );
        assert.deepEqual(
          logs.map((e) => e.code ?? e.status),
          [code, code, 200],
        );
      });
    }

    test('a stream’s 1302 is retried too (before any audio)', async () => {
      d.setFault('speech', { code: '1302' });
      const buffers = await drain(client().speechStream({ input: 'Retry the stream.', voice: 'tongtong' }));
      assert.ok(Buffer.concat(buffers).equals(synthesizePcm('Retry the stream.')));
      assert.equal(d.requestsTo('speech').length, 2);
    });

    for (const code of ['1113', '1301', '1214', '1304']) {
      test(`${code} is not retried`, async () => {
        const retries: ZhipuRetryInfo[] = [];
        d.setFault('speech', { code, times: 5 });
        await assert.rejects(client({ onRetry: (r) => retries.push(r) }).speech({ input: 'Do not retry me.', voice: 'tongtong' }));
        assert.equal(d.requestsTo('speech').length, 1);
        assert.equal(retries.length, 0);
      });
    }

    test('a 500 is retried for speech, never for a clone (the voice may exist)', async () => {
      const c = client();
      d.setFault('speech', { code: '1234' });
      await c.speech({ input: 'Retry a 500.', voice: 'tongtong' });
      assert.equal(d.requestsTo('speech').length, 2);
      const file = await c.upload(sample(), 's.wav');
      d.setFault('clone', { code: '1234', times: 5 });
      await expectError(c.clone({ fileId: file.id, voiceName: name(), input: 'x' }), 'server');
      assert.equal(d.requestsTo('clone').length, 1);
    });

    test('the key is never in the request log, even for failures', async () => {
      const c = client({ retry: { maxAttempts: 1 } });
      await cloned(c);
      await drain(c.speechStream({ input: 'Logged.', voice: 'tongtong' }));
      await expectError(c.speech({ input: magicInput('1000'), voice: 'tongtong' }), 'unauthorized');
      d.setFault('speech', { stream: 'cut', afterFrames: 1 });
      await expectError(drain(c.speechStream({ input: 'Cut and logged.', voice: 'tongtong' })), 'streamBroken');
      assert.ok(logs.length >= 5);
      assert.ok(logs.some((e) => e.error !== undefined), 'a failure was logged with its reason');
      const text = JSON.stringify(logs);
      assert.ok(!text.includes(KEY) && !text.includes(KEY.split('.')[1]), text);
    });
  });
});

/** The follow-up action the user is offered for `e`. */
function describeAction(e: Said): string | undefined {
  return describeProblem(e.problem, english).action;
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert.fail('the condition did not come true in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

suite('zhipu: status mapping and words', () => {
  test('codes decide over the status; an unknown code falls back to the status class', () => {
    const kind = (status: number, body: string) => problemForZhipuStatus(status, body, 'application/json').kind;
    const body = (code: string | number) => JSON.stringify({ error: { code, message: 'm' } });
    assert.equal(kind(401, body('1003')), 'unauthorized');
    assert.equal(kind(400, body('1261')), 'badRequest');
    assert.equal(kind(500, body('1230')), 'server');
    assert.equal(kind(429, body(1302)), 'rateLimited', 'a numeric code is read as its digits');
    assert.equal(kind(429, body('9999')), 'rateLimited');
    assert.equal(kind(503, '<html>busy</html>'), 'server');
    assert.equal(kind(404, ''), 'notFound');
    assert.equal(isRetryableZhipu(429, undefined, false), true, 'a 429 without a code');
    assert.equal(isRetryableZhipu(429, '1113', true), false);
    assert.equal(isRetryableZhipu(500, '1234', false), false, 'not a request that may have done its work');
  });

  test('every problem from Zhipu is worded as Zhipu’s, never as Novita’s, and never as “something went wrong”', () => {
    const problems: Problem[] = [
      ...['1000', '1113', '1210', '1214', '1220', '1234', '1301', '1302', '1304', '1305', '9999'].map((code) => problemForZhipuCode(code, ZHIPU_CODE_STATUS[code], 'detail')),
      ...[400, 401, 403, 404, 413, 429, 500, 503].map((status) => problemForZhipuStatus(status, '', undefined, { path: '/x' })),
      { kind: 'timeout', source: 'zhipu', host: 'h', seconds: 3 },
      { kind: 'malformed', what: 'w', source: 'zhipu' },
      { kind: 'unauthorized', cause: 'missing', source: 'zhipu' },
      { kind: 'unauthorized', cause: 'badCharacters', source: 'zhipu' },
      { kind: 'streamBroken', source: 'zhipu', reason: 'cut', receivedBytes: 48000 },
      { kind: 'streamBroken', source: 'zhipu', reason: 'empty', receivedBytes: 0 },
      { kind: 'streamBroken', source: 'zhipu', reason: 'finishReason', finishReason: 'length', receivedBytes: 1 },
      { kind: 'streamBroken', source: 'zhipu', reason: 'error', receivedBytes: 1, cause: { kind: 'noBalance', source: 'zhipu' } },
      ...(['file:format', 'file:tooLong', 'file:empty', 'file_id:empty', 'encode_format:format', 'input:tooLong', 'voice:empty', 'speed:range'] as const).map((fr): Problem => {
        const [field, rule] = fr.split(':') as [string, 'empty' | 'tooLong' | 'range' | 'format'];
        return { kind: 'badRequest', field, rule, source: 'zhipu', length: 2000, max: 1024 };
      }),
    ];
    for (const p of problems) {
      const m = describeProblem(p, english).message;
      assert.ok(!/Novita/.test(m), `${JSON.stringify(p)} → ${m}`);
      assert.ok(!/Something went wrong|would not accept “/.test(m), `${JSON.stringify(p)} → ${m}`);
      assert.ok(m.length >= 10, m);
    }
    assert.match(describeProblem({ kind: 'streamBroken', source: 'zhipu', reason: 'cut', receivedBytes: 72000 }, english).message, /after 1\.5 s of audio/);
  });
});
