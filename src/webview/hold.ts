// The panel's updates held back while a new preview loads: shared by the router (which holds them) and the player
// (which begins and releases the hold), so neither imports the other.

export interface Hold {
  /** Runs `work` now, or once the preview loading now has taken the player's place and what waited before it ran. */
  whenSettled(work: () => void): void;
  /** A preview starts loading: updates wait from now on. */
  begin(): void;
  /** It took the player's place: `first`, then what waited, run in a task of their own (the player is painted first). */
  release(...first: (() => void)[]): void;
}

/**
 * The panel's updates held back while a new preview loads (the page and the media pipeline share one thread here,
 * and every layout they cause delays the sound), released in order once it plays.
 */
export function createHold(): Hold {
  const held: (() => void)[] = [];
  let loading = false;
  return {
    whenSettled(work) {
      // held.length: a settled preview's own updates may still be on their way; nothing overtakes them
      if (loading || held.length) held.push(work);
      else work();
    },
    begin() {
      loading = true;
    },
    release(...first) {
      loading = false;
      held.unshift(...first);
      setTimeout(() => {
        while (held.length) held.shift()!();
      });
    },
  };
}
