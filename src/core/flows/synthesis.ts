// One chunk of speech, from the chunk cache when it has it, else from Novita (and then into the cache): the one
// place narration, read-along, export and the CLI get their audio, so nobody pays twice for the same chunk.
import { ChunkCache, chunkKey, PCM_S16LE_24K_MONO } from '../cache/chunkCache';
import type { HeldLock } from '../cache/chunkLock';
import { CoreError, isKeyRefusal } from '../errors';
import { codePointLength } from '../limits';
import type { NovitaClient } from '../novita/client';
import type { NovitaConnections } from '../novita/connections';
import type { ProviderConnections } from '../providers/connections';
import { CAPABILITIES, type Provider, type ProviderId, type SpeakRequest } from '../providers/port';
import { canFallBackToWhole } from '../zhipu/client';
import type { ProgressPort } from './ports';

/** How a chunk is spoken: any difference is another cache entry. */
export interface VoiceSettings {
  voiceId: string;
  speed: number;
  volume: number;
  /** Novita's `watermark_enabled`; undefined: not sent (Novita's default). */
  watermark?: boolean;
}

/** The Zhipu endpoint's model, as the cache key names it (Novita's stays `/v3/glm-tts`, so its entries stay valid). */
const ZHIPU_MODEL = '/audio/speech#glm-tts';

/** Characters sent to Novita and served from the cache: what the cost meter shows. */
export interface CostFigures {
  sentChars: number;
  cachedChars: number;
  requests: number;
  hits: number;
}

export interface SynthesizedChunk {
  pcm: Buffer;
  /** True: served from the cache, nothing was sent. */
  cached: boolean;
  key: string;
}

export interface SynthesizerDeps {
  connections: NovitaConnections;
  /** Undefined: no cache (every chunk is sent). */
  cache?: ChunkCache;
  /** The API base URL, part of the key: the double's audio never stands in for Novita's. */
  endpoint: () => string;
  /** Told of every chunk's cost, for a meter that outlives this object (e.g. totals kept in global state). */
  onCost?: (delta: CostFigures) => void;
  /**
   * Runs each request to Novita (not cache reads or writes): e.g. the CLI's one pool bounding the requests in flight
   * over every file of a batch. Default: the request runs at once.
   */
  limit?: <T>(request: () => Promise<T>, signal?: AbortSignal) => Promise<T>;
  /**
   * Told once when Novita first refuses the key (401) or the account (403), or there is no key: the moment a runner
   * stops everything else it meant to ask for (the CLI stops its batch).
   */
  onKeyRefused?: (error: CoreError) => void;
  /**
   * The other providers (Zhipu), for voices that live there. Without it (or without `providerOf`) every chunk goes to
   * Novita through `connections`, as before there was a second provider.
   */
  providers?: ProviderConnections;
  /** Which provider speaks a voice (the registry's record; a system voice: the chosen provider); undefined: Novita. */
  providerOf?: (voiceId: string) => ProviderId | undefined;
  /** Told when a chunk's stream broke and it was asked for whole instead (for the log). */
  onStreamFallback?: (error: CoreError) => void;
}

/** How `chunk` hands over a streamed chunk's audio as it arrives. */
export interface ChunkStreamOptions {
  /**
   * Each piece of the chunk's PCM as the provider streams it (whole samples, in order), before the chunk is complete.
   * Only with a provider that streams speech (Zhipu), and only for a chunk that is neither cached nor landing: a cached
   * chunk is handed back whole and this is never called. When the stream breaks after some pieces and the chunk is
   * asked for again whole, the whole answer is what `chunk` resolves with (and what is cached); the pieces handed
   * over stay as they were (the caller decides what to do with the rest: see ReadAlongFlow).
   */
  onPiece?: (pcm: Buffer) => void;
}

const MODEL = '/v3/glm-tts';
/** Cache look-ups `uncached` runs at a time. */
const LOOKUPS_AT_ONCE = 16;

export class Synthesizer {
  /** This session's figures. */
  readonly session: CostFigures = { sentChars: 0, cachedChars: 0, requests: 0, hits: 0 };
  /** Chunks handed over but still being written to the cache: served from here meanwhile. */
  private readonly landing = new Map<string, { pcm: Buffer; done: Promise<void> }>();
  /**
   * Novita's first refusal of the key or the account: every request not yet sent with that client fails with it
   * instead of being sent (a queue of them would each be refused, and each logged). Forgotten once no request is
   * outstanding, so the next run (a key fixed at novita.ai, identity verified) asks again; a new key is a new client.
   */
  private refusal: { client: NovitaClient | Provider | undefined; error: CoreError } | undefined;
  /** Requests between the cache miss and their answer (queued in `limit` or in flight). */
  private outstanding = 0;

  constructor(private readonly deps: SynthesizerDeps) {}

  get cache(): ChunkCache | undefined {
    return this.deps.cache;
  }

  /** The provider that speaks `voiceId`: Novita unless `providerOf` says otherwise and the providers are given. */
  providerFor(voiceId: string): ProviderId {
    return this.deps.providers ? (this.deps.providerOf?.(voiceId) ?? 'novita') : 'novita';
  }

  key(text: string, voice: VoiceSettings): string {
    const model = this.providerFor(voice.voiceId) === 'zhipu' ? `${this.deps.providers!.endpoint('zhipu')}${ZHIPU_MODEL}` : `${this.deps.endpoint()}${MODEL}`;
    return chunkKey({ voiceId: voice.voiceId, model, text, speed: voice.speed, volume: voice.volume, format: PCM_S16LE_24K_MONO, watermark: voice.watermark });
  }

  /**
   * The PCM of `text` in `voice`. `fresh`: synthesize again even when cached (a retake); the new take replaces the
   * cached one only when `keep` is not false.
   */
  async chunk(text: string, voice: VoiceSettings, options: { signal?: AbortSignal; fresh?: boolean; keep?: boolean } & ChunkStreamOptions = {}): Promise<SynthesizedChunk> {
    const key = this.key(text, voice);
    const chars = codePointLength(text);
    const cache = this.deps.cache;
    if (cache && !options.fresh) {
      const hit = this.landing.get(key)?.pcm ?? (await cache.get(key));
      if (hit) {
        this.count({ sentChars: 0, cachedChars: chars, requests: 0, hits: 1 });
        return { pcm: hit, cached: true, key };
      }
    }
    options.signal?.throwIfAborted();
    // Another process (a second CLI run, another window) fetching this chunk right now is waited for, not paid twice.
    let lock: HeldLock | undefined;
    if (cache && !options.fresh && options.keep !== false) {
      const claim = await cache.claim(key, { signal: options.signal });
      if (claim.cached) {
        this.count({ sentChars: 0, cachedChars: chars, requests: 0, hits: 1 });
        return { pcm: claim.cached, cached: true, key };
      }
      lock = claim.lock;
    }
    this.outstanding++;
    let pcm: Buffer;
    try {
      const other = this.providerFor(voice.voiceId) !== 'novita' ? this.deps.providers! : undefined;
      const client: NovitaClient | Provider = await (other ? other.provider(this.providerFor(voice.voiceId)) : this.deps.connections.api()).catch((err: unknown) => {
        throw this.refused(undefined, err);
      });
      const watermark = voice.watermark !== undefined ? { watermark: voice.watermark } : {};
      const onPiece = options.onPiece;
      const request = () => {
        // Checked when the request's turn comes (a slot of the pool), not when it was queued.
        const refusal = this.refusal;
        if (refusal && refusal.client === client) throw new CoreError(refusal.error.problem, { cause: refusal.error });
        if ('speak' in client) {
          const req: SpeakRequest = { input: text, voice: voice.voiceId, speed: voice.speed, volume: voice.volume, ...watermark };
          if (onPiece && CAPABILITIES[client.id].streamedSpeech) return this.streamed(client, req, chars, onPiece, options.signal);
          return client.speak(req, { signal: options.signal });
        }
        return client.synthesize({ input: text, voice: voice.voiceId, speed: voice.speed, volume: voice.volume, format: 'pcm', ...watermark }, { signal: options.signal });
      };
      try {
        pcm = await (this.deps.limit ? this.deps.limit(request, options.signal) : request());
      } catch (err) {
        throw this.refused(client, err);
      }
    } catch (err) {
      // Failed or cancelled: whoever waits for this chunk fetches it instead.
      await lock?.release();
      throw err;
    } finally {
      if (--this.outstanding === 0) this.refusal = undefined;
    }
    this.count({ sentChars: chars, cachedChars: 0, requests: 1, hits: 0 });
    if (cache && options.keep !== false) {
      // Written after the chunk is handed over: read-along's first sound must not wait for the disk (or for the
      // cache's first size scan). A full disk or a read-only folder must not fail the narration: it is not cached.
      const done: Promise<void> = cache
        .put(key, pcm, { textChars: chars })
        .catch(() => undefined)
        // Released once the entry is on disk: a waiter then finds it there.
        .then(() => lock?.release())
        .finally(() => {
          if (this.landing.get(key)?.done === done) this.landing.delete(key);
        });
      this.landing.set(key, { pcm, done });
    }
    return { pcm, cached: false, key };
  }

  /**
   * One chunk streamed: each piece handed to `onPiece` as it comes, the whole returned once the stream has ended
   * cleanly (only then can it be cached: a broken stream is never a chunk). A stream that breaks in a way a second
   * request can cure (cut, no end mark, an odd finish_reason, a server or rate error line: `canFallBackToWhole`) is
   * asked for once more, whole; its answer is the chunk. Anything else (a content filter's error line) fails the chunk.
   */
  private async streamed(client: Provider, req: SpeakRequest, chars: number, onPiece: (pcm: Buffer) => void, signal: AbortSignal | undefined): Promise<Buffer> {
    const pieces: Buffer[] = [];
    try {
      for await (const piece of client.speakStreamed(req, { signal })) {
        pieces.push(piece);
        try {
          onPiece(piece);
        } catch {
          // a listener's failure is not the chunk's
        }
      }
      return Buffer.concat(pieces);
    } catch (err) {
      if (signal?.aborted || !canFallBackToWhole(err)) throw err;
      this.deps.onStreamFallback?.(err as CoreError);
      // The broken stream was sent (and may be billed): the whole request counts as one more.
      this.count({ sentChars: chars, cachedChars: 0, requests: 1, hits: 0 });
      return client.speak(req, { signal });
    }
  }

  /** Resolves once every chunk handed over so far is in the cache (or failed to be written). */
  async flush(): Promise<void> {
    await Promise.all([...this.landing.values()].map((l) => l.done));
  }

  /** Runs `fn` while `listener` hears of every retry wait (see NovitaConnections). */
  withRetryNotices<T>(listener: ProgressPort | undefined, fn: () => Promise<T>): Promise<T> {
    return this.deps.providers ? this.deps.providers.withRetryNotices(listener, fn) : this.deps.connections.withRetryNotices(listener, fn);
  }

  /** The indices of `texts` that would be sent (neither cached nor landing); all of them without a cache. */
  async uncached(texts: readonly string[], voice: (index: number) => VoiceSettings): Promise<number[]> {
    const cache = this.deps.cache;
    if (!cache) return texts.map((_, i) => i);
    // A few look-ups at a time: hundreds at once (a long file) held the event loop for tens of milliseconds, just
    // as read-along hands the player its first chunk.
    const missing: number[] = [];
    for (let from = 0; from < texts.length; from += LOOKUPS_AT_ONCE) {
      const part = texts.slice(from, from + LOOKUPS_AT_ONCE);
      const held = await Promise.all(part.map((text, j) => {
        const key = this.key(text, voice(from + j));
        return this.landing.has(key) || cache.has(key);
      }));
      held.forEach((h, j) => h || missing.push(from + j));
    }
    return missing;
  }

  /** Before a long narration: how many characters the cache already holds, and how many would be sent. */
  async estimate(texts: readonly string[], voice: VoiceSettings | ((index: number) => VoiceSettings)): Promise<{ totalChars: number; cachedChars: number; toSendChars: number }> {
    const missing = new Set(await this.uncached(texts, typeof voice === 'function' ? voice : () => voice));
    let totalChars = 0;
    let toSendChars = 0;
    for (const [i, text] of texts.entries()) {
      const chars = codePointLength(text);
      totalChars += chars;
      if (missing.has(i)) toSendChars += chars;
    }
    return { totalChars, cachedChars: totalChars - toSendChars, toSendChars };
  }

  /** Latches `err` when it is the first refusal of the key (see `refusal`) and tells `onKeyRefused`; returns `err`. */
  private refused(client: NovitaClient | Provider | undefined, err: unknown): unknown {
    if (!this.refusal && err instanceof CoreError && isKeyRefusal(err.problem)) {
      this.refusal = { client, error: err };
      this.deps.onKeyRefused?.(err);
    }
    return err;
  }

  private count(delta: CostFigures): void {
    this.session.sentChars += delta.sentChars;
    this.session.cachedChars += delta.cachedChars;
    this.session.requests += delta.requests;
    this.session.hits += delta.hits;
    this.deps.onCost?.(delta);
  }
}
