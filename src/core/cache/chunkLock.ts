// A lock file per chunk being fetched, beside where its cache entry will land, so two processes (two CLI runs, two
// editor windows) sharing a cache pay for a chunk once: the one that creates the lock (O_EXCL) fetches, the others
// wait for the entry to appear (or the lock to go) and read it from the cache. The lock holds its holder's pid, host
// and a token, and its mtime is refreshed while held; a lock whose holder is dead on this host, or that has not been
// refreshed for `staleMs`, is taken over, so a process killed with SIGKILL blocks nobody for long. Locking is a saving,
// never a condition: a folder where no lock can be written (read-only, full) just means fetching unlocked.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CoreError } from '../errors';

export const LOCK_EXT = '.lock';

export interface ChunkLockTiming {
  /** A lock not refreshed for this long is abandoned (its holder hung, or died on another host). Default 15 s. */
  staleMs?: number;
  /** How often a held lock's mtime is refreshed. Default a third of `staleMs`. */
  refreshMs?: number;
  /** How often a waiter looks again. Default 50 ms. */
  pollMs?: number;
}

export interface HeldLock {
  readonly path: string;
  /** Stops refreshing and deletes the lock (if it is still this holder's); safe to call more than once. */
  release(): Promise<void>;
}

/** What a lock file says about its holder (an unreadable one says nothing: only its age counts). */
interface Holder {
  pid?: number;
  host?: string;
  token?: string;
}

export const DEFAULT_STALE_MS = 15_000;
const DEFAULT_POLL_MS = 50;

/**
 * Takes the lock at `path`, waiting while someone else holds it. Resolves with the lock, or with `'done'` as soon as
 * `isDone()` says what the lock was protecting is there (the holder finished), or with `undefined` when no lock can be
 * written here (go on unlocked). Throws CoreError 'cancelled' when `signal` aborts while waiting.
 */
export async function acquireChunkLock(path: string, options: ChunkLockTiming & { signal?: AbortSignal; isDone?: () => Promise<boolean> } = {}): Promise<HeldLock | 'done' | undefined> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const token = `${process.pid}.${randomBytes(6).toString('hex')}`;
  for (;;) {
    if (options.signal?.aborted) throw new CoreError({ kind: 'cancelled' }, { cause: options.signal.reason });
    const created = await create(path, token);
    if (created === 'created') return held(path, token, options.refreshMs ?? Math.max(10, Math.floor(staleMs / 3)));
    if (created === 'unwritable') return undefined;
    // Someone holds it: taken over when abandoned, else waited for.
    const abandoned = await abandonedHolder(path, staleMs);
    if (abandoned) {
      await takeOver(path, abandoned);
      continue;
    }
    if (options.isDone && (await options.isDone().catch(() => false))) return 'done';
    await sleep(pollMs, options.signal);
  }
}

async function create(path: string, token: string): Promise<'created' | 'exists' | 'unwritable'> {
  const body = `${JSON.stringify({ pid: process.pid, host: hostname(), token, at: new Date().toISOString() })}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(body, 'utf8');
      } finally {
        await handle.close();
      }
      return 'created';
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return 'exists';
      if (code === 'ENOENT' && attempt === 0) {
        const made = await mkdir(dirname(path), { recursive: true }).then(() => true, () => false);
        if (made) continue;
      }
      return 'unwritable';
    }
  }
  return 'unwritable';
}

function held(path: string, token: string, refreshMs: number): HeldLock {
  // The mtime says the holder is alive (another host cannot check its pid); unref'd: it keeps no process running.
  const timer = setInterval(() => {
    const now = new Date();
    void utimes(path, now, now).catch(() => undefined);
  }, refreshMs);
  timer.unref();
  let released: Promise<void> | undefined;
  return {
    path,
    release() {
      released ??= (async () => {
        clearInterval(timer);
        // Only this holder's: after a takeover (this process hung past staleMs) the file is someone else's lock.
        if ((await readHolder(path))?.token === token) await unlink(path).catch(() => undefined);
      })();
      return released;
    },
  };
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Holder) : {};
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : {};
  }
}

/**
 * What the lock at `path` says, when it is abandoned: held by a process that is gone (same host), or not refreshed for
 * `staleMs`. Undefined while it is held (or gone: the next attempt creates it). The holder is read before the age, so
 * a lock replaced in between is judged by the newer one's age (kept), never the older one's.
 */
async function abandonedHolder(path: string, staleMs: number): Promise<Holder | undefined> {
  const holder = await readHolder(path);
  if (!holder) return undefined;
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
  if (Date.now() - mtimeMs > staleMs) return holder;
  if (holder.host === hostname() && typeof holder.pid === 'number' && Number.isInteger(holder.pid) && holder.pid > 0 && !isAlive(holder.pid)) return holder;
  return undefined;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the abandoned lock `judged` by renaming it aside (atomic: of two waiters taking over, one gets the file),
 * then checks it really was that one: a lock created in between by a live holder is put back (link fails if a third
 * process has created one meanwhile: that one stands).
 */
async function takeOver(path: string, judged: Holder): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return; // gone already: someone else took it over
  }
  const taken = await readHolder(aside);
  if (taken?.token !== judged.token) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CoreError({ kind: 'cancelled' }, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
