import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { parseWavHeader, pcmToWav } from '../../../src/core/audio/wav';
import { magicInput, synthesizePcm, ZhipuDouble, ZHIPU_CODE_STATUS, ZHIPU_SYSTEM_VOICES } from '../../double/zhipuDouble';

// The Zhipu double against shared/zhipu-api.md, "What a faithful double must do", spoken to with plain fetch and http
// (no client of ours in between).

const KEY = 'double.zhipu-key';
const auth = { authorization: `Bearer ${KEY}` };

interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json?: unknown;
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<Answer> {
  const form = body instanceof FormData;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined && !form ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : form ? body : JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, json };
}

function errorCode(a: Answer): string | undefined {
  const e = (a.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  assert.equal(typeof e?.message, 'string', 'an error body has a message');
  return typeof e?.code === 'string' ? e.code : undefined;
}

function uploadForm(bytes: Uint8Array, filename: string, purpose: string | null = 'voice-clone-input'): FormData {
  const f = new FormData();
  f.append('file', new Blob([bytes]), filename);
  if (purpose !== null) f.append('purpose', purpose);
  return f;
}

interface SseEvent {
  data: string;
  /** What the double had done when the event reached the reader. */
  stopSentThen: boolean;
}

/** A raw streamed speech: every `data:` event as it arrives, and whether the connection broke. */
function rawStream(d: ZhipuDouble, body: object): Promise<{ status: number; type: string; events: SseEvent[]; broken: boolean; bodyBytes: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${d.baseUrl}/audio/speech`);
    const req = http.request(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, agent: false }, (res) => {
      const events: SseEvent[] = [];
      let text = '';
      let broken = false;
      let bodyBytes = 0;
      res.on('data', (c: Buffer) => {
        bodyBytes += c.length;
        text += c.toString('utf8');
        let at: number;
        while ((at = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, at);
          text = text.slice(at + 2);
          for (const line of block.split('\n')) if (line.startsWith('data: ')) events.push({ data: line.slice(6), stopSentThen: d.streams.at(-1)?.stopSent ?? false });
        }
      });
      res.on('aborted', () => (broken = true));
      res.on('error', () => (broken = true));
      res.on('close', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), events, broken: broken || !res.complete, bodyBytes }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

suite('zhipu double', function () {
  this.timeout(10000);
  let d: ZhipuDouble;
  let base: string;
  let n = 0;

  const upload = async (name = 'sample.wav') => {
    const a = await call(base, 'POST', '/files', uploadForm(pcmToWav(synthesizePcm('sample')), name));
    assert.equal(a.status, 200, a.bytes.toString());
    return (a.json as { id: string }).id;
  };
  const clone = async (over: Record<string, unknown> = {}) => {
    const fileId = await upload();
    const voiceName = `double-voice-${++n}`;
    const a = await call(base, 'POST', '/voice/clone', { model: 'glm-tts-clone', voice_name: voiceName, input: 'Preview.', file_id: fileId, ...over });
    return { a, voiceName, fileId };
  };

  suiteSetup(async () => {
    d = new ZhipuDouble({ apiKey: KEY, refusedKeys: ['refused.key'] });
    base = await d.start();
  });
  suiteTeardown(() => d.stop());
  setup(() => {
    d.clearFaults();
    d.clearRequests();
    d.firstFrameDelayMs = 0;
    d.frameDelayMs = 0;
    d.frameBytes = 4800;
    d.emptyFirstChunk = false;
    d.sendDone = false;
  });

  test('binds 127.0.0.1 under /api/paas/v4', () => {
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/api\/paas\/v4$/);
  });

  test('Bearer auth: none or malformed is 401 1001, a wrong or refused key 401 1000', async () => {
    for (const headers of [{}, { authorization: KEY }, { authorization: 'Basic abc' }] as Record<string, string>[]) {
      const a = await call(base, 'GET', '/voice/list', undefined, headers);
      assert.equal(a.status, 401);
      assert.equal(errorCode(a), '1001');
    }
    for (const key of ['wrong.key', 'refused.key']) {
      const a = await call(base, 'GET', '/voice/list', undefined, { authorization: `Bearer ${key}` });
      assert.equal(a.status, 401);
      assert.equal(errorCode(a), '1000');
    }
  });

  test('POST /files: a FileObject for an mp3/wav voice-clone-input; other formats, oversize and missing fields refused', async () => {
    const bytes = pcmToWav(synthesizePcm('keep me'));
    const ok = await call(base, 'POST', '/files', uploadForm(bytes, 'keep.wav'));
    const f = ok.json as { id: string; object: string; bytes: number; created_at: number; filename: string; purpose: string };
    assert.equal(ok.status, 200);
    assert.deepEqual([f.object, f.bytes, f.filename, f.purpose], ['file', bytes.length, 'keep.wav', 'voice-clone-input']);
    assert.ok(d.uploads.get(f.id)?.bytes.equals(bytes));
    assert.equal((await call(base, 'POST', '/files', uploadForm(bytes, 'x.mp3'))).status, 200);
    for (const [form, code] of [
      [uploadForm(bytes, 'x.ogg'), '1214'],
      [uploadForm(Buffer.alloc(10 * 1024 * 1024 + 1), 'big.wav'), '1214'],
      [uploadForm(bytes, 'x.wav', null), '1213'],
      [uploadForm(bytes, 'x.wav', 'nonsense'), '1214'],
    ] as const) {
      const a = await call(base, 'POST', '/files', form);
      assert.equal(a.status, 400, `${form.get('file') instanceof Blob ? (form.get('file') as File).name : ''} ${String(form.get('purpose'))}`);
      assert.equal(errorCode(a), code);
    }
    const del = await call(base, 'DELETE', `/files/${f.id}`);
    assert.deepEqual(del.json, { id: f.id, object: 'file', deleted: true });
    assert.equal(errorCode(await call(base, 'DELETE', `/files/${f.id}`)), '1214');
  });

  test('POST /voice/clone: field checks, a voice id unlike the name, a preview file, the request_id echoed', async () => {
    const { a, voiceName } = await clone({ request_id: 'rq-1' });
    const r = a.json as { voice: string; file_id: string; file_purpose: string; request_id: string };
    assert.equal(a.status, 200);
    assert.notEqual(r.voice, voiceName);
    assert.equal(r.file_purpose, 'voice-clone-output');
    assert.equal(r.request_id, 'rq-1');
    const preview = await call(base, 'GET', `/files/${r.file_id}/content`);
    assert.equal(parseWavHeader(preview.bytes).sampleRate, 24000);
    const fileId = await upload();
    const full = { model: 'glm-tts-clone', voice_name: `x-${++n}`, input: 'Hi.', file_id: fileId };
    for (const field of ['model', 'voice_name', 'input', 'file_id']) {
      const body: Record<string, unknown> = { ...full };
      delete body[field];
      assert.equal(errorCode(await call(base, 'POST', '/voice/clone', body)), '1213', field);
    }
    assert.equal(errorCode(await call(base, 'POST', '/voice/clone', { ...full, model: 'cogtts-clone' })), '1211');
    assert.equal(errorCode(await call(base, 'POST', '/voice/clone', { ...full, file_id: 'file_unknown' })), '1214');
    assert.equal(errorCode(await call(base, 'POST', '/voice/clone', { ...full, voice_name: voiceName })), '1214', 'a repeated voice_name');
  });

  test('POST /audio/speech: the documented checks', async () => {
    const ok = { model: 'glm-tts', input: 'Hello.', voice: 'tongtong' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ok, model: 'cogtts' }, '1211'],
      [{ ...ok, input: '' }, '1213'],
      [{ ...ok, input: 'x'.repeat(1025) }, '1261'],
      [{ ...ok, voice: 'nobody' }, '1214'],
      [{ ...ok, speed: 0.4 }, '1214'],
      [{ ...ok, speed: 2.1 }, '1214'],
      [{ ...ok, volume: 0 }, '1214'],
      [{ ...ok, volume: 10.5 }, '1214'],
      [{ ...ok, response_format: 'mp3' }, '1214'],
      [{ ...ok, stream: true, response_format: 'wav' }, '1214'],
      [{ ...ok, stream: true, encode_format: 'base32' }, '1214'],
    ];
    for (const [body, code] of cases) {
      const a = await call(base, 'POST', '/audio/speech', body);
      assert.equal(a.status, 400, JSON.stringify(body));
      assert.equal(errorCode(a), code, JSON.stringify(body));
    }
    const wav = await call(base, 'POST', '/audio/speech', { ...ok, response_format: 'wav', speed: 2, volume: 10 });
    const info = parseWavHeader(wav.bytes);
    assert.deepEqual([info.sampleRate, info.channels, info.bitsPerSample], [24000, 1, 16]);
    const pcm = await call(base, 'POST', '/audio/speech', ok);
    assert.ok(pcm.bytes.equals(synthesizePcm('Hello.')), 'pcm (the default) is the raw samples');
    for (const voice of ZHIPU_SYSTEM_VOICES) assert.equal((await call(base, 'POST', '/audio/speech', { ...ok, voice })).status, 200, voice);
  });

  test('the stream: SSE chunks with increasing index and 24 kHz PCM, the stop chunk last, [DONE] when asked; paced', async () => {
    d.frameBytes = 2400;
    d.frameDelayMs = 30;
    d.emptyFirstChunk = true;
    for (const sendDone of [false, true]) {
      d.sendDone = sendDone;
      const text = 'Streamed by the double.';
      const r = await rawStream(d, { model: 'glm-tts', input: text, voice: 'tongtong', stream: true });
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/event-stream/);
      assert.equal(r.broken, false);
      const done = r.events.at(-1)?.data === '[DONE]';
      assert.equal(done, sendDone);
      const chunks = r.events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as { choices: { index: number; delta?: { content: string; return_sample_rate: number; return_format: string }; finish_reason?: string }[] });
      const indexes = chunks.map((c) => c.choices[0].index);
      assert.ok(indexes.every((v, i) => i === 0 || v > indexes[i - 1]), `index counts up: ${indexes.join()}`);
      const last = chunks.at(-1)!.choices[0];
      assert.equal(last.finish_reason, 'stop');
      assert.equal(last.delta, undefined);
      const audio = chunks.slice(0, -1).map((c) => c.choices[0].delta!);
      assert.equal(audio[0].content, '', 'the empty first chunk');
      assert.ok(audio.every((a) => a.return_sample_rate === 24000 && a.return_format === 'pcm'));
      assert.ok(Buffer.concat(audio.map((a) => Buffer.from(a.content, 'base64'))).equals(synthesizePcm(text)));
      assert.ok(audio.length > 3);
      assert.equal(r.events[1].stopSentThen, false, 'the first audio arrived before the double sent its end mark');
    }
  });

  test('the stream in hex', async () => {
    const r = await rawStream(d, { model: 'glm-tts', input: 'Hex.', voice: 'tongtong', stream: true, encode_format: 'hex' });
    const content = r.events.map((e) => JSON.parse(e.data) as { choices: { delta?: { content: string } }[] }).flatMap((c) => (c.choices[0].delta ? [c.choices[0].delta.content] : []));
    assert.ok(content.every((c) => /^[0-9a-f]*$/.test(c)));
    assert.ok(Buffer.concat(content.map((c) => Buffer.from(c, 'hex'))).equals(synthesizePcm('Hex.')));
  });

  test('stream faults: an error line after audio, another finish_reason, a cut connection, a clean end without stop, a body-less 200', async () => {
    const body = (fault: string) => ({ model: 'glm-tts', input: magicInput(fault), voice: 'tongtong', stream: true });
    const mid = await rawStream(d, body('midError'));
    assert.ok(JSON.parse(mid.events[0].data).choices, 'audio first');
    assert.equal(JSON.parse(mid.events.at(-1)!.data).error.code, '1234');
    const fr = await rawStream(d, body('finishReason'));
    assert.equal(JSON.parse(fr.events.at(-1)!.data).choices[0].finish_reason, 'sensitive');
    const cut = await rawStream(d, body('cut'));
    assert.equal(cut.broken, true);
    assert.ok(cut.events.length >= 1 && cut.events.every((e) => !e.data.includes('finish_reason')));
    const noStop = await rawStream(d, body('noStop'));
    assert.equal(noStop.broken, false);
    assert.ok(noStop.events.length >= 1 && noStop.events.every((e) => !e.data.includes('finish_reason')));
    const empty = await rawStream(d, body('bodyless'));
    assert.deepEqual([empty.status, empty.bodyBytes, empty.broken], [200, 0, false]);
    d.setFault('speech', { stream: 'midError', streamCode: '1301', afterFrames: 2 });
    const planned = await rawStream(d, { model: 'glm-tts', input: 'Planned fault.', voice: 'tongtong', stream: true });
    assert.equal(planned.events.length, 3);
    assert.equal(JSON.parse(planned.events[2].data).error.code, '1301');
  });

  test('errors on demand: each code with its documented status and a string code', async () => {
    for (const [code, status] of Object.entries(ZHIPU_CODE_STATUS)) {
      const a = await call(base, 'POST', '/audio/speech', { model: 'glm-tts', input: magicInput(code), voice: 'tongtong' });
      assert.equal(a.status, status, code);
      assert.equal(errorCode(a), code);
    }
    d.setFault('list', [{ code: '1302' }, { code: '1305' }]);
    assert.equal(errorCode(await call(base, 'GET', '/voice/list')), '1302');
    assert.equal(errorCode(await call(base, 'GET', '/voice/list')), '1305');
    assert.equal((await call(base, 'GET', '/voice/list')).status, 200, 'each plan once');
  });

  test('GET /voice/list and POST /voice/delete', async () => {
    const { a, voiceName } = await clone();
    const voice = (a.json as { voice: string }).voice;
    type List = { voice_list: { voice: string; voice_name: string; voice_type: string; download_url: string; create_time: string }[] };
    const all = (await call(base, 'GET', '/voice/list')).json as List;
    const official = (await call(base, 'GET', '/voice/list?voiceType=OFFICIAL')).json as List;
    assert.deepEqual(official.voice_list.map((v) => v.voice).sort(), [...ZHIPU_SYSTEM_VOICES].sort());
    const mine = ((await call(base, 'GET', `/voice/list?voiceType=PRIVATE&voiceName=${encodeURIComponent(voiceName)}`)).json as List).voice_list;
    assert.deepEqual(
      mine.map((v) => [v.voice, v.voice_type]),
      [[voice, 'PRIVATE']],
    );
    assert.match(mine[0].create_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.ok(all.voice_list.length > official.voice_list.length);
    const preview = await fetch(mine[0].download_url);
    assert.equal(preview.status, 200);
    assert.equal(parseWavHeader(Buffer.from(await preview.arrayBuffer())).sampleRate, 24000);
    assert.equal(errorCode(await call(base, 'GET', '/voice/list?voiceType=ALL')), '1214');
    const del = await call(base, 'POST', '/voice/delete', { voice });
    assert.equal((del.json as { voice: string }).voice, voice);
    assert.equal(errorCode(await call(base, 'POST', '/audio/speech', { model: 'glm-tts', input: 'Gone?', voice })), '1214');
    assert.equal(errorCode(await call(base, 'POST', '/voice/delete', { voice })), '1214', 'a second delete');
    assert.equal(errorCode(await call(base, 'POST', '/voice/delete', { voice: 'tongtong' })), '1214', 'an OFFICIAL voice');
    assert.equal((await fetch(mine[0].download_url)).status, 404);
  });
});
