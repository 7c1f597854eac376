// What the read-along player lets go of: the audio well behind the sentence it plays. A 50 000-character file is
// about 55 minutes of speech, some 300 MB as Web Audio buffers; kept whole, a long reading would grow the webview
// by that much as it plays. Pure (no DOM), so it is tested in Node.

export interface HeldChunk {
  startSec: number;
  endSec: number;
  /** The sentences (indices in the session) this chunk holds. */
  sentences: readonly number[];
}

/**
 * The chunks ending more than `keepSec` before `positionSec` (never the last one held), and the first sentence the
 * player still holds audio for once they are gone: every sentence before it must be rendered again to be heard.
 * `undefined` when there is nothing to let go of.
 */
export function releasable<T extends HeldChunk>(chunks: readonly T[], positionSec: number, keepSec: number): { release: T[]; keep: T[]; before: number } | undefined {
  const release: T[] = [];
  const keep: T[] = [];
  const last = chunks.reduce<T | undefined>((a, c) => (a === undefined || c.endSec > a.endSec ? c : a), undefined);
  for (const c of chunks) (c !== last && c.endSec < positionSec - keepSec ? release : keep).push(c);
  if (!release.length) return undefined;
  const kept = keep.flatMap((c) => c.sentences);
  const gone = release.flatMap((c) => c.sentences);
  // Kept chunks without sentences (never the case for rendered speech): the bound is past the last one let go.
  const before = kept.length ? Math.min(...kept) : gone.length ? Math.max(...gone) + 1 : undefined;
  return before === undefined ? undefined : { release, keep, before };
}
