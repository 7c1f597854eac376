// What the read-along flow (./flow.ts) needs from the outside, in the core's terms: the player that plays the chunks
// (a webview in the editor), the highlight of the sentence heard, the render of the text (a narration), the reading
// context (a context key, the user told of a failure) and a clock. The editor's host adapts each to VS Code and to
// the player's messages (src/shared/playerProtocol.ts); tests drive the flow through fakes of each.
import type { NarratedChunk, NarratedPiece, SpokenPlan } from '../flows/narrate';
import type { SourceRange } from './ranges';

/** The player's playback states. `waiting`: playing, but the next chunk is not in yet. */
export type ReadingState = 'idle' | 'waiting' | 'playing' | 'paused' | 'ended' | 'stopped';

export type ReadingControl = 'toggle' | 'next' | 'previous' | 'stop';

export interface ChunkSentenceTime {
  /** Index in the session's `sentences`. */
  sentence: number;
  /** Seconds in the render's audio (the render starts at the session's `first` sentence, at 0). */
  startSec: number;
  endSec: number;
}

/** A new render: every sentence in scope, the render starting at `first`. */
export interface PlayerSession {
  session: number;
  title: string;
  sentences: string[];
  first: number;
  rate: number;
}

/** One chunk of 16-bit mono PCM at `sampleRate`, in order, contiguous with the one before. */
export interface PlayerChunk {
  session: number;
  index: number;
  startSec: number;
  endSec: number;
  sampleRate: number;
  /** The chunk's audio; with `offset`, only what follows the pieces handed over before (possibly nothing). */
  pcm: Uint8Array;
  sentences: ChunkSentenceTime[];
  /**
   * The chunk was streamed: its first `offset` bytes reached the player as pieces (PlayerPiece), and this closes it
   * (its length, its sentences' times). Absent: the whole chunk is here.
   */
  offset?: number;
}

/**
 * A piece of chunk `index` while it still streams: `pcm` follows the `offset` bytes handed before it. Its end (and
 * so its sentences' times) is known only when the chunk closes; until then its audio is its first `sentence`'s.
 */
export interface PlayerPiece {
  session: number;
  index: number;
  /** Where the chunk starts in the render's audio (seconds). */
  startSec: number;
  offset: number;
  sampleRate: number;
  pcm: Uint8Array;
  /** The chunk's first sentence (index in the session's `sentences`). */
  sentence: number;
}

/** Why reading stopped early, as data (the host words it). */
export interface ReadingFailure {
  /** The first sentence of the chunk that failed, when the render said which. */
  sentence?: { index: number; text: string };
  /** The render's own account of the problem (already in the user's words: the render port's). */
  problem: string;
}

/** The player: a view that plays what it is handed and reports back through ReadAlongFlow.onPlayer. */
export interface PlayerPort {
  /** A new render; resets the player. */
  session(session: PlayerSession): void;
  chunk(chunk: PlayerChunk): void;
  /** A piece of a chunk still streaming: play it now; the chunk follows (with `offset`) once complete. */
  piece(piece: PlayerPiece): void;
  /** No more chunks; `failure`: why the render stopped early (played audio stays). */
  end(session: number, failure?: ReadingFailure): void;
  /** `id`: echoed as the `ack` of the state event that follows the player acting on it (0: none awaited). */
  control(action: ReadingControl, id: number): void;
  /** How far the render is: `rendered` of `total` chunks. */
  status(session: number, rendered: number, total: number): void;
  show(): Promise<void>;
}

/** What the player tells the flow (the same shapes as its messages: the host passes them on as they come). */
export type PlayerEvent =
  | { type: 'ready' }
  | {
      type: 'state';
      session: number;
      state: ReadingState;
      sentence: number;
      rate: number;
      /** Wall-clock ms when it happened (the clock port's time), for a crossing the moment the audio crossed. */
      at: number;
      cause: 'audio' | 'seek' | 'control' | 'load';
      joinGapMs: number;
      underruns: number;
      /** The id of the control this state answers; 0 for none. */
      ack: number;
    }
  /** Play from a sentence the player has no audio for. */
  | { type: 'seek'; session: number; sentence: number }
  /** Chunk `index` of `session` is in the player. */
  | { type: 'received'; session: number; index: number }
  /** The player let go of the audio of every sentence before `before`. */
  | { type: 'released'; session: number; before: number }
  | { type: 'rate'; rate: number };

/** The sentence heard, marked in the text read (`target`: the read's, as the host gave it). */
export interface HighlightPort<T> {
  /** Marks `range` (offsets in the document read); `reveal`: keeps it in view. False when it could not show it. */
  show(target: T, range: SourceRange, reveal: boolean): boolean;
  clear(): void;
}

/** What every render outcome says (the host's narration result has more). */
export interface RenderOutcome {
  ok: boolean;
  cancelled?: boolean;
  /** The listener declined to start it (a cost confirmation). */
  declined?: boolean;
  /** 1-based index of the chunk that failed. */
  failedChunk?: number;
  /** The problem, in the user's words (the render port's). */
  message?: string;
}

/** The narration: plans the text and renders it, handing each chunk over as it is written. */
export interface RenderPort<T, R extends RenderOutcome> {
  plan(target: T): Promise<SpokenPlan>;
  /** `background`: a render after a seek (it shows less than the first). Only one runs at a time. */
  render(target: T, plan: SpokenPlan, onChunk: (chunk: NarratedChunk) => void, background: boolean, onPiece?: (piece: NarratedPiece) => void): Promise<R>;
  /** Cancels the render in progress (its chunks stay cached). */
  cancel(): void;
}

/** What went wrong unseen: the player's view did not open, or a seek's render could not start. */
export interface ReadingWarning {
  kind: 'playerNotShown' | 'seekFailed';
  error: unknown;
}

/** Whether reading is on (the keybindings' context), and a failure to tell the listener. */
export interface ReadingPort<R> {
  reading(on: boolean): void;
  failed(failure: ReadingFailure, outcome: R): void;
  /** For the developer's log: something went wrong that the listener need not hear of (the host words it). */
  warn(problem: ReadingWarning): void;
}

export type TimerHandle = unknown;

export interface ClockPort {
  /** Wall-clock ms (Date.now). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: ClockPort = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
