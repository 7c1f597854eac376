// Read-along in the editor: a render of the text (the core's NarrateFlow through SpeechService, so the WAV, the
// history and the cache are as for any narration) whose chunks go to the player as they are written, the sentence
// heard highlighted in the editor (a decoration in a theme colour, kept in view), the `glmVoiceClone.reading`
// context key for the keybindings, and seeking (a render from another sentence on; cached chunks cost nothing).
import vscode = require('vscode');
import type { NarratedChunk } from '../../core/flows/narrate';
import { sentenceAt } from '../../core/narration/plan';
import { continueFrom, type SpokenPlan } from '../../core/flows/narrate';
import { shiftRanges, type SourceRange } from '../../core/readAlong/ranges';
import type { PlayerControl, PlayerState, ToPlayerMessage } from '../../shared/playerProtocol';
import { describe, l10n } from '../platform/describe';
import { Disposable } from '../platform/dispose';
import type { Log } from '../platform/log';
import type { SpeechResult, SpeechService } from '../services/speechService';
import type { VoiceChoice } from '../views/activeVoice';
import { PlayerView } from './playerView';

const SAMPLE_RATE = 24000;
const READING_KEY = 'glmVoiceClone.reading';

/** What to read: all or part of a document, from the start of that part or from an offset in it. */
export interface ReadTarget {
  document: vscode.TextDocument;
  text: string;
  /** Document offset of `text`'s first character. */
  base: number;
  /** False when `text` is not one stretch of the document (several selections): nothing is highlighted. */
  mapped: boolean;
  /** Document offset to read from (cursor, lens); default: the start. */
  from?: number;
  kind: 'speech' | 'narration';
  title: string;
  voice: VoiceChoice;
}

/** What the player and the editor show now, for the commands' callers (tests, the bench). */
export interface ReadAlongStatus {
  reading: boolean;
  state: PlayerState | 'loading';
  /** Index of the sentence heard in the scope's sentences; -1 before any. */
  sentence: number;
  total: number;
  /** The sentence this render started at. */
  first: number;
  sentenceText?: string;
  /** Where that sentence is in the document now; undefined once an edit made it stale. */
  sentenceRange?: SourceRange;
  /** The range the decoration covers now (none when off, stale or stopped). */
  highlight?: SourceRange;
  document?: string;
  rate: number;
  /** Why the render stopped early, as the player shows it (naming the sentence that failed). */
  error?: string;
  /** The title of the clip the player was last given by `playClip` (a retake's take), while no reading replaced it. */
  clip?: string;
  metrics: ReadAlongMetrics;
}

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
  /** When the player's script said it listens, if that was after the read began (a first showing). */
  playerReadyAt?: number;
  /** When VS Code resolved the player's view, if after the read began. */
  viewResolvedAt?: number;
  /** In the render playing: the player holds no audio of the sentences before this one (past HOLD_SEC held, it lets go). */
  releasedBefore?: number;
}

interface Scope {
  document: vscode.TextDocument;
  plan: SpokenPlan;
  text: string;
  languageId: string;
  /** Each sentence's range in the document (undefined: not mapped, or made stale by an edit). */
  ranges: Array<SourceRange | undefined>;
  kind: 'speech' | 'narration';
  title: string;
  voice: VoiceChoice;
}

interface Render {
  session: number;
  first: number;
  result: Promise<SpeechResult>;
}

type ChunkMessage = Extract<ToPlayerMessage, { type: 'chunk' }>;
type EndMessage = Extract<ToPlayerMessage, { type: 'end' }>;

/**
 * Rendered chunks not yet handed to the player. The player gets the audio up to LOOKAHEAD_SEC past the sentence it
 * plays; the rest waits here. A long file served from the cache would otherwise reach the webview as one burst of
 * megabytes (its whole audio, decoded there), holding up the first sound and the page.
 */
interface Outbox {
  session: number;
  queue: ChunkMessage[];
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
  end?: EndMessage;
}

/** How much audio the player holds ahead of the sentence it plays. */
const LOOKAHEAD_SEC = 60;
const STATUS_MS = 250;
/** Chunks handed to the player and not yet confirmed, at most (see Outbox.inFlight). */
const IN_FLIGHT = 2;

export class ReadAlong extends Disposable {
  readonly player: PlayerView;
  private scope: Scope | undefined;
  private render: Render | undefined;
  private session = 0;
  private state: PlayerState | 'loading' = 'idle';
  private sentence = -1;
  private rate = 1;
  private highlighted: SourceRange | undefined;
  private error: string | undefined;
  private metrics: ReadAlongMetrics = { startedAt: 0, joinGapMs: 0, underruns: 0, highlightLagsMs: [], chunksPosted: 0, chunksHanded: 0, chunksConfirmed: 0 };
  private readonly waiters = new Map<number, () => void>();
  private controlId = 0;
  private seeking: Promise<void> | undefined;
  private outbox: Outbox | undefined;
  private pendingSeek: number | undefined;
  private readonly decoration: vscode.TextEditorDecorationType;
  private clip: string | undefined;

  constructor(
    extensionUri: vscode.Uri,
    private readonly speech: SpeechService,
    private readonly log: Log,
  ) {
    super();
    this.player = this._register(new PlayerView(extensionUri, () => {
      if (this.scope && this.metrics.viewResolvedAt === undefined) this.metrics.viewResolvedAt = Date.now();
    }));
    this.decoration = this._register(
      vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor('glmVoiceClone.readAlongHighlight'),
        overviewRulerColor: new vscode.ThemeColor('glmVoiceClone.readAlongHighlight'),
        overviewRulerLane: vscode.OverviewRulerLane.Center,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    );
    this._register(this.player.onMessage((m) => this.onPlayer(m)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)));
    this._register(vscode.window.onDidChangeVisibleTextEditors(() => this.paint(false)));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('glmVoiceClone.readAlong.highlight')) this.paint(false);
      }),
    );
  }

  get isReading(): boolean {
    return this.scope !== undefined && this.state !== 'ended' && this.state !== 'stopped';
  }

  status(): ReadAlongStatus {
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
      document: s?.document.uri.toString(),
      rate: this.rate,
      error: this.error,
      clip: this.clip,
      metrics: { ...this.metrics, highlightLagsMs: [...this.metrics.highlightLagsMs] },
    };
  }

  /**
   * Reads `target` aloud: the player plays each chunk as it is written while the rest render. Resolves with the
   * render's outcome (the WAV in the history), while playback may go on.
   */
  async read(target: ReadTarget): Promise<SpeechResult> {
    let plan: SpokenPlan;
    try {
      // A script with a cast keeps its voices (front matter, the folder's cast file, pronunciations).
      plan = await this.speech.plan(target.text, target.document.languageId, target.voice.id, target.document);
    } catch (err) {
      return this.fail(describe(err, this.log).message);
    }
    const first = target.from === undefined ? 0 : sentenceAt(plan, target.from - target.base)?.index;
    if (first === undefined) return this.fail(l10n.t('There is nothing to read after the cursor.'));
    // A new read replaces any seek still settling in the one before.
    this.pendingSeek = undefined;
    await this.seeking;
    await this.stopRender();
    this.clip = undefined;
    this.scope = {
      document: target.document,
      plan,
      text: target.text,
      languageId: target.document.languageId,
      ranges: plan.sentences.map((s) => (target.mapped ? { start: target.base + s.start, end: target.base + s.end } : undefined)),
      kind: target.kind,
      title: target.title,
      voice: target.voice,
    };
    this.metrics = { startedAt: Date.now(), joinGapMs: 0, underruns: 0, highlightLagsMs: [], chunksPosted: 0, chunksHanded: 0, chunksConfirmed: 0 };
    this.clearHighlight();
    const scope = this.scope;
    const result = this.startRender(first, 'notification');
    return this.followSeeks(scope, this.render, await result);
  }

  /**
   * A render cancelled because the listener skipped past what was rendered is not the end of the reading: the
   * render from the sentence sought takes over, and its outcome (the WAV from there on) is the reading's.
   */
  private async followSeeks(scope: Scope, last: Render | undefined, result: SpeechResult): Promise<SpeechResult> {
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
  async control(action: PlayerControl): Promise<ReadAlongStatus> {
    if (!this.scope) return this.status();
    if (action === 'stop') return this.stop();
    const id = ++this.controlId;
    const acted = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve();
      }, 3000);
      this.waiters.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.player.post({ type: 'control', action, id });
    await acted;
    return this.status();
  }

  async stop(): Promise<ReadAlongStatus> {
    this.player.post({ type: 'control', action: 'stop', id: 0 });
    this.outbox = undefined;
    this.pendingSeek = undefined;
    await this.seeking;
    await this.stopRender();
    this.state = 'stopped';
    this.clearHighlight();
    void vscode.commands.executeCommand('setContext', READING_KEY, false);
    return this.status();
  }

  /**
   * Plays one clip in the player (a retake's take: 16-bit mono PCM at 24 kHz, saying `text`), as a session of one
   * sentence with nothing to highlight; a reading in progress stops. Resolves once the player has been given it.
   */
  async playClip(clip: { title: string; text: string; pcm: Buffer }): Promise<ReadAlongStatus> {
    this.pendingSeek = undefined;
    await this.seeking;
    await this.stopRender();
    this.scope = undefined;
    this.outbox = undefined;
    this.clearHighlight();
    this.clip = clip.title;
    this.error = undefined;
    this.state = 'loading';
    this.sentence = 0;
    const session = ++this.session;
    const seconds = Math.floor(clip.pcm.byteLength / 2) / SAMPLE_RATE;
    const pcm = new Uint8Array(clip.pcm.byteLength);
    pcm.set(clip.pcm);
    this.player.post({ type: 'session', session, title: clip.title, sentences: [clip.text], first: 0, rate: this.rate });
    this.player.post({ type: 'chunk', session, index: 0, startSec: 0, endSec: seconds, sampleRate: SAMPLE_RATE, pcm, sentences: [{ sentence: 0, startSec: 0, endSec: seconds }] });
    this.player.post({ type: 'end', session });
    await this.player.show();
    return this.status();
  }

  /** Shows the player (unless `reveal` is false) and resolves with the status. */
  async showPlayer(reveal = true): Promise<ReadAlongStatus> {
    if (reveal) await this.player.show();
    return this.status();
  }

  private async startRender(first: number, location: 'notification' | 'window'): Promise<SpeechResult> {
    const scope = this.scope!;
    const session = ++this.session;
    const plan = continueFrom(scope.plan, first);
    this.outbox = { session, queue: [], starts: new Map(), playheadSec: 0, inFlight: new Set() };
    this.metrics.releasedBefore = undefined;
    this.state = 'loading';
    this.sentence = first;
    this.error = undefined;
    let rendered = 0;
    let statusAt = 0;
    let statusTimer: ReturnType<typeof setTimeout> | undefined;
    const tellRendered = () => {
      clearTimeout(statusTimer);
      statusTimer = undefined;
      statusAt = Date.now();
      if (this.render?.session === session) this.player.post({ type: 'status', session, rendered: l10n.t('{0} of {1} chunks ready', rendered, plan.chunks.length) });
    };
    const result = this.speech.speak({
      text: scope.text,
      voice: scope.voice,
      languageId: scope.languageId,
      kind: scope.kind,
      title: scope.title,
      plan,
      document: scope.document,
      progressLocation: location,
      onChunk: (c) => {
        if (this.render?.session !== session) return;
        this.postChunk(session, first, c);
        rendered++;
        // "k of n ready" at most every STATUS_MS (and the last always): a cached file renders hundreds of chunks a
        // second, and a message for each kept the player too busy to confirm the chunks it was handed.
        const wait = rendered === plan.chunks.length ? 0 : statusAt + STATUS_MS - Date.now();
        if (wait <= 0) tellRendered();
        else statusTimer ??= setTimeout(tellRendered, wait);
      },
    });
    this.render = { session, first, result };
    // Only now, with the first chunk on its way (the render asks for it before anything else): the player, the
    // context key and the view load while it renders, and none of them waits for the other.
    this.player.post({ type: 'session', session, title: scope.title, sentences: scope.plan.sentences.map((s) => s.text), first, rate: this.rate });
    void this.player.show().catch((err: unknown) => this.log.warn(`the read-along player did not open: ${String(err)}`));
    void vscode.commands.executeCommand('setContext', READING_KEY, true);
    void result.then((r) => {
      if (this.render?.session !== session) return;
      if (r.ok) return this.finish({ type: 'end', session });
      if (r.cancelled) return;
      const failed = r.failedChunk !== undefined ? plan.chunks[r.failedChunk - 1]?.sentences[0] : undefined;
      const message = failed ? l10n.t('Reading stopped at “{0}”: {1}', failed.text, r.message) : r.message;
      this.error = message;
      this.finish({ type: 'end', session, error: message });
      const actions = r.keptPath ? [l10n.t('Reveal Kept Part')] : [];
      void vscode.window.showErrorMessage(`GLM Voice Clone: ${message}`, ...actions).then((choice) => {
        if (choice && r.keptPath) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(r.keptPath));
      });
    });
    return result;
  }

  private postChunk(session: number, first: number, c: NarratedChunk): void {
    if (!this.metrics.chunksPosted) this.metrics.firstChunkAt = Date.now();
    this.metrics.chunksPosted++;
    // A copy: the Buffer may be a view into a larger pooled one.
    const pcm = new Uint8Array(c.samples.byteLength);
    pcm.set(c.samples);
    const message: ChunkMessage = {
      type: 'chunk',
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
    for (const s of message.sentences) o.starts.set(s.sentence, s.startSec);
    o.queue.push(message);
    this.pump();
  }

  /** Hands the player what lies within LOOKAHEAD_SEC of the sentence it plays, then the end once all is handed. */
  private pump(): void {
    const o = this.outbox;
    if (!o || o.session !== this.session) return;
    while (o.inFlight.size < IN_FLIGHT && o.queue.length && o.queue[0].startSec <= o.playheadSec + LOOKAHEAD_SEC) {
      const next = o.queue.shift()!;
      o.inFlight.add(next.index);
      this.player.post(next);
      this.metrics.chunksHanded++;
    }
    if (!o.queue.length && o.end) {
      this.player.post(o.end);
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

  private finish(end: EndMessage): void {
    const o = this.outbox;
    if (o?.session !== end.session) return this.player.post(end);
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
        void this.startRender(target, 'window');
      }
    })()
      .catch((err: unknown) => this.log.warn(`read-along seek failed: ${String(err)}`))
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
    this.speech.cancel();
    await render.result.catch(() => undefined);
  }

  private onPlayer(m: Parameters<Parameters<PlayerView['onMessage']>[0]>[0]): void {
    switch (m.type) {
      case 'ready':
        if (this.scope && this.metrics.playerReadyAt === undefined) this.metrics.playerReadyAt = Date.now();
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
          void vscode.commands.executeCommand('setContext', READING_KEY, false);
        } else {
          void vscode.commands.executeCommand('setContext', READING_KEY, true);
          if (moved || !this.highlighted) this.paint(true);
          if (moved && m.cause === 'audio' && m.state === 'playing') this.metrics.highlightLagsMs.push(Date.now() - m.at);
        }
        if (m.ack) {
          this.waiters.get(m.ack)?.();
          this.waiters.delete(m.ack);
        }
        return;
      }
    }
  }

  /** Puts the decoration on the sentence heard, in every editor showing the document; `reveal`: keeps it in view. */
  private paint(reveal: boolean): void {
    const scope = this.scope;
    const range = scope?.ranges[this.sentence];
    const on = vscode.workspace.getConfiguration('glmVoiceClone').get<boolean>('readAlong.highlight', true);
    if (!scope || !range || !on || !this.isReading) return this.clearHighlight();
    const editors = vscode.window.visibleTextEditors.filter((e) => e.document === scope.document);
    const r = new vscode.Range(scope.document.positionAt(range.start), scope.document.positionAt(range.end));
    for (const e of editors) e.setDecorations(this.decoration, [r]);
    this.highlighted = editors.length ? { ...range } : undefined;
    if (reveal) {
      const editor = editors.find((e) => e === vscode.window.activeTextEditor) ?? editors[0];
      editor?.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  private clearHighlight(): void {
    for (const e of vscode.window.visibleTextEditors) e.setDecorations(this.decoration, []);
    this.highlighted = undefined;
  }

  /** Sentences move with edits before them; one edited under it is never highlighted again (playback goes on). */
  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const scope = this.scope;
    if (!scope || e.document !== scope.document || !e.contentChanges.length) return;
    scope.ranges = shiftRanges(
      scope.ranges,
      e.contentChanges.map((c) => ({ start: c.rangeOffset, end: c.rangeOffset + c.rangeLength, newLength: c.text.length })),
    );
    if (this.highlighted) this.paint(false);
  }

  private fail(message: string): SpeechResult {
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${message}`);
    return { ok: false, message };
  }
}
