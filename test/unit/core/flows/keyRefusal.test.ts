// A key Novita refuses (401) or an account it refuses (403): the first refusal stops every request of the run that is
// not yet in flight — across narrations sharing one request pool (the CLI's batch), and in a narration that would
// otherwise replace failed chunks by silence — and is forgotten once nothing is outstanding, so the next run asks again.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Semaphore } from '../../../../src/cli/pool';
import { isKeyRefusal, problemOf } from '../../../../src/core/errors';
import { NarrateFlow } from '../../../../src/core/flows/narrate';
import type { ConnectionSettings } from '../../../../src/core/flows/ports';
import { Synthesizer } from '../../../../src/core/flows/synthesis';
import { NovitaConnections } from '../../../../src/core/novita/connections';
import { planNarration } from '../../../../src/core/narration/plan';
import { NovitaDouble } from '../../../double/novitaDouble';

const KEY = 'sk_refusal_LEAKCHECK_3310';
const text = (k: number, n: number) => Array.from({ length: n }, (_, i) => `File ${k} says sentence ${i} of its ${n}, with a few more words to speak.`).join(' ');

suite('a refused key stops the run (core flows, against the double)', function () {
  this.timeout(20000);
  let d: NovitaDouble;
  let dir: string;
  let settings: ConnectionSettings;
  let key: string;
  let connections: NovitaConnections;
  const logs: string[] = [];

  suiteSetup(async () => {
    d = new NovitaDouble({ apiKey: KEY });
    settings = { apiBaseUrl: await d.start(), requestTimeoutMs: 5000 };
    dir = mkdtempSync(join(tmpdir(), 'gvc-refusal-'));
    mkdirSync(join(dir, 'audio'));
    connections = new NovitaConnections({
      secrets: { apiKey: async () => key },
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
      settings: () => settings,
    });
  });
  suiteTeardown(async () => {
    connections.dispose();
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  setup(() => {
    key = 'sk_wrong_key_0000';
    d.clearFaults();
    d.clearRequests();
    // Slow enough that every flow has queued its requests before the first refusal comes back.
    d.latencyMs = 60;
  });
  teardown(() => {
    for (const line of logs) assert.ok(!line.includes(KEY), `the key leaked into the log: ${line}`);
    logs.length = 0;
  });

  const tts = () => d.requests.filter((r) => r.route === 'tts').length;
  const flowOf = (synthesizer: Synthesizer, concurrency: number) =>
    new NarrateFlow({ synthesizer, folders: { audioDir: async () => join(dir, 'audio') }, library: () => Promise.reject(new Error('no history')), settings: () => ({ speed: 1, volume: 1, concurrency, historyMaxItems: 0 }) });
  const narrate = (flow: NarrateFlow, k: number, onFailure: 'stop' | 'skip' = 'stop') =>
    flow.narrate({ text: text(k, 30), voice: { id: 'tongtong', name: 'tongtong' }, kind: 'narration' }, { onFailure, output: { path: join(dir, `out-${k}.wav`), history: false } });
  const refusedKey = (err: unknown) => isKeyRefusal(problemOf(err));

  test('three narrations sharing one pool of 2: the first 401 leaves every queued request unsent (at most 2 reach Novita)', async () => {
    assert.ok(planNarration(text(1, 30), undefined).chunks.length >= 6, 'enough chunks to queue');
    const pool = new Semaphore(2);
    const heard: string[] = [];
    const synthesizer = new Synthesizer({ connections, endpoint: () => settings.apiBaseUrl, limit: (request, signal) => pool.run(request, signal), onKeyRefused: (e) => heard.push(e.kind) });
    const results = await Promise.allSettled([narrate(flowOf(synthesizer, 2), 1), narrate(flowOf(synthesizer, 2), 2), narrate(flowOf(synthesizer, 2), 3)]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(refusedKey((r as PromiseRejectedResult).reason), `refused for the key: ${String((r as PromiseRejectedResult).reason)}`);
    }
    assert.ok(tts() <= 2, `${tts()} requests reached Novita; at most the 2 in flight may`);
    assert.deepEqual(heard, ['unauthorized'], 'the runner is told once');
  });

  test('a 403 (the account) stops them the same way', async () => {
    key = KEY;
    d.setFault('tts', { status: 403 });
    const pool = new Semaphore(2);
    const synthesizer = new Synthesizer({ connections, endpoint: () => settings.apiBaseUrl, limit: (request, signal) => pool.run(request, signal) });
    const results = await Promise.allSettled([narrate(flowOf(synthesizer, 2), 4), narrate(flowOf(synthesizer, 2), 5), narrate(flowOf(synthesizer, 2), 8)]);
    for (const r of results) assert.ok(r.status === 'rejected' && refusedKey(r.reason), 'refused for the account');
    assert.ok(tts() <= 2, `${tts()} requests reached Novita`);
  });

  test('onFailure "skip" does not replace every chunk by silence after a refused key: it stops like "stop"', async () => {
    const synthesizer = new Synthesizer({ connections, endpoint: () => settings.apiBaseUrl });
    const flow = flowOf(synthesizer, 2);
    await assert.rejects(narrate(flow, 6, 'skip'), refusedKey);
    assert.ok(tts() <= 2, `${tts()} requests reached Novita; the concurrency is 2`);
  });

  test('the refusal is forgotten once nothing is outstanding: the next run asks again, and works with a good key', async () => {
    const synthesizer = new Synthesizer({ connections, endpoint: () => settings.apiBaseUrl });
    await assert.rejects(narrate(flowOf(synthesizer, 2), 7), refusedKey);
    d.clearRequests();
    await assert.rejects(narrate(flowOf(synthesizer, 2), 7), refusedKey);
    assert.ok(tts() >= 1, 'the second run asked Novita again (identity verified meanwhile, say)');
    key = KEY;
    d.latencyMs = 0;
    const done = await narrate(flowOf(synthesizer, 2), 7);
    assert.ok(done.chunks >= 6);
  });
});
