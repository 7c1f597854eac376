// The chunk lock files two processes sharing a cache use so a chunk is fetched once: acquire, wait, release, and the
// takeover of a lock whose holder died (its pid gone on this host) or stopped refreshing it (older than staleMs).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkCache, chunkKey, PCM_S16LE_24K_MONO } from '../../../../src/core/cache/chunkCache';
import { acquireChunkLock, type HeldLock } from '../../../../src/core/cache/chunkLock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of a process that has exited (and been reaped): dead on this host. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

suite('chunk lock files', function () {
  this.timeout(10_000);
  let dir: string;
  let lockPath: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'gvc-lock-'));
    lockPath = join(dir, 'ab', 'x.lock');
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  const held = (got: HeldLock | 'done' | undefined): HeldLock => {
    assert.ok(got && got !== 'done', `expected the lock, got ${String(got)}`);
    return got;
  };

  test('acquire creates the lock (its folder too) holding pid, host and time; release deletes it', async () => {
    const lock = held(await acquireChunkLock(lockPath));
    const holder = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid: number; host: string; at: string; token: string };
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.ok(Date.now() - Date.parse(holder.at) < 5000);
    await lock.release();
    assert.ok(!existsSync(lockPath));
    await lock.release(); // twice is harmless
  });

  test('a second acquirer waits while the lock is held, and gets it once it is released', async () => {
    const first = held(await acquireChunkLock(lockPath, { pollMs: 10 }));
    let gotAt = 0;
    const second = acquireChunkLock(lockPath, { pollMs: 10 }).then((l) => ((gotAt = Date.now()), held(l)));
    await sleep(150);
    assert.equal(gotAt, 0, 'still waiting while the first holds it');
    const releasedAt = Date.now();
    await first.release();
    const lock = await second;
    assert.ok(gotAt >= releasedAt);
    await lock.release();
  });

  test('a waiter stops waiting as soon as what the lock protects is done', async () => {
    const first = held(await acquireChunkLock(lockPath));
    let done = false;
    const waiting = acquireChunkLock(lockPath, { pollMs: 10, isDone: async () => done });
    await sleep(50);
    done = true;
    assert.equal(await waiting, 'done');
    assert.ok(existsSync(lockPath), 'the holder still holds it');
    await first.release();
  });

  test('a lock whose holder died on this host (kill -9) is taken over at once, however fresh', async () => {
    mkdirSync(join(dir, 'ab'));
    writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), host: hostname(), token: 'dead', at: new Date().toISOString() }));
    const started = Date.now();
    const lock = held(await acquireChunkLock(lockPath, { staleMs: 60_000, pollMs: 10 }));
    assert.ok(Date.now() - started < 30_000, 'no wait for the age limit (60 s)');
    assert.equal((JSON.parse(readFileSync(lockPath, 'utf8')) as { pid: number }).pid, process.pid);
    await lock.release();
  });

  test('a lock not refreshed for staleMs is taken over (a holder on another host, whose pid cannot be checked)', async () => {
    mkdirSync(join(dir, 'ab'));
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: 'another-host', token: 'far' }));
    const old = new Date(Date.now() - 10_000);
    utimesSync(lockPath, old, old);
    held(await acquireChunkLock(lockPath, { staleMs: 5000, pollMs: 10 })).release();

    // Fresh, from another host: waited for until it ages past staleMs.
    await sleep(20);
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: 'another-host', token: 'far2' }));
    const started = Date.now();
    const lock = held(await acquireChunkLock(lockPath, { staleMs: 300, pollMs: 10 }));
    assert.ok(Date.now() - started >= 250, `taken after ${Date.now() - started} ms: before it was stale`);
    await lock.release();
  });

  test('a held lock is refreshed, so it never looks stale; a release after a takeover leaves the new holder’s lock alone', async () => {
    const first = held(await acquireChunkLock(lockPath, { staleMs: 1000, refreshMs: 100 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 3000);
    await assert.rejects(acquireChunkLock(lockPath, { staleMs: 1000, pollMs: 10, signal: controller.signal }), (e: { kind?: string }) => e.kind === 'cancelled');
    assert.ok(existsSync(lockPath));
    // Had this holder hung past staleMs, someone would have taken over: the file is then theirs, and this holder's
    // release leaves it alone.
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: hostname(), token: 'the-new-holder' }));
    await first.release();
    assert.ok(existsSync(lockPath), 'the new holder keeps its lock');
    rmSync(lockPath);
  });

  test('cancel while waiting: CoreError cancelled; a folder that takes no lock: fetch unlocked (undefined)', async () => {
    const first = held(await acquireChunkLock(lockPath));
    const controller = new AbortController();
    const waiting = acquireChunkLock(lockPath, { signal: controller.signal, pollMs: 10 });
    await sleep(30);
    controller.abort();
    await assert.rejects(waiting, (e: { kind?: string }) => e.kind === 'cancelled');
    await first.release();
    if (process.getuid?.() !== 0) {
      const ro = join(dir, 'ro');
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      try {
        assert.equal(await acquireChunkLock(join(ro, 'cd', 'y.lock')), undefined);
      } finally {
        chmodSync(ro, 0o700);
      }
    }
  });

  test('prune removes a lock file left unrefreshed for long (a holder killed and nobody asking for its chunk); a held one stays', async () => {
    const cache = new ChunkCache({ dir, maxBytes: 1 << 30 });
    const oldKey = chunkKey({ voiceId: 'v', model: 'm', text: 'Left behind.', speed: 1, volume: 1, format: PCM_S16LE_24K_MONO });
    const heldKey = chunkKey({ voiceId: 'v', model: 'm', text: 'Being fetched.', speed: 1, volume: 1, format: PCM_S16LE_24K_MONO });
    const left = join(dir, oldKey.slice(0, 2), `${oldKey}.lock`);
    mkdirSync(join(dir, oldKey.slice(0, 2)), { recursive: true });
    writeFileSync(left, JSON.stringify({ pid: deadPid(), host: hostname(), token: 'gone' }));
    const past = new Date(Date.now() - 60 * 60_000);
    utimesSync(left, past, past);
    const claim = await cache.claim(heldKey);
    await cache.prune();
    assert.ok(!existsSync(left), 'the abandoned lock is gone');
    assert.ok(existsSync(join(dir, heldKey.slice(0, 2), `${heldKey}.lock`)), 'the held lock stays');
    assert.equal((await cache.stats()).entries, 0, 'lock files are no entries');
    await claim.lock!.release();
  });

  test('the cache’s claim: the second claimant of a chunk waits, then is served what the first put', async () => {
    const cache = new ChunkCache({ dir, maxBytes: 1 << 30, locks: { pollMs: 10 } });
    const key = chunkKey({ voiceId: 'v', model: 'm', text: 'Said once.', speed: 1, volume: 1, format: PCM_S16LE_24K_MONO });
    const first = await cache.claim(key);
    assert.ok(first.lock && !first.cached);
    const second = cache.claim(key);
    await sleep(50);
    const pcm = Buffer.alloc(480, 7);
    await cache.put(key, pcm, { textChars: 10 });
    await first.lock.release();
    const got = await second;
    assert.deepEqual(got.cached, pcm);
    // A holder that fails releases without putting: the waiter gets the lock and fetches itself.
    const other = chunkKey({ voiceId: 'v', model: 'm', text: 'Failed once.', speed: 1, volume: 1, format: PCM_S16LE_24K_MONO });
    const failing = await cache.claim(other);
    const next = cache.claim(other);
    await sleep(30);
    await failing.lock!.release();
    const taken = await next;
    assert.ok(taken.lock && !taken.cached);
    await taken.lock.release();
  });
});
