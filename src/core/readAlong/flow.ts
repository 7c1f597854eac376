// Read-along as a use case: a render of the text (a narration) whose chunks go to the player as they are written,
// the sentence heard highlighted, seeking (a hand-over of what is rendered, else a render from the sentence sought;
// one at a time, the latest wins), speed, and the flow of chunks to the player (a minute ahead of what it plays, two
// unconfirmed at most, rendered again once it let go of them). Everything outside goes through ./ports.ts: no
// editor, no words (the host words the status and the failure), a clock the tests can drive.
import { continueFrom, type NarratedChunk, type NarratedPiece, type SpokenPlan } from '../flows/narrate';
import { sentenceAt } from '../narration/plan';
import { shiftRanges, type SourceChange, type SourceRange } from './ranges';
import {
  systemClock,
  type ClockPort,
  type HighlightPort,
  type PlayerChunk,
  type PlayerEvent,
  type PlayerPort,
  type ReadingControl,
  type ReadingFailure,
  type ReadingPort,
  type ReadingState,
  type RenderOutcome,
  type RenderPort,
  type TimerHandle,
} from './ports';

const SAMPLE_RATE = 24000;
/** How much audio the player holds ahead of the sentence it plays. */
export const LOOKAHEAD_SEC = 60;
/** The least time between two "k of n chunks ready" reports to the player. */
export const STATUS_MS = 250;
/** Chunks handed to the player and not yet confirmed, at most (see Outbox.inFlight). */
export const IN_FLIGHT = 2;
/** How long a control waits for the player to act on it. */
export const CONTROL_TIMEOUT_MS = 3000;

/** What to read: `target` is the host's (its document, voice, text), opaque to the flow. */
export interface ReadRequest<T> {
  target: T;
  title: string;
  /** Document offset of the text's first character. */
  base: number;
  /** False when the text is not one stretch of the document (several selections): nothing is highlighted. */
  mapped: boolean;
  /** Document offset to read from (cursor, lens); default: the start. */
  from?: number;
}

/** A read that never started: the plan failed (the render port's error), or nothing follows `from`. */
export type ReadRefusal = { kind: 'planFailed'; error: unknown } | { kind: 'nothingAfter' };

export type ReadOutcome<R> = { started: true; result: R } | { started: false; refusal: ReadRefusal };

export interface ReadAlongMetrics {
  /** Wall-clock ms (Date.now) the read was asked for. */
  startedAt: number;
  /** When the player said it started playing (its own clock, the moment it started the audio). */
  playingAt?: number;
  /** Most silence between two chunks while playing, and how often it ran dry. */
  joinGapMs: number;
  underruns: number;
  /** Audio crossed a sentence boundary → the decoration moved, one figure per crossing. */
  highlightLagsMs: number[];
  /** Chunks the render gave the read-along (in the host), and when the first was. */
  chunksPosted: number;
  /** Of those, handed to the player so far (it holds LOOKAHEAD_SEC ahead of the sentence it plays). */
  chunksHanded: number;
  /** Of those, confirmed by the player: at most two travel at a time, so this is chunksHanded or up to two less. */
  chunksConfirmed: number;
  firstChunkAt?: number;
  /** Pieces of streamed chunks handed to the player (streamed speech), and when the first was. */
  piecesHanded: number;
  firstPieceAt?: number;
  /** When the player's script said it listens, if that was after the read began (a first showing). */
  playerReadyAt?: number;
  /** When the host resolved the player's view, if after the read began. */
  viewResolvedAt?: number;
  /** In the render playing: the player holds no audio of the sentences before this one (past HOLD_SEC held, it lets go). */
  releasedBefore?: number;
}

/** What the player and the highlight show now. */
export interface ReadAlongFlowStatus {
  reading: boolean;
  state: ReadingState | 'loading';
  /** Index of the sentence heard in the scope's sentences; -1 before any. */
  sentence: number;
  total: number;
  /** The sentence this render started at. */
  first: number;
  sentenceText?: string;
  /** Where that sentence is in the document now; undefined once an edit made it stale. */
  sentenceRange?: SourceRange;
  /** The range the highlight covers now (none when off, stale or stopped). */
  highlight?: SourceRange;
  rate: number;
  /** Why the render stopped early. */
  failure?: ReadingFailure;
  metrics: ReadAlongMetrics;
}

export interface ReadAlongPorts<T, R extends RenderOutcome> {
  player: PlayerPort;
  highlight: HighlightPort<T>;
  render: RenderPort<T, R>;
  reading: ReadingPort<R>;
  clock?: ClockPort;
}

interface Scope<T> {
  target: T;
  title: string;
  plan: SpokenPlan;
  /** Each sentence's range in the document (undefined: not mapped, or made stale by an edit). */
  ranges: Array<SourceRange | undefined>;
}

interface Render<R> {
  session: number;
  first: number;
  result: Promise<R>;
}

/**
 * Rendered chunks not yet handed to the player. The player gets the audio up to LOOKAHEAD_SEC past the sentence it
 * plays; the rest waits here. A long file served from the cache would otherwise reach the webview as one burst of
 * megabytes (its whole audio, decoded there), holding up the first sound and the page.
 */
interface Outbox {
  session: number;
  queue: PlayerChunk[];
  /** Each rendered sentence's start in this render's audio (seconds). */
  starts: Map<number, number>;
  playheadSec: number;
  /**
   * The chunks handed over and not yet confirmed by the player: at most IN_FLIGHT travel at once. Chunks are
   * megabytes, and chunks sent at once share one trip to the webview (code-server batches what the host sends), so
   * with no bound a long file's first sound waited for the chunks after it. Two, not one: the first chunk is one
   * short sentence, and the (short) second must not wait a round trip for the first to be confirmed.
   */
  inFlight: Set<number>;
  /** The render's end, told once the queue is empty. */
  end?: { failure?: ReadingFailure };
  /** Where the next chunk starts in this render's audio: the end of the last one rendered. */
  nextStartSec: number;
  /**
   * The chunk whose pieces the player is being handed as it streams (`bytes` so far): it is handed its close at once
   * when complete, outside the queue (its audio is already playing). `declined`: a chunk whose pieces are not handed
   * over (something waits before it, or it lies beyond the lookahead): it goes whole through the queue.
   */
  open?: { index: number; startSec: number; bytes: number };
  declined?: number;
}

const freshMetrics = (startedAt: number): ReadAlongMetrics => ({
  startedAt,
  joinGapMs: 0,
  underruns: 0,
  highlightLagsMs: [],
  chunksPosted: 0,
  chunksHanded: 0,
  chunksConfirmed: 0,
  piecesHanded: 0,
});

export class ReadAlongFlow<T, R extends RenderOutcome> {
  private scope: Scope<T> | undefined;
  private render: Render<R> | undefined;
  private session = 0;
  private state: ReadingState | 'loading' = 'idle';
  private sentence = -1;
  private rate = 1;
  private highlighted: SourceRange | undefined;
  private failure: ReadingFailure | undefined;
  private metrics: ReadAlongMetrics = freshMetrics(0);
  private readonly waiters = new Map<number, () => void>();
  private controlId = 0;
  private seeking: Promise<void> | undefined;
  private outbox: Outbox | undefined;
  private pendingSeek: number | undefined;
  private readonly player: PlayerPort;
  private readonly highlight: HighlightPort<T>;
  private readonly renderer: RenderPort<T, R>;
  private readonly context: ReadingPort<R>;
  private readonly clock: ClockPort;

  constructor(ports: ReadAlongPorts<T, R>) {
    this.player = ports.player;
    this.highlight = ports.highlight;
    this.renderer = ports.render;
    this.context = ports.reading;
    this.clock = ports.clock ?? systemClock;
  }

  get isReading(): boolean {
    return this.scope !== undefined && this.state !== 'ended' && this.state !== 'stopped';
  }

  /** The target being read (the last one asked for), if any. */
  get target(): T | undefined {
    return this.scope?.target;
  }

  status(): ReadAlongFlowStatus {
    const s = this.scope;
    const k = this.sentence;
    return {
      reading: this.isReading,
      state: this.state,
      sentence: k,
      total: s?.plan.sentences.length ?? 0,
      first: this.render?.first ?? 0,
      sentenceText: s?.plan.sentences[k]?.text,
      sentenceRange: s?.ranges[k],
      highlight: this.highlighted,
      rate: this.rate,
      failure: this.failure,
      metrics: { ...this.metrics, highlightLagsMs: [...this.metrics.highlightLagsMs] },
    };
  }

  /**
   * Reads from `request.from` (the sentence there) on: the player plays each chunk as it is written while the rest
   * render. Resolves with the render's outcome, while playback may go on.
   */
  async read(request: ReadRequest<T>): Promise<ReadOutcome<R>> {
    let plan: SpokenPlan;
    try {
      plan = await this.renderer.plan(request.target);
    } catch (error) {
      return { started: false, refusal: { kind: 'planFailed', error } };
    }
    const first = request.from === undefined ? 0 : sentenceAt(plan, request.from - request.base)?.index;
    if (first === undefined) return { started: false, refusal: { kind: 'nothingAfter' } };
    // A new read replaces any seek still settling in the one before.
    this.pendingSeek = undefined;
    await this.seeking;
    await this.stopRender();
    const { base, mapped } = request;
    this.scope = {
      target: request.target,
      title: request.title,
      plan,
      ranges: plan.sentences.map((s) => (mapped ? { start: base + s.start, end: base + s.end } : undefined)),
    };
    this.metrics = freshMetrics(this.clock.now());
    this.clearHighlight();
    const scope = this.scope;
    const result = this.startRender(first, false);
    return { started: true, result: await this.followSeeks(scope, this.render, await result) };
  }

  /**
   * A render cancelled because the listener skipped past what was rendered is not the end of the reading: the
   * render from the sentence sought takes over, and its outcome (the WAV from there on) is the reading's.
   */
  private async followSeeks(scope: Scope<T>, last: Render<R> | undefined, result: R): Promise<R> {
    // Cancelled by the listener (the notification's Cancel, Stop) or by a new reading: that is the outcome.
    while (!result.ok && result.cancelled && !result.declined && this.scope === scope && (this.seeking || this.render !== last)) {
      await this.seeking;
      const next = this.render;
      if (!next || next === last || this.scope !== scope) break;
      last = next;
      result = await next.result;
    }
    return result;
  }

  /** Play/pause, next, previous, stop: resolves with the status once the player has acted (or after 3 s). */
  async control(action: ReadingControl): Promise<ReadAlongFlowStatus> {
    if (!this.scope) return this.status();
    if (action === 'stop') return this.stop();
    const id = ++this.controlId;
    const acted = new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(id);
        resolve();
      }, CONTROL_TIMEOUT_MS);
      this.waiters.set(id, () => {
        this.clock.clearTimeout(timer);
        resolve();
      });
    });
    this.player.control(action, id);
    await acted;
    return this.status();
  }

  async stop(): Promise<ReadAlongFlowStatus> {
    this.player.control('stop', 0);
    this.outbox = undefined;
    this.pendingSeek = undefined;
    await this.seeking;
    await this.stopRender();
    this.state = 'stopped';
    this.clearHighlight();
    this.context.reading(false);
    return this.status();
  }

  /**
   * Plays one clip (a retake's take: 16-bit mono PCM at `sampleRate`, by default GLM's 24 kHz, saying `text`) as a session of one sentence with
   * nothing to highlight; a reading in progress stops. Resolves once the player has been given it.
   */
  async playClip(clip: { title: string; text: string; pcm: Uint8Array; sampleRate?: number }): Promise<ReadAlongFlowStatus> {
    const sampleRate = clip.sampleRate ?? SAMPLE_RATE;
    this.pendingSeek = undefined;
    await this.seeking;
    await this.stopRender();
    this.scope = undefined;
    this.outbox = undefined;
    this.clearHighlight();
    this.failure = undefined;
    this.state = 'loading';
    this.sentence = 0;
    const session = ++this.session;
    const seconds = Math.floor(clip.pcm.byteLength / 2) / sampleRate;
    this.player.session({ session, title: clip.title, sentences: [clip.text], first: 0, rate: this.rate });
    this.player.chunk({ session, index: 0, startSec: 0, endSec: seconds, sampleRate, pcm: clip.pcm, sentences: [{ sentence: 0, startSec: 0, endSec: seconds }] });
    this.player.end(session);
    await this.player.show();
    return this.status();
  }

  /** The host resolved the player's view (a metric for a first showing during a read). */
  viewResolved(): void {
    if (this.scope && this.metrics.viewResolvedAt === undefined) this.metrics.viewResolvedAt = this.clock.now();
  }

  /** The document read changed: sentences move with edits before them; one edited under it is never highlighted again. */
  edited(changes: readonly SourceChange[]): void {
    const scope = this.scope;
    if (!scope || !changes.length) return;
    scope.ranges = shiftRanges(scope.ranges, changes);
    if (this.highlighted) this.paint(false);
  }

  /** Shows the highlight again where it belongs (editors shown or hidden, the highlight setting changed). */
  repaint(): void {
    this.paint(false);
  }

  private startRender(first: number, background: boolean): Promise<R> {
    const scope = this.scope!;
    const session = ++this.session;
    const plan = continueFrom(scope.plan, first);
    this.outbox = { session, queue: [], starts: new Map(), playheadSec: 0, inFlight: new Set(), nextStartSec: 0 };
    this.metrics.releasedBefore = undefined;
    this.state = 'loading';
    this.sentence = first;
    this.failure = undefined;
    let rendered = 0;
    let statusAt = 0;
    let statusTimer: TimerHandle | undefined;
    const tellRendered = () => {
      if (statusTimer !== undefined) this.clock.clearTimeout(statusTimer);
      statusTimer = undefined;
      statusAt = this.clock.now();
      if (this.render?.session === session) this.player.status(session, rendered, plan.chunks.length);
    };
    const result = this.renderer.render(
      scope.target,
      plan,
      (c) => {
        if (this.render?.session !== session) return;
        this.postChunk(session, first, c);
        rendered++;
        // "k of n ready" at most every STATUS_MS (and the last always): a cached file renders hundreds of chunks a
        // second, and a message for each kept the player too busy to confirm the chunks it was handed.
        const wait = rendered === plan.chunks.length ? 0 : statusAt + STATUS_MS - this.clock.now();
        if (wait <= 0) tellRendered();
        else statusTimer ??= this.clock.setTimeout(tellRendered, wait);
      },
      background,
      (p) => {
        if (this.render?.session === session) this.postPiece(session, first, p);
      },
    );
    this.render = { session, first, result };
    // Only now, with the first chunk on its way (the render asks for it before anything else): the player, the
    // context and the view load while it renders, and none of them waits for the other.
    this.player.session({ session, title: scope.title, sentences: scope.plan.sentences.map((s) => s.text), first, rate: this.rate });
    void this.player.show().catch((err: unknown) => this.context.warn({ kind: 'playerNotShown', error: err }));
    this.context.reading(true);
    void result.then((r) => {
      if (this.render?.session !== session) return;
      if (r.ok) return this.finish(session, {});
      if (r.cancelled) return;
      const failed = r.failedChunk !== undefined ? plan.chunks[r.failedChunk - 1]?.sentences[0] : undefined;
      const failure: ReadingFailure = {
        sentence: failed ? { index: first + failed.index, text: failed.text } : undefined,
        problem: r.message ?? '',
      };
      this.failure = failure;
      this.finish(session, { failure });
      this.context.failed(failure, r);
    });
    return result;
  }

  private postChunk(session: number, first: number, c: NarratedChunk): void {
    if (!this.metrics.chunksPosted) this.metrics.firstChunkAt = this.clock.now();
    this.metrics.chunksPosted++;
    // A copy: the Buffer may be a view into a larger pooled one.
    const pcm = new Uint8Array(c.samples.byteLength);
    pcm.set(c.samples);
    const chunk: PlayerChunk = {
      session,
      index: c.chunk.index,
      startSec: c.timing.startSec,
      endSec: c.timing.endSec,
      sampleRate: SAMPLE_RATE,
      pcm,
      sentences: c.sentences.map((s) => ({ sentence: first + s.sentence, startSec: s.startSec, endSec: s.endSec })),
    };
    const o = this.outbox;
    if (o?.session !== session) return;
    for (const s of chunk.sentences) o.starts.set(s.sentence, s.startSec);
    o.nextStartSec = chunk.endSec;
    const open = o.open;
    if (open?.index === chunk.index) {
      // Streamed: the player has its first `bytes` already (playing, or played). It gets the rest and the chunk's
      // times now, outside the queue. After a stream broke and the chunk was asked for whole, the rest is the whole
      // answer's from the same sample on: what was heard is not heard again (the file and the cache hold the whole).
      o.open = undefined;
      const offset = Math.min(open.bytes, pcm.byteLength);
      this.player.chunk({ ...chunk, pcm: pcm.subarray(offset), offset: open.bytes });
      this.metrics.chunksHanded++;
      this.pump();
      return;
    }
    o.queue.push(chunk);
    this.pump();
  }

  /**
   * A piece of a chunk still streaming: handed to the player at once when that chunk is the next it needs (nothing
   * queued before it, within the lookahead), so it sounds before the chunk is complete; otherwise the chunk waits
   * to come whole. Decided at its first piece: a chunk is streamed to the player from its start or not at all.
   */
  private postPiece(session: number, first: number, p: NarratedPiece): void {
    const o = this.outbox;
    if (o?.session !== session || o.declined === p.chunk.index || !p.pcm.byteLength) return;
    let open = o.open;
    if (open?.index !== p.chunk.index) {
      if (open || o.queue.length || o.end || o.nextStartSec > o.playheadSec + LOOKAHEAD_SEC) {
        o.declined = p.chunk.index;
        return;
      }
      open = o.open = { index: p.chunk.index, startSec: o.nextStartSec, bytes: 0 };
    }
    if (this.metrics.firstPieceAt === undefined) this.metrics.firstPieceAt = this.clock.now();
    const sentence = first + (p.chunk.sentences[0]?.index ?? 0);
    if (open.bytes === 0) o.starts.set(sentence, open.startSec);
    const pcm = new Uint8Array(p.pcm.byteLength);
    pcm.set(p.pcm);
    this.player.piece({ session, index: p.chunk.index, startSec: open.startSec, offset: open.bytes, sampleRate: SAMPLE_RATE, pcm, sentence });
    open.bytes += pcm.byteLength;
    this.metrics.piecesHanded++;
  }

  /** Hands the player what lies within LOOKAHEAD_SEC of the sentence it plays, then the end once all is handed. */
  private pump(): void {
    const o = this.outbox;
    if (!o || o.session !== this.session) return;
    while (o.inFlight.size < IN_FLIGHT && o.queue.length && o.queue[0].startSec <= o.playheadSec + LOOKAHEAD_SEC) {
      const next = o.queue.shift()!;
      o.inFlight.add(next.index);
      this.player.chunk(next);
      this.metrics.chunksHanded++;
    }
    if (!o.queue.length && o.end) {
      this.player.end(o.session, o.end.failure);
      o.end = undefined;
    }
  }

  /** The player is at `sentence` of `session`: hands it what follows, if that is rendered; false if it is not. */
  private playFrom(session: number, sentence: number): boolean {
    const o = this.outbox;
    const at = o?.session === session ? o.starts.get(sentence) : undefined;
    if (!o || at === undefined) return false;
    o.playheadSec = at;
    this.pump();
    return true;
  }

  private finish(session: number, end: { failure?: ReadingFailure }): void {
    const o = this.outbox;
    if (o?.session !== session) return this.player.end(session, end.failure);
    o.end = end;
    this.pump();
  }

  /**
   * Renders from `sentence` on, once the render in progress has let go of the flow. Seeks are taken one at a time;
   * one that comes while another is settling replaces it (the latest wins), so no two renders ever overlap.
   */
  private seek(sentence: number): void {
    this.pendingSeek = sentence;
    if (this.seeking) return;
    const scope = this.scope;
    this.seeking = (async () => {
      while (this.pendingSeek !== undefined && this.scope === scope) {
        const target = this.pendingSeek;
        this.pendingSeek = undefined;
        await this.stopRender();
        if (this.scope !== scope || this.pendingSeek !== undefined) continue;
        void this.startRender(target, true);
      }
    })()
      .catch((err: unknown) => this.context.warn({ kind: 'seekFailed', error: err }))
      .finally(() => {
        this.seeking = undefined;
        this.pendingSeek = undefined;
      });
  }

  /** Cancels the render in progress (its chunks stay cached) and waits until it has let go of the flow. */
  private async stopRender(): Promise<void> {
    const render = this.render;
    this.render = undefined;
    if (!render) return;
    this.renderer.cancel();
    await render.result.catch(() => undefined);
  }

  /** What the player says: its state, the chunks it holds, a seek, a speed. */
  onPlayer(m: PlayerEvent): void {
    switch (m.type) {
      case 'ready':
        if (this.scope && this.metrics.playerReadyAt === undefined) this.metrics.playerReadyAt = this.clock.now();
        return;
      case 'rate':
        this.rate = m.rate;
        return;
      case 'received': {
        const o = this.outbox;
        if (o?.session !== m.session || !o.inFlight.delete(m.index)) return;
        this.metrics.chunksConfirmed++;
        this.pump();
        return;
      }
      case 'released': {
        // What the player let go of is rendered again when sought (a seek there is not a hand-over any more).
        const o = this.outbox;
        if (o?.session !== m.session) return;
        for (const k of o.starts.keys()) if (k < m.before) o.starts.delete(k);
        this.metrics.releasedBefore = m.before;
        return;
      }
      case 'seek':
        // From the session the player last heard of (a seek sent before a newer session reached it is stale).
        if (!this.scope || m.session !== this.session || m.sentence >= this.scope.plan.sentences.length) return;
        // Rendered already, only not handed over yet: hand it over instead of rendering again.
        if (!this.playFrom(m.session, m.sentence)) this.seek(m.sentence);
        return;
      case 'state': {
        if (m.session !== this.render?.session && !(this.render === undefined && m.session === this.session)) return;
        const moved = m.sentence !== this.sentence;
        this.state = m.state;
        this.rate = m.rate;
        this.metrics.joinGapMs = m.joinGapMs;
        this.metrics.underruns = m.underruns;
        if (m.state === 'playing' && this.metrics.playingAt === undefined) this.metrics.playingAt = m.at;
        this.sentence = m.sentence;
        this.playFrom(m.session, m.sentence);
        if (m.state === 'ended' || m.state === 'stopped') {
          this.clearHighlight();
          this.context.reading(false);
        } else {
          this.context.reading(true);
          if (moved || !this.highlighted) this.paint(true);
          if (moved && m.cause === 'audio' && m.state === 'playing') this.metrics.highlightLagsMs.push(this.clock.now() - m.at);
        }
        if (m.ack) {
          this.waiters.get(m.ack)?.();
          this.waiters.delete(m.ack);
        }
        return;
      }
    }
  }

  /** Highlights the sentence heard; `reveal`: keeps it in view. */
  private paint(reveal: boolean): void {
    const scope = this.scope;
    const range = scope?.ranges[this.sentence];
    if (!scope || !range || !this.isReading) return this.clearHighlight();
    this.highlighted = this.highlight.show(scope.target, range, reveal) ? { ...range } : undefined;
  }

  private clearHighlight(): void {
    this.highlight.clear();
    this.highlighted = undefined;
  }
}
