import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkCache, chunkKey, isChunkKey, PCM_S16LE_24K_MONO, type ChunkKeyInput } from '../../../../src/core/cache/chunkCache';
import { CoreError } from '../../../../src/core/errors';
import { describeProblem, english } from '../../../../src/messages/index';

const WRITER = join(__dirname, '..', '..', '..', 'support', 'chunkCacheWriter.ts');

const BASE: ChunkKeyInput = { voiceId: 'voice_1', model: 'glm-tts', text: 'Hello there.', speed: 1, volume: 1, format: PCM_S16LE_24K_MONO };

/** `samples` 16-bit samples that differ per `seed`, so a mixed-up payload shows. */
function pcm(seed: number, samples = 1000): Buffer {
  const b = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) b.writeInt16LE(((seed * 7919 + i * 31) % 65536) - 32768, i * 2);
  return b;
}

function keyFor(n: number): string {
  return chunkKey({ ...BASE, text: `chunk ${n}` });
}

/** The one file an entry lives in. */
async function entryPath(dir: string, key: string): Promise<string> {
  const path = join(dir, key.slice(0, 2), `${key}.chunk`);
  await stat(path);
  return path;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const shard of await readdir(dir)) for (const name of await readdir(join(dir, shard))) out.push(name);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

suite('chunk cache: keys', () => {
  test('a key is 64 hex characters and stable across calls and field order', () => {
    const key = chunkKey(BASE);
    assert.ok(isChunkKey(key));
    assert.equal(chunkKey({ ...BASE }), key);
    const reordered: ChunkKeyInput = { format: BASE.format, volume: 1.0, speed: 1.0, text: BASE.text, model: BASE.model, voiceId: BASE.voiceId };
    assert.equal(chunkKey(reordered), key);
  });

  test('each field changes the key', () => {
    const variants: Partial<ChunkKeyInput>[] = [
      { voiceId: 'voice_2' },
      { model: '/v3/glm-tts' },
      { text: 'Hello there' },
      { text: 'Hello there. ' },
      { text: 'hello there.' },
      { speed: 1.05 },
      { volume: 2 },
      { format: 'wav' },
    ];
    const keys = new Set([chunkKey(BASE), ...variants.map((v) => chunkKey({ ...BASE, ...v }))]);
    assert.equal(keys.size, variants.length + 1);
  });

  test('fields cannot bleed into each other', () => {
    assert.notEqual(chunkKey({ ...BASE, voiceId: 'a', model: 'bc' }), chunkKey({ ...BASE, voiceId: 'ab', model: 'c' }));
    assert.notEqual(chunkKey({ ...BASE, voiceId: 'a"', model: 'b' }), chunkKey({ ...BASE, voiceId: 'a', model: '"b' }));
  });
});

suite('chunk cache: entries', () => {
  let dir: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'gvc-cache-'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  test('put then get returns the same bytes and counts a hit with its characters', async () => {
    const cache = new ChunkCache({ dir, maxBytes: 10_000_000 });
    const key = keyFor(1);
    assert.equal(await cache.get(key), undefined);
    assert.equal(await cache.has(key), false);
    await cache.put(key, pcm(1), { format: PCM_S16LE_24K_MONO, textChars: 12 });
    assert.equal(await cache.has(key), true);
    const got = await cache.get(key);
    assert.ok(got?.equals(pcm(1)));
    await cache.get(key);
    assert.deepEqual({ hits: cache.hits, misses: cache.misses, charsServed: cache.charsServed }, { hits: 2, misses: 1, charsServed: 24 });
    // Another instance (another window) finds it too, with its own counters.
    const other = new ChunkCache({ dir, maxBytes: 10_000_000 });
    assert.ok((await other.get(key))?.equals(pcm(1)));
    assert.equal(other.hits, 1);
  });

  test('put replaces an entry; an empty payload round-trips', async () => {
    const cache = new ChunkCache({ dir, maxBytes: 10_000_000 });
    await cache.put(keyFor(1), pcm(1), { textChars: 5 });
    await cache.put(keyFor(1), pcm(2), { textChars: 5 });
    assert.ok((await cache.get(keyFor(1)))?.equals(pcm(2)));
    await cache.put(keyFor(2), Buffer.alloc(0), { textChars: 0 });
    assert.equal((await cache.get(keyFor(2)))?.length, 0);
    assert.deepEqual(await filesUnder(dir).then((f) => f.filter((n) => n.endsWith('.tmp'))), [], 'no temp file left behind');
  });

  test('PCM that is not whole 16-bit samples is not stored', async () => {
    const cache = new ChunkCache({ dir, maxBytes: 10_000_000 });
    await cache.put(keyFor(1), Buffer.alloc(1001), { textChars: 5 });
    assert.equal(await cache.has(keyFor(1)), false);
  });

  test('a key that is not a chunk key is a miss on get and an error on put (no path outside the folder)', async () => {
    const cache = new ChunkCache({ dir, maxBytes: 10_000_000 });
    assert.equal(await cache.get('../../etc/passwd'), undefined);
    assert.equal(await cache.has('../x'), false);
    await assert.rejects(cache.put('../x', pcm(1), { textChars: 1 }), /Not a chunk cache key/);
  });

  test('an entry that cannot be written is a CoreError cacheWrite naming the folder, worded in src/messages', async () => {
    const notAFolder = join(dir, 'file');
    await writeFile(notAFolder, 'a file where the cache folder should be');
    const cache = new ChunkCache({ dir: notAFolder, maxBytes: 10_000_000 });
    await assert.rejects(cache.put(keyFor(1), pcm(1), { textChars: 1 }), (e: unknown) => {
      assert.ok(e instanceof CoreError, String(e));
      assert.deepEqual(e.problem, { kind: 'cacheWrite', dir: notAFolder, code: 'ENOTDIR' });
      assert.match(describeProblem(e.problem, english).message, /^Could not write to the narration cache in .*file \(ENOTDIR\)\. The audio itself is not lost/);
      return true;
    });
  });

  const damages: [string, (path: string, bytes: Buffer) => Promise<void>][] = [
    ['truncated payload', (path, bytes) => truncate(path, bytes.length - 1)],
    ['truncated header', (path) => truncate(path, 30)],
    ['empty file', (path) => truncate(path, 0)],
    ['a flipped payload byte', async (path, bytes) => {
      bytes[bytes.length - 100] ^= 0x01;
      await writeFile(path, bytes);
    }],
    ['a flipped textChars byte', async (path, bytes) => {
      bytes[12] ^= 0x40;
      await writeFile(path, bytes);
    }],
    ['bytes appended', (path, bytes) => writeFile(path, Buffer.concat([bytes, Buffer.alloc(2)]))],
    ['a wrong-format header', async (path, bytes) => {
      // Same length, another format name, digest recomputed: only the format check can catch it.
      const fmtLen = bytes.readUInt16LE(6);
      const wrong = 'pcm_s16le_48000_mono';
      assert.equal(wrong.length, fmtLen);
      bytes.write(wrong, 80, 'ascii');
      const { createHash } = await import('node:crypto');
      const h = createHash('sha256');
      h.update(bytes.subarray(0, 48)).update(Buffer.alloc(32)).update(bytes.subarray(80));
      h.digest().copy(bytes, 48);
      await writeFile(path, bytes);
    }],
    ['another key’s entry under this name', async (path) => {
      const donor = join(dir, 'donor');
      const other = new ChunkCache({ dir: donor, maxBytes: 10_000_000 });
      await other.put(keyFor(9), pcm(9), { textChars: 1 });
      await writeFile(path, await readFile(await entryPath(donor, keyFor(9))));
    }],
    ['a wrong magic', async (path, bytes) => {
      bytes.write('RIFF', 0, 'ascii');
      await writeFile(path, bytes);
    }],
  ];
  for (const [name, damage] of damages) {
    test(`${name}: get returns undefined and deletes it; a later put repairs it`, async () => {
      const cache = new ChunkCache({ dir, maxBytes: 10_000_000 });
      const key = keyFor(1);
      await cache.put(key, pcm(1), { textChars: 7 });
      const path = await entryPath(dir, key);
      await damage(path, await readFile(path));
      assert.equal(await cache.get(key), undefined);
      assert.equal(await cache.has(key), false, 'the bad entry is deleted');
      assert.deepEqual({ hits: cache.hits, misses: cache.misses, charsServed: cache.charsServed }, { hits: 0, misses: 1, charsServed: 0 });
      await cache.put(key, pcm(1), { textChars: 7 });
      assert.ok((await cache.get(key))?.equals(pcm(1)));
    });
  }

  test('an entry of another format than the cache’s is not returned', async () => {
    const writer = new ChunkCache({ dir, maxBytes: 10_000_000, format: 'pcm_s16le_48000_mono' });
    await writer.put(keyFor(1), pcm(1), { textChars: 1 });
    const reader = new ChunkCache({ dir, maxBytes: 10_000_000 });
    assert.equal(await reader.get(keyFor(1)), undefined);
  });

  test('two processes putting and reading the same key at once leave a whole entry, and never read a mix', async function () {
    this.timeout(60_000);
    const key = keyFor(42);
    const run = (fill: number) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, key, String(fill), '40'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`writer ${fill} exited ${code}: ${out}`))));
      });
    const [a, b] = await Promise.all([run(0x11), run(0x22)]);
    assert.match(a, /^ok \d+$/);
    assert.match(b, /^ok \d+$/);
    const got = await new ChunkCache({ dir, maxBytes: 1 << 30 }).get(key);
    assert.ok(got, 'an entry is there');
    assert.equal(got.length, 200_000);
    assert.ok(got[0] === 0x11 || got[0] === 0x22);
    assert.ok(got.every((x) => x === got[0]));
    assert.deepEqual((await filesUnder(dir)).filter((n) => n.endsWith('.tmp')), [], 'no temp file left behind');
  });
});

suite('chunk cache: size and eviction', () => {
  let dir: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'gvc-cache-'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  test('stats counts entries and their bytes on disk', async () => {
    const cache = new ChunkCache({ dir, maxBytes: 10_000_000 });
    assert.deepEqual(await cache.stats(), { entries: 0, bytes: 0 });
    await cache.put(keyFor(1), pcm(1, 1000), { textChars: 1 });
    await cache.put(keyFor(2), pcm(2, 500), { textChars: 1 });
    const stats = await cache.stats();
    assert.equal(stats.entries, 2);
    // payload + a small header each
    assert.ok(stats.bytes > 3000 && stats.bytes < 3000 + 2 * 200, `${stats.bytes} bytes`);
  });

  test('over maxBytes, put evicts the least recently used entries first and stays within the limit', async () => {
    // Each entry is 2000 bytes of samples plus a ~100-byte header: three fit in 7000, four do not.
    const cache = new ChunkCache({ dir, maxBytes: 7000 });
    for (const n of [1, 2, 3]) {
      await cache.put(keyFor(n), pcm(n), { textChars: 1 });
      await sleep(15);
    }
    assert.ok(await cache.get(keyFor(1)), 'entry 1 is now the most recently used');
    await sleep(15);
    await cache.put(keyFor(4), pcm(4), { textChars: 1 });
    assert.equal(await cache.has(keyFor(2)), false, 'entry 2, least recently used, is gone');
    for (const n of [1, 3, 4]) assert.equal(await cache.has(keyFor(n)), true, `entry ${n} stays`);
    assert.ok((await cache.stats()).bytes <= 7000);
  });

  test('eviction goes by last use even when another process wrote the entries', async () => {
    const writer = new ChunkCache({ dir, maxBytes: 1 << 30 });
    for (const n of [1, 2, 3, 4, 5]) await writer.put(keyFor(n), pcm(n), { textChars: 1 });
    // Last used: 3 long ago, then 5, 1, 4, 2.
    const base = Date.now() / 1000 - 1000;
    const order = [3, 5, 1, 4, 2];
    for (const [i, n] of order.entries()) await utimes(await entryPath(dir, keyFor(n)), base + i * 10, base + i * 10);
    const cache = new ChunkCache({ dir, maxBytes: 1 << 30 });
    const entryBytes = (await cache.stats()).bytes / 5;
    const result = await cache.prune(Math.floor(entryBytes * 2.5));
    assert.deepEqual(result, { removed: 3, freedBytes: entryBytes * 3 });
    assert.deepEqual(await Promise.all(order.map((n) => cache.has(keyFor(n)))), [false, false, false, true, true]);
  });

  test('prune without a limit uses maxBytes; within it, nothing is removed', async () => {
    const writer = new ChunkCache({ dir, maxBytes: 1 << 30 });
    for (const n of [1, 2, 3]) await writer.put(keyFor(n), pcm(n), { textChars: 1 });
    const roomy = new ChunkCache({ dir, maxBytes: 1 << 30 });
    assert.deepEqual(await roomy.prune(), { removed: 0, freedBytes: 0 });
    const tight = new ChunkCache({ dir, maxBytes: 2500 });
    // 2000 bytes of samples + an 80-byte header + the 20-character format name per entry
    assert.deepEqual(await tight.prune(), { removed: 2, freedBytes: 2 * 2100 });
    assert.deepEqual(await tight.stats(), { entries: 1, bytes: 2100 });
  });

  test('prune removes temp files a crashed writer left long ago, not fresh ones', async () => {
    const cache = new ChunkCache({ dir, maxBytes: 1 << 30 });
    await cache.put(keyFor(1), pcm(1), { textChars: 1 });
    const shard = join(dir, keyFor(1).slice(0, 2));
    const stale = join(shard, `${keyFor(1)}.chunk.1234.aaaa.tmp`);
    const fresh = join(shard, `${keyFor(1)}.chunk.1234.bbbb.tmp`);
    await writeFile(stale, Buffer.alloc(100));
    await writeFile(fresh, Buffer.alloc(100));
    const hourAgo = Date.now() / 1000 - 3600;
    await utimes(stale, hourAgo, hourAgo);
    assert.deepEqual(await cache.prune(), { removed: 0, freedBytes: 100 });
    const names = await filesUnder(dir);
    assert.ok(!names.includes(`${keyFor(1)}.chunk.1234.aaaa.tmp`));
    assert.ok(names.includes(`${keyFor(1)}.chunk.1234.bbbb.tmp`));
  });

  test('clear deletes every entry', async () => {
    const cache = new ChunkCache({ dir, maxBytes: 1 << 30 });
    for (const n of [1, 2, 3]) await cache.put(keyFor(n), pcm(n), { textChars: 1 });
    await cache.clear();
    assert.deepEqual(await cache.stats(), { entries: 0, bytes: 0 });
    assert.equal(await cache.get(keyFor(1)), undefined);
  });

  test('a cache folder that does not exist yet is empty, and put creates it', async () => {
    const cache = new ChunkCache({ dir: join(dir, 'not', 'yet'), maxBytes: 1 << 30 });
    assert.deepEqual(await cache.stats(), { entries: 0, bytes: 0 });
    assert.deepEqual(await cache.prune(), { removed: 0, freedBytes: 0 });
    await cache.put(keyFor(1), pcm(1), { textChars: 1 });
    assert.ok(await cache.get(keyFor(1)));
  });
});
