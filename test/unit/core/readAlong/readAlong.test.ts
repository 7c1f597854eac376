// Read-along's core parts in plain Node: reading on from a sentence (the chunks after the first group are the full
// plan's, so the cache serves them), chunks handed over in order as they are written, and sentence ranges that
// follow edits or go stale.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NovitaDouble } from '../../../double/novitaDouble';
import { labelFor, readLabel, samplesFor } from '../../../double/synth';
import { parseWavHeader } from '../../../../src/core/audio/wav';
import { ChunkCache } from '../../../../src/core/cache/chunkCache';
import { NarrateFlow, type NarratedChunk } from '../../../../src/core/flows/narrate';
import { continueFrom } from '../../../../src/core/flows/narrate';
import { Synthesizer } from '../../../../src/core/flows/synthesis';
import { VoiceRegistry } from '../../../../src/core/library/voiceRegistry';
import { planFrom, planNarration, sentenceAt } from '../../../../src/core/narration/plan';
import { NovitaConnections } from '../../../../src/core/novita/connections';
import { paragraphStarts } from '../../../../src/core/readAlong/paragraphs';
import { shiftRanges } from '../../../../src/core/readAlong/ranges';
import { isFromPlayerMessage } from '../../../../src/shared/playerProtocol';
import { HOLD_SEC, releasable } from '../../../../src/shared/playerRetention';

const KEY = 'test-readalong-LEAKCHECK-5521';

function story(paragraphs = 12): string {
  const words = ['river', 'lantern', 'quiet', 'harbour', 'mountain', 'letter', 'window', 'garden'];
  let out = '# A story\n\n';
  for (let p = 0; p < paragraphs; p++) {
    const sentences = Array.from({ length: 6 + (p % 4) }, (_, s) => `In paragraph ${p + 1}, sentence ${s + 1} speaks of the ${words[(p + s) % words.length]} ${'and more '.repeat((p * 7 + s) % 9)}at length.`);
    out += `${sentences.join(' ')}\n\n`;
  }
  return out;
}

suite('read-along: planning from a sentence', () => {
  test('planFrom reads on from sentence k: k alone first, then the full plan’s own chunks after the first group', () => {
    const text = story();
    const plan = planNarration(text, 'markdown');
    assert.ok(plan.sentences.length > 40);
    for (const k of [1, 7, 23, plan.sentences.length - 1]) {
      const from = planFrom(plan, k);
      assert.equal(from.sentences.length, plan.sentences.length - k);
      assert.deepEqual(from.chunks[0].sentences.map((s) => s.text), [plan.sentences[k].text], 'the first chunk is one sentence');
      from.sentences.forEach((s, i) => {
        assert.equal(s.index, i);
        assert.equal(s.start, plan.sentences[k + i].start, 'source offsets are the document’s');
        assert.equal(s.end, plan.sentences[k + i].end);
        assert.equal(from.chunks[s.chunk].sentences.includes(s), true);
      });
      // After the group holding k, every chunk is one the full plan sends too: a cached narration serves it.
      const full = new Set(plan.chunks.map((c) => c.text));
      const firstGroupEnd = from.chunks.findIndex((c, i) => i > 0 && full.has(c.text));
      if (firstGroupEnd > 0) assert.ok(from.chunks.slice(firstGroupEnd).every((c) => full.has(c.text)), `k=${k}: the chunks after the first group are the full plan's`);
    }
    assert.equal(planFrom(plan, 0), plan);
    assert.throws(() => planFrom(plan, -1), RangeError);
    assert.throws(() => planFrom(plan, plan.sentences.length + 1), RangeError);
  });

  test('read from the cursor: the sentence under it, or the next one', () => {
    const text = story(2);
    const plan = planNarration(text, 'markdown');
    const at = text.indexOf('sentence 3 speaks');
    const s = sentenceAt(plan, at)!;
    assert.match(s.text, /^In paragraph 1, sentence 3 /);
    assert.ok(s.start <= at && at < s.end);
    assert.equal(planFrom(plan, s.index).chunks[0].text, s.text);
  });
});

suite('read-along: edits under the sentences being read', () => {
  const ranges = [
    { start: 0, end: 10 },
    { start: 11, end: 20 },
    { start: 21, end: 30 },
  ];

  test('an edit before a sentence moves it; after it leaves it; touching it makes it stale for good', () => {
    // "abc" typed at 15 (inside the second): the second is stale, the third moves by 3.
    assert.deepEqual(shiftRanges(ranges, [{ start: 15, end: 15, newLength: 3 }]), [ranges[0], undefined, { start: 24, end: 33 }]);
    // Two characters deleted at 10..12 (the space and the second's first letter): the second is stale.
    assert.deepEqual(shiftRanges(ranges, [{ start: 10, end: 12, newLength: 0 }]), [ranges[0], undefined, { start: 19, end: 28 }]);
    // Typing right at a sentence's start moves it; right at its end leaves it.
    assert.deepEqual(shiftRanges(ranges, [{ start: 21, end: 21, newLength: 1 }]), [ranges[0], ranges[1], { start: 22, end: 31 }]);
    assert.deepEqual(shiftRanges(ranges, [{ start: 10, end: 10, newLength: 1 }]), [ranges[0], { start: 12, end: 21 }, { start: 22, end: 31 }]);
    // Several changes in one event, each in the offsets before the event.
    assert.deepEqual(shiftRanges(ranges, [{ start: 0, end: 0, newLength: 2 }, { start: 25, end: 26, newLength: 0 }]), [{ start: 2, end: 12 }, { start: 13, end: 22 }, undefined]);
    // Stale stays stale.
    assert.deepEqual(shiftRanges([undefined, ranges[2]], [{ start: 0, end: 0, newLength: 1 }]), [undefined, { start: 22, end: 31 }]);
  });
});

suite('read-along: chunks handed over in order as they are written', function () {
  this.timeout(30_000);
  let d: NovitaDouble;
  let dir: string;
  let connections: NovitaConnections;
  let flow: NarrateFlow;
  let synthesizer: Synthesizer;

  suiteSetup(async () => {
    d = new NovitaDouble({ apiKey: KEY });
    const base = await d.start();
    dir = mkdtempSync(join(tmpdir(), 'glm-readalong-'));
    connections = new NovitaConnections({
      secrets: { apiKey: async () => KEY },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      settings: () => ({ apiBaseUrl: base, requestTimeoutMs: 5000 }),
    });
    const registry = await VoiceRegistry.open(dir);
    const audio = join(dir, 'audio');
    synthesizer = new Synthesizer({ connections, endpoint: () => base, cache: new ChunkCache({ dir: join(dir, 'chunks'), maxBytes: 100_000_000 }) });
    flow = new NarrateFlow({
      synthesizer,
      folders: { audioDir: async () => (await mkdir(audio, { recursive: true }), audio) },
      library: async () => registry,
      settings: () => ({ speed: 1, volume: 1, concurrency: 4, historyMaxItems: 50 }),
    });
  });
  suiteTeardown(async () => {
    connections.dispose();
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  setup(() => {
    d.clearFaults();
    d.clearRequests();
    d.latencyMs = 0;
  });

  test('onChunk fires once per chunk, in order, with the samples written and its sentences’ times; the first before the last is requested', async () => {
    const text = story();
    const plan = planNarration(text, 'markdown');
    // Later chunks answer slower, so the first is in long before the last is asked for (concurrency 4).
    d.latencyMs = 40;
    const seen: Array<NarratedChunk & { requestsSoFar: number }> = [];
    const result = await flow.narrate(
      { text, languageId: 'markdown', voice: { id: 'jam', name: 'jam' }, kind: 'narration' },
      { onChunk: (c) => seen.push({ ...c, requestsSoFar: d.requests.filter((r) => r.route === 'tts').length }) },
    );
    assert.equal(seen.length, plan.chunks.length);
    assert.deepEqual(seen.map((c) => c.chunk.index), plan.chunks.map((c) => c.index));
    assert.ok(seen[0].requestsSoFar < plan.chunks.length, `the first chunk came with ${seen[0].requestsSoFar} of ${plan.chunks.length} requests made`);
    const pcm = readFileSync(result.filePath).subarray(parseWavHeader(readFileSync(result.filePath)).dataOffset);
    let at = 0;
    for (const c of seen) {
      assert.equal(c.samples.length, samplesFor(c.chunk.text) * 2);
      assert.equal(readLabel(pcm, at / 2), labelFor(c.chunk.text), `chunk ${c.chunk.index} is what the file holds there`);
      assert.equal(c.timing.startSec, at / 2 / 24000);
      at += c.samples.length;
      assert.equal(c.timing.endSec, at / 2 / 24000);
      assert.deepEqual(c.sentences.map((s) => s.sentence), c.chunk.sentences.map((s) => s.index));
      assert.equal(c.sentences[0].startSec, c.timing.startSec);
      assert.equal(c.sentences.at(-1)!.endSec, c.timing.endSec);
    }
  });

  test('reading from a sentence sends it alone first, then serves the cached chunks of the full narration', async () => {
    const text = story(8);
    const full = flow.plan(text, 'markdown', 'jam');
    await flow.narrate({ text, languageId: 'markdown', voice: { id: 'jam', name: 'jam' }, kind: 'narration' });
    d.clearRequests();
    const k = full.sentences.findIndex((s) => s.text.startsWith('In paragraph 4, sentence 2 '));
    const from = continueFrom(full, k);
    const seen: NarratedChunk[] = [];
    const result = await flow.narrate({ text, languageId: 'markdown', voice: { id: 'jam', name: 'jam' }, kind: 'narration', plan: from }, { onChunk: (c) => seen.push(c) });
    assert.equal(result.chunks, from.chunks.length);
    assert.equal(seen[0].chunk.text, full.sentences[k].text);
    const sent = d.requests.filter((r) => r.route === 'tts').map((r) => (r.json as { input: string }).input);
    // Asked for in the first round: chunk 0 is issued first, but four requests race to the server (concurrency 4),
    // so the order they arrive in is not the order they were sent.
    const at = sent.indexOf(full.sentences[k].text);
    assert.ok(at >= 0 && at < 4, `the sentence at the cursor is sent alone, in the first round of requests (arrived ${at + 1}. of ${sent.length})`);
    assert.ok(sent.length < from.chunks.length, `${sent.length} sent for ${from.chunks.length} chunks: the rest came from the cache`);
    assert.ok(result.cachedChunks >= from.chunks.length - sent.length);
  });

  /** A flow over its own empty cache whose audio folder is made by `audioDir` (to see what happens before it). */
  function flowWith(audioDir: () => Promise<string>, name: string): { flow: NarrateFlow; cache: ChunkCache } {
    const cache = new ChunkCache({ dir: join(dir, name), maxBytes: 100_000_000 });
    const own = new Synthesizer({ connections, endpoint: () => d.baseUrl, cache });
    return {
      cache,
      flow: new NarrateFlow({ synthesizer: own, folders: { audioDir }, library: async () => VoiceRegistry.open(dir), settings: () => ({ speed: 1, volume: 1, concurrency: 4, historyMaxItems: 50 }) }),
    };
  }

  /** Resolves with the double's first speech request once it has one, or undefined after `ms`. */
  async function firstSpeechRequest(ms: number): Promise<string | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const first = d.requests.find((r) => r.route === 'tts');
      if (first) return (first.json as { input: string }).input;
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  test('the first chunk is asked for before the audio folder is made: the listener’s first sound does not wait for the setup', async () => {
    const text = `${story(3)}\n\nA fresh ending ${Date.now()}.`;
    const plan = planNarration(text, 'markdown');
    let askedBeforeFolder: string | undefined;
    const { flow: own } = flowWith(async () => {
      askedBeforeFolder = await firstSpeechRequest(2000);
      const audio = join(dir, 'audio');
      await mkdir(audio, { recursive: true });
      return audio;
    }, 'chunks-first');
    d.latencyMs = 50;
    await own.narrate({ text, languageId: 'markdown', voice: { id: 'jam', name: 'jam' }, kind: 'narration' }, { onChunk: () => undefined });
    assert.equal(askedBeforeFolder, plan.chunks[0].text, 'the double had the first chunk’s request before the folder was asked for');
  });

  test('a setup that fails lets the first chunk’s request go: it is neither paid for in full nor cached', async () => {
    const text = `${story(2)}\n\nFresh words ${Date.now()}.`;
    const { flow: own, cache } = flowWith(async () => {
      await firstSpeechRequest(2000);
      throw Object.assign(new Error('EACCES: permission denied, mkdir'), { code: 'EACCES' });
    }, 'chunks-setup-fails');
    d.latencyMs = 400;
    await assert.rejects(own.narrate({ text, languageId: 'markdown', voice: { id: 'jam', name: 'jam' }, kind: 'narration' }), /EACCES/);
    // Past the double's answer time: a request left running would have landed in the cache by now.
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await cache.stats()).entries, 0);
  });

  test('a failed chunk: the chunks before it were handed over, none after; the error names its index', async () => {
    const text = story(6);
    const plan = planNarration(text, 'markdown');
    const bad = plan.chunks[3];
    // Refused after the chunks before it are in, so they are surely written first.
    d.setFault('tts', { status: 400, delayMs: 400, matchInput: bad.text, body: { code: 400, reason: 'INVALID_REQUEST_BODY', message: 'no' } });
    const seen: number[] = [];
    await assert.rejects(
      flow.narrate({ text: `${text}\n\nFresh words so nothing is cached ${Date.now()}.`, languageId: 'markdown', voice: { id: 'xiaochen', name: 'xiaochen' }, kind: 'narration' }, { onChunk: (c) => seen.push(c.chunk.index) }),
      (e: { problem?: { kind: string; index?: number } }) => e.problem?.kind === 'chunkFailed' && e.problem.index === 3,
    );
    assert.deepEqual(seen, [0, 1, 2]);
  });
});

suite('read-along: where “Read from here” lenses go', () => {
  test('headings and the first line of each paragraph; not code, front matter, comments or rules', () => {
    const text = ['---', 'title: x', '---', '# Title', 'First paragraph', 'goes on.', '', '```', 'code', '', 'more code', '```', '', '    indented code', '', '- a list item', '', '***', '', '<!-- a', 'comment -->', '', '## Next', 'Right under a heading.', ''].join('\n');
    const starts = paragraphStarts(text);
    const lines = text.split('\n');
    assert.deepEqual(starts.map((s) => lines[s.line]), ['# Title', 'First paragraph', '- a list item', '## Next', 'Right under a heading.']);
    for (const s of starts) assert.equal(text.slice(s.offset, s.offset + 3), lines[s.line].trimStart().slice(0, 3));
    // Every lens lands where the plan has a sentence at or after it: reading from it starts there.
    const plan = planNarration(text, 'markdown');
    assert.equal(sentenceAt(plan, starts[1].offset)?.text, 'First paragraph goes on.');
    assert.equal(sentenceAt(plan, starts[2].offset)?.text, 'a list item.');
  });
});

suite('read-along: what the player may send', () => {
  test('the guard takes exactly the known messages and refuses anything else', () => {
    const state = { type: 'state', session: 3, state: 'playing', sentence: 4, rate: 1.25, at: Date.now(), cause: 'audio', joinGapMs: 0, underruns: 0, ack: 0 };
    assert.equal(isFromPlayerMessage({ type: 'ready' }), true);
    assert.equal(isFromPlayerMessage(state), true);
    assert.equal(isFromPlayerMessage({ type: 'seek', session: 3, sentence: 12 }), true);
    assert.equal(isFromPlayerMessage({ type: 'rate', rate: 2 }), true);
    assert.equal(isFromPlayerMessage({ type: 'received', session: 3, index: 0 }), true);
    assert.equal(isFromPlayerMessage({ type: 'released', session: 3, before: 40 }), true);
    for (const bad of [
      null,
      'ready',
      { type: 'ready', extra: 1 },
      { ...state, state: 'exploded' },
      { ...state, rate: 16 },
      { ...state, cause: 'magic' },
      { ...state, sentence: 1.5 },
      { ...state, joinGapMs: -1 },
      { ...state, at: Number.NaN },
      (({ ack: _ack, ...rest }) => rest)(state),
      { type: 'seek', session: 3, sentence: -1 },
      { type: 'seek', session: 3, sentence: '4' },
      { type: 'rate', rate: 1.1 },
      { type: 'received', session: 3, index: -1 },
      { type: 'received', session: 3 },
      { type: 'received', session: 3, index: 2, pcm: [] },
      { type: 'released', session: 3, before: -1 },
      { type: 'released', session: 3, before: 2.5 },
      { type: 'released', session: 3 },
      { type: 'released', session: 3, before: 4, chunks: [1] },
      { type: 'clone', requestId: 'x' },
      Object.assign(Object.create({ polluted: true }), { type: 'ready' }),
    ]) {
      assert.equal(isFromPlayerMessage(bad), false, JSON.stringify(bad));
    }
  });
});

suite('read-along: the audio the player lets go of', () => {
  // Forty chunks of 30 s (20 minutes), three sentences each: sentence k of chunk i is 3i + k.
  const chunks = Array.from({ length: 40 }, (_, i) => ({ startSec: i * 30, endSec: (i + 1) * 30, sentences: [3 * i, 3 * i + 1, 3 * i + 2] }));

  test('ten minutes or less held: nothing goes, wherever it plays (a reading that short replays at once)', () => {
    assert.equal(HOLD_SEC, 600);
    assert.equal(releasable(chunks.slice(0, 20), 599), undefined);
    assert.equal(releasable(chunks.slice(0, 20), 10_000), undefined);
  });

  test('past ten minutes, the chunks furthest behind go until ten minutes are held, never the last two minutes', () => {
    // 20 minutes held, playing at 15:00: 10 minutes must go, and everything before 13:00 may.
    const r = releasable(chunks, 900)!;
    assert.deepEqual(r.release.map((c) => c.startSec / 30), [...Array(20).keys()]);
    assert.equal(r.keep.length, 20);
    assert.equal(r.before, 60, 'chunk 20 holds sentences 60–62');
    // Playing at 4:00: only what ends before 2:00 may go (chunks 0–2; chunk 3 ends at 2:00), though more than ten
    // minutes stay.
    const early = releasable(chunks, 240)!;
    assert.deepEqual(early.release.map((c) => c.startSec / 30), [0, 1, 2]);
    assert.equal(early.before, 9);
    assert.equal(releasable(chunks, 100), undefined, 'nothing ends two minutes before 1:40');
  });

  test('the keep-behind and the budget are parameters; the last chunk held is never let go', () => {
    const r = releasable(chunks.slice(0, 3), 1000, 120, 30)!;
    assert.deepEqual(r.keep.map((c) => c.startSec), [60]);
    assert.equal(r.before, 6);
    assert.equal(releasable(chunks.slice(0, 1), 1000, 120, 0), undefined);
  });

  test('kept chunks without sentences: the bound is past the last sentence let go', () => {
    const r = releasable([chunks[0], { startSec: 30, endSec: 31, sentences: [] }], 500, 60, 10)!;
    assert.equal(r.before, 3);
  });
});
