import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { join } from 'node:path';
import { parseWavHeader, pcmToWav } from '../../../src/core/audio/wav';
import { parseArgs } from '../../double/cli';
import {
  CANNED_TRANSCRIPT,
  labelFor,
  labelSamples,
  NovitaDouble,
  readLabel,
  samplesFor,
  synthesizePcm,
} from '../../double/novitaDouble';

const KEY = 'double-key-123';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  bytes: Buffer;
  json?: unknown;
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, bytes, json };
}

const auth = { authorization: `Bearer ${KEY}` };

/** A raw GET that reports how many body bytes arrived and whether the connection broke. */
function rawGet(url: string): Promise<{ status: number; declared?: number; received: number; broken: boolean; chunked: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let received = 0;
      let broken = false;
      res.on('data', (c: Buffer) => (received += c.length));
      res.on('aborted', () => (broken = true));
      res.on('error', () => (broken = true));
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          declared: res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']),
          received,
          broken: broken || !res.complete,
          chunked: res.headers['transfer-encoding'] === 'chunked',
        }),
      );
    });
    req.on('error', reject);
  });
}

suite('double: audio it makes', () => {
  test('samplesFor counts Unicode code points, not UTF-16 units', () => {
    assert.equal(samplesFor(''), 2400);
    assert.equal(samplesFor('abc'), 2400 + 720);
    assert.equal(samplesFor('😀😀'), 2400 + 480);
  });

  test('synthesized PCM has the exact length and its label in the first 8 samples', () => {
    const text = 'Hello, 世界';
    const pcm = synthesizePcm(text);
    assert.equal(pcm.length, samplesFor(text) * 2);
    assert.equal(readLabel(pcm, 0), labelFor(text));
    assert.deepEqual(
      Array.from({ length: 8 }, (_, i) => pcm.readInt16LE(i * 2)),
      labelSamples(labelFor(text)),
    );
    assert.notEqual(readLabel(pcm, 0), labelFor('Hello, world'));
    assert.equal(readLabel(pcm, 1), undefined, 'tone samples are not a label');
    assert.equal(readLabel(pcm, samplesFor(text)), undefined, 'past the end');
  });

  test('labelFor is FNV-1a 32 of the UTF-8 text', () => {
    assert.equal(labelFor(''), 0x811c9dc5);
    assert.equal(labelFor('a'), 0xe40c292c);
  });

  test('clips joined in order can be told apart by their labels', () => {
    const parts = ['one', 'two', 'three'];
    const joined = Buffer.concat(parts.map((t) => synthesizePcm(t)));
    let offset = 0;
    for (const p of parts) {
      assert.equal(readLabel(joined, offset), labelFor(p));
      offset += samplesFor(p);
    }
  });
});

suite('double: API', function () {
  this.timeout(8000);
  let d: NovitaDouble;
  let base: string;
  let n = 0;
  const name = () => `voice-${++n}`;

  suiteSetup(async () => {
    d = new NovitaDouble({ apiKey: KEY });
    base = await d.start();
  });
  suiteTeardown(() => d.stop());
  setup(() => {
    d.clearFaults();
    d.clearRequests();
    d.mode = 'sync';
    d.latencyMs = 0;
    d.taskOutcome = 'succeed';
    d.addFile('/sample.wav', pcmToWav(synthesizePcm('sample words')), 'audio/wav', 'sample words');
  });

  const cloneBody = (over: Record<string, unknown> = {}) => ({ input: 'Preview text', audio_url: `${base}/sample.wav`, voice_name: name(), ...over });

  test('binds 127.0.0.1 and exposes the base URL', () => {
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(d.baseUrl, base);
  });

  test('auth: missing, malformed and wrong keys get 401 with a Novita error body', async () => {
    for (const headers of [{}, { authorization: KEY }, { authorization: 'Bearer wrong' }, { authorization: 'Basic abc' }] as Record<string, string>[]) {
      const r = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody(), headers);
      assert.equal(r.status, 401, JSON.stringify(headers));
      const body = r.json as Record<string, unknown>;
      assert.equal(body.code, 401);
      assert.equal(body.reason, 'INVALID_API_KEY');
      assert.equal(typeof body.message, 'string');
      assert.deepEqual(body.metadata, {});
    }
    assert.equal((await call(base, 'POST', '/v3/glm-tts', { input: 'x' }, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await call(base, 'GET', '/v3/async/task-result?task_id=x', undefined, {})).status, 401);
    assert.equal((await call(base, 'POST', '/v3/glm-asr', { file: 'x' }, {})).status, 401);
  });

  test('clone (sync): answers {voice, audio_url}; the preview is a real WAV of the input', async () => {
    const r = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ text: 'sample words', input: 'Hi there' }), auth);
    assert.equal(r.status, 200);
    const body = r.json as { voice: string; audio_url: string };
    assert.deepEqual(Object.keys(body).sort(), ['audio_url', 'voice']);
    assert.match(body.voice, /\S/);
    assert.ok(body.audio_url.startsWith(`${base}/audio/`) && body.audio_url.endsWith('.wav'), body.audio_url);
    const audio = await call(body.audio_url, 'GET', '');
    assert.equal(audio.status, 200);
    assert.equal(audio.headers.get('content-type'), 'audio/wav');
    const info = parseWavHeader(audio.bytes)!;
    assert.deepEqual([info.sampleRate, info.channels, info.bitsPerSample], [24000, 1, 16]);
    assert.equal(info.dataBytes, samplesFor('Hi there') * 2);
    assert.equal(readLabel(audio.bytes.subarray(info.dataOffset)), labelFor('Hi there'));
    assert.ok(d.clonedVoices.has(body.voice));
  });

  test('clone: every required field is checked (missing, empty, wrong type) and named', async () => {
    for (const field of ['input', 'audio_url', 'voice_name']) {
      for (const value of [undefined, '', '   ', 42, null]) {
        const body: Record<string, unknown> = cloneBody();
        if (value === undefined) delete body[field];
        else body[field] = value;
        const r = await call(base, 'POST', '/v3/glm-tts-voice-clone', body, auth);
        assert.equal(r.status, 400, `${field}=${JSON.stringify(value)}`);
        const err = r.json as { code: number; message: string; metadata: { field?: string } };
        assert.equal(err.code, 400);
        assert.equal(err.metadata.field, field);
        assert.ok(err.message.includes(field), err.message);
      }
    }
    const r = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ text: 7 }), auth);
    assert.equal(r.status, 400);
    assert.equal((r.json as { metadata: { field: string } }).metadata.field, 'text');
  });

  test('clone: text is optional; input over 1024 code points and unusable sample URLs are 400s', async () => {
    assert.equal((await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody(), auth)).status, 200);
    assert.equal((await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ input: '😀'.repeat(1024) }), auth)).status, 200);
    const long = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ input: 'a'.repeat(1025) }), auth);
    assert.equal((long.json as { metadata: { field: string } }).metadata.field, 'input');
    for (const url of ['not a url', 'ftp://x/y.wav', `${base}/missing.wav`]) {
      const r = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ audio_url: url }), auth);
      assert.equal(r.status, 400, url);
      assert.equal((r.json as { metadata: { field: string } }).metadata.field, 'audio_url');
    }
    d.addFile('/page.html', Buffer.from('<html>hi</html>'), 'text/html');
    const page = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ audio_url: `${base}/page.html` }), auth);
    assert.equal((page.json as { metadata: { field: string } }).metadata.field, 'audio_url');
  });

  test('clone: a voice_name already used is a 400 naming voice_name', async () => {
    const body = cloneBody();
    assert.equal((await call(base, 'POST', '/v3/glm-tts-voice-clone', body, auth)).status, 200);
    const again = await call(base, 'POST', '/v3/glm-tts-voice-clone', body, auth);
    assert.equal(again.status, 400);
    assert.equal((again.json as { metadata: { field: string } }).metadata.field, 'voice_name');
    assert.match((again.json as { message: string }).message, /already exists/);
  });

  test('clone (async): {task_id}, then QUEUED → PROCESSING → SUCCEED with audios and extra.voice', async () => {
    d.mode = 'async';
    const voiceName = name();
    const r = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ voice_name: voiceName, input: 'Async preview' }), auth);
    const { task_id } = r.json as { task_id: string };
    assert.deepEqual(Object.keys(r.json as object), ['task_id']);
    const poll = async () => (await call(base, 'GET', `/v3/async/task-result?task_id=${task_id}`, undefined, auth)).json as {
      task: { task_id: string; status: string; reason: string };
      audios: { audio_url: string; audio_type: string }[];
      extra?: { voice: string };
    };
    const p1 = await poll();
    assert.equal(p1.task.status, 'TASK_STATUS_QUEUED');
    assert.equal(p1.task.task_id, task_id);
    assert.deepEqual(p1.audios, []);
    assert.equal((await poll()).task.status, 'TASK_STATUS_PROCESSING');
    // the name is reserved while the task runs
    assert.equal((await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ voice_name: voiceName }), auth)).status, 400);
    const done = await poll();
    assert.equal(done.task.status, 'TASK_STATUS_SUCCEED');
    assert.equal(done.task.reason, '');
    assert.equal(done.audios[0].audio_type, 'wav');
    assert.ok(d.clonedVoices.has(done.extra!.voice));
    const audio = await call(done.audios[0].audio_url, 'GET', '');
    assert.equal(parseWavHeader(audio.bytes)!.dataBytes, samplesFor('Async preview') * 2);
    assert.deepEqual(await poll(), done, 'a finished task keeps answering the same');
  });

  test('task-result: failed and never-finishing outcomes; unknown and missing task ids', async () => {
    d.mode = 'async';
    d.taskOutcome = 'failed';
    d.failReason = 'sample too noisy';
    const failedName = name();
    const { task_id } = (await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ voice_name: failedName }), auth)).json as { task_id: string };
    let last: { task: { status: string; reason: string } } | undefined;
    for (let i = 0; i < 3; i++) last = (await call(base, 'GET', `/v3/async/task-result?task_id=${task_id}`, undefined, auth)).json as typeof last;
    assert.equal(last!.task.status, 'TASK_STATUS_FAILED');
    assert.equal(last!.task.reason, 'sample too noisy');
    // a failed clone frees its name
    d.mode = 'sync';
    assert.equal((await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ voice_name: failedName }), auth)).status, 200);

    d.mode = 'async';
    d.taskOutcome = 'never';
    const never = (await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody(), auth)).json as { task_id: string };
    for (let i = 0; i < 6; i++) last = (await call(base, 'GET', `/v3/async/task-result?task_id=${never.task_id}`, undefined, auth)).json as typeof last;
    assert.equal(last!.task.status, 'TASK_STATUS_PROCESSING');

    const unknown = await call(base, 'GET', '/v3/async/task-result?task_id=nope', undefined, auth);
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json as { code: number }).code, 404);
    const missing = await call(base, 'GET', '/v3/async/task-result', undefined, auth);
    assert.equal(missing.status, 400);
    assert.equal((missing.json as { metadata: { field: string } }).metadata.field, 'task_id');
  });

  test('tts: pcm by default, wav on request; length and label follow the text', async () => {
    const pcm = await call(base, 'POST', '/v3/glm-tts', { input: 'Speak this' }, auth);
    assert.equal(pcm.status, 200);
    assert.equal(pcm.bytes.length, samplesFor('Speak this') * 2);
    assert.equal(readLabel(pcm.bytes), labelFor('Speak this'));
    const wav = await call(base, 'POST', '/v3/glm-tts', { input: 'Speak this', voice: 'jam', response_format: 'wav', speed: 2, volume: 10 }, auth);
    assert.equal(wav.bytes.length, 44 + pcm.bytes.length);
    assert.ok(wav.bytes.subarray(44).equals(pcm.bytes));
    assert.equal(parseWavHeader(wav.bytes)?.sampleRate, 24000);
  });

  test('tts: a cloned voice works; bad parameters are 400s naming the field', async () => {
    const { voice } = (await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody(), auth)).json as { voice: string };
    assert.equal((await call(base, 'POST', '/v3/glm-tts', { input: 'x', voice }, auth)).status, 200);
    for (const v of ['tongtong', 'chuichui', 'xiaochen', 'jam', 'kazi', 'douji', 'luodo']) {
      assert.equal((await call(base, 'POST', '/v3/glm-tts', { input: 'x', voice: v }, auth)).status, 200, v);
    }
    const bad: [Record<string, unknown>, string][] = [
      [{}, 'input'],
      [{ input: '' }, 'input'],
      [{ input: 'a'.repeat(1025) }, 'input'],
      [{ input: 'x', voice: 'nobody' }, 'voice'],
      [{ input: 'x', speed: 0.4 }, 'speed'],
      [{ input: 'x', speed: 2.1 }, 'speed'],
      [{ input: 'x', speed: '1' }, 'speed'],
      [{ input: 'x', volume: 0 }, 'volume'],
      [{ input: 'x', volume: 10.5 }, 'volume'],
      [{ input: 'x', response_format: 'mp3' }, 'response_format'],
    ];
    for (const [body, field] of bad) {
      const r = await call(base, 'POST', '/v3/glm-tts', body, auth);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal((r.json as { metadata: { field: string } }).metadata.field, field, JSON.stringify(body));
    }
    const notJson = await call(base, 'POST', '/v3/glm-tts', '{oops', auth);
    assert.equal(notJson.status, 400);
  });

  test('asr: known transcripts for its own URLs and base64 clips, a canned one otherwise', async () => {
    const { audio_url } = (await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody({ input: 'Known words' }), auth)).json as { audio_url: string };
    const asr = async (body: unknown) => call(base, 'POST', '/v3/glm-asr', body, auth);
    assert.deepEqual((await asr({ file: audio_url })).json, { text: 'Known words' });
    assert.deepEqual((await asr({ file: `${base}/sample.wav`, prompt: 'p', hotwords: ['a'] })).json, { text: 'sample words' });
    assert.deepEqual((await asr({ file: 'https://example.com/other.wav' })).json, { text: CANNED_TRANSCRIPT });
    const tts = await call(base, 'POST', '/v3/glm-tts', { input: 'Base64 words', response_format: 'wav' }, auth);
    assert.deepEqual((await asr({ file: tts.bytes.toString('base64') })).json, { text: 'Base64 words' });
    assert.deepEqual((await asr({ file: pcmToWav(Buffer.alloc(100)).toString('base64') })).json, { text: CANNED_TRANSCRIPT });
    for (const [body, field] of [
      [{}, 'file'],
      [{ file: '' }, 'file'],
      [{ file: Buffer.from('<html>').toString('base64') }, 'file'],
      [{ file: `${base}/gone.wav` }, 'file'],
      [{ file: audio_url, hotwords: 'a' }, 'hotwords'],
      [{ file: audio_url, prompt: 3 }, 'prompt'],
    ] as const) {
      const r = await asr(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal((r.json as { metadata: { field: string } }).metadata.field, field);
    }
  });

  test('files: GET, HEAD (length, no body) and Range (206, 416)', async () => {
    const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const url = d.addFile('/f.bin', bytes, 'application/octet-stream');
    assert.equal(url, `${base}/f.bin`);
    const get = await call(base, 'GET', '/f.bin');
    assert.ok(get.bytes.equals(bytes));
    const head = await call(base, 'HEAD', '/f.bin');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '100');
    assert.equal(head.bytes.length, 0);
    const part = await call(base, 'GET', '/f.bin', undefined, { range: 'bytes=10-19' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 10-19/100');
    assert.ok(part.bytes.equals(bytes.subarray(10, 20)));
    const tail = await call(base, 'GET', '/f.bin', undefined, { range: 'bytes=-5' });
    assert.ok(tail.bytes.equals(bytes.subarray(95)));
    const open = await call(base, 'GET', '/f.bin', undefined, { range: 'bytes=98-' });
    assert.ok(open.bytes.equals(bytes.subarray(98)));
    const bad = await call(base, 'GET', '/f.bin', undefined, { range: 'bytes=200-300' });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), 'bytes */100');
    assert.equal((await call(base, 'GET', '/nothing-here')).status, 404);
    assert.equal((await call(base, 'POST', '/f.bin', {})).status, 405);
    assert.equal((await call(base, 'GET', '/v3/glm-tts', undefined, auth)).status, 405);
  });

  test('records requests with lower-case headers, query, body text and JSON', async () => {
    await call(base, 'POST', '/v3/glm-tts?x=1', { input: 'rec' }, { ...auth, 'X-Custom': 'Yes' });
    assert.equal(d.requests.length, 1);
    const r = d.requests[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v3/glm-tts');
    assert.deepEqual(r.query, { x: '1' });
    assert.equal(r.headers['x-custom'], 'Yes');
    assert.equal(r.headers.authorization, `Bearer ${KEY}`);
    assert.equal(r.bodyText, '{"input":"rec"}');
    assert.deepEqual(r.json, { input: 'rec' });
    assert.equal(r.route, 'tts');
    assert.ok(Math.abs(Date.now() - r.at) < 5000);
    d.clearRequests();
    assert.equal(d.requests.length, 0);
  });

  test('counts requests in flight per route', async () => {
    d.latencyMs = 150;
    d.resetStats();
    const pending = [1, 2, 3].map(() => call(base, 'POST', '/v3/glm-tts', { input: 'c' }, auth));
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(d.inFlight('tts'), 3);
    await Promise.all(pending);
    assert.equal(d.inFlight('tts'), 0);
    assert.equal(d.maxInFlight('tts'), 3);
    assert.equal(d.maxInFlight('clone'), 0);
    d.resetStats();
    assert.equal(d.maxInFlight('tts'), 0);
  });

  test('latencyMs delays API answers', async () => {
    d.latencyMs = 120;
    const t0 = Date.now();
    await call(base, 'POST', '/v3/glm-tts', { input: 'slow' }, auth);
    assert.ok(Date.now() - t0 >= 110);
  });

  suite('fault plans', () => {
    test('status with headers and a default Novita error body; a lone plan applies until cleared', async () => {
      d.setFault('tts', { status: 429, headers: { 'retry-after': '3' } });
      for (let i = 0; i < 2; i++) {
        const r = await call(base, 'POST', '/v3/glm-tts', { input: 'x' }, auth);
        assert.equal(r.status, 429);
        assert.equal(r.headers.get('retry-after'), '3');
        assert.equal((r.json as { code: number }).code, 429);
      }
      d.clearFaults();
      assert.equal((await call(base, 'POST', '/v3/glm-tts', { input: 'x' }, auth)).status, 200);
    });

    test('times, and arrays applied one after another', async () => {
      d.setFault('tts', { status: 503, times: 2 });
      const a = [];
      for (let i = 0; i < 3; i++) a.push((await call(base, 'POST', '/v3/glm-tts', { input: 'x' }, auth)).status);
      assert.deepEqual(a, [503, 503, 200]);
      d.setFault('tts', [{ status: 500 }, { status: 504, times: 2 }, { body: { custom: true } }]);
      const b = [];
      for (let i = 0; i < 5; i++) b.push((await call(base, 'POST', '/v3/glm-tts', { input: 'x' }, auth)).status);
      assert.deepEqual(b, [500, 504, 504, 200, 200]);
    });

    test('body (string or object) and bodyOverride replace the answer', async () => {
      d.setFault('clone', { status: 400, body: { code: 400, reason: 'X', message: 'audio_url bad', metadata: {} }, times: 1 });
      assert.equal((await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody(), auth)).text, '{"code":400,"reason":"X","message":"audio_url bad","metadata":{}}');
      d.setFault('clone', { status: 502, body: 'Bad gateway', times: 1 });
      const s = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody(), auth);
      assert.equal(s.status, 502);
      assert.equal(s.text, 'Bad gateway');
      d.setFault('clone', { bodyOverride: { voice: 42 }, times: 1 });
      const o = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody(), auth);
      assert.equal(o.status, 200);
      assert.deepEqual(o.json, { voice: 42 });
    });

    test('malformedJson sends a 200 that does not parse', async () => {
      d.setFault('clone', { malformedJson: true });
      const r = await call(base, 'POST', '/v3/glm-tts-voice-clone', cloneBody(), auth);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /json/);
      assert.equal(r.json, undefined);
    });

    test('truncateBytes and reset midBody declare the full length, then cut the connection', async () => {
      const bytes = Buffer.alloc(10000, 7);
      d.addFile('/cut.bin', bytes, 'application/octet-stream');
      d.setFault('file', { truncateBytes: 1000 });
      const t = await rawGet(`${base}/cut.bin`);
      assert.equal(t.declared, 10000);
      assert.equal(t.received, 1000);
      assert.equal(t.broken, true);
      d.setFault('file', { reset: 'midBody' });
      const m = await rawGet(`${base}/cut.bin`);
      assert.equal(m.declared, 10000);
      assert.equal(m.received, 5000);
      assert.equal(m.broken, true);
    });

    test('reset beforeHeaders closes the connection without an answer', async () => {
      d.setFault('tts', { reset: 'beforeHeaders' });
      await assert.rejects(call(base, 'POST', '/v3/glm-tts', { input: 'x' }, auth));
    });

    test('hang never answers until the client gives up; the request stays in flight meanwhile', async () => {
      d.setFault('tts', { hang: true });
      const ac = new AbortController();
      const pending = fetch(`${base}/v3/glm-tts`, { method: 'POST', body: '{}', signal: ac.signal });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(d.inFlight('tts'), 1);
      ac.abort();
      await assert.rejects(pending);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(d.inFlight('tts'), 0);
    });

    test('delayMs delays one route only', async () => {
      d.setFault('asr', { delayMs: 150 });
      const t0 = Date.now();
      await call(base, 'POST', '/v3/glm-tts', { input: 'x' }, auth);
      assert.ok(Date.now() - t0 < 120);
      await call(base, 'POST', '/v3/glm-asr', { file: 'https://example.com/a.wav' }, auth);
      assert.ok(Date.now() - t0 >= 150);
    });

    test('hugeBodyBytes streams that many bytes, chunked or with a declared length', async () => {
      d.addFile('/big.wav', pcmToWav(Buffer.alloc(10)), 'audio/wav');
      d.setFault('file', { hugeBodyBytes: 3_000_000 });
      const chunked = await rawGet(`${base}/big.wav`);
      assert.equal(chunked.received, 3_000_000);
      assert.equal(chunked.chunked, true);
      assert.equal(chunked.declared, undefined);
      d.setFault('file', { hugeBodyBytes: 100_000, declareLength: true });
      const declared = await rawGet(`${base}/big.wav`);
      assert.equal(declared.declared, 100_000);
      assert.equal(declared.received, 100_000);
      const head = (await call(base, 'GET', '/big.wav')).bytes;
      assert.equal(head.subarray(0, 4).toString('latin1'), 'RIFF', 'audio routes stream a WAV header first');
    });

    test('redirectTo answers 302 with the Location', async () => {
      d.addFile('/r.wav', Buffer.alloc(1), 'audio/wav');
      d.setFault('file', { redirectTo: '/elsewhere.wav', path: '/r.wav' });
      const r = await call(base, 'GET', '/r.wav');
      assert.equal(r.status, 302);
      assert.equal(r.headers.get('location'), '/elsewhere.wav');
      assert.equal((await call(base, 'GET', '/sample.wav')).status, 200, 'path filter leaves other files alone');
    });

    test('probability applies to a seeded share of requests, the same share for the same seed', async () => {
      const run = async () => {
        const other = new NovitaDouble({ apiKey: KEY, seed: 42 });
        const b = await other.start();
        other.setFault('tts', { status: 503, probability: 0.3 });
        const statuses: number[] = [];
        for (let i = 0; i < 60; i++) statuses.push((await call(b, 'POST', '/v3/glm-tts', { input: 'p' }, auth)).status);
        await other.stop();
        return statuses;
      };
      const first = await run();
      const failures = first.filter((s) => s === 503).length;
      assert.ok(failures > 6 && failures < 36, `${failures} of 60`);
      assert.deepEqual(await run(), first);
    });
  });

  test('stop() ends hanging requests and closes the port', async () => {
    const other = new NovitaDouble({ apiKey: KEY });
    const b = await other.start();
    other.setFault('clone', { hang: true });
    const pending = call(b, 'POST', '/v3/glm-tts-voice-clone', {}, auth);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await other.stop();
    assert.ok(Date.now() - t0 < 1000);
    await assert.rejects(pending);
    await assert.rejects(call(b, 'POST', '/v3/glm-tts', {}, auth));
  });
});

suite('double: CLI', function () {
  this.timeout(15000);

  test('parseArgs reads port, key, mode and latency', () => {
    assert.deepEqual(parseArgs(['--port', '8123', '--key', 'k', '--mode', 'async', '--latency', '40']), {
      port: 8123,
      key: 'k',
      mode: 'async',
      latencyMs: 40,
      speak: false,
    });
    assert.deepEqual(parseArgs([]), { port: 0, mode: 'sync', latencyMs: 0, speak: false });
  });

  test('prints {"baseUrl"} and, without --key, accepts any bearer key but not a missing one; exits on SIGTERM', async () => {
    const tsx = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [join(__dirname, '..', '..', 'double', 'cli.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        child.on('exit', (code) => reject(new Error(`cli exited ${code}`)));
      });
      const { baseUrl, sampleUrl } = JSON.parse(line) as { baseUrl: string; sampleUrl: string };
      assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      const ok = await call(baseUrl, 'POST', '/v3/glm-tts-voice-clone', { input: 'x', audio_url: sampleUrl, voice_name: 'demo' }, { authorization: 'Bearer any-demo-key' });
      assert.equal(ok.status, 200);
      assert.equal((await call(baseUrl, 'POST', '/v3/glm-tts', { input: 'x' })).status, 401);
      assert.equal((await call(baseUrl, 'POST', '/v3/glm-tts', { input: 'x' }, { authorization: 'Bearer' })).status, 401);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
