// One bounded pool of requests shared by every file of a batch: each file's narration asks for its chunks through the
// same Synthesizer, whose requests (never its cache reads and writes) run in this pool, so the pool, not the file,
// decides how many are in flight, and it stays full across file boundaries (a file that is finishing, encoding or just
// starting never leaves a slot idle while others wait).
import { CoreError } from '../core/errors';

/** A first-come first-served counting semaphore; a waiter whose signal aborts leaves the queue. */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer (got ${size})`);
    this.free = size;
  }

  /** Slots taken right now. */
  get busy(): number {
    return this.size - this.free;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(grant);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new CoreError({ kind: 'cancelled' }));
      };
      this.waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.releaser();
  }

  /** Runs `fn` in a slot (waiting for one first); the slot is freed when it settles. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter: `free` never shows a slot someone is already owed.
      if (next) next();
      else this.free++;
    };
  }
}
