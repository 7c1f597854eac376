import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelFor, NovitaDouble, readLabel, samplesFor, synthesizePcm } from '../../../double/novitaDouble';
import { parseWavHeader, pcmToWav } from '../../../../src/core/audio/wav';
import { parseRetryAfter, urlForLog } from '../../../../src/core/http/get';
import { NovitaClient, validateBaseUrl, type NovitaClientOptions, type RequestLogEntry, type RetryInfo } from '../../../../src/core/novita/client';
import type { ProblemKind } from '../../../../src/core/errors';
import { coreError, said, type Said } from '../../../support/said';

/** Distinctive, so any leak into a message, detail or log line is found. */
const KEY = 'sk_live_Q7x9LEAKCHECK_Zr42';

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

suite('client: base URL policy', () => {
  test('https to any host, http only to loopback', () => {
    assert.equal(validateBaseUrl('https://api.novita.ai/'), 'https://api.novita.ai');
    assert.equal(validateBaseUrl('https://proxy.example.com/novita/'), 'https://proxy.example.com/novita');
    for (const ok of ['http://127.0.0.1:8080', 'http://127.3.4.5', 'http://localhost:1', 'http://[::1]:9']) assert.doesNotThrow(() => validateBaseUrl(ok), ok);
    for (const bad of ['http://api.novita.ai', 'http://10.0.0.1', 'http://localhost.evil.com', 'ftp://api.novita.ai', 'file:///etc/passwd', 'api.novita.ai', '', 'https://user:pw@api.novita.ai']) {
      assert.throws(() => validateBaseUrl(bad), (e: unknown) => coreError('insecureUrl')(e) && said(e).message.length > 20, bad);
    }
  });

  test('the constructor applies it, and refuses an empty key', () => {
    assert.throws(() => new NovitaClient({ baseUrl: 'http://example.com', apiKey: KEY }), coreError('insecureUrl'));
    assert.throws(() => new NovitaClient({ baseUrl: 'https://api.novita.ai', apiKey: '  ' }), coreError('unauthorized'));
  });

  test('parseRetryAfter reads seconds and HTTP-dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  test('urlForLog keeps task_id and hides other query values', () => {
    assert.equal(urlForLog(new URL('https://cdn.example.com/a.wav?X-Amz-Signature=abc&task_id=t1')), 'https://cdn.example.com/a.wav?X-Amz-Signature=…&task_id=t1');
  });
});

suite('client against the double', function () {
  this.timeout(10000);
  let d: NovitaDouble;
  let base: string;
  let sampleUrl: string;
  let dir: string;
  let n = 0;
  const clients: NovitaClient[] = [];
  const logs: RequestLogEntry[] = [];
  const name = () => `client-voice-${++n}`;

  const client = (over: Partial<NovitaClientOptions> = {}) => {
    const c = new NovitaClient({
      baseUrl: base,
      apiKey: KEY,
      timeoutMs: 2000,
      pollIntervalMs: 5,
      retry: { baseDelayMs: 10 },
      log: (e) => logs.push(e),
      ...over,
    });
    clients.push(c);
    return c;
  };
  const routeRequests = (route: string) => d.requests.filter((r) => r.route === route);

  suiteSetup(async () => {
    d = new NovitaDouble({ apiKey: KEY });
    base = await d.start();
    sampleUrl = d.addFile('/sample.wav', pcmToWav(synthesizePcm('the sample says this')), 'audio/wav', 'the sample says this');
    dir = mkdtempSync(join(tmpdir(), 'novita-client-test-'));
  });
  suiteTeardown(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  setup(() => {
    d.clearFaults();
    d.clearRequests();
    d.mode = 'sync';
    d.latencyMs = 0;
    d.taskOutcome = 'succeed';
  });
  teardown(() => {
    for (const e of logs) assert.ok(!JSON.stringify(e).includes(KEY), 'the key leaked into a log entry');
    logs.length = 0;
  });

  suite('cloneVoice', () => {
    test('sync: sends exactly {text, input, audio_url, voice_name} with the Bearer key, returns the voice', async () => {
      const voiceName = name();
      const r = await client().cloneVoice({ audioUrl: sampleUrl, transcript: 'the sample says this', input: 'Preview me', voiceName });
      const [req] = routeRequests('clone');
      assert.equal(req.headers.authorization, `Bearer ${KEY}`);
      assert.match(req.headers['content-type'], /^application\/json/);
      assert.equal(req.bodyText, JSON.stringify({ text: 'the sample says this', input: 'Preview me', audio_url: sampleUrl, voice_name: voiceName }));
      assert.equal(d.clonedVoices.get(r.voiceId)?.name, voiceName);
      assert.ok(r.audioUrl.startsWith(`${base}/audio/`));
      assert.equal(r.taskId, undefined);
    });

    test('omits text when there is no transcript', async () => {
      const voiceName = name();
      await client().cloneVoice({ audioUrl: sampleUrl, input: 'No transcript', voiceName });
      await client().cloneVoice({ audioUrl: sampleUrl, transcript: '  ', input: 'Blank transcript', voiceName: `${voiceName}-b` });
      const [a, b] = routeRequests('clone');
      assert.deepEqual(a.json, { input: 'No transcript', audio_url: sampleUrl, voice_name: voiceName });
      assert.deepEqual(Object.keys(b.json as object), ['input', 'audio_url', 'voice_name']);
    });

    test('async: polls task-result with the key until SUCCEED, reporting progress', async () => {
      d.mode = 'async';
      const progress: string[] = [];
      const r = await client().cloneVoice({ audioUrl: sampleUrl, input: 'Async preview', voiceName: name() }, { onProgress: (s) => progress.push(s) });
      assert.deepEqual(progress, ['submitted', 'queued', 'processing', 'succeeded']);
      const polls = routeRequests('taskResult');
      assert.equal(polls.length, 3);
      for (const p of polls) {
        assert.equal(p.query.task_id, r.taskId);
        assert.equal(p.headers.authorization, `Bearer ${KEY}`);
      }
      assert.ok(d.clonedVoices.has(r.voiceId));
      const wav = await fetch(r.audioUrl).then(async (res) => Buffer.from(await res.arrayBuffer()));
      assert.equal(parseWavHeader(wav)?.dataBytes, samplesFor('Async preview') * 2);
    });

    test('async: a voice id at the top level of the result is accepted too', async () => {
      d.mode = 'async';
      d.setFault('taskResult', {
        bodyOverride: { task: { task_id: 't', status: 'TASK_STATUS_SUCCEED', reason: '' }, audios: [{ audio_url: `${base}/x.wav`, audio_type: 'wav' }], voice: 'top-level-voice' },
      });
      const r = await client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() });
      assert.equal(r.voiceId, 'top-level-voice');
    });

    test('async: FAILED becomes taskFailed with the reason', async () => {
      d.mode = 'async';
      d.taskOutcome = 'failed';
      d.failReason = 'the sample is too short';
      const e = await expectError(client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }), 'taskFailed');
      assert.match(e.message, /could not clone the voice: the sample is too short/);
      assert.ok(e.taskId);
    });

    test('async: a task that never finishes times out with its task id', async () => {
      d.mode = 'async';
      d.taskOutcome = 'never';
      const t0 = Date.now();
      const e = await expectError(client({ taskTimeoutMs: 300 }).cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }), 'taskTimeout');
      assert.ok(Date.now() - t0 < 1500);
      assert.ok(e.taskId);
      assert.match(e.message, /may still finish/);
      assert.equal(routeRequests('clone').length, 1, 'the clone is never re-sent');
    });

    test('async: a finished task without a voice id or audio is malformed', async () => {
      d.mode = 'async';
      d.setFault('taskResult', [
        { bodyOverride: { task: { task_id: 't', status: 'TASK_STATUS_SUCCEED' }, audios: [{ audio_url: `${base}/x.wav` }] } },
        { bodyOverride: { task: { task_id: 't', status: 'TASK_STATUS_SUCCEED' }, audios: [], extra: { voice: 'v' } } },
        { bodyOverride: { status: 'TASK_STATUS_SUCCEED' } },
      ]);
      assert.match((await expectError(client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }), 'malformed')).message, /voice id/);
      assert.match((await expectError(client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }), 'malformed')).message, /audio_url/);
      assert.match((await expectError(client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }), 'malformed')).message, /task/);
    });

    test('async: a passing poll failure is tolerated (a task-result GET is safe to repeat)', async () => {
      d.mode = 'async';
      d.setFault('taskResult', { status: 500, times: 1 });
      const r = await client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() });
      assert.ok(r.voiceId);
      assert.equal(routeRequests('taskResult').length, 4);
    });

    test('malformed answers: not JSON, HTML, missing field, wrong type', async () => {
      const c = client();
      const go = () => c.cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() });
      d.setFault('clone', { malformedJson: true, times: 1 });
      assert.match((await expectError(go(), 'malformed')).message, /does not understand \(the answer is not valid JSON\)/);
      d.setFault('clone', { status: 200, body: '<html><body>Maintenance</body></html>', headers: { 'content-type': 'text/html' }, times: 1 });
      assert.match((await expectError(go(), 'malformed')).message, /web page/);
      d.setFault('clone', { bodyOverride: { voice: 'v-1' }, times: 1 });
      assert.match((await expectError(go(), 'malformed')).message, /audio_url/);
      d.setFault('clone', { bodyOverride: { voice: 42, audio_url: 'http://x' }, times: 1 });
      assert.match((await expectError(go(), 'malformed')).message, /voice/);
      d.setFault('clone', { bodyOverride: { task_id: 5 }, times: 1 });
      await expectError(go(), 'malformed');
      d.setFault('clone', { bodyOverride: [1, 2], times: 1 });
      await expectError(go(), 'malformed');
      d.setFault('clone', { hugeBodyBytes: 2_000_000, times: 1 });
      assert.match((await expectError(go(), 'malformed')).message, /larger than 1 MB/);
    });

    test('checks input length client side, before sending anything', async () => {
      const e = await expectError(client().cloneVoice({ audioUrl: sampleUrl, input: 'a'.repeat(1025), voiceName: name() }), 'badRequest');
      assert.equal(e.field, 'input');
      assert.equal(d.requests.length, 0);
    });
  });

  suite('error statuses', () => {
    const clone = (c: NovitaClient) => c.cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() });

    test('400 names the field: from the double’s own check and from a message', async () => {
      const voiceName = name();
      await client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName });
      const dup = await expectError(client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName }), 'badRequest');
      assert.equal(dup.field, 'voice_name');
      assert.equal(dup.status, 400);
      assert.match(dup.message, /“voice_name” \(400\)/);
      assert.match(dup.detail ?? '', /already exists/);
      d.setFault('clone', { status: 400, body: { code: 400, reason: 'INVALID_REQUEST_BODY', message: 'audio_url: could not fetch the sample', metadata: {} } });
      assert.equal((await expectError(clone(client()), 'badRequest')).field, 'audio_url');
      const missing = await expectError(client().cloneVoice({ audioUrl: `${base}/nope.wav`, input: 'x', voiceName: name() }), 'badRequest');
      assert.equal(missing.field, 'audio_url');
    });

    test('401: the key is rejected; the message says how to set one', async () => {
      const bad = new NovitaClient({ baseUrl: base, apiKey: 'sk_wrong_key', timeoutMs: 2000 });
      clients.push(bad);
      const e = await expectError(clone(bad), 'unauthorized');
      assert.equal(e.message, 'Novita rejected the API key (401). Set a valid key with “GLM Voice Clone: Set API Key”.');
      assert.equal(e.status, 401);
    });

    test('403: no access to the model or verification needed', async () => {
      d.setFault('clone', { status: 403 });
      const e = await expectError(clone(client()), 'forbidden');
      assert.match(e.message, /no access to the GLM voice-clone model, or identity verification is needed at novita\.ai/);
    });

    test('429 with Retry-After: rateLimited carrying it, "wait N s"', async () => {
      d.setFault('clone', { status: 429, headers: { 'retry-after': '7' } });
      const e = await expectError(clone(client({ retry: { maxAttempts: 1 } })), 'rateLimited');
      assert.equal(e.retryAfterMs, 7000);
      assert.equal(e.message, "Novita's rate limit was reached; wait 7 s and try again.");
    });

    test('429 without Retry-After', async () => {
      d.setFault('clone', { status: 429 });
      const e = await expectError(clone(client({ retry: { maxAttempts: 1 } })), 'rateLimited');
      assert.equal(e.retryAfterMs, undefined);
      assert.match(e.message, /rate limit was reached; wait a few seconds/);
    });

    for (const status of [500, 503, 504]) {
      test(`${status}: server, "busy; retry"`, async () => {
        d.setFault('clone', { status });
        const e = await expectError(clone(client({ retry: { maxAttempts: 1 } })), 'server');
        assert.equal(e.status, status);
        assert.match(e.message, new RegExp(`Novita is busy \\(${status}\\); retry in a moment\\.`));
      });
    }

    test('404 from the API: notFound pointing at the base URL setting', async () => {
      const wrong = client({ baseUrl: `${base}/wrong-prefix` });
      const e = await expectError(wrong.transcribe({ file: sampleUrl }), 'notFound');
      assert.match(e.message, /base URL/);
    });

    test('the key never appears in messages, details or logs, even when the server echoes it', async () => {
      const echo = `key ${KEY} is not valid for Bearer ${KEY}`;
      const kinds = [
        [400, 'badRequest'],
        [401, 'unauthorized'],
        [403, 'forbidden'],
        [429, 'rateLimited'],
        [500, 'server'],
      ] as const;
      for (const [status, kind] of kinds) {
        d.setFault('clone', { status, body: { code: status, reason: KEY, message: echo, metadata: { field: 'input' } }, times: 1 });
        const e = await expectError(clone(client({ retry: { maxAttempts: 1 } })), kind);
        if (status === 400) assert.match(e.detail ?? '', /\*\*\*/);
      }
      d.mode = 'async';
      d.taskOutcome = 'failed';
      d.failReason = `bad sample for ${KEY}`;
      await expectError(clone(client()), 'taskFailed');
    });
  });

  suite('retries', () => {
    test('429 then success: 2 requests, onRetry told the wait; Retry-After seconds honoured', async () => {
      d.setFault('tts', { status: 429, headers: { 'retry-after': '1' }, times: 1 });
      const retries: RetryInfo[] = [];
      const t0 = Date.now();
      const audio = await client({ onRetry: (r) => retries.push(r) }).synthesize({ input: 'retry me', voice: 'tongtong', format: 'pcm' });
      assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After');
      assert.equal(routeRequests('tts').length, 2);
      assert.equal(retries.length, 1);
      assert.equal(retries[0].attempt, 2);
      assert.equal(retries[0].delayMs, 1000);
      assert.match(retries[0].reason, /rateLimited/);
      assert.equal(readLabel(audio), labelFor('retry me'));
    });

    test('a clone answered 429 is repeated too: nothing was done', async () => {
      d.setFault('clone', { status: 429, times: 1 });
      const r = await client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() });
      assert.ok(r.voiceId);
      assert.equal(routeRequests('clone').length, 2);
    });

    test('503 twice then success: 3 requests with backoff', async () => {
      d.setFault('tts', { status: 503, times: 2 });
      const retries: RetryInfo[] = [];
      await client({ onRetry: (r) => retries.push(r) }).synthesize({ input: 'x', voice: 'jam', format: 'wav' });
      assert.equal(routeRequests('tts').length, 3);
      assert.deepEqual(
        retries.map((r) => [r.attempt, r.delayMs]),
        [
          [2, 10],
          [3, 20],
        ],
      );
    });

    test('gives up after maxAttempts', async () => {
      d.setFault('tts', { status: 429 });
      await expectError(client({ retry: { maxAttempts: 3, baseDelayMs: 5 } }).synthesize({ input: 'x', voice: 'jam', format: 'wav' }), 'rateLimited');
      assert.equal(routeRequests('tts').length, 3);
    });

    test('a Retry-After beyond the budget fails at once, carrying retryAfterMs', async () => {
      d.setFault('tts', { status: 429, headers: { 'retry-after': '60' } });
      const retries: RetryInfo[] = [];
      const t0 = Date.now();
      const e = await expectError(client({ retry: { maxTotalMs: 5000 }, onRetry: (r) => retries.push(r) }).synthesize({ input: 'x', voice: 'jam', format: 'wav' }), 'rateLimited');
      assert.ok(Date.now() - t0 < 1000);
      assert.equal(e.retryAfterMs, 60000);
      assert.match(e.message, /wait 60 s/);
      assert.equal(routeRequests('tts').length, 1);
      assert.equal(retries.length, 0);
    });

    test('500, 504 and 400 are not repeated', async () => {
      for (const status of [500, 504, 400]) {
        d.clearRequests();
        d.setFault('tts', { status });
        await assert.rejects(client().synthesize({ input: 'x', voice: 'jam', format: 'wav' }));
        assert.equal(routeRequests('tts').length, 1, `status ${status}`);
      }
    });

    test('a clone that times out is sent exactly once', async () => {
      d.setFault('clone', { hang: true });
      const e = await expectError(client({ timeoutMs: 200 }).cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }), 'timeout');
      assert.match(e.message, /Novita is busy: no answer within/);
      assert.match(e.message, /may have been created/);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(routeRequests('clone').length, 1);
    });

    test('a clone whose connection resets is sent exactly once', async () => {
      d.setFault('clone', { reset: 'beforeHeaders' });
      await expectError(client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }), 'network');
      d.setFault('clone', { truncateBytes: 5 });
      await expectError(client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }), 'network');
      assert.equal(routeRequests('clone').length, 2);
    });

    test('connection refused is retried (nothing was sent) and then reported with the host', async () => {
      const gone = new NovitaDouble({ apiKey: KEY });
      const goneBase = await gone.start();
      await gone.stop();
      const retries: RetryInfo[] = [];
      const e = await expectError(client({ baseUrl: goneBase, onRetry: (r) => retries.push(r) }).transcribe({ file: sampleUrl }), 'network');
      assert.equal(retries.length, 2);
      assert.equal(e.message, `Could not reach ${new URL(goneBase).host}: ECONNREFUSED.`);
    });

    test('connection refused, then the server comes up: the retry succeeds', async () => {
      const later = new NovitaDouble({ apiKey: KEY });
      const port = Number(new URL(await later.start()).port);
      await later.stop();
      let started: Promise<string> | undefined;
      const c = client({ baseUrl: `http://127.0.0.1:${port}`, retry: { baseDelayMs: 150 }, onRetry: () => (started ??= later.start(port)) });
      try {
        const r = await c.transcribe({ file: 'https://example.com/a.wav' });
        assert.equal(typeof r.text, 'string');
        assert.equal(later.requests.length, 1);
      } finally {
        await started;
        await later.stop();
      }
    });
  });

  suite('timeouts and cancellation', () => {
    test('a request that takes too long fails with timeout', async () => {
      d.setFault('tts', { hang: true });
      const t0 = Date.now();
      const e = await expectError(client({ timeoutMs: 250 }).synthesize({ input: 'x', voice: 'jam', format: 'pcm' }), 'timeout');
      assert.ok(Date.now() - t0 < 1500);
      assert.match(e.message, /busy/);
    });

    test('a body that stalls mid-way also times out', async () => {
      d.latencyMs = 0;
      d.setFault('tts', { delayMs: 600 });
      await expectError(client({ timeoutMs: 200 }).synthesize({ input: 'x', voice: 'jam', format: 'pcm' }), 'timeout');
    });

    test('AbortController mid-request: cancelled, promptly', async () => {
      d.setFault('clone', { hang: true });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 80);
      const t0 = Date.now();
      const e = await expectError(client({ timeoutMs: 5000 }).cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }, { signal: ac.signal }), 'cancelled');
      assert.ok(Date.now() - t0 < 1000);
      assert.equal(e.message, 'Cancelled.');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(d.inFlight('clone'), 0, 'the connection was closed');
    });

    test('an already aborted signal sends nothing', async () => {
      await expectError(client().synthesize({ input: 'x', voice: 'jam', format: 'pcm' }, { signal: AbortSignal.abort() }), 'cancelled');
      assert.equal(d.requests.length, 0);
    });

    test('cancelling while polling an async clone, and while waiting to retry', async () => {
      d.mode = 'async';
      d.taskOutcome = 'never';
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const e = await expectError(client().cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() }, { signal: ac.signal }), 'cancelled');
      assert.ok(e.taskId);
      d.setFault('tts', { status: 503, headers: { 'retry-after': '5' } });
      const ac2 = new AbortController();
      const t0 = Date.now();
      await expectError(client({ onRetry: () => setTimeout(() => ac2.abort(), 50) }).synthesize({ input: 'x', voice: 'jam', format: 'pcm' }, { signal: ac2.signal }), 'cancelled');
      assert.ok(Date.now() - t0 < 1000);
    });
  });

  suite('synthesize and transcribe', () => {
    test('synthesize sends the exact body and returns PCM or WAV', async () => {
      const c = client();
      const pcm = await c.synthesize({ input: 'Say it', voice: 'xiaochen', speed: 1.25, volume: 2, format: 'pcm' });
      assert.equal(routeRequests('tts')[0].bodyText, JSON.stringify({ input: 'Say it', voice: 'xiaochen', speed: 1.25, volume: 2, response_format: 'pcm' }));
      assert.equal(routeRequests('tts')[0].headers.authorization, `Bearer ${KEY}`);
      assert.equal(pcm.length, samplesFor('Say it') * 2);
      assert.equal(readLabel(pcm), labelFor('Say it'));
      const wav = await c.synthesize({ input: 'Say it', voice: 'xiaochen', format: 'wav' });
      assert.deepEqual(routeRequests('tts')[1].json, { input: 'Say it', voice: 'xiaochen', response_format: 'wav' });
      assert.ok(wav.subarray(44).equals(pcm));
    });

    test('synthesize with a cloned voice', async () => {
      const c = client();
      const { voiceId } = await c.cloneVoice({ audioUrl: sampleUrl, input: 'x', voiceName: name() });
      const pcm = await c.synthesize({ input: 'In my voice', voice: voiceId, format: 'pcm' });
      assert.equal(readLabel(pcm), labelFor('In my voice'));
    });

    test('synthesize checks limits client side: input in code points, speed, volume', async () => {
      const c = client();
      const astral = '😀'.repeat(1024); // 2048 UTF-16 units, 1024 code points: allowed
      assert.equal((await c.synthesize({ input: astral, voice: 'jam', format: 'pcm' })).length, samplesFor(astral) * 2);
      d.clearRequests();
      assert.equal((await expectError(c.synthesize({ input: `${astral}a`, voice: 'jam', format: 'pcm' }), 'badRequest')).field, 'input');
      assert.equal((await expectError(c.synthesize({ input: '', voice: 'jam', format: 'pcm' }), 'badRequest')).field, 'input');
      assert.equal((await expectError(c.synthesize({ input: 'x', voice: 'jam', speed: 3, format: 'pcm' }), 'badRequest')).field, 'speed');
      assert.equal((await expectError(c.synthesize({ input: 'x', voice: 'jam', volume: 0, format: 'pcm' }), 'badRequest')).field, 'volume');
      assert.equal(d.requests.length, 0);
    });

    test('synthesize rejects JSON or non-audio answers as malformed, and names the field of a 400', async () => {
      d.setFault('tts', { bodyOverride: { audio: 'base64…' }, times: 1 });
      await expectError(client().synthesize({ input: 'x', voice: 'jam', format: 'pcm' }), 'malformed');
      d.setFault('tts', { status: 200, body: 'RIFX-not-a-wav', headers: { 'content-type': 'application/octet-stream' }, times: 1 });
      await expectError(client().synthesize({ input: 'x', voice: 'jam', format: 'wav' }), 'malformed');
      const e = await expectError(client().synthesize({ input: 'x', voice: 'no-such-voice', format: 'pcm' }), 'badRequest');
      assert.equal(e.field, 'voice');
    });

    test('transcribe sends {file, prompt, hotwords} and returns {text}', async () => {
      const r = await client().transcribe({ file: sampleUrl, prompt: 'a demo', hotwords: ['sample'] });
      assert.deepEqual(r, { text: 'the sample says this' });
      assert.equal(routeRequests('asr')[0].bodyText, JSON.stringify({ file: sampleUrl, prompt: 'a demo', hotwords: ['sample'] }));
      d.setFault('asr', { bodyOverride: { transcript: 'x' } });
      await expectError(client().transcribe({ file: sampleUrl }), 'malformed');
    });

    test('pooled keep-alive connections serve sequential requests', async () => {
      const c = client();
      const before = d.connectionsAccepted;
      for (let i = 0; i < 10; i++) await c.synthesize({ input: `x${i}`, voice: 'jam', format: 'pcm' });
      // undici may open a second socket while the first is still being released; never one per request
      assert.ok(d.connectionsAccepted - before <= 2, `${d.connectionsAccepted - before} connections for 10 requests`);
    });

    test('a configured proxy is bypassed for loopback', async () => {
      const c = client({ proxy: { url: 'http://127.0.0.1:9', strictSSL: false } });
      assert.equal(readLabel(await c.synthesize({ input: 'direct', voice: 'jam', format: 'pcm' })), labelFor('direct'));
    });

    test('a closed client refuses further calls', async () => {
      const c = client();
      await c.close();
      await expectError(c.synthesize({ input: 'x', voice: 'jam', format: 'pcm' }), 'cancelled');
    });

    test('log entries: method, URL without query values, status, time; a reason when the answer was unusable', async () => {
      await client().synthesize({ input: 'log me', voice: 'jam', format: 'pcm' });
      const entry = logs.at(-1)!;
      assert.equal(entry.method, 'POST');
      assert.equal(entry.url, `${base}/v3/glm-tts`);
      assert.equal(entry.status, 200);
      assert.ok(entry.ms >= 0);
      assert.equal(entry.error, undefined);
      d.setFault('asr', { malformedJson: true, times: 1 });
      await assert.rejects(client().transcribe({ file: sampleUrl }));
      assert.equal(logs.at(-1)!.status, 200);
      assert.match(logs.at(-1)!.error ?? '', /malformed \(what=the answer is not valid JSON\)/);
      d.setFault('asr', { status: 500, times: 1 });
      await assert.rejects(client().transcribe({ file: sampleUrl }));
      assert.equal(logs.at(-1)!.status, 500);
    });
  });

  suite('downloadAudio', () => {
    const files = () => readdirSync(dir);
    const dest = (f: string) => join(dir, f);
    setup(() => {
      for (const f of files()) rmSync(join(dir, f), { force: true });
    });

    test('saves the audio without ever sending the key; no temp file left', async () => {
      const { audioUrl } = await client().cloneVoice({ audioUrl: sampleUrl, input: 'Download me', voiceName: name() });
      d.clearRequests();
      const r = await client().downloadAudio(`${audioUrl}?X-Amz-Signature=topsecret`, dest('preview.wav'));
      assert.deepEqual(r, { path: dest('preview.wav'), bytes: 44 + samplesFor('Download me') * 2, format: 'wav' });
      const saved = readFileSync(dest('preview.wav'));
      assert.equal(readLabel(saved, 22), labelFor('Download me'));
      assert.deepEqual(files(), ['preview.wav']);
      const [req] = d.requests;
      assert.equal(req.route, 'audio');
      assert.equal(req.headers.authorization, undefined);
      assert.ok(!JSON.stringify(req.headers).includes(KEY));
      assert.ok(!logs.some((l) => l.url.includes('topsecret')), 'signed query values stay out of logs');
    });

    test('recognises MP3, Ogg and FLAC by their bytes', async () => {
      const c = client();
      for (const [magic, format] of [
        [Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00padding', 'latin1'), 'mp3'],
        [Buffer.from('OggS\x00\x02\x00\x00\x00\x00\x00\x00rest', 'latin1'), 'ogg'],
        [Buffer.from('fLaC\x00\x00\x00\x22\x00\x00\x00\x00rest', 'latin1'), 'flac'],
      ] as const) {
        d.addFile(`/m.${format}`, magic, 'application/octet-stream');
        assert.equal((await c.downloadAudio(`${base}/m.${format}`, dest(`m.${format}`))).format, format);
      }
    });

    test('over the cap: tooLarge, from Content-Length or while streaming; nothing left behind', async () => {
      d.addFile('/big.wav', pcmToWav(Buffer.alloc(10)), 'audio/wav');
      d.setFault('file', { hugeBodyBytes: 3_000_000, declareLength: true, times: 1 });
      await expectError(client().downloadAudio(`${base}/big.wav`, dest('big.wav'), { maxBytes: 1_000_000 }), 'tooLarge');
      d.setFault('file', { hugeBodyBytes: 3_000_000, times: 1 });
      const e = await expectError(client().downloadAudio(`${base}/big.wav`, dest('big.wav'), { maxBytes: 1_000_000 }), 'tooLarge');
      assert.match(e.message, /larger than 1 MB/);
      assert.deepEqual(files(), []);
    });

    test('an HTML page, JSON or M4A is notAudio; nothing left behind', async () => {
      d.addFile('/login.html', Buffer.from('<!DOCTYPE html><html><body>Sign in</body></html>'), 'text/html');
      assert.match((await expectError(client().downloadAudio(`${base}/login.html`, dest('a.wav')), 'notAudio')).message, /web page/);
      d.addFile('/err.json', Buffer.from('{"error":"expired"}'), 'application/json');
      await expectError(client().downloadAudio(`${base}/err.json`, dest('a.wav')), 'notAudio');
      d.addFile('/a.m4a', Buffer.from('\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00', 'latin1'), 'audio/mp4');
      assert.match((await expectError(client().downloadAudio(`${base}/a.m4a`, dest('a.wav')), 'notAudio')).message, /M4A/);
      d.addFile('/empty.wav', Buffer.alloc(0), 'audio/wav');
      await expectError(client().downloadAudio(`${base}/empty.wav`, dest('a.wav')), 'notAudio');
      assert.deepEqual(files(), []);
    });

    test('follows redirects within the limit; a loop or too many hops is redirectLoop', async () => {
      d.addFile('/real.wav', pcmToWav(synthesizePcm('moved')), 'audio/wav');
      for (const p of ['/r1', '/r2', '/loop-a', '/loop-b']) d.addFile(p, Buffer.alloc(1), 'audio/wav');
      d.setFault('file', [
        { path: '/r1', redirectTo: '/r2', times: Infinity },
        { path: '/r2', redirectTo: `${base}/real.wav`, times: Infinity },
        { path: '/loop-a', redirectTo: '/loop-b', times: Infinity },
        { path: '/loop-b', redirectTo: '/loop-a', times: Infinity },
      ]);
      const r = await client().downloadAudio(`${base}/r1`, dest('moved.wav'));
      assert.equal(readLabel(readFileSync(r.path), 22), labelFor('moved'));
      assert.match((await expectError(client().downloadAudio(`${base}/loop-a`, dest('x.wav')), 'redirectLoop')).message, /loop/);
      assert.match((await expectError(client().downloadAudio(`${base}/r1`, dest('x.wav'), { maxRedirects: 1 }), 'redirectLoop')).message, /more than 1/);
      assert.deepEqual(files(), ['moved.wav']);
    });

    test('a body that stops early (truncated or reset) is a network error and leaves no file', async () => {
      d.addFile('/cut.wav', pcmToWav(Buffer.alloc(200_000)), 'audio/wav');
      d.setFault('file', { truncateBytes: 50_000, times: 1 });
      await expectError(client().downloadAudio(`${base}/cut.wav`, dest('cut.wav')), 'network');
      d.setFault('file', { reset: 'midBody', times: 1 });
      await expectError(client().downloadAudio(`${base}/cut.wav`, dest('cut.wav')), 'network');
      // the same, held in memory (keepBytesUpTo): no early hand-over of a partial body either
      const early = () => assert.fail('onComplete for a partial body');
      d.setFault('file', { truncateBytes: 50_000, times: 1 });
      await expectError(client().downloadAudio(`${base}/cut.wav`, dest('cut.wav'), { keepBytesUpTo: 1_000_000, onComplete: early }), 'network');
      d.setFault('file', { reset: 'midBody', times: 1 });
      await expectError(client().downloadAudio(`${base}/cut.wav`, dest('cut.wav'), { keepBytesUpTo: 1_000_000, onComplete: early }), 'network');
      assert.deepEqual(files(), []);
      await client().downloadAudio(`${base}/cut.wav`, dest('cut.wav'));
      assert.deepEqual(files(), ['cut.wav']);
    });

    test('raw PCM declared by the caller is wrapped in a WAV header', async () => {
      const pcm = synthesizePcm('raw pcm');
      d.addFile('/raw.pcm', pcm, 'audio/pcm');
      const r = await client().downloadAudio(`${base}/raw.pcm`, dest('raw.wav'), { assumePcm: true });
      const saved = readFileSync(r.path);
      assert.equal(r.format, 'wav');
      assert.equal(r.bytes, saved.length);
      assert.deepEqual(parseWavHeader(saved), { audioFormat: 1, sampleRate: 24000, channels: 1, bitsPerSample: 16, dataOffset: 44, dataBytes: pcm.length });
      assert.ok(saved.subarray(44).equals(pcm));
      await expectError(client().downloadAudio(`${base}/raw.pcm`, dest('raw2.wav')), 'notAudio');
    });

    test('keepBytesUpTo hands back exactly what was saved, header included, and nothing over the limit', async () => {
      const pcm = synthesizePcm('kept in memory');
      d.addFile('/kept.pcm', pcm, 'audio/pcm');
      const wrapped = await client().downloadAudio(`${base}/kept.pcm`, dest('kept.wav'), { assumePcm: true, keepBytesUpTo: 1_000_000 });
      assert.ok(wrapped.data, 'the bytes came back');
      assert.ok(wrapped.data.equals(readFileSync(wrapped.path)), 'the same bytes as the file, final WAV header included');
      const wav = pcmToWav(pcm);
      d.addFile('/kept.wav', wav, 'audio/wav');
      const plain = await client().downloadAudio(`${base}/kept.wav`, dest('kept2.wav'), { keepBytesUpTo: wav.length });
      assert.ok(plain.data?.equals(wav));
      // one byte short: from Content-Length, and while streaming (no length declared)
      assert.equal((await client().downloadAudio(`${base}/kept.wav`, dest('kept3.wav'), { keepBytesUpTo: wav.length - 1 })).data, undefined);
      assert.equal((await client().downloadAudio(`${base}/kept.pcm`, dest('kept4.wav'), { assumePcm: true, keepBytesUpTo: pcm.length + 43 })).data, undefined);
      assert.equal((await client().downloadAudio(`${base}/kept.wav`, dest('kept5.wav'))).data, undefined, 'not kept unless asked');
      assert.ok(readFileSync(dest('kept3.wav')).equals(wav), 'the file is saved either way');
    });

    test('onComplete hands the bytes over once, before the file is finished', async () => {
      const pcm = synthesizePcm('handed over early');
      d.addFile('/early.pcm', pcm, 'audio/pcm');
      const calls: { data: Buffer; format: string; fileThere: boolean }[] = [];
      const r = await client().downloadAudio(`${base}/early.pcm`, dest('early.wav'), {
        assumePcm: true,
        keepBytesUpTo: 1_000_000,
        onComplete: (data, format) => calls.push({ data, format, fileThere: existsSync(dest('early.wav')) }),
      });
      assert.equal(calls.length, 1);
      assert.equal(calls[0].format, 'wav');
      assert.equal(calls[0].fileThere, false, 'called before the file is in place');
      assert.ok(calls[0].data.equals(readFileSync(r.path)), 'the final bytes, WAV header included');
      // over the limit: never called
      await client().downloadAudio(`${base}/early.pcm`, dest('early2.wav'), { assumePcm: true, keepBytesUpTo: 10, onComplete: () => assert.fail('called over the limit') });
    });

    test('404, a hanging host and a cancelled download leave no file', async () => {
      assert.match((await expectError(client().downloadAudio(`${base}/expired.wav`, dest('e.wav')), 'notFound')).message, /expire/);
      d.addFile('/slow.wav', pcmToWav(Buffer.alloc(10)), 'audio/wav');
      d.setFault('file', { hang: true });
      await expectError(client({ timeoutMs: 200 }).downloadAudio(`${base}/slow.wav`, dest('s.wav')), 'timeout');
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      await expectError(client().downloadAudio(`${base}/slow.wav`, dest('s.wav'), { signal: ac.signal }), 'cancelled');
      assert.deepEqual(files(), []);
      assert.ok(!existsSync(dest('s.wav')));
    });

    test('a destination that cannot be written is a local file problem, not a network error', async () => {
      await assert.rejects(client().downloadAudio(sampleUrl, join(dir, 'no-such-folder', 'a.wav')), (e: unknown) => {
        const p = said(e, 'localFile').problem;
        assert.equal(p.kind === 'localFile' && p.code, 'ENOENT');
        assert.match(said(e).message, /Could not save the audio to .*no-such-folder.* \(ENOENT\)\./);
        return true;
      });
      assert.equal(routeRequests('file').length, 1, 'not retried');
    });

    test('only http and https URLs', async () => {
      await expectError(client().downloadAudio('file:///etc/passwd', dest('p.wav')), 'insecureUrl');
      await expectError(client().downloadAudio('not a url', dest('p.wav')), 'insecureUrl');
    });
  });
});
