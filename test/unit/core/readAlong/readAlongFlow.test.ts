// The read-along flow (src/core/readAlong/flow.ts) in plain Node, through fake ports and a fake clock: seeking (a
// hand-over of what is rendered, else one render from the sentence sought, the latest of a run of seeks winning),
// speed, the player letting go of audio, a failed chunk, the flow of chunks to the player (two unconfirmed at most,
// a minute ahead of what it plays) and the throttled "k of n ready".
import * as assert from 'node:assert/strict';
import type { NarratedChunk, NarratedPiece, SpokenPlan } from '../../../../src/core/flows/narrate';
import { planNarration } from '../../../../src/core/narration/plan';
import { IN_FLIGHT, LOOKAHEAD_SEC, ReadAlongFlow, STATUS_MS } from '../../../../src/core/readAlong/flow';
import type { ClockPort, PlayerChunk, PlayerEvent, PlayerPiece, PlayerSession, ReadingFailure, ReadingControl } from '../../../../src/core/readAlong/ports';
import type { SourceRange } from '../../../../src/core/readAlong/ranges';

/** Seconds of audio per sentence in the fake render. */
const SENTENCE_SEC = 10;

interface Outcome {
  ok: boolean;
  cancelled?: boolean;
  failedChunk?: number;
  message?: string;
}

/** A document of `n` sentences, one per paragraph (so most chunks hold a sentence or two). */
function spokenPlan(n: number): SpokenPlan {
  const text = Array.from({ length: n }, (_, i) => `Sentence number ${i + 1} is here.`).join('\n\n');
  const plan = planNarration(text, 'markdown');
  assert.equal(plan.sentences.length, n);
  return { ...plan, chunks: plan.chunks.map((c) => ({ ...c, speaker: undefined, voice: 'v', sendText: c.text })), unassigned: [] };
}

class FakeClock implements ClockPort {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private ids = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

/** One render the fake render port started: the test hands its chunks over and ends it. */
class FakeRender {
  emitted = 0;
  private done!: (r: Outcome) => void;
  readonly result = new Promise<Outcome>((r) => (this.done = r));
  private atSec = 0;
  constructor(
    readonly plan: SpokenPlan,
    readonly onChunk: (c: NarratedChunk) => void,
    readonly background: boolean,
    readonly onPiece?: (p: NarratedPiece) => void,
  ) {}
  /** Hands the next `n` chunks (all by default) to the flow, each sentence SENTENCE_SEC long; `samples`: their audio. */
  emit(n = this.plan.chunks.length - this.emitted, samples = Buffer.alloc(4)): void {
    for (const chunk of this.plan.chunks.slice(this.emitted, this.emitted + n)) {
      const startSec = this.atSec;
      const sentences = chunk.sentences.map((s, i) => ({ sentence: s.index, chunk: chunk.index, start: s.start, end: s.end, startSec: startSec + i * SENTENCE_SEC, endSec: startSec + (i + 1) * SENTENCE_SEC }));
      this.atSec += chunk.sentences.length * SENTENCE_SEC;
      this.emitted++;
      this.onChunk({ chunk, samples, timing: { index: chunk.index, startSec, endSec: this.atSec }, sentences });
    }
  }
  /** Pieces of the next chunk (the one `emit` hands over next), as a streaming render hands them before the chunk. */
  stream(...pieces: Buffer[]): void {
    const chunk = this.plan.chunks[this.emitted];
    for (const pcm of pieces) this.onPiece?.({ index: this.emitted, chunk, pcm });
  }
  end(r: Outcome): void {
    this.done(r);
  }
}

class Harness {
  readonly clock = new FakeClock();
  readonly plan: SpokenPlan;
  readonly renders: FakeRender[] = [];
  readonly sessions: PlayerSession[] = [];
  readonly handed: PlayerChunk[] = [];
  readonly pieces: PlayerPiece[] = [];
  /** Every chunk and piece handed to the player, in order. */
  readonly trail: Array<PlayerChunk | PlayerPiece> = [];
  readonly ends: Array<{ session: number; failure?: ReadingFailure }> = [];
  readonly controls: Array<{ action: ReadingControl; id: number }> = [];
  readonly statuses: Array<{ session: number; rendered: number; total: number; at: number }> = [];
  readonly failures: ReadingFailure[] = [];
  readonly shown: SourceRange[] = [];
  readonly reading: boolean[] = [];
  cancels = 0;
  /** Handed to the player and not yet confirmed, at most, over the whole test. */
  maxUnconfirmed = 0;
  private readonly confirmed = new Set<PlayerChunk>();
  readonly flow: ReadAlongFlow<string, Outcome>;

  constructor(sentences: number) {
    this.plan = spokenPlan(sentences);
    this.flow = new ReadAlongFlow<string, Outcome>({
      clock: this.clock,
      player: {
        session: (s) => this.sessions.push(s),
        piece: (p) => {
          this.pieces.push(p);
          this.trail.push(p);
        },
        chunk: (c) => {
          this.handed.push(c);
          this.trail.push(c);
          this.maxUnconfirmed = Math.max(this.maxUnconfirmed, this.handed.length - this.confirmed.size);
        },
        end: (session, failure) => this.ends.push({ session, failure }),
        control: (action, id) => this.controls.push({ action, id }),
        status: (session, rendered, total) => this.statuses.push({ session, rendered, total, at: this.clock.now() }),
        show: async () => undefined,
      },
      highlight: {
        show: (_t, range) => {
          this.shown.push(range);
          return true;
        },
        clear: () => undefined,
      },
      render: {
        plan: async () => this.plan,
        render: (_t, plan, onChunk, background, onPiece) => {
          const r = new FakeRender(plan, onChunk, background, onPiece);
          this.renders.push(r);
          return r.result;
        },
        cancel: () => {
          this.cancels++;
          this.renders.at(-1)?.end({ ok: false, cancelled: true });
        },
      },
      reading: {
        reading: (on) => this.reading.push(on),
        failed: (f) => this.failures.push(f),
        warn: (w) => assert.fail(`${w.kind}: ${String(w.error)}`),
      },
    });
  }

  /** Starts a read (from sentence `from`, a document offset = the sentence's start) and lets it reach the render. */
  async read(from?: number): Promise<{ done: Promise<unknown> }> {
    const done = this.flow.read({ target: 'doc', title: 'Doc', base: 0, mapped: true, from: from === undefined ? undefined : this.plan.sentences[from].start });
    await settle();
    return { done };
  }

  get session(): number {
    return this.sessions.at(-1)!.session;
  }

  /** The player confirms every chunk handed to it so far (and those that handing over brings). */
  confirmAll(): void {
    for (let c = this.handed.find((x) => !this.confirmed.has(x)); c; c = this.handed.find((x) => !this.confirmed.has(x))) {
      this.player({ type: 'received', session: c.session, index: c.index });
    }
  }

  player(m: PlayerEvent): void {
    if (m.type === 'received') {
      const c = this.handed.find((x) => x.session === m.session && x.index === m.index);
      if (c) this.confirmed.add(c);
    }
    this.flow.onPlayer(m);
  }

  state(sentence: number, state: 'playing' | 'paused' | 'waiting' = 'playing', rate = 1, ack = 0): void {
    this.player({ type: 'state', session: this.session, state, sentence, rate, at: this.clock.now(), cause: 'audio', joinGapMs: 0, underruns: 0, ack });
  }

  /** Sentences the player holds (every sentence of every chunk handed in the session playing). */
  handedSentences(): number[] {
    return this.handed.filter((c) => c.session === this.session).flatMap((c) => c.sentences.map((s) => s.sentence));
  }
}

/** Lets promises the flow awaits settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

suite('read-along flow (core, fake ports and clock)', () => {
  test('a seek to a rendered sentence not yet handed over is a hand-over: no new render, nothing cancelled', async () => {
    const h = new Harness(40);
    await h.read();
    h.renders[0].emit();
    h.confirmAll();
    const far = 30; // 300 s in: past the lookahead, so rendered but held in the host
    assert.equal(h.handedSentences().includes(far), false, 'held back before the seek');
    h.player({ type: 'seek', session: h.session, sentence: far });
    h.confirmAll();
    await settle();
    assert.equal(h.renders.length, 1, 'no second render');
    assert.equal(h.cancels, 0);
    assert.ok(h.handedSentences().includes(far), 'the sentence sought is handed over');
  });

  test('a seek to a sentence not rendered yet cancels the render and renders from that sentence, in the background', async () => {
    const h = new Harness(40);
    await h.read();
    h.renders[0].emit(2);
    h.confirmAll();
    h.player({ type: 'seek', session: h.session, sentence: 25 });
    await settle();
    assert.equal(h.cancels, 1);
    assert.equal(h.renders.length, 2);
    assert.equal(h.renders[1].background, true);
    assert.equal(h.renders[1].plan.sentences[0].text, h.plan.sentences[25].text, 'the new render starts at the sentence sought');
    assert.equal(h.sessions.at(-1)!.first, 25);
    assert.equal(h.flow.status().first, 25);
    // Its chunks carry the sentences' indices in the whole document.
    h.renders[1].emit(1);
    assert.deepEqual(h.handed.at(-1)!.sentences.map((s) => s.sentence), [25]);
  });

  test('a run of seeks while the render lets go settles into one render, from the latest sentence sought', async () => {
    const h = new Harness(40);
    const { done } = await h.read();
    h.renders[0].emit(1);
    const session = h.session;
    // The render takes a while to let go: the seeks pile up meanwhile.
    const slow = h.renders[0];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const end = slow.end.bind(slow);
    slow.end = (r) => void held.then(() => end(r));
    for (const k of [10, 20, 30, 35]) h.player({ type: 'seek', session, sentence: k });
    await settle();
    assert.equal(h.renders.length, 1, 'no render while the first has not let go');
    release();
    await settle();
    assert.equal(h.renders.length, 2, 'one render for the whole run');
    assert.equal(h.sessions.at(-1)!.first, 35, 'the latest seek wins');
    // The reading's outcome is the render that took over.
    h.renders[1].emit();
    h.renders[1].end({ ok: true });
    assert.deepEqual(await done, { started: true, result: { ok: true } });
  });

  test('speed: the player’s rate is the next render’s, and the status’s', async () => {
    const h = new Harness(20);
    await h.read();
    assert.equal(h.sessions[0].rate, 1);
    h.player({ type: 'rate', rate: 1.5 });
    assert.equal(h.flow.status().rate, 1.5);
    h.player({ type: 'seek', session: h.session, sentence: 15 });
    await settle();
    assert.equal(h.sessions.at(-1)!.rate, 1.5, 'the render after a seek keeps the speed');
    h.state(15, 'playing', 2);
    assert.equal(h.flow.status().rate, 2);
  });

  test('audio the player let go of is rendered again when sought; what it still holds is a hand-over', async () => {
    const h = new Harness(12);
    await h.read();
    h.renders[0].emit();
    h.confirmAll();
    h.state(11);
    h.confirmAll();
    h.player({ type: 'released', session: h.session, before: 5 });
    assert.equal(h.flow.status().metrics.releasedBefore, 5);
    h.player({ type: 'seek', session: h.session, sentence: 6 });
    await settle();
    assert.equal(h.renders.length, 1, 'sentence 6 is still held: no render');
    h.player({ type: 'seek', session: h.session, sentence: 2 });
    await settle();
    assert.equal(h.renders.length, 2, 'sentence 2 was let go of: rendered again');
    assert.equal(h.sessions.at(-1)!.first, 2);
  });

  test('a failed chunk stops reading at its first sentence: told to the player after what was handed, and reported as data', async () => {
    const h = new Harness(20);
    await h.read();
    h.player({ type: 'seek', session: h.session, sentence: 8 });
    await settle();
    const r = h.renders[1];
    r.emit(3);
    r.end({ ok: false, failedChunk: 4, message: 'the service refused it' });
    await settle();
    const failed = r.plan.chunks[3].sentences[0];
    const expected: ReadingFailure = { sentence: { index: 8 + failed.index, text: failed.text }, problem: 'the service refused it' };
    assert.equal(h.plan.sentences[expected.sentence!.index].text, failed.text, 'the index is the document’s');
    assert.deepEqual(h.failures, [expected]);
    assert.deepEqual(h.flow.status().failure, expected);
    // The end waits for the chunk still held to be handed over; then it carries the failure.
    assert.equal(h.ends.length, 0);
    h.confirmAll();
    assert.equal(h.handed.at(-1)!.index, 2);
    assert.deepEqual(h.ends, [{ session: h.session, failure: expected }]);
    // A cancelled render is no failure.
    const g = new Harness(10);
    await g.read();
    g.renders[0].end({ ok: false, cancelled: true, message: 'cancelled' });
    await settle();
    assert.deepEqual(g.failures, []);
  });

  test(`at most ${IN_FLIGHT} chunks travel unconfirmed; each confirmation lets the next one go`, async () => {
    const h = new Harness(6); // 60 s in all: everything is within the lookahead
    await h.read();
    h.renders[0].emit();
    assert.equal(h.handed.length, IN_FLIGHT, 'the rest waits for a confirmation');
    h.player({ type: 'received', session: h.session, index: h.handed[0].index });
    assert.equal(h.handed.length, IN_FLIGHT + 1);
    // A confirmation of a chunk not in flight (stale, repeated) lets nothing go.
    h.player({ type: 'received', session: h.session, index: h.handed[0].index });
    h.player({ type: 'received', session: h.session + 1, index: h.handed[1].index });
    assert.equal(h.handed.length, IN_FLIGHT + 1);
    h.confirmAll();
    assert.equal(h.handed.length, h.plan.chunks.length);
    assert.ok(h.maxUnconfirmed <= IN_FLIGHT, `${h.maxUnconfirmed} unconfirmed at once`);
    assert.equal(h.flow.status().metrics.chunksConfirmed, h.plan.chunks.length);
  });

  test(`the player gets the audio up to ${LOOKAHEAD_SEC} s past the sentence it plays, and more as it plays on`, async () => {
    const h = new Harness(40);
    await h.read();
    h.renders[0].emit();
    h.confirmAll();
    const lastStart = (chunks: PlayerChunk[]) => Math.max(...chunks.map((c) => c.startSec));
    assert.ok(lastStart(h.handed) <= LOOKAHEAD_SEC, `handed up to ${lastStart(h.handed)} s`);
    assert.ok(h.handed.length < h.plan.chunks.length, 'the rest is held');
    assert.ok(h.renders[0].plan.chunks.length > h.handed.length);
    const next = h.renders[0].plan.sentences.find((s) => s.index * SENTENCE_SEC > lastStart(h.handed))!;
    assert.ok(next.index * SENTENCE_SEC <= LOOKAHEAD_SEC + SENTENCE_SEC, 'the first chunk held back starts right after the lookahead');
    h.state(10); // 100 s in
    h.confirmAll();
    assert.ok(lastStart(h.handed) > LOOKAHEAD_SEC && lastStart(h.handed) <= 100 + LOOKAHEAD_SEC, `handed up to ${lastStart(h.handed)} s`);
    assert.equal(h.ends.length, 0, 'the end waits for the rest to be handed');
    h.renders[0].end({ ok: true });
    await settle();
    h.state(39);
    h.confirmAll();
    assert.equal(h.handed.length, h.plan.chunks.length);
    assert.deepEqual(h.ends, [{ session: h.session, failure: undefined }]);
  });

  test(`"k of n ready" goes to the player at most every ${STATUS_MS} ms, the first and the last at once`, async () => {
    const h = new Harness(30);
    await h.read();
    const r = h.renders[0];
    const n = r.plan.chunks.length;
    const t0 = h.clock.now();
    r.emit(5);
    assert.deepEqual(h.statuses.map((s) => s.rendered), [1]);
    h.clock.advance(STATUS_MS - 1);
    assert.equal(h.statuses.length, 1);
    h.clock.advance(1);
    assert.deepEqual(h.statuses.map((s) => [s.rendered, s.at - t0]), [[1, 0], [5, STATUS_MS]]);
    r.emit(n - 6);
    h.clock.advance(100);
    assert.equal(h.statuses.length, 2);
    r.emit(1);
    assert.deepEqual(h.statuses.at(-1), { session: h.session, rendered: n, total: n, at: t0 + STATUS_MS + 100 });
    h.clock.advance(10 * STATUS_MS);
    assert.equal(h.statuses.length, 3, 'nothing after the last');
  });

  test('a read from past the last sentence, or whose plan fails, never starts, and says why as data', async () => {
    const h = new Harness(5);
    const past = await h.flow.read({ target: 'doc', title: 'Doc', base: 0, mapped: true, from: h.plan.sentences[4].end + 5 });
    assert.deepEqual(past, { started: false, refusal: { kind: 'nothingAfter' } });
    const boom = new Error('no plan');
    (h.flow as unknown as { renderer: { plan: () => Promise<never> } }).renderer.plan = () => Promise.reject(boom);
    assert.deepEqual(await h.flow.read({ target: 'doc', title: 'Doc', base: 0, mapped: true }), { started: false, refusal: { kind: 'planFailed', error: boom } });
    assert.equal(h.renders.length, 0);
  });

  test('the highlight follows edits before the sentence heard, and is gone once an edit touches it', async () => {
    const h = new Harness(10);
    await h.read();
    h.renders[0].emit();
    h.state(3);
    const at = h.plan.sentences[3];
    assert.deepEqual(h.flow.status().highlight, { start: at.start, end: at.end });
    h.flow.edited([{ start: 0, end: 0, newLength: 4 }]);
    assert.deepEqual(h.flow.status().highlight, { start: at.start + 4, end: at.end + 4 });
    assert.deepEqual(h.shown.at(-1), { start: at.start + 4, end: at.end + 4 }, 'shown where it moved');
    h.flow.edited([{ start: at.start + 5, end: at.start + 6, newLength: 0 }]);
    assert.equal(h.flow.status().highlight, undefined);
    assert.equal(h.flow.status().sentenceRange, undefined);
    assert.equal(h.flow.status().reading, true, 'reading goes on');
  });

  test('a control resolves once the player acts on it (its ack), or after 3 s; the highlight follows the sentence heard', async () => {
    const h = new Harness(10);
    await h.read();
    h.renders[0].emit();
    const acted = h.flow.control('next');
    const { id } = h.controls.at(-1)!;
    h.state(1, 'playing', 1, id);
    assert.equal((await acted).sentence, 1);
    assert.deepEqual(h.shown.at(-1), { start: h.plan.sentences[1].start, end: h.plan.sentences[1].end });
    let resolved = false;
    const silent = h.flow.control('toggle').then(() => (resolved = true));
    await settle();
    h.clock.advance(2999);
    await settle();
    assert.equal(resolved, false);
    h.clock.advance(1);
    await silent;
    const stopped = await h.flow.stop();
    assert.equal(stopped.state, 'stopped');
    assert.equal(h.reading.at(-1), false);
  });
  test('streamed: the pieces of the first chunk reach the player in order before it; its close carries the rest and its times', async () => {
    const h = new Harness(12);
    await h.read();
    const [a, b] = [Buffer.from([1, 1, 2, 2]), Buffer.from([3, 3, 4, 4, 5, 5])];
    h.renders[0].stream(a, b);
    assert.equal(h.handed.length, 0, 'no chunk yet');
    assert.deepEqual(
      h.pieces.map((p) => ({ index: p.index, offset: p.offset, startSec: p.startSec, sentence: p.sentence, pcm: [...p.pcm] })),
      [
        { index: 0, offset: 0, startSec: 0, sentence: 0, pcm: [1, 1, 2, 2] },
        { index: 0, offset: 4, startSec: 0, sentence: 0, pcm: [3, 3, 4, 4, 5, 5] },
      ],
    );
    assert.equal(h.flow.status().metrics.piecesHanded, 2);
    h.renders[0].emit(1, Buffer.concat([a, b, Buffer.from([6, 6])]));
    const close = h.handed[0];
    assert.equal(close.offset, 10, 'the close says how much came as pieces');
    assert.deepEqual([...close.pcm], [6, 6], 'and carries only the rest');
    assert.deepEqual(close.sentences.map((s) => s.sentence), [0], 'with its sentences’ times');
    // Outside the two unconfirmed: the next two chunks are handed at once, though the close is not confirmed.
    h.renders[0].emit(2);
    assert.deepEqual(h.handed.map((c) => c.index), [0, 1, 2]);
    assert.equal(h.handed[1].offset, undefined, 'a chunk that did not stream comes whole');
  });

  test('streamed: a chunk whose stream broke comes from the whole answer at the same byte on, so nothing is heard twice', async () => {
    const h = new Harness(12);
    await h.read();
    h.renders[0].stream(Buffer.from([1, 1, 2, 2]), Buffer.from([3, 3]));
    // The stream broke; the synthesizer asked for the chunk whole: the answer differs a little from the stream.
    h.renders[0].emit(1, Buffer.from([9, 9, 8, 8, 7, 7, 6, 6, 5, 5]));
    assert.equal(h.handed[0].offset, 6);
    assert.deepEqual([...h.handed[0].pcm], [6, 6, 5, 5]);
    // A whole answer shorter than what was heard: nothing more to play.
    h.renders[0].stream(Buffer.from([1, 1, 2, 2, 3, 3]));
    h.renders[0].emit(1, Buffer.from([7, 7]));
    assert.equal(h.handed[1].offset, 6);
    assert.equal(h.handed[1].pcm.byteLength, 0);
  });

  test('streamed: pieces of a chunk with another waiting before it in the host are not handed; it comes whole, in order', async () => {
    const h = new Harness(12);
    await h.read();
    h.renders[0].emit(3); // two travel unconfirmed, the third waits in the host
    assert.equal(h.handed.length, 2);
    h.renders[0].stream(Buffer.from([1, 1]), Buffer.from([2, 2]));
    assert.equal(h.pieces.length, 0, 'the player would hear them before the chunk waiting');
    h.renders[0].emit(1, Buffer.from([1, 1, 2, 2, 3, 3]));
    h.confirmAll();
    assert.deepEqual(h.handed.map((c) => c.index), [0, 1, 2, 3]);
    assert.equal(h.handed[3].offset, undefined);
    assert.deepEqual([...h.handed[3].pcm], [1, 1, 2, 2, 3, 3], 'whole');
    // The next chunk, with nothing waiting before it, streams again.
    h.renders[0].stream(Buffer.from([4, 4]));
    assert.equal(h.pieces.length, 1);
    assert.equal(h.pieces[0].index, 4);
    assert.equal(h.pieces[0].startSec, h.handed[3].endSec, 'it starts where the chunk before it ends');
  });

  test('streamed: a chunk that fails mid-stream ends the reading with the failure; the pieces heard stay', async () => {
    const h = new Harness(12);
    await h.read();
    h.renders[0].stream(Buffer.from([1, 1, 2, 2]));
    h.renders[0].end({ ok: false, failedChunk: 1, message: 'the stream broke' });
    await settle();
    assert.equal(h.pieces.length, 1);
    assert.equal(h.handed.length, 0);
    assert.deepEqual(h.ends.at(-1), { session: h.session, failure: { sentence: { index: 0, text: h.plan.sentences[0].text }, problem: 'the stream broke' } });
    assert.equal(h.failures.length, 1);
  });
});
