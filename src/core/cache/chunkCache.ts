// Synthesized chunks kept on disk by what was asked for, so the same text in the same voice is never paid twice.
// No central index: the files are the truth (several windows may share the folder), each entry checks itself, and
// every write lands by rename so a reader sees a whole entry or none.

import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError, InternalError } from '../errors';
import { acquireChunkLock, LOCK_EXT, type ChunkLockTiming, type HeldLock } from './chunkLock';

/** Novita's `pcm` answer: 16-bit little-endian mono at 24 000 Hz. */
export const PCM_S16LE_24K_MONO = 'pcm_s16le_24000_mono';

/** Everything that changes the audio Novita returns; any difference must give another key. */
export interface ChunkKeyInput {
  voiceId: string;
  /** The model or endpoint the chunk was synthesized with. */
  model: string;
  /** The exact text sent, after whatever normalisation the caller applies (none here). */
  text: string;
  speed: number;
  volume: number;
  /** The audio format asked for, e.g. PCM_S16LE_24K_MONO. */
  format: string;
  /** Novita's watermark_enabled; only `false` changes the key (true is Novita's default, so old entries still match). */
  watermark?: boolean;
}

// Bump when the key's inputs or their meaning change: old entries then simply stop being found (and age out).
const KEY_VERSION = 'gvc-chunk-key-v1';

/** sha256 (hex) of a canonical serialisation of everything that shapes the audio. */
export function chunkKey(input: ChunkKeyInput): string {
  // An array, not an object, so field order can never vary; numbers as JSON so 1 and 1.0 agree and 1.05 does not.
  const canonical = JSON.stringify([KEY_VERSION, input.voiceId, input.model, input.text, num(input.speed), num(input.volume), input.format, ...(input.watermark === false ? ['noWatermark'] : [])]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function num(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

const KEY_RE = /^[0-9a-f]{64}$/;

export function isChunkKey(key: string): boolean {
  return KEY_RE.test(key);
}

// Entry layout (little-endian):
//   0  magic "GVCC"        4  version u16       6  format length u16
//   8  payload length u32  12 text chars u32    16 key (32 bytes)      48 sha256 (32 bytes)
//   80 format (ascii)      then the payload.
// The digest covers every byte but its own, so a flipped bit anywhere (length, text chars, format, samples) shows.
const MAGIC = Buffer.from('GVCC', 'ascii');
const VERSION = 1;
const FIXED_HEADER = 80;
const DIGEST_AT = 48;
const MAX_FORMAT = 255;
const ENTRY_EXT = '.chunk';
const TEMP_EXT = '.tmp';
/** Temp files older than this are a crashed writer's and are removed by prune. */
const STALE_TEMP_MS = 10 * 60_000;
/** Automatic pruning goes this far below maxBytes, so a full cache does not scan on every put. */
const LOW_WATER = 0.9;

export interface ChunkMeta {
  /** Defaults to the cache's format. */
  format?: string;
  /** Characters of text this chunk speaks: what a hit saves (the cost meter's unit). */
  textChars: number;
}

export interface ChunkCacheOptions {
  dir: string;
  /** Total bytes of entries to keep; least recently used entries go first beyond it. */
  maxBytes: number;
  /** The format `get` accepts (default PCM_S16LE_24K_MONO); an entry of another format is treated as corrupt. */
  format?: string;
  /** fsync each entry before it is renamed into place (slower; survives power loss, not just a crash). */
  fsync?: boolean;
  /** How `claim`'s lock files age and are waited for (see chunkLock.ts). */
  locks?: ChunkLockTiming;
}

/** What `claim` gives: the entry, when another process put it while this one waited; else the right to fetch it. */
export type ChunkClaim = { cached: Buffer; lock?: undefined } | { cached?: undefined; lock: HeldLock | undefined };

export interface ChunkCacheStats {
  entries: number;
  bytes: number;
}

export interface PruneResult {
  removed: number;
  freedBytes: number;
}

interface EntryFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export class ChunkCache {
  readonly dir: string;
  readonly maxBytes: number;
  readonly format: string;
  private readonly fsync: boolean;
  private readonly locks: ChunkLockTiming;
  private hitCount = 0;
  private missCount = 0;
  private chars = 0;
  /** This process's idea of the total size: only decides when to scan, never what to delete. Unknown until a scan. */
  private estimate: number | undefined;
  private pruning: Promise<PruneResult> | undefined;

  constructor(options: ChunkCacheOptions) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
    this.format = options.format ?? PCM_S16LE_24K_MONO;
    this.fsync = options.fsync ?? false;
    this.locks = options.locks ?? {};
  }

  /** Gets served from disk (this instance). */
  get hits(): number {
    return this.hitCount;
  }

  /** Gets that found nothing usable (this instance), corrupt entries included. */
  get misses(): number {
    return this.missCount;
  }

  /** Characters of text whose audio came from the cache instead of Novita (this instance). */
  get charsServed(): number {
    return this.chars;
  }

  /** The payload stored under `key`, or undefined. A truncated, corrupt or wrong-format entry is deleted, never returned. */
  async get(key: string, format: string = this.format): Promise<Buffer | undefined> {
    const found = isChunkKey(key) ? await this.read(key, format) : undefined;
    if (!found) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    this.chars += found.textChars;
    // The entry's mtime is its last use: eviction goes by it. A failed touch only makes the entry look older.
    const now = new Date();
    await utimes(this.pathOf(key), now, now).catch(() => undefined);
    return found.payload;
  }

  /** Whether an entry exists for `key` (not verified: `get` does that). */
  async has(key: string): Promise<boolean> {
    if (!isChunkKey(key)) return false;
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Stores `pcm` under `key`, replacing any entry there, then evicts least recently used entries when the cache is
   * over maxBytes. PCM that is not whole 16-bit frames of its format is not stored (it could not be played back).
   * Throws a CoreError `cacheWrite` when the entry cannot be written (disk full, no permission…): the caller may go
   * on without it.
   */
  async put(key: string, pcm: Uint8Array, meta: ChunkMeta): Promise<void> {
    if (!isChunkKey(key)) throw new InternalError(`Not a chunk cache key: "${key.slice(0, 80)}" (use chunkKey()).`);
    const format = meta.format ?? this.format;
    if (pcm.length % frameBytes(format) !== 0) return;
    const entry = encodeEntry(key, format, pcm, meta.textChars);
    const path = this.pathOf(key);
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_EXT}`;
    try {
      await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        let at = 0;
        while (at < entry.length) at += (await handle.write(entry, at, entry.length - at)).bytesWritten;
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await this.landTemp(temp, path, key, format);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      throw new CoreError({ kind: 'cacheWrite', dir: this.dir, ...(typeof code === 'string' ? { code } : {}) }, { cause: err });
    }
    if (this.estimate === undefined) await this.scanSize();
    else this.estimate += entry.length;
    if (this.estimate! > this.maxBytes) await this.prune(Math.floor(this.maxBytes * LOW_WATER));
  }

  /**
   * Before fetching what `key` stores: waits while another process (or another call here) is fetching it, and gives
   * the entry once it lands; else takes the chunk's lock file, to `release()` once the entry is put (or the fetch
   * failed or was cancelled). `lock` is undefined when the folder takes no lock file (fetch anyway). Throws CoreError
   * 'cancelled' when `signal` aborts while waiting.
   */
  async claim(key: string, options: { signal?: AbortSignal; format?: string } = {}): Promise<ChunkClaim> {
    const format = options.format ?? this.format;
    if (!isChunkKey(key)) return { lock: undefined };
    for (;;) {
      const got = await acquireChunkLock(this.lockPathOf(key), { ...this.locks, signal: options.signal, isDone: () => this.has(key) });
      if (got === undefined) return { lock: undefined };
      if (got === 'done' || (await this.has(key))) {
        // Landed while this one waited (or just before it took the lock): served from here, nothing is sent.
        const cached = await this.get(key, format);
        if (cached) {
          if (got !== 'done') await got.release();
          return { cached };
        }
        if (got === 'done') continue; // a corrupt entry, deleted by get: wait or fetch again
      }
      return { lock: got };
    }
  }

  /** Entries and their bytes on disk now (headers included), from a scan: right across processes. */
  async stats(): Promise<ChunkCacheStats> {
    const entries = (await this.scan()).entries;
    const bytes = entries.reduce((sum, e) => sum + e.size, 0);
    this.estimate = bytes;
    return { entries: entries.length, bytes };
  }

  /**
   * Deletes least recently used entries until at most `maxBytes` (default: the cache's) remain, and temp files a
   * crashed writer left behind. Concurrent calls in one instance share one scan.
   */
  prune(maxBytes: number = this.maxBytes): Promise<PruneResult> {
    if (!this.pruning) {
      this.pruning = this.doPrune(maxBytes).finally(() => {
        this.pruning = undefined;
      });
    }
    return this.pruning;
  }

  /** Deletes every entry (and temp file); counters are kept. */
  async clear(): Promise<void> {
    const { entries, temps } = await this.scan();
    await Promise.all([...entries, ...temps].map((e) => unlink(e.path).catch(() => undefined)));
    this.estimate = 0;
  }

  private async doPrune(maxBytes: number): Promise<PruneResult> {
    const { entries, temps } = await this.scan();
    const now = Date.now();
    let removed = 0;
    let freedBytes = 0;
    for (const t of temps) {
      if (now - t.mtimeMs > STALE_TEMP_MS && (await unlink(t.path).then(() => true, () => false))) freedBytes += t.size;
    }
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    // Oldest use first; the path breaks ties so two processes pruning at once pick the same victims.
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
    for (const e of entries) {
      if (total <= maxBytes) break;
      total -= e.size; // gone either way: deleted here, or by another process first
      if (await unlink(e.path).then(() => true, () => false)) {
        removed++;
        freedBytes += e.size;
      }
    }
    this.estimate = total;
    return { removed, freedBytes };
  }

  private lockPathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}${LOCK_EXT}`);
  }

  private pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}${ENTRY_EXT}`);
  }

  private async read(key: string, format: string): Promise<{ payload: Buffer; textChars: number } | undefined> {
    const path = this.pathOf(key);
    let bytes: Buffer;
    let before: Stats;
    try {
      const handle = await open(path, 'r');
      try {
        before = await handle.stat();
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch {
      return undefined; // absent (or unreadable): a miss
    }
    const entry = decodeEntry(bytes, key, format);
    if (!entry) await this.discard(path, before);
    return entry;
  }

  /** Deletes a bad entry, unless another process has meanwhile renamed a new one onto the path. */
  private async discard(path: string, seen: Stats): Promise<void> {
    try {
      const now = await stat(path);
      if (now.ino === seen.ino && now.dev === seen.dev && now.mtimeMs === seen.mtimeMs && now.size === seen.size) await unlink(path);
    } catch {
      // already gone
    }
  }

  /** Renames `temp` onto `path`; on Windows a reader holding `path` open can refuse that, and a good entry already there will do. */
  private async landTemp(temp: string, path: string, key: string, format: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(temp, path);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY' && code !== 'EEXIST') throw err;
        if (await this.read(key, format)) {
          await rm(temp, { force: true });
          return;
        }
        if (attempt >= 4) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
      }
    }
  }

  private async scanSize(): Promise<void> {
    const { entries } = await this.scan();
    this.estimate = entries.reduce((sum, e) => sum + e.size, 0);
  }

  private async scan(): Promise<{ entries: EntryFile[]; temps: EntryFile[] }> {
    const entries: EntryFile[] = [];
    const temps: EntryFile[] = [];
    let shards: string[];
    try {
      shards = (await readdir(this.dir, { withFileTypes: true })).filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name)).map((d) => d.name);
    } catch {
      return { entries, temps }; // no cache folder yet
    }
    for (const shard of shards) {
      let names: string[];
      try {
        names = await readdir(join(this.dir, shard));
      } catch {
        continue;
      }
      for (const name of names) {
        const isEntry = name.endsWith(ENTRY_EXT) && isChunkKey(name.slice(0, -ENTRY_EXT.length));
        // A chunk's lock file (and one set aside in a takeover) counts as a temp: a killed holder's is removed by prune
        // once long unrefreshed, and by clear.
        const isTemp = name.endsWith(TEMP_EXT) || name.endsWith(LOCK_EXT) || (name.includes(`${LOCK_EXT}.`) && name.endsWith('.stale'));
        if (!isEntry && !isTemp) continue;
        const path = join(this.dir, shard, name);
        try {
          const s = await stat(path);
          if (s.isFile()) (isEntry ? entries : temps).push({ path, size: s.size, mtimeMs: s.mtimeMs });
        } catch {
          // removed meanwhile
        }
      }
    }
    return { entries, temps };
  }
}

/** Bytes per sample frame of a format named like `pcm_s16le_24000_mono` (1 for anything else: no constraint). */
function frameBytes(format: string): number {
  const m = /^pcm_s16le_\d+_(mono|stereo)$/.exec(format);
  return m ? (m[1] === 'mono' ? 2 : 4) : 1;
}

function encodeEntry(key: string, format: string, payload: Uint8Array, textChars: number): Buffer {
  const fmt = Buffer.from(format, 'ascii');
  // the format names are the core's own constants
  if (fmt.length > MAX_FORMAT) throw new InternalError(`Format name too long for the chunk cache: "${format.slice(0, 40)}…".`);
  const header = Buffer.alloc(FIXED_HEADER + fmt.length);
  MAGIC.copy(header, 0);
  header.writeUInt16LE(VERSION, 4);
  header.writeUInt16LE(fmt.length, 6);
  header.writeUInt32LE(payload.length, 8);
  header.writeUInt32LE(Math.max(0, Math.min(0xffffffff, Math.round(textChars) || 0)), 12);
  header.write(key, 16, 32, 'hex');
  fmt.copy(header, FIXED_HEADER);
  digestOf(header, payload).copy(header, DIGEST_AT);
  return Buffer.concat([header, payload]);
}

function decodeEntry(bytes: Buffer, key: string, format: string): { payload: Buffer; textChars: number } | undefined {
  if (bytes.length < FIXED_HEADER || !bytes.subarray(0, 4).equals(MAGIC) || bytes.readUInt16LE(4) !== VERSION) return undefined;
  const fmtLength = bytes.readUInt16LE(6);
  const payloadLength = bytes.readUInt32LE(8);
  const headerLength = FIXED_HEADER + fmtLength;
  if (bytes.length !== headerLength + payloadLength) return undefined; // truncated, or bytes appended
  if (bytes.toString('hex', 16, 48) !== key) return undefined; // another key's entry under this name
  if (bytes.toString('ascii', FIXED_HEADER, headerLength) !== format) return undefined;
  const header = bytes.subarray(0, headerLength);
  const payload = bytes.subarray(headerLength);
  if (!digestOf(header, payload).equals(bytes.subarray(DIGEST_AT, DIGEST_AT + 32))) return undefined;
  if (payload.length % frameBytes(format) !== 0) return undefined;
  return { payload, textChars: bytes.readUInt32LE(12) };
}

/** sha256 over the header (its digest field read as zeros) and the payload. */
function digestOf(header: Buffer, payload: Uint8Array): Buffer {
  const h = createHash('sha256');
  h.update(header.subarray(0, DIGEST_AT));
  h.update(Buffer.alloc(32));
  h.update(header.subarray(DIGEST_AT + 32));
  h.update(payload);
  return h.digest();
}
