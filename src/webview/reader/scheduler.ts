// The player's audio clock: chunks decoded into Web Audio buffers, scheduled back to back on the context's clock
// (gapless: each starts exactly where the one before ends), time-stretched at the speed chosen so the pitch stays,
// and let go of past ten minutes held (playerRetention.ts). The playback state lives in ./playback.ts.
import type { ChunkSentence } from '../../shared/playerProtocol';
import { releasable } from '../../shared/playerRetention';
import { timeStretch } from '../../shared/timeStretch';

/** Scheduling lead for the first chunk and after a dry spell: enough for the audio thread, too little to hear. */
export const LEAD_SEC = 0.02;

export interface Chunk {
  index: number;
  startSec: number;
  endSec: number;
  /** The audio as rendered (1×). */
  buffer: AudioBuffer;
  /** The same at the speed chosen, time-stretched so the pitch stays (made once per speed). */
  stretched?: { rate: number; buffer: AudioBuffer };
  sentences: number[];
  /** A piece of a chunk still streaming (one of several segments of `index`), merged into one when the chunk closes. */
  open?: boolean;
}

export class AudioScheduler {
  ctx: AudioContext | undefined;
  /** The chunks held, in the order they came. */
  readonly chunks: Chunk[] = [];
  /** Sentence times by sentence index, for the sentences whose chunk is in. */
  readonly times = new Map<number, ChunkSentence>();
  // Playback clock: position (seconds of the render's audio) = pos0 + (ctx.currentTime − ctx0) × rate while running.
  pos0 = 0;
  ctx0 = 0;
  /** Where the scheduled audio ends (in render seconds). */
  scheduledUntil = 0;
  /** The context time the scheduled audio ends at: the next chunk starts exactly there. */
  scheduledEndCtx = 0;
  /** Sources scheduled from the anchor on. */
  private sources: AudioBufferSourceNode[] = [];

  /**
   * @param rate the speed chosen
   * @param onDrained called when the last source scheduled has ended (playback ran out of scheduled audio)
   */
  constructor(
    public rate: number,
    private readonly onDrained: () => void,
  ) {}

  audio(): AudioContext {
    this.ctx ??= new AudioContext({ latencyHint: 'interactive' });
    return this.ctx;
  }

  /** Where playback is (render seconds); `running`: the clock moves (playing or waiting), else it stays at pos0. */
  position(running: boolean): number {
    if (!this.ctx || !running) return this.pos0;
    return Math.min(this.pos0 + Math.max(0, this.ctx.currentTime - this.ctx0) * this.rate, this.scheduledUntil);
  }

  /** The sentence playing at `pos`; `fallback` when no sentence held covers it. */
  sentenceAt(pos: number, fallback: number): number {
    let found = fallback;
    for (const t of this.times.values()) if (t.startSec <= pos + 1e-6 && pos < t.endSec - 1e-6) found = t.sentence;
    return found;
  }

  /** Whether a chunk held covers `pos`. */
  holds(pos: number): boolean {
    return this.chunks.some((ch) => ch.startSec <= pos + 1e-6 && pos < ch.endSec);
  }

  /** Forgets every chunk (a new session). */
  clear(): void {
    this.chunks.length = 0;
    this.times.clear();
  }

  stopSources(): void {
    for (const s of this.sources) {
      s.onended = null;
      try {
        s.stop();
      } catch {
        // never started
      }
      s.disconnect();
    }
    this.sources = [];
  }

  /**
   * The chunk's audio at speed `r`: the rendered buffer at 1×, else a copy time-stretched at the same pitch (playing
   * it faster through the source's playbackRate raised the voice with the speed). Costs 1.5–3.3 ms per second of audio.
   */
  audioAt(chunk: Chunk, r: number): AudioBuffer {
    if (r === 1) return chunk.buffer;
    if (chunk.stretched?.rate !== r) {
      const samples = timeStretch(chunk.buffer.getChannelData(0), r, chunk.buffer.sampleRate);
      const buffer = this.audio().createBuffer(1, samples.length, chunk.buffer.sampleRate);
      buffer.copyToChannel(samples, 0);
      chunk.stretched = { rate: r, buffer };
    }
    return chunk.stretched.buffer;
  }

  /** Makes the audio at speed `r` of every chunk from `pos` on, before anything is scheduled on the clock. */
  prepare(pos: number, r: number): void {
    for (const chunk of this.chunks) if (chunk.endSec > pos + 1e-9) this.audioAt(chunk, r);
  }

  /** Schedules every chunk in, from `pos` on, back to back on the context clock, starting LEAD_SEC from now. */
  scheduleFrom(pos: number): void {
    // First the audio at this speed, then the clock: a start time read before minutes of audio were stretched would
    // already be past, and the first chunk would overlap the next.
    this.prepare(pos, this.rate);
    this.stopSources();
    const c = this.audio();
    const startCtx = c.currentTime + LEAD_SEC;
    this.pos0 = pos;
    this.ctx0 = startCtx;
    this.scheduledUntil = pos;
    this.scheduledEndCtx = startCtx;
    for (const chunk of this.chunks) if (chunk.endSec > pos + 1e-9) this.append(chunk, c);
  }

  /** One more chunk after what is scheduled: it starts exactly where the last one ends (no gap, no overlap). */
  append(chunk: Chunk, c: AudioContext): void {
    if (Math.abs(chunk.startSec - this.scheduledUntil) > 1e-6 && chunk.startSec > this.scheduledUntil) return; // not contiguous
    const offset = Math.max(0, this.scheduledUntil - chunk.startSec);
    const when = this.scheduledEndCtx;
    const src = c.createBufferSource();
    src.buffer = this.audioAt(chunk, this.rate);
    src.connect(c.destination);
    // The buffer plays at 1×: `offset` seconds of the rendered audio are offset ÷ rate of the stretched one.
    src.start(when, offset / this.rate);
    const ends = when + (chunk.endSec - chunk.startSec - offset) / this.rate;
    src.onended = () => this.onSourceEnded(src);
    this.sources.push(src);
    this.scheduledUntil = chunk.endSec;
    this.scheduledEndCtx = ends;
  }

  private onSourceEnded(src: AudioBufferSourceNode): void {
    this.sources = this.sources.filter((s) => s !== src);
    if (!this.sources.length) this.onDrained();
  }

  /** A chunk as it came (16-bit mono PCM): decoded, held, and made at the speed chosen. */
  add(index: number, startSec: number, endSec: number, pcm: Uint8Array, sampleRate: number, sentences: readonly ChunkSentence[]): Chunk {
    const chunk: Chunk = { index, startSec, endSec, buffer: this.pcmToBuffer(pcm, sampleRate), sentences: sentences.map((s) => s.sentence) };
    this.chunks.push(chunk);
    for (const s of sentences) this.times.set(s.sentence, s);
    // At the speed chosen, made before its place on the clock is decided (against the clock's time then).
    this.audioAt(chunk, this.rate);
    return chunk;
  }

  /**
   * A piece of chunk `index` still streaming (its first `offset` bytes came before): held as a segment of its own,
   * right after the one before, so it is scheduled like a chunk (gapless, on the same clock). Its chunk's length is not
   * known yet: `sentence` (given with the first piece) is taken to last as far as the audio held, and grows with it.
   */
  addPiece(index: number, chunkStartSec: number, offset: number, pcm: Uint8Array, sampleRate: number, sentence?: number): Chunk {
    const startSec = chunkStartSec + (offset >> 1) / sampleRate;
    const samples = pcm.byteLength >> 1;
    const segment: Chunk = { index, startSec, endSec: startSec + samples / sampleRate, buffer: this.pcmToBuffer(pcm, sampleRate), sentences: sentence === undefined ? [] : [sentence], open: true };
    this.chunks.push(segment);
    const first = sentence ?? this.chunks.find((c) => c.open && c.index === index && c.sentences.length)?.sentences[0];
    if (first !== undefined) this.times.set(first, { sentence: first, startSec: this.times.get(first)?.startSec ?? chunkStartSec, endSec: segment.endSec });
    this.audioAt(segment, this.rate);
    return segment;
  }

  /**
   * Chunk `index` is complete: its segments become one chunk (for a later seek or speed change, and retention) with
   * its end and its sentences' times. What is scheduled plays on as it is.
   */
  close(index: number, startSec: number, endSec: number, sentences: readonly ChunkSentence[]): Chunk | undefined {
    const parts = this.chunks.filter((c) => c.open && c.index === index);
    if (!parts.length) return undefined;
    const c = this.audio();
    const length = parts.reduce((n, p) => n + p.buffer.length, 0);
    const sampleRate = parts[0].buffer.sampleRate;
    const buffer = c.createBuffer(1, Math.max(1, length), sampleRate);
    let at = 0;
    for (const p of parts) {
      buffer.copyToChannel(p.buffer.getChannelData(0), 0, at);
      at += p.buffer.length;
    }
    const start = Math.min(startSec, parts[0].startSec);
    // After a broken stream the whole answer may be shorter than what was heard: the audio held counts.
    const end = Math.max(endSec, start + length / sampleRate);
    const merged: Chunk = { index, startSec: start, endSec: end, buffer, sentences: sentences.map((s) => s.sentence) };
    const at0 = this.chunks.indexOf(parts[0]);
    const rest = this.chunks.filter((ch) => !parts.includes(ch));
    rest.splice(at0, 0, merged);
    this.chunks.splice(0, this.chunks.length, ...rest);
    for (const s of sentences) this.times.set(s.sentence, s);
    if (this.rate !== 1) this.audioAt(merged, this.rate);
    return merged;
  }

  /**
   * Past ten minutes of audio held, lets go of what lies furthest behind `pos` (a long reading would otherwise hold
   * all of it here). Returns the first sentence still held, when something went.
   */
  release(pos: number): number | undefined {
    const gone = releasable(this.chunks, pos);
    if (!gone) return undefined;
    this.chunks.splice(0, this.chunks.length, ...gone.keep);
    for (const c of gone.release) for (const k of c.sentences) this.times.delete(k);
    return gone.before;
  }

  private pcmToBuffer(pcm: Uint8Array, sampleRate: number): AudioBuffer {
    const c = this.audio();
    const n = pcm.byteLength >> 1;
    const buffer = c.createBuffer(1, Math.max(1, n), sampleRate);
    const data = buffer.getChannelData(0);
    const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    for (let i = 0; i < n; i++) data[i] = view.getInt16(i * 2, true) / 32768;
    return buffer;
  }
}
