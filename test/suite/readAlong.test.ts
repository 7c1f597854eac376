// Read-along in the real extension host (code-server; the player's webview runs in chromium) against the double:
// the first chunk plays while later ones are still to be asked for, the decoration covers the sentence heard, the
// controls act, Read from Cursor and the Markdown lens start where they say, an edit under the highlight clears
// it, a failed chunk stops reading with the sentence named, and audio the player let go of plays again when sought.
import * as assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import vscode = require('vscode');
import type { NovitaDouble } from '../double/novitaDouble';
import { planFrom, planNarration } from '../../src/core/narration/plan';
import type { ReadAlongStatus } from '../../src/host/readAlong/readAlong';
import type { SpeechResult } from '../../src/host/services/speechService';
import { assertStartsAt } from '../support/readFrom';
import { openUntitled, sleep, startDouble, stopDouble } from './fixture';

const KEY = 'gvc-readalong-key-7f3a9c12d5e8';

/** A Markdown document of `paragraphs` paragraphs of distinct sentences, with a heading every few. */
function document(paragraphs: number, tag: string): string {
  const nouns = ['river', 'lantern', 'harbour', 'mountain', 'letter', 'window', 'garden', 'bridge'];
  let out = `# Read-along ${tag}\n\n`;
  for (let p = 0; p < paragraphs; p++) {
    if (p % 5 === 4) out += `## Part ${p + 1} ${tag}\n\n`;
    const sentences = Array.from({ length: 5 }, (_, s) => `Paragraph ${p + 1} sentence ${s + 1} of ${tag} is about the ${nouns[(p + s) % nouns.length]}.`);
    out += `${sentences.join(' ')}\n\n`;
  }
  return out;
}

async function status(): Promise<ReadAlongStatus> {
  return (await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.showPlayer', false))!;
}

async function until(what: string, check: (s: ReadAlongStatus) => boolean, timeoutMs = 20_000): Promise<ReadAlongStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status();
    if (check(s)) return s;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s (last status ${JSON.stringify(s)})`);
    await sleep(50);
  }
}

async function open(content: string): Promise<vscode.TextEditor> {
  const doc = await openUntitled(content, 'markdown');
  return vscode.window.showTextDocument(doc);
}

const ttsInputs = (double: NovitaDouble) => double.requests.filter((r) => r.path === '/v3/glm-tts').map((r) => JSON.parse(r.bodyText).input as string);

/** The decoration covers exactly the sentence the player says is heard, and that is the plan's sentence there. */
function assertHighlightOnHeardSentence(s: ReadAlongStatus, doc: vscode.TextDocument): void {
  const plan = planNarration(doc.getText(), 'markdown');
  const heard = plan.sentences[s.sentence];
  assert.ok(heard, `sentence ${s.sentence} exists`);
  assert.equal(s.sentenceText, heard.text);
  assert.deepEqual(s.highlight, { start: heard.start, end: heard.end }, 'the decoration covers the sentence heard');
  // A heading is spoken with a full stop it does not have in the source ("## Part 5" → "Part 5.").
  const words = heard.text.replace(/\.$/, '').slice(0, 20);
  assert.ok(doc.getText().slice(heard.start, heard.end).includes(words), `and that range holds its words (“${words}”)`);
}

suite('Read-along (real extension host, player in the browser, Novita double)', () => {
  let double: NovitaDouble;

  suiteSetup(async () => {
    double = await startDouble(KEY);
    await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', 2, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
    await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await stopDouble(double);
  });

  setup(async () => {
    // Each test counts the requests it causes: chunks an earlier test left in the cache would not be sent again.
    await vscode.commands.executeCommand('glmVoiceClone.clearCache', true);
    double.clearRequests();
    double.clearFaults();
    double.latencyMs = 0;
  });

  teardown(async () => {
    await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
  });

  test('Speak File plays the first chunk before the last is requested; the highlight is on the sentence heard at two points', async function () {
    this.timeout(120_000);
    const editor = await open(document(40, 'first-sound'));
    const doc = editor.document;
    const plan = planNarration(doc.getText(), 'markdown');
    assert.ok(plan.chunks.length >= 10, `${plan.chunks.length} chunks`);
    // Slow enough that the render outlasts a cold player view on a loaded machine: the claim is about order.
    double.latencyMs = 400;
    const commandAt = Date.now();
    const rendering = vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    const playing = await until('playing', (s) => s.state === 'playing', 40_000);
    const requestsWhenPlaying = ttsInputs(double).length;
    const t = playing.metrics;
    if (process.env.GVC_TEST_LOG) appendFileSync(process.env.GVC_TEST_LOG, `      (from the command: view resolved ${t.viewResolvedAt! - t.startedAt} ms, player ready ${t.playerReadyAt! - t.startedAt} ms, first chunk ${t.firstChunkAt! - t.startedAt} ms, playing ${t.playingAt! - t.startedAt} ms; command → read ${t.startedAt - commandAt} ms, first request ${double.requests.find((r) => r.path === '/v3/glm-tts')!.at - t.startedAt} ms)\n`);
    assert.ok(
      requestsWhenPlaying < plan.chunks.length,
      `playing after ${requestsWhenPlaying} of ${plan.chunks.length} requests (from the command: view resolved ${t.viewResolvedAt! - t.startedAt} ms, player ready ${t.playerReadyAt! - t.startedAt} ms, first chunk ${t.firstChunkAt! - t.startedAt} ms, playing ${t.playingAt! - t.startedAt} ms)`,
    );
    assert.equal(playing.first, 0);
    // First point: a sentence after the first one, crossed into by the audio itself.
    const one = await until('the audio reaches sentence 2', (s) => s.sentence >= 2 && s.state === 'playing' && s.highlight !== undefined);
    assertHighlightOnHeardSentence(one, doc);
    // Second point: well into the file (skipped to by Next), then heard on from there.
    for (let i = 0; i < 25; i++) await vscode.commands.executeCommand('glmVoiceClone.readAlong.next');
    const two = await until('the audio moves on past the skipped-to sentence', (s) => s.sentence >= 27 && s.state === 'playing' && s.highlight !== undefined, 30_000);
    assertHighlightOnHeardSentence(two, doc);
    const visible = editor.visibleRanges.some((r) => r.contains(doc.positionAt(two.highlight!.start)));
    assert.ok(visible, 'the sentence heard is kept in view');
    // A skip past the rendered part hands the reading to a render from the sentence sought: the command's
    // outcome is that render's WAV (from there to the end), not a cancellation.
    const result = await rendering;
    assert.ok(result.ok, JSON.stringify(result));
    const from = (await status()).first;
    if (process.env.GVC_TEST_LOG) appendFileSync(process.env.GVC_TEST_LOG, `      (the last render started at sentence ${from}; ${result.chunks} of ${plan.chunks.length} chunks in the WAV)\n`);
    assert.equal(result.chunks, from === 0 ? plan.chunks.length : planFrom(plan, from).chunks.length, `the WAV holds the file from sentence ${from} on`);
    const m = (await status()).metrics;
    assert.ok(m.highlightLagsMs.length >= 2, 'crossings were measured');
  });

  test('a long file rendered at once is handed to the player a minute ahead at a time; skipping ahead hands over what was rendered, sending nothing', async function () {
    this.timeout(90_000);
    const editor = await open(document(60, 'outbox'));
    const plan = planNarration(editor.document.getText(), 'markdown');
    const rendering = vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    const result = await rendering;
    assert.ok(result.ok, JSON.stringify(result));
    const rendered = await until('playing', (s) => s.state === 'playing' && s.metrics.chunksPosted === plan.chunks.length);
    assert.ok(rendered.metrics.chunksHanded < plan.chunks.length, `the player got ${rendered.metrics.chunksHanded} of ${plan.chunks.length} chunks while at sentence ${rendered.sentence}`);
    // At most two chunks travel at a time: the player confirms each (all were rendered at once).
    for (let i = 0; i < 20; i++) {
      const { chunksHanded, chunksConfirmed } = (await status()).metrics;
      assert.ok(chunksHanded - chunksConfirmed <= 2 && chunksConfirmed <= chunksHanded, `handed ${chunksHanded}, confirmed ${chunksConfirmed}`);
      await sleep(25);
    }
    await until('all handed confirmed', (s) => s.metrics.chunksConfirmed === s.metrics.chunksHanded && s.metrics.chunksHanded > 1);
    double.clearRequests();
    for (let i = 0; i < 200; i++) await vscode.commands.executeCommand('glmVoiceClone.readAlong.next');
    const far = await until('heard far ahead', (s) => s.sentence >= 200 && s.state === 'playing' && s.highlight !== undefined, 30_000);
    assertHighlightOnHeardSentence(far, editor.document);
    assert.equal(far.first, 0, 'no render from the sentence sought: what was rendered was handed over from the host');
    assert.equal(ttsInputs(double).length, 0, 'nothing sent');
    assert.ok(far.metrics.chunksHanded > rendered.metrics.chunksHanded);
  });

  test('past ten minutes of audio the player lets go of what lies furthest behind; going back there renders it again', async function () {
    this.timeout(120_000);
    // Sentences of ~280 characters: the double speaks each for ~3 s, so 300 of them are about 15 minutes.
    const filler = 'and the long slow afternoon went on over the water while the boats came in one by one '.repeat(3);
    const text = Array.from({ length: 60 }, (_, p) => Array.from({ length: 5 }, (_, k) => `Part ${p + 1}.${k + 1} of the long read ${filler}until evening.`).join(' ')).join('\n\n');
    const editor = await open(text);
    const plan = planNarration(editor.document.getText(), 'markdown');
    const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(result.ok && result.durationSec > 800, JSON.stringify(result));
    await until('playing', (s) => s.state === 'playing');
    // Five minutes in, the player still holds everything it was handed.
    for (let i = 0; i < 100; i++) await vscode.commands.executeCommand('glmVoiceClone.readAlong.next');
    const early = await until('heard five minutes in', (s) => s.sentence >= 100 && s.state === 'playing');
    await sleep(500);
    assert.equal((await status()).metrics.releasedBefore, undefined, `nothing let go at sentence ${early.sentence}`);
    // Further on, past ten minutes of audio handed over, what lies furthest behind goes.
    for (let i = 0; i < 170; i++) await vscode.commands.executeCommand('glmVoiceClone.readAlong.next');
    const released = await until('the player lets go of the audio furthest behind', (s) => (s.metrics.releasedBefore ?? 0) > 20 && s.state === 'playing', 30_000);
    const before = released.metrics.releasedBefore!;
    assert.ok(before < released.sentence, `released before sentence ${before} while at ${released.sentence}`);
    assert.equal(released.first, 0, 'still the first render');
    // Previous, back past what it holds: that sentence is rendered again (from the cache, but for its first group) and heard.
    double.clearRequests();
    let back = released;
    for (let i = 0; i < 400 && back.sentence >= before; i++) back = (await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.previous'))!;
    const sought = back.sentence;
    assert.ok(sought < before && sought >= 0, `went back to sentence ${sought}`);
    const again = await until('heard again from the sentence sought', (s) => s.first === sought && s.state === 'playing' && s.highlight !== undefined, 30_000);
    assertHighlightOnHeardSentence(again, editor.document);
    assert.ok(again.sentence >= sought && again.sentence < sought + 3, `at sentence ${again.sentence} of ${plan.sentences.length}`);
    const sent = ttsInputs(double);
    assert.ok(sent.length <= 3, `${sent.length} requests to render it again: ${JSON.stringify(sent)}`);
  });

  test('pause, resume, next and previous act on the player', async function () {
    this.timeout(60_000);
    await open(document(6, 'controls'));
    double.latencyMs = 20;
    void vscode.commands.executeCommand('glmVoiceClone.speakFile');
    await until('playing', (s) => s.state === 'playing');
    const paused = await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.togglePause');
    assert.equal(paused!.state, 'paused');
    const at = paused!.sentence;
    await sleep(800);
    assert.equal((await status()).sentence, at, 'paused: the sentence does not move');
    const resumed = await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.togglePause');
    assert.match(resumed!.state, /playing|waiting/);
    const next = await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.next');
    assert.ok(next!.sentence >= at + 1, `next: ${at} → ${next!.sentence}`);
    const previous = await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.previous');
    assert.equal(previous!.sentence, next!.sentence - 1, 'previous goes back one sentence');
    const stopped = await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.stop');
    assert.equal(stopped!.reading, false);
    assert.equal(stopped!.highlight, undefined, 'no highlight once stopped');
  });

  test('Read from Cursor starts at the sentence under the cursor', async function () {
    this.timeout(60_000);
    const editor = await open(document(8, 'cursor'));
    const doc = editor.document;
    const plan = planNarration(doc.getText(), 'markdown');
    const at = doc.getText().indexOf('Paragraph 5 sentence 3 of cursor');
    const expected = doc.getText().slice(at, doc.getText().indexOf('.', at) + 1);
    // the cursor inside the sentence, not at its start
    editor.selection = new vscode.Selection(doc.positionAt(at + 14), doc.positionAt(at + 14));
    void vscode.commands.executeCommand('glmVoiceClone.readFromCursor');
    const s = await until('playing', (x) => x.state === 'playing' && x.highlight !== undefined);
    assertStartsAt(ttsInputs(double), plan.sentences, plan.sentences.findIndex((x) => x.text === expected));
    assert.equal(s.sentenceText, expected);
    assert.equal(s.first, s.sentence);
    assertHighlightOnHeardSentence(s, doc);
  });

  test('the ▶ lens over a paragraph reads from that paragraph', async function () {
    this.timeout(60_000);
    const editor = await open(document(8, 'lens'));
    const doc = editor.document;
    const plan = planNarration(doc.getText(), 'markdown');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const line = doc.positionAt(doc.getText().indexOf('Paragraph 7 sentence 1')).line;
    const lens = lenses.find((l) => l.range.start.line === line && l.command?.command === 'glmVoiceClone.readFromHere');
    assert.ok(lens, `a Read from here lens on line ${line + 1} (lenses on ${lenses.map((l) => l.range.start.line + 1).join(', ')})`);
    assert.match(lens.command!.title, /Read from here/);
    const at = doc.getText().indexOf('Paragraph 7 sentence 1');
    const expected = doc.getText().slice(at, doc.getText().indexOf('.', at) + 1);
    void vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
    const s = await until('playing', (x) => x.state === 'playing' && x.highlight !== undefined);
    assertStartsAt(ttsInputs(double), plan.sentences, plan.sentences.findIndex((x) => x.text === expected));
    assert.equal(s.sentenceText, expected);
    assertHighlightOnHeardSentence(s, doc);
    await vscode.workspace.getConfiguration('glmVoiceClone').update('readAlong.codeLens', false, vscode.ConfigurationTarget.Global);
    try {
      const none = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      assert.equal(none.filter((l) => l.command?.command === 'glmVoiceClone.readFromHere').length, 0, 'the setting turns the lenses off');
    } finally {
      await vscode.workspace.getConfiguration('glmVoiceClone').update('readAlong.codeLens', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('an edit under the sentence being read clears the highlight; reading goes on', async function () {
    this.timeout(60_000);
    const editor = await open(document(6, 'edit'));
    double.latencyMs = 20;
    void vscode.commands.executeCommand('glmVoiceClone.speakFile');
    await until('highlighted', (x) => x.state === 'playing' && x.highlight !== undefined && x.sentence >= 1);
    const s = (await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.togglePause'))!;
    assert.equal(s.state, 'paused');
    const range = s.highlight!;
    const doc = editor.document;
    await editor.edit((b) => b.insert(doc.positionAt(range.start + 3), 'EDITED '));
    const after = await status();
    assert.equal(after.highlight, undefined, 'no highlight on a sentence edited under it');
    assert.equal(after.sentenceRange, undefined, 'its range is stale');
    assert.equal(after.reading, true, 'reading is not stopped by the edit');
    // The next sentence moved with the edit and is highlighted where it now is.
    const next = await vscode.commands.executeCommand<ReadAlongStatus>('glmVoiceClone.readAlong.next');
    await until('highlighted again', (x) => x.highlight !== undefined && x.sentence === next!.sentence);
    const moved = await status();
    assert.ok(doc.getText().slice(moved.highlight!.start, moved.highlight!.end).startsWith(moved.sentenceText!.slice(0, 15)), 'the moved sentence is highlighted where it is now');
  });

  test('the highlight setting turns the decoration off; reading goes on', async function () {
    this.timeout(60_000);
    await vscode.workspace.getConfiguration('glmVoiceClone').update('readAlong.highlight', false, vscode.ConfigurationTarget.Global);
    try {
      await open(document(3, 'no-highlight'));
      void vscode.commands.executeCommand('glmVoiceClone.speakFile');
      const s = await until('playing', (x) => x.state === 'playing');
      assert.equal(s.highlight, undefined);
    } finally {
      await vscode.workspace.getConfiguration('glmVoiceClone').update('readAlong.highlight', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a failed chunk stops reading there, naming the sentence; what played stays', async function () {
    this.timeout(60_000);
    const editor = await open(document(10, 'failure'));
    const plan = planNarration(editor.document.getText(), 'markdown');
    const bad = plan.chunks[3];
    // Refused once the chunks before it are in (they are written and played; chunks after it are never asked for).
    double.setFault('tts', { status: 400, delayMs: 600, matchInput: bad.text, body: { code: 400, reason: 'INVALID_REQUEST_BODY', message: 'input rejected', metadata: {} } });
    const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.equal(result.ok, false);
    const failed = result as { failedChunk?: number; keptPath?: string };
    assert.equal(failed.failedChunk, 4);
    const s = await until('the chunks before the failure play', (x) => x.state === 'playing' || x.state === 'ended');
    assert.ok(s.sentence < bad.sentences[0].index, 'what plays is before the failed chunk');
    assert.match(s.error ?? '', new RegExp(`^Reading stopped at “${bad.sentences[0].text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}”: .*input rejected`), 'the message names the sentence');
    const end = await until('reading ends at the failure', (x) => x.state === 'ended', 30_000);
    assert.equal(end.sentence, bad.sentences[0].index - 1, 'it stopped right before the failed sentence');
  });
});
