// The fault matrix in the real extension host: each fault of test/support/faultCatalogue.ts on the clone, task-result,
// TTS and audio-download routes, driven through the real commands (Clone Voice…, Speak File). For every case: the
// sentence the user reads is the specific one, the command returns instead of throwing, no unhandled rejection or
// uncaught exception reaches the extension host, a clone is never sent twice unless Novita said nothing was done,
// the voices and previews saved before are all still there, and a voice Novita created is recorded even when its
// preview could not be fetched. The four routes of one fault run side by side (faults are scoped to each case).
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import vscode = require('vscode');
import type { DoubleRoute, FaultPlan, NovitaDouble } from '../double/novitaDouble';
import type { CloneCommandResult } from '../../src/host/commands/clone';
import type { SpeechResult } from '../../src/host/services/speechService';
import { FAULTS, TASK_FAIL_REASON, type FaultContext, type FaultSpec, type RouteExpectation } from '../support/faultCatalogue';
import { MATRIX_ROUTES, recordMatrixRow, type MatrixRoute } from '../support/matrix';
import { noteShown } from '../support/shownMessages';
import { startDouble, stopDouble } from './fixture';
import { closedPort } from '../support/ports';

const KEY = 'gvc-faults-key-8e2a4c6f1d09';
const CTX: FaultContext = { retryAfter: '1', timeoutSecs: 5 };
/** Needs minutes (Novita's task deadline is 180 s): proven at the client level and by cancelling in the e2e layer. */
const EDITOR_SKIPS = new Set(['task never ends']);

interface RegistrySnapshot {
  voices: { voiceId: string }[];
  history: { id: string; file: string }[];
}

suite('Fault matrix (real extension host, Novita double)', function () {
  this.timeout(90_000);
  let double: NovitaDouble;
  let sampleUrl: string;
  let storageRoot: string;
  let audioPath: string;
  let dead: string;
  let scratch: string;
  let n = 0;
  const problems: string[] = [];
  const onProblem = (kind: string) => (reason: unknown) => {
    const text = reason instanceof Error ? `${reason.message}\n${reason.stack ?? ''}` : String(reason);
    problems.push(`${kind}: ${text.slice(0, 600)}`);
  };
  const onRejection = onProblem('unhandledRejection');
  const onException = onProblem('uncaughtException');
  const config = () => vscode.workspace.getConfiguration('glmVoiceClone');

  const readRegistry = (): RegistrySnapshot => JSON.parse(readFileSync(join(storageRoot, 'registry.json'), 'utf8')) as RegistrySnapshot;

  const clone = (form: { text: string; voiceName: string }) =>
    vscode.commands.executeCommand<CloneCommandResult | undefined>('glmVoiceClone.cloneVoice', { sampleUrl, transcript: '', consent: true, ...form });

  suiteSetup(async () => {
    double = await startDouble(KEY, { pollsUntilDone: 0, failReason: TASK_FAIL_REASON });
    double.modeFor = (name) => (name.startsWith('async-') ? 'async' : undefined);
    sampleUrl = `${double.baseUrl}/samples/voice.wav`;
    await config().update('requestTimeoutSeconds', CTX.timeoutSecs, vscode.ConfigurationTarget.Global);
    dead = `http://127.0.0.1:${await closedPort()}`;
    scratch = mkdtempSync(join(tmpdir(), 'gvc-faults-'));
    // A voice and preview saved before any fault: they must survive every case.
    const first = await clone({ text: 'Saved before the faults.', voiceName: `kept-${Date.now().toString(36)}` });
    assert.ok(first?.ok, JSON.stringify(first));
    storageRoot = dirname(dirname(first.filePath));
    audioPath = double.requests.find((r) => r.route === 'audio')!.path;
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });

  suiteTeardown(async () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    await config().update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    await config().update('apiBaseUrl', double.baseUrl, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await stopDouble(double);
    rmSync(scratch, { recursive: true, force: true });
  });

  setup(() => {
    double.clearFaults();
    double.clearRequests();
    double.taskOutcome = 'succeed';
    problems.length = 0;
  });

  type Plans = Map<DoubleRoute, FaultPlan[]>;
  type CaseResult = { ok: boolean; message: string; voiceName?: string; voiceId?: string };

  /** Adds `plan` to the route's list; a lone plan applies every time, one given as an array once per entry. */
  function add(plans: Plans, route: DoubleRoute, plan: FaultPlan | FaultPlan[], scope: Partial<FaultPlan>): void {
    const list = Array.isArray(plan) ? plan.map((p) => ({ times: 1, ...p, ...scope })) : [{ ...plan, times: plan.times ?? Infinity, ...scope }];
    plans.set(route, [...(plans.get(route) ?? []), ...list]);
  }

  /** Arranges one route's case, with its fault scoped to it; returns the command that runs it. */
  function arrangeCase(fault: FaultSpec, route: MatrixRoute, tag: string, plans: Plans): () => Promise<CaseResult> {
    const input = `The ${route} case of fault ${tag}.`;
    const plan = fault.plan?.(route, { ...CTX, audioPath });
    if (route === 'clone' || route === 'taskResult') {
      const voiceName = `${route === 'taskResult' ? 'async' : 'sync'}-${tag}`;
      if (plan) add(plans, route, plan, route === 'clone' ? { matchInput: input } : {});
      return async () => {
        const result = await clone({ text: input, voiceName });
        return { ok: Boolean(result?.ok), message: result && !result.ok ? result.message : '', voiceName };
      };
    }
    if (route === 'tts') {
      if (plan) add(plans, 'tts', plan, { matchInput: input });
      const file = join(scratch, `${tag}.txt`);
      writeFileSync(file, input);
      return async () => {
        const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile', vscode.Uri.file(file));
        return { ok: result.ok, message: result.ok ? '' : result.message };
      };
    }
    // audio: the clone answers with a preview at a known path, and only that path misbehaves
    const voiceName = `sync-audio-${tag}`;
    const voiceId = `voice_audio_${tag.replace(/\W/g, '_')}`;
    const audioUrl = fault.id === 'refused' ? `${dead}/audio/gone.wav` : `${double.baseUrl}${audioPath}`;
    add(plans, 'clone', { bodyOverride: { voice: voiceId, audio_url: audioUrl } }, { matchInput: input });
    if (plan) add(plans, 'audio', plan, { path: audioPath });
    return async () => {
      const result = await clone({ text: input, voiceName });
      return { ok: Boolean(result?.ok), message: result && !result.ok ? result.message : '', voiceName, voiceId };
    };
  }

  /** Runs the routes' cases side by side, with every route's plans in place first. */
  async function runCases(fault: FaultSpec, routes: MatrixRoute[], tag: string): Promise<{ route: MatrixRoute; got: CaseResult; ms: number }[]> {
    const plans: Plans = new Map();
    const runs = routes.map((route) => ({ route, run: arrangeCase(fault, route, `${tag}-${route}`, plans) }));
    for (const [route, list] of plans) double.setFault(route, list);
    return Promise.all(
      runs.map(async ({ route, run }) => {
        const started = Date.now();
        const got = await run();
        return { route, got, ms: Date.now() - started };
      }),
    );
  }

  function judge(fault: FaultSpec, route: MatrixRoute, want: RouteExpectation, got: CaseResult, ms: number, tag: string): void {
    const requests = double.requests.filter((r) => {
      if (r.route !== route) return false;
      if (route === 'clone') return (r.json as { voice_name?: string } | undefined)?.voice_name === got.voiceName;
      if (route === 'tts') return (r.json as { input?: string } | undefined)?.input?.includes(tag) ?? false;
      if (route === 'audio') return r.path === audioPath || fault.id === 'refused';
      return true;
    }).length;
    const outcome = got.ok ? 'ok' : want.outcome !== 'ok' && want.message.test(got.message) ? want.outcome : 'unexpected';
    recordMatrixRow({ layer: 'editor', fault: fault.title, route, outcome, message: got.message, requests, retries: Math.max(0, requests - 1), ms });
    noteShown(got.message);
    assert.equal(got.ok, want.outcome === 'ok', `${fault.title} × ${route}: ${got.message}`);
    assert.match(got.message, want.message, `${fault.title} × ${route}`);
    assert.equal(got.message.includes(KEY), false, 'the key is not in the message');
    if (route === 'clone') {
      // Repeated only when Novita said nothing was done (429/503) and never more than the client's attempts.
      const allowed = want.requests ?? 1;
      assert.ok(requests <= allowed, `${fault.title}: the clone was sent ${requests} times`);
    }
    if (route === 'audio' && !got.ok) {
      const voices = readRegistry().voices.map((v) => v.voiceId);
      assert.ok(voices.includes(got.voiceId!), 'the voice Novita created is recorded although its preview could not be fetched');
      assert.match(got.message, /was cloned and saved to your voices/);
    }
  }

  for (const fault of FAULTS) {
    const expected = fault.expect(CTX);
    const routes = MATRIX_ROUTES.filter((r) => expected[r]);
    if (EDITOR_SKIPS.has(fault.id)) continue;
    test(`${fault.title}: ${routes.map((r) => `${r} → ${expected[r]!.outcome}`).join(', ')}`, async () => {
      const before = readRegistry();
      if (fault.id === 'task FAILED') double.taskOutcome = 'failed';
      const tag = `f${++n}-${Date.now().toString(36)}`;
      let results: Awaited<ReturnType<typeof runCases>>;
      if (fault.id === 'refused') {
        // clone and TTS need the API itself unreachable; the audio case needs it reachable
        await config().update('apiBaseUrl', dead, vscode.ConfigurationTarget.Global);
        try {
          results = await runCases(fault, routes.filter((r) => r !== 'audio'), tag);
        } finally {
          await config().update('apiBaseUrl', double.baseUrl, vscode.ConfigurationTarget.Global);
        }
        if (routes.includes('audio')) results.push(...(await runCases(fault, ['audio'], tag)));
      } else {
        results = await runCases(fault, routes, tag);
      }
      await new Promise((r) => setTimeout(r, 50));
      for (const { route, got, ms } of results) judge(fault, route, expected[route]!, got, ms, `${tag}-${route}`);

      assert.deepEqual(problems, [], 'no unhandled rejection or uncaught exception reached the extension host');
      // The registry is still readable and only grew: every voice and preview saved before is there, with its file.
      const after = readRegistry();
      const voicesAfter = new Set(after.voices.map((v) => v.voiceId));
      for (const v of before.voices) assert.ok(voicesAfter.has(v.voiceId), `voice ${v.voiceId} was lost`);
      for (const h of before.history) {
        if (!after.history.some((x) => x.id === h.id)) continue; // trimmed by history.maxItems, file and entry together
        assert.ok(existsSync(join(storageRoot, 'audio', h.file)), `preview ${h.file} was lost`);
      }
    });
  }
});
