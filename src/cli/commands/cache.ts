// `glm-voice-clone cache stats|prune`: the chunk cache's size, or shrinking it (--all empties it). No key needed.
import { ChunkCache } from '../../core/cache/chunkCache';
import { cachePrunedText, cacheStatsText, commandSummary } from '../messages';
import { CACHE, COMMON, DEFAULT_CACHE_MB, flag, localOptions, number, string } from '../options';
import { UsageError } from '../problems';
import { defaultCacheDir } from '../runtime';
import type { CliCommand } from './command';

export const cache: CliCommand = {
  usage: 'glm-voice-clone cache stats|prune [options]',
  summary: commandSummary.cache,
  options: { 'cache-dir': CACHE['cache-dir'], 'max-mb': { type: 'string', value: 'MB' }, all: { type: 'boolean' }, json: COMMON.json, help: COMMON.help },
  positionals: true,
  common: localOptions,
  async run({ runtime, parsed: p, l10n }) {
    const action = p.positionals[0];
    if ((action !== 'stats' && action !== 'prune') || p.positionals.length > 1) {
      throw new UsageError({ kind: 'badValue', command: 'cache', option: 'action', value: p.positionals.join(' '), expected: 'stats|prune' });
    }
    const maxMb = number('cache', p, 'max-mb', { min: 0, max: 10_000_000 }, DEFAULT_CACHE_MB);
    const dir = string(p, 'cache-dir') ?? defaultCacheDir();
    const chunks = new ChunkCache({ dir, maxBytes: maxMb * 1024 * 1024 });
    if (action === 'stats') {
      const s = await chunks.stats();
      if (runtime.options.json) runtime.json({ event: 'stats', dir, entries: s.entries, bytes: s.bytes });
      else runtime.out(cacheStatsText({ dir, entries: s.entries, bytes: s.bytes }, l10n));
      return 0;
    }
    const before = await chunks.stats();
    let removed: { removed: number; freedBytes: number };
    if (flag(p, 'all')) {
      await chunks.clear();
      removed = { removed: before.entries, freedBytes: before.bytes };
    } else removed = await chunks.prune(maxMb * 1024 * 1024);
    const after = await chunks.stats();
    if (runtime.options.json) runtime.json({ event: 'pruned', dir, ...removed, entries: after.entries, bytes: after.bytes });
    else runtime.out(cachePrunedText({ ...removed, entries: after.entries, bytes: after.bytes }, l10n));
    return 0;
  },
};
