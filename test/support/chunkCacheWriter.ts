// Child process of the concurrent-put test: puts its own payload under one shared key, again and again, and reads the
// key back between puts. Every read must be a whole payload (its own or the other writer's); prints "ok N" or "bad …".
import { ChunkCache } from '../../src/core/cache/chunkCache';

async function main(): Promise<void> {
  const [dir, key, fill, rounds] = process.argv.slice(2);
  const cache = new ChunkCache({ dir, maxBytes: 1 << 30 });
  const size = 200_000;
  const own = Buffer.alloc(size, Number(fill));
  let reads = 0;
  for (let i = 0; i < Number(rounds); i++) {
    await cache.put(key, own, { textChars: 100 });
    const got = await cache.get(key);
    if (got) {
      reads++;
      // A payload is one fill value throughout: anything else is a mix of two writes.
      if (got.length !== size || got.some((b) => b !== got[0])) {
        process.stdout.write(`bad read at round ${i}: ${got.length} bytes\n`);
        process.exit(1);
      }
    }
  }
  process.stdout.write(`ok ${reads}\n`);
}

void main();
