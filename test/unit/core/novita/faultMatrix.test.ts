// The fault matrix at the client level: every fault of test/support/faultCatalogue.ts on every route it applies to
// (clone, task-result, TTS, audio download), against the double. Each case checks the error's kind and sentence,
// how many requests reached the double (a clone is never silently sent twice), that no promise rejection went
// unhandled, that the key appears nowhere and that a failed download leaves no file behind.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NovitaDouble, synthesizePcm, type DoubleRoute } from '../../../double/novitaDouble';
import { pcmToWav } from '../../../../src/core/audio/wav';
import { NovitaClient, type NovitaClientOptions } from '../../../../src/core/novita/client';
import { said } from '../../../support/said';
import { FAULTS, TASK_FAIL_REASON, type FaultContext } from '../../../support/faultCatalogue';
import { MATRIX_ROUTES, recordMatrixRow, type MatrixRoute } from '../../../support/matrix';
import { closedPort } from '../../../support/ports';

const KEY = 'gvc-matrix-key-c41d9e07a6b3';
const CTX: FaultContext = { retryAfter: '0.05', timeoutSecs: 1 };

suite('fault matrix (client against the double)', function () {
  this.timeout(30_000);
  let double: NovitaDouble;
  let sampleUrl: string;
  let dir: string;
  let dead: string;
  let n = 0;
  const clients: NovitaClient[] = [];
  const client = (over: Partial<NovitaClientOptions> = {}) => {
    const c = new NovitaClient({
      baseUrl: double.baseUrl,
      apiKey: KEY,
      timeoutMs: CTX.timeoutSecs * 1000,
      pollIntervalMs: 5,
      taskTimeoutMs: 1500,
      retry: { baseDelayMs: 5 },
      ...over,
    });
    clients.push(c);
    return c;
  };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  suiteSetup(async () => {
    double = new NovitaDouble({ apiKey: KEY, pollsUntilDone: 0, failReason: TASK_FAIL_REASON });
    await double.start();
    sampleUrl = double.addFile('/sample.wav', pcmToWav(synthesizePcm('a sample')), 'audio/wav');
    dir = mkdtempSync(join(tmpdir(), 'gvc-matrix-'));
    dead = `http://127.0.0.1:${await closedPort()}`;
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
  });
  suiteTeardown(async () => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
    await Promise.all(clients.map((c) => c.close()));
    await double.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  setup(() => {
    double.clearFaults();
    double.clearRequests();
    double.mode = 'sync';
    double.taskOutcome = 'succeed';
    unhandled.length = 0;
  });

  /** Runs one route's call with the fault in place; returns what the user would read ('' when it succeeded). */
  async function run(faultId: string, route: MatrixRoute, arrange: (audioPath?: string) => void): Promise<{ kind: string; message: string }> {
    // A short timeout only where the fault is the wait itself: 200 MB must not time out on a busy machine.
    const timeoutMs = faultId === 'no headers' ? CTX.timeoutSecs * 1000 : 15_000;
    const c = client({ timeoutMs, ...(faultId === 'refused' && route !== 'audio' ? { baseUrl: dead } : {}) });
    const voiceName = `matrix-${++n}`;
    const request = { audioUrl: sampleUrl, input: 'The matrix speaks.', voiceName };
    try {
      if (route === 'clone') {
        arrange();
        await c.cloneVoice(request);
      } else if (route === 'taskResult') {
        double.mode = 'async';
        arrange();
        await c.cloneVoice(request);
      } else if (route === 'tts') {
        arrange();
        await c.synthesize({ input: 'The matrix speaks.', voice: 'jam', format: 'pcm' });
      } else {
        if (faultId === 'refused') double.setFault('clone', { bodyOverride: { voice: 'voice_dead', audio_url: `${dead}/audio/gone.wav` }, times: 1 });
        const cloned = await c.cloneVoice(request);
        double.clearRequests();
        arrange(new URL(cloned.audioUrl).pathname);
        await c.downloadAudio(cloned.audioUrl, join(dir, `${voiceName}.wav`));
      }
      return { kind: 'ok', message: '' };
    } catch (err) {
      const e = said(err);
      for (const text of [e.message, e.error.message, JSON.stringify(e.problem)]) assert.equal(text.includes(KEY), false, 'the key leaked');
      return { kind: e.kind, message: e.message };
    }
  }

  for (const fault of FAULTS) {
    const expected = fault.expect(CTX);
    for (const route of MATRIX_ROUTES) {
      const want = expected[route];
      if (!want) continue;
      test(`${fault.title} × ${route}: ${want.outcome === 'ok' ? 'retried, then succeeds' : want.outcome}`, async () => {
        const doubleRoute: DoubleRoute = route;
        const arrange = (audioPath?: string) => {
          if (fault.plan) double.setFault(doubleRoute, fault.plan(route, { ...CTX, audioPath }));
          if (fault.id === 'task FAILED') double.taskOutcome = 'failed';
          if (fault.id === 'task never ends') double.taskOutcome = 'never';
        };
        const started = Date.now();
        const got = await run(fault.id, route, arrange);
        const ms = Date.now() - started;
        // let a stray rejection surface before judging
        await new Promise((r) => setImmediate(r));
        const requests = double.requests.filter((r) => r.route === route).length;
        recordMatrixRow({ layer: 'unit', fault: fault.title, route, outcome: got.kind, message: got.message, requests, retries: Math.max(0, requests - 1), ms });
        assert.equal(got.kind, want.outcome, got.message);
        assert.match(got.message, want.message);
        if (want.requests !== undefined) assert.equal(requests, want.requests, `requests that reached ${route}`);
        if (route === 'clone' || route === 'taskResult') {
          const clones = double.requests.filter((r) => r.route === 'clone').length;
          assert.ok(clones <= (want.outcome === 'ok' || fault.id === '429+RA' ? want.requests ?? 1 : 1), `${clones} clone requests`);
        }
        assert.deepEqual(unhandled, [], 'no unhandled rejection or uncaught exception');
        assert.deepEqual(readdirSync(dir).filter((f) => !/^matrix-\d+\.wav$/.test(f)), [], 'no temp file left behind');
      });
    }
  }

  test('the catalogue holds at least 15 distinct faults over the four routes', () => {
    assert.ok(FAULTS.length >= 15, `${FAULTS.length} faults`);
    const routes = new Set(FAULTS.flatMap((f) => Object.keys(f.expect(CTX))));
    assert.deepEqual([...routes].sort(), [...MATRIX_ROUTES].sort());
  });
});
