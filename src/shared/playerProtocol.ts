// The messages between the host and the read-along player (a webview view), and the guard the host applies to
// what the player sends: the webview is an untrusted boundary.

/** The player's playback states. `waiting`: playing, but the next chunk is not in yet. */
export type PlayerState = 'idle' | 'waiting' | 'playing' | 'paused' | 'ended' | 'stopped';

export type PlayerControl = 'toggle' | 'next' | 'previous' | 'stop';

export interface ChunkSentence {
  /** Index in the session's `sentences`. */
  sentence: number;
  /** Seconds in the render's audio (the render starts at the session's `first` sentence, at 0). */
  startSec: number;
  endSec: number;
}

export type ToPlayerMessage =
  /** A new render: the list of every sentence in scope, the render starting at `first`. Resets the player. */
  | { type: 'session'; session: number; title: string; sentences: string[]; first: number; rate: number }
  /**
   * One chunk of 16-bit mono PCM at `sampleRate`, in order, contiguous with the one before. `offset`: the chunk was
   * streamed, its first `offset` bytes came as pieces, and `pcm` is the rest (this closes it: its end, its sentences).
   */
  | { type: 'chunk'; session: number; index: number; startSec: number; endSec: number; sampleRate: number; pcm: Uint8Array; sentences: ChunkSentence[]; offset?: number }
  /**
   * A piece of chunk `index` while it streams (streamed speech): `pcm` follows the chunk's first `offset` bytes; the
   * chunk starts at `startSec`. Until the chunk closes its audio counts as its first `sentence`.
   */
  | { type: 'piece'; session: number; index: number; startSec: number; offset: number; sampleRate: number; pcm: Uint8Array; sentence: number }
  /** No more chunks; `error`: why the render stopped early (played audio stays). */
  | { type: 'end'; session: number; error?: string }
  /** `id`: echoed as the `ack` of the state message that follows the player acting on it. */
  | { type: 'control'; action: PlayerControl; id: number }
  /** The host's wording of the player's labels that change. */
  | { type: 'status'; session: number; rendered?: string };

export type FromPlayerMessage =
  | { type: 'ready' }
  /**
   * Where playback is. `at`: wall-clock ms (Date.now) when it happened, for a crossing the moment the audio crossed
   * the boundary. `cause`: what moved it. `joinGapMs`: the most silence scheduled between two chunks so far (0 =
   * gapless); `underruns`: times playback ran dry waiting for a chunk.
   */
  | {
      type: 'state';
      session: number;
      state: PlayerState;
      sentence: number;
      rate: number;
      at: number;
      cause: 'audio' | 'seek' | 'control' | 'load';
      joinGapMs: number;
      underruns: number;
      /** The id of the control this state answers; 0 for none. */
      ack: number;
    }
  /** Play from a sentence the player has no audio for yet (the host renders from there). */
  | { type: 'seek'; session: number; sentence: number }
  /** The chunk `index` of `session` is in the player (the host hands over the next one only then). */
  | { type: 'received'; session: number; index: number }
  /**
   * The player let go of the audio of every sentence before `before` in `session` (it holds at most HOLD_SEC of audio,
   * playerRetention.ts): a seek back there must be rendered again (from the cache).
   */
  | { type: 'released'; session: number; before: number }
  | { type: 'rate'; rate: number };

const STATES: readonly string[] = ['idle', 'waiting', 'playing', 'paused', 'ended', 'stopped'] satisfies PlayerState[];
const CAUSES: readonly string[] = ['audio', 'seek', 'control', 'load'];
export const PLAYER_RATES = [0.75, 1, 1.25, 1.5, 1.75, 2] as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= -1 && v <= 10_000_000;
const isFinite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function exactly(o: Record<string, unknown>, keys: string[]): boolean {
  const have = Object.keys(o);
  return have.length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(o, k));
}

/** Known type, exactly the expected fields, each of the right type and range; anything else is refused. */
export function isFromPlayerMessage(msg: unknown): msg is FromPlayerMessage {
  if (!isPlainObject(msg)) return false;
  switch (msg.type) {
    case 'ready':
      return exactly(msg, ['type']);
    case 'state':
      return (
        exactly(msg, ['type', 'session', 'state', 'sentence', 'rate', 'at', 'cause', 'joinGapMs', 'underruns', 'ack']) &&
        isCount(msg.session) &&
        STATES.includes(msg.state as string) &&
        isCount(msg.sentence) &&
        (PLAYER_RATES as readonly number[]).includes(msg.rate as number) &&
        isFinite(msg.at) &&
        CAUSES.includes(msg.cause as string) &&
        isFinite(msg.joinGapMs) &&
        (msg.joinGapMs as number) >= 0 &&
        isCount(msg.underruns) &&
        isCount(msg.ack)
      );
    case 'seek':
      return exactly(msg, ['type', 'session', 'sentence']) && isCount(msg.session) && isCount(msg.sentence) && (msg.sentence as number) >= 0;
    case 'received':
      return exactly(msg, ['type', 'session', 'index']) && isCount(msg.session) && isCount(msg.index) && (msg.index as number) >= 0;
    case 'released':
      return exactly(msg, ['type', 'session', 'before']) && isCount(msg.session) && isCount(msg.before) && (msg.before as number) >= 0;
    case 'rate':
      return exactly(msg, ['type', 'rate']) && (PLAYER_RATES as readonly number[]).includes(msg.rate as number);
    default:
      return false;
  }
}
