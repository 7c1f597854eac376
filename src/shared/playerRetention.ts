// What the read-along player lets go of: a 50 000-character file is about 55 minutes of speech, some 300 MB as Web
// Audio buffers; kept whole, a long reading would grow the webview by that much as it plays. The player keeps up to
// HOLD_SEC of audio; past that, it lets go of what lies furthest behind the sentence it plays (never the last
// RELEASE_BEHIND_SEC). A shorter reading keeps all of it, so going back and playing it again costs nothing. Pure (no
// DOM), so it is tested in Node.

export interface HeldChunk {
  startSec: number;
  endSec: number;
  /** The sentences (indices in the session) this chunk holds. */
  sentences: readonly number[];
}

/** Audio the player holds at most (about 58 MB as 32-bit samples at 24 kHz), when there is more behind it to let go. */
export const HOLD_SEC = 600;
/** Audio always kept behind what plays: Previous, a click on a recent sentence, play at once. */
export const RELEASE_BEHIND_SEC = 120;

/**
 * Which chunks to let go of, furthest behind `positionSec` first, to hold no more than `holdSec` of audio; only those
 * ending more than `keepSec` before it, never the last one held. `before`: the first sentence still held once they
 * are gone (every sentence before it must be rendered again to be heard). `undefined` when nothing is to go.
 */
export function releasable<T extends HeldChunk>(
  chunks: readonly T[],
  positionSec: number,
  keepSec = RELEASE_BEHIND_SEC,
  holdSec = HOLD_SEC,
): { release: T[]; keep: T[]; before: number } | undefined {
  let held = 0;
  for (const c of chunks) held += c.endSec - c.startSec;
  if (held <= holdSec) return undefined;
  const last = chunks.reduce<T | undefined>((a, c) => (a === undefined || c.endSec > a.endSec ? c : a), undefined);
  const behind = chunks.filter((c) => c !== last && c.endSec < positionSec - keepSec).sort((a, b) => a.startSec - b.startSec);
  const release = new Set<T>();
  for (const c of behind) {
    if (held <= holdSec) break;
    release.add(c);
    held -= c.endSec - c.startSec;
  }
  if (!release.size) return undefined;
  const keep = chunks.filter((c) => !release.has(c));
  const kept = keep.flatMap((c) => c.sentences);
  const gone = [...release].flatMap((c) => c.sentences);
  // Kept chunks without sentences (never the case for rendered speech): the bound is past the last one let go.
  const before = kept.length ? Math.min(...kept) : gone.length ? Math.max(...gone) + 1 : undefined;
  return before === undefined ? undefined : { release: [...release], keep, before };
}
