// The player's playback: its state (idle, playing, waiting on a chunk, paused, ended, stopped), the sentence heard
// (a timer set for the moment the audio crosses into the next), play/pause, previous, next, stop, seeking (at once
// when the sentence is held, else the host is asked to render from there once the keys settle) and speed. What it
// says goes out through `post`; the audio is ./scheduler.ts's, the page ./view.ts's.
import type { FromPlayerMessage, PlayerControl, PlayerState, ToPlayerMessage } from '../../shared/playerProtocol';
import { AudioScheduler, LEAD_SEC, type Chunk } from './scheduler';
import type { ReaderView } from './view';

/** How long Next/Previous presses must pause before a seek past the rendered part goes to the host. */
const SEEK_SETTLE_MS = 150;

type Cause = 'audio' | 'seek' | 'control' | 'load';

export class Playback {
  private readonly audio: AudioScheduler;
  private session = -1;
  private sentences: string[] = [];
  private first = 0;
  private streamEnded = false;
  private state: PlayerState = 'idle';
  private current = -1;
  private joinGapMs = 0;
  private underruns = 0;
  /** The control being acted on, echoed in the next state report. */
  private ack = 0;
  private crossingTimer: ReturnType<typeof setTimeout> | undefined;
  /** A sentence sought that is not rendered yet: playback waits on it (the host is asked to render from there). */
  private waitingFor: number | undefined;
  private seekTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    rate: number,
    private readonly view: ReaderView,
    private readonly post: (message: FromPlayerMessage) => void,
  ) {
    this.audio = new AudioScheduler(rate, () => this.onDrained());
  }

  get rate(): number {
    return this.audio.rate;
  }

  private get running(): boolean {
    return this.state === 'playing' || this.state === 'waiting';
  }

  private position(): number {
    return this.audio.position(this.running);
  }

  private sentenceAt(pos: number): number {
    return this.audio.sentenceAt(pos, this.current);
  }

  render(): void {
    const ctx = this.audio.ctx;
    this.view.render({
      state: this.state,
      session: this.session,
      current: this.current,
      first: this.first,
      sentences: this.sentences.length,
      audio: ctx ? `${ctx.state} ${ctx.currentTime.toFixed(2)}` : 'none',
    });
  }

  private report(cause: Cause, at = Date.now()): void {
    const { session, state, current, rate, joinGapMs, underruns, ack } = this;
    this.post({ type: 'state', session, state, sentence: current, rate, at, cause, joinGapMs: Math.round(joinGapMs * 100) / 100, underruns, ack });
    this.ack = 0;
    this.render();
  }

  private setState(next: PlayerState, cause: Cause): void {
    this.state = next;
    this.report(cause);
  }

  /** Ran out of scheduled audio. */
  private onDrained(): void {
    if (!this.running) return;
    const a = this.audio;
    a.pos0 = a.scheduledUntil;
    a.ctx0 = a.audio().currentTime;
    if (this.streamEnded && !a.chunks.some((c) => c.startSec >= a.scheduledUntil - 1e-6 && c.endSec > a.scheduledUntil + 1e-6)) {
      clearTimeout(this.crossingTimer);
      // Everything scheduled was heard: the last sentence heard is the one ending there.
      this.current = this.sentenceAt(a.scheduledUntil - 1e-4);
      this.setState('ended', 'audio');
    } else this.setState('waiting', 'audio');
  }

  /** Watches for the next sentence boundary: a timer set for the moment the audio crosses it. */
  private watchCrossings(): void {
    clearTimeout(this.crossingTimer);
    if (this.state !== 'playing') return;
    const pos = this.position();
    const s = this.sentenceAt(pos);
    if (s !== this.current && s >= 0) {
      this.current = s;
      const t = this.audio.times.get(s);
      // when the audio crossed into it, on the wall clock
      const crossedAt = t ? Date.now() - Math.max(0, ((pos - t.startSec) / this.rate) * 1000) : Date.now();
      this.report('audio', crossedAt);
      this.release();
    }
    const t = this.audio.times.get(this.current);
    const untilEnd = t ? ((t.endSec - pos) / this.rate) * 1000 : 50;
    this.crossingTimer = setTimeout(() => this.watchCrossings(), Math.max(1, Math.min(250, untilEnd + 0.5)));
  }

  /**
   * Past ten minutes of audio held, lets go of what lies furthest behind (a long reading would otherwise hold all of it
   * here) and tells the host, which renders those sentences again (from the cache) when they are sought.
   */
  private release(): void {
    const before = this.audio.release(this.position());
    if (before !== undefined) this.post({ type: 'released', session: this.session, before });
  }

  private start(pos: number, cause: 'seek' | 'control' | 'load'): void {
    const a = this.audio;
    const c = a.audio();
    if (c.state === 'suspended') void c.resume();
    if (!a.holds(pos)) {
      a.pos0 = pos;
      a.stopSources();
      a.scheduledUntil = pos;
      this.setState(this.streamEnded ? 'ended' : 'waiting', cause);
      return;
    }
    a.scheduleFrom(pos);
    this.state = 'playing';
    this.current = this.sentenceAt(pos);
    this.report(cause);
    this.watchCrossings();
    this.release();
  }

  private pause(): void {
    if (!this.running) return;
    this.audio.pos0 = this.position();
    this.audio.stopSources();
    clearTimeout(this.crossingTimer);
    this.setState('paused', 'control');
  }

  seekSentence(k: number, cause: 'seek' | 'control'): void {
    if (k < 0 || k >= this.sentences.length) return;
    const a = this.audio;
    const t = a.times.get(k);
    if (!t) {
      // Not rendered yet (or before this render's start): wait on it, and once the keys settle the host renders from
      // the last sentence asked for, so a run of Next presses is one render, not one per press.
      this.current = k;
      this.waitingFor = k;
      a.pos0 = 0;
      a.stopSources();
      clearTimeout(this.crossingTimer);
      if (this.state !== 'paused') this.state = 'waiting';
      clearTimeout(this.seekTimer);
      this.seekTimer = setTimeout(
        () => {
          this.seekTimer = undefined;
          if (this.waitingFor !== undefined) this.post({ type: 'seek', session: this.session, sentence: this.waitingFor });
        },
        cause === 'control' ? SEEK_SETTLE_MS : 0,
      );
      this.report(cause);
      return;
    }
    this.waitingFor = undefined;
    clearTimeout(this.seekTimer);
    this.current = k;
    if (this.state === 'paused' || this.state === 'ended' || this.state === 'stopped') {
      a.pos0 = t.startSec;
      a.stopSources();
      if (this.state !== 'paused') this.start(t.startSec, cause);
      else this.report(cause);
      return;
    }
    this.start(t.startSec, cause);
  }

  control(action: PlayerControl): void {
    switch (action) {
      case 'toggle':
        if (this.running) this.pause();
        else if (this.state === 'paused') this.start(this.audio.pos0, 'control');
        else if (this.state === 'ended' || this.state === 'stopped') this.seekSentence(this.first, 'control');
        break;
      case 'next':
        this.seekSentence(this.current + 1, 'control');
        break;
      case 'previous':
        this.seekSentence(Math.max(0, this.current - 1), 'control');
        break;
      case 'stop':
        this.waitingFor = undefined;
        clearTimeout(this.seekTimer);
        this.audio.stopSources();
        clearTimeout(this.crossingTimer);
        this.audio.pos0 = 0;
        this.setState('stopped', 'control');
        break;
    }
  }

  /** A control from the host: acted on, and answered with a state report even when it changed nothing. */
  hostControl(action: PlayerControl, id: number): void {
    this.ack = id;
    this.control(action);
    // every control answers, even one that changed nothing (next at the last sentence)
    if (this.ack) this.report('control');
  }

  /** A speed chosen: the audio at the new speed is made while the old plays on, so the switch itself is immediate. */
  setRate(next: number): void {
    const a = this.audio;
    if (this.state === 'playing') a.prepare(this.position(), next);
    const pos = this.position();
    a.rate = next;
    this.post({ type: 'rate', rate: next });
    if (this.state === 'playing') {
      // Rescheduled from where it is, at the new rate; the crossings follow the new clock.
      a.scheduleFrom(pos);
      this.watchCrossings();
    }
    this.report('control');
  }

  onChunk(m: Extract<ToPlayerMessage, { type: 'chunk' }>): void {
    if (m.session !== this.session) return;
    // Said first, so the next chunk's trip overlaps this one's decoding.
    this.post({ type: 'received', session: m.session, index: m.index });
    const a = this.audio;
    if (m.offset !== undefined) {
      // A streamed chunk closes: the rest of its audio is scheduled like a piece, then it is one chunk with its
      // sentences' times (the crossings follow them from now on).
      if (m.pcm.byteLength >= 2) this.place(a.addPiece(m.index, m.startSec, m.offset, m.pcm, m.sampleRate));
      a.close(m.index, m.startSec, m.endSec, m.sentences);
      if (this.state === 'playing') this.watchCrossings();
      this.render();
      return;
    }
    this.place(a.add(m.index, m.startSec, m.endSec, m.pcm, m.sampleRate, m.sentences));
  }

  /** A piece of a chunk still streaming: played like a chunk of its own, gapless after the audio before it. */
  onPiece(m: Extract<ToPlayerMessage, { type: 'piece' }>): void {
    if (m.session !== this.session || m.pcm.byteLength < 2) return;
    this.place(this.audio.addPiece(m.index, m.startSec, m.offset, m.pcm, m.sampleRate, m.offset === 0 ? m.sentence : undefined));
  }

  /** Audio just held (a chunk or a piece): played at once, appended to what is scheduled, or kept for later. */
  private place(chunk: Chunk): void {
    const a = this.audio;
    const c = a.audio();
    if (this.waitingFor !== undefined) {
      // Waiting on a sentence sought: this render may reach it before the host acts on the seek.
      const t = a.times.get(this.waitingFor);
      if (t) {
        clearTimeout(this.seekTimer);
        this.waitingFor = undefined;
        if (this.state === 'waiting') this.start(t.startSec, 'load');
        else a.pos0 = t.startSec;
      }
      this.render();
      return;
    }
    if (this.state === 'idle') {
      // The first chunk: play at once, then build the list.
      this.start(chunk.startSec, 'load');
      this.view.buildList(this.sentences);
      this.render();
      return;
    }
    if (this.state === 'playing' && Math.abs(chunk.startSec - a.scheduledUntil) < 1e-6) {
      if (a.scheduledEndCtx > c.currentTime + 0.005) {
        // In time: it starts exactly where the scheduled audio ends.
        a.append(chunk, c);
        return;
      }
    }
    if (this.state === 'waiting' && a.pos0 >= chunk.startSec - 1e-6 && a.pos0 < chunk.endSec) {
      // Playback ran dry and this is what it waits for: silence was inserted, counted as a gap at this join.
      const dryFor = Math.max(0, c.currentTime - a.ctx0);
      this.underruns++;
      this.joinGapMs = Math.max(this.joinGapMs, (dryFor + LEAD_SEC) * 1000);
      this.start(a.pos0, 'load');
      return;
    }
    if (this.state === 'playing' && Math.abs(chunk.startSec - a.scheduledUntil) < 1e-6) {
      // Late by a hair (the scheduled audio is ending now): append after a short lead and count the gap.
      const gap = Math.max(0, c.currentTime + LEAD_SEC - a.scheduledEndCtx);
      this.joinGapMs = Math.max(this.joinGapMs, gap * 1000);
      a.scheduledEndCtx = Math.max(a.scheduledEndCtx, c.currentTime + LEAD_SEC);
      a.append(chunk, c);
    }
    this.render();
  }

  onSession(m: Extract<ToPlayerMessage, { type: 'session' }>): void {
    const a = this.audio;
    a.stopSources();
    clearTimeout(this.crossingTimer);
    this.session = m.session;
    this.waitingFor = undefined;
    clearTimeout(this.seekTimer);
    this.sentences = m.sentences;
    this.first = m.first;
    a.clear();
    this.streamEnded = false;
    this.state = 'idle';
    this.current = m.first;
    a.pos0 = 0;
    a.scheduledUntil = 0;
    this.joinGapMs = 0;
    this.underruns = 0;
    this.view.reset(m.title);
    const ctx = a.audio(); // created now, so it is running by the time the first chunk is in
    if (ctx.state === 'suspended') void ctx.resume();
    this.render();
  }

  onEnd(m: Extract<ToPlayerMessage, { type: 'end' }>): void {
    if (m.session !== this.session) return;
    this.streamEnded = true;
    this.view.buildList(this.sentences);
    if (m.error) this.view.showError(m.error);
    const a = this.audio;
    if (this.state === 'waiting' && this.waitingFor === undefined && !a.chunks.some((c) => c.endSec > a.pos0 + 1e-6)) this.setState('ended', 'audio');
    else if (this.state === 'idle') this.setState('ended', 'load');
  }

  onStatus(m: Extract<ToPlayerMessage, { type: 'status' }>): void {
    if (m.session === this.session && m.rendered !== undefined) this.view.showRendered(m.rendered);
  }
}
