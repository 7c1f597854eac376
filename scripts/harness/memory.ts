// Samples the summed RSS of this process and all its descendants (Linux /proc), to report the peak.
import { readdirSync, readFileSync } from 'node:fs';

function snapshot(root: number): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // fields after the parenthesised command name: state ppid … ; rss is field 24 (pages)
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(rest[1]));
      rss.set(Number(name), Number(rest[21]) * 4096);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) {
      if (p === root) {
        total += bytes;
        break;
      }
    }
  }
  return total;
}

export interface MemorySampler {
  peakBytes(): number;
  stop(): void;
}

export function sampleMemory(intervalMs = 1000): MemorySampler {
  let peak = 0;
  const tick = () => {
    peak = Math.max(peak, snapshot(process.pid));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    peakBytes: () => peak,
    stop: () => clearInterval(timer),
  };
}
