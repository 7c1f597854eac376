// Streamed speech in the real extension host (code-server; the player's page in chromium) against the Zhipu double:
// with a voice recorded as Zhipu's, read-along sounds before the first chunk's stream has ended (the page's first
// sound against the time the double sent the stream's end mark), a cut stream falls back to one whole request and the
// reading goes on to its end, and a content filter's error line mid-stream stops the reading with the reason.
import * as assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import vscode = require('vscode');
import { VoiceRegistry } from '../../src/core/library/voiceRegistry';
import { planNarration } from '../../src/core/narration/plan';
import type { ReadAlongStatus } from '../../src/host/readAlong/readAlong';
import type { SpeechResult } from '../../src/host/services/speechService';
import type { NovitaDouble } from '../double/novitaDouble';
import { ZhipuDouble, type ZhipuStreamRecord } from '../double/zhipuDouble';
import { cloneAtZhipuDouble, storageRootOf, useZhipuVoice } from '../support/zhipuVoice';
import { openUntitled, sleep, startDouble, stopDouble } from './fixture';

const KEY = 'gvc-streamed-novita-4b1e77';
const ZHIPU_KEY = 'zk.streamedSuite9c2d';

async function status(): Promise<ReadAlongStatus> {
  return (await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.showPlayer', false))!;
}

async function until(what: string, check: (s: ReadAlongStatus) => boolean, timeoutMs = 30_000): Promise<ReadAlongStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status();
    if (check(s)) return s;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s (last status ${JSON.stringify(s)})`);
    await sleep(25);
  }
}

async function speakDocument(content: string): Promise<{ doc: vscode.TextDocument; rendering: Thenable<SpeechResult | undefined>; commandAt: number }> {
  const doc = await openUntitled(content, 'markdown');
  await vscode.window.showTextDocument(doc);
  const commandAt = Date.now();
  return { doc, rendering: vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile'), commandAt };
}

/** A first sentence of about 160 characters (1.7 s of the double's audio: 17 frames), then `more` short ones. */
function text(tag: string, more = 2): string {
  const first = `The first sentence of ${tag} is a long one, so that its stream of audio lasts for seconds while the player has already begun to play what came first.`;
  return [first, ...Array.from({ length: more }, (_, i) => `Then sentence ${i + 2} of ${tag}.`)].join(' ');
}

const streamOf = (zd: ZhipuDouble, input: string): ZhipuStreamRecord | undefined => zd.streams.find((s) => s.input === input);

suite('Streamed speech (real extension host, player in the browser, Zhipu double)', () => {
  let novita: NovitaDouble;
  let zd: ZhipuDouble;
  let voiceId: string;
  let storageRoot: string;
  const keyBefore = process.env.ZHIPU_API_KEY;

  suiteSetup(async function () {
    this.timeout(90_000);
    novita = await startDouble(KEY);
    zd = new ZhipuDouble({ apiKey: ZHIPU_KEY });
    const zhipuBase = await zd.start();
    const config = vscode.workspace.getConfiguration('glmVoiceClone');
    await config.update('zhipu.apiBaseUrl', zhipuBase, vscode.ConfigurationTarget.Global);
    await config.update('concurrency', 2, vscode.ConfigurationTarget.Global);
    // Zhipu's key for this window, as a headless run gives it (no prompt, no setting).
    process.env.ZHIPU_API_KEY = ZHIPU_KEY;
    // One narration with a system voice (at Novita) shows where the extension keeps its registry.
    await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'tongtong');
    const { rendering } = await speakDocument(`Where the registry is ${Date.now()}.`);
    const first = await rendering;
    assert.ok(first?.ok && first.historyId, JSON.stringify(first));
    await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
    storageRoot = storageRootOf(first.filePath);
    const name = `streamed-${Date.now().toString(36)}`;
    voiceId = await cloneAtZhipuDouble(zhipuBase, ZHIPU_KEY, name);
    await useZhipuVoice(storageRoot, voiceId, name, first.historyId);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
    if (storageRoot && voiceId) await (await VoiceRegistry.open(storageRoot)).removeVoice(voiceId);
    await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'tongtong');
    const config = vscode.workspace.getConfiguration('glmVoiceClone');
    await config.update('zhipu.apiBaseUrl', undefined, vscode.ConfigurationTarget.Global);
    await config.update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    if (keyBefore === undefined) delete process.env.ZHIPU_API_KEY;
    else process.env.ZHIPU_API_KEY = keyBefore;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await zd?.stop();
    await stopDouble(novita);
  });

  setup(async () => {
    await vscode.commands.executeCommand('glmVoiceClone.clearCache', true);
    zd.clearRequests();
    zd.clearFaults();
    zd.streams.length = 0;
    novita.clearRequests();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
  });

  test('with a Zhipu voice, read-along sounds before the first chunk’s stream has ended, then reads to the end', async function () {
    this.timeout(120_000);
    // The first frame after 300 ms, then one 100 ms frame every 250 ms: the first chunk streams for about 4.6 s, more
    // than a player view shown anew takes to load on a loaded machine (its first sound must still come before the end).
    zd.firstFrameDelayMs = 300;
    zd.frameDelayMs = 250;
    const content = text(`stream ${Date.now()}`);
    const plan = planNarration(content, 'markdown');
    const { rendering, commandAt } = await speakDocument(content);
    const playing = await until('playing', (s) => s.metrics.playingAt !== undefined && s.metrics.startedAt >= commandAt);
    const firstStream = streamOf(zd, plan.sentences[0].text);
    assert.ok(firstStream, `the first sentence was streamed (streams: ${zd.streams.map((s) => s.input).join(' | ')})`);
    assert.ok((zd.requestsTo('speech')[0].json as { stream?: boolean }).stream, 'asked for as a stream');
    const m = playing.metrics;
    // Wait for the stream's end mark to compare: the page's first sound must come before it.
    await until('the first stream ended', () => firstStream.stopSent, 30_000);
    const stopAt = firstStream.stopAt!;
    if (process.env.GVC_TEST_LOG) {
      appendFileSync(process.env.GVC_TEST_LOG, `      (from the command: first frame sent ${firstStream.firstFrameAt! - commandAt} ms, first piece in the host ${m.firstPieceAt! - commandAt} ms, first sound ${m.playingAt! - commandAt} ms, the stream's end ${stopAt - commandAt} ms; view resolved ${m.viewResolvedAt === undefined ? '-' : m.viewResolvedAt - commandAt} ms, player ready ${m.playerReadyAt === undefined ? '-' : m.playerReadyAt - commandAt} ms)\n`);
    }
    assert.ok(m.playingAt! < stopAt, `the player must sound before the first chunk's stream ends: it sounded at ${m.playingAt! - commandAt} ms, the stream ended at ${stopAt - commandAt} ms`);
    assert.ok(m.playingAt! >= firstStream.firstFrameAt! - 5, 'and not before its first frame was sent');
    assert.ok(m.piecesHanded > 0, 'pieces were handed to the player');
    const ended = await until('the reading ends', (s) => s.state === 'ended', 60_000);
    assert.equal(ended.error, undefined);
    assert.equal(ended.sentence, plan.sentences.length - 1, 'heard to the last sentence');
    const result = await rendering;
    assert.ok(result?.ok, JSON.stringify(result));
    assert.equal(novita.requests.filter((r) => r.path === '/v3/glm-tts').length, 0, 'nothing went to Novita');
  });

  test('a stream cut mid-chunk falls back to one whole request for that chunk, and the reading finishes', async function () {
    this.timeout(120_000);
    zd.firstFrameDelayMs = 50;
    zd.frameDelayMs = 30;
    const content = text(`cut ${Date.now()}`);
    const plan = planNarration(content, 'markdown');
    zd.setFault('speech', { stream: 'cut', afterFrames: 3 });
    const { rendering } = await speakDocument(content);
    const ended = await until('the reading ends', (s) => s.state === 'ended' || s.error !== undefined, 60_000);
    assert.equal(ended.error, undefined, 'no failure');
    assert.equal(ended.state, 'ended');
    const result = await rendering;
    assert.ok(result?.ok, JSON.stringify(result));
    const cut = zd.streams.find((s) => s.cut);
    assert.ok(cut, 'a stream was cut');
    assert.equal(cut.input, plan.sentences[0].text, 'the first chunk’s');
    const asked = zd.requestsTo('speech').map((r) => r.json as { input: string; stream?: boolean });
    const forCut = asked.filter((r) => r.input === cut.input);
    assert.deepEqual(forCut.map((r) => r.stream === true), [true, false], 'the stream, then one whole request');
    assert.ok(ended.metrics.piecesHanded >= 3, `the pieces before the cut were played (${ended.metrics.piecesHanded} handed)`);
  });

  test('a content filter’s error line mid-stream stops the reading with the reason; no whole request', async function () {
    this.timeout(120_000);
    zd.firstFrameDelayMs = 50;
    zd.frameDelayMs = 30;
    const content = text(`filtered ${Date.now()}`);
    zd.setFault('speech', { stream: 'midError', afterFrames: 2, streamCode: '1301' });
    const { rendering } = await speakDocument(content);
    const result = await rendering;
    assert.equal(result?.ok, false);
    const stopped = await until('the failure is shown', (s) => s.error !== undefined);
    assert.match(stopped.error!, /Reading stopped at/);
    assert.equal(zd.requestsTo('speech').filter((r) => (r.json as { stream?: boolean }).stream !== true).length, 0, 'no whole request');
  });
});
