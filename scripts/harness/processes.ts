// Everything the harness starts is registered here, so that a failing test, an exception or Ctrl+C still
// stops it: children run in their own process group and the whole group is killed.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

type Cleanup = () => void | Promise<void>;

const groups = new Set<number>();
const cleanups = new Set<Cleanup>();
let hooked = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the group, then SIGKILL whatever is still there after `graceMs`. */
export async function stopGroup(pid: number, graceMs = 3000): Promise<void> {
  killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
  groups.delete(pid);
}

/** Tracks a child started with `detached: true` (its pid is its process group id). */
export function trackGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  groups.add(child.pid);
  hookExit();
  child.once('exit', () => {
    // the leader is gone but its group may not be: keep the id until stopGroup ran
  });
}

export function untrackGroup(pid: number): void {
  groups.delete(pid);
}

/** Runs on normal exit too; async parts only get to run on signals and on runCleanups(). */
export function onCleanup(fn: Cleanup): () => void {
  cleanups.add(fn);
  hookExit();
  return () => cleanups.delete(fn);
}

export function removeOnCleanup(path: string): () => void {
  return onCleanup(() => rmSync(path, { recursive: true, force: true }));
}

export async function runCleanups(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      await fn();
    } catch {
      // keep going: the rest must still be stopped
    }
  }
  await Promise.all([...groups].map((pid) => stopGroup(pid, 1500)));
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // Last resort, synchronous: no group outlives this process.
  process.on('exit', () => {
    for (const pid of groups) killGroup(pid, 'SIGKILL');
  });
  // Scripts run as `node --import tsx`, not through the tsx CLI: its parent process SIGKILLs a child whose
  // event loop does not acknowledge a relayed signal within 30 ms, which would cut the cleanup short.
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      signals++;
      if (signals === 1) {
        process.stderr.write(`\n${signal}: stopping everything the harness started…\n`);
        void runCleanups().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      } else if (signals >= 3) {
        process.exit(130); // the 'exit' hook still SIGKILLs every group
      }
    });
  }
}
