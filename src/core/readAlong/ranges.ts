// Where each sentence being read stands in a document that may be edited while it is read: an edit before a
// sentence moves it, an edit touching it makes it stale (never highlighted again). No vscode: Node-tested.

export interface SourceRange {
  start: number;
  end: number;
}

/** One document change in offsets before the change: [start, end) replaced by `newLength` characters. */
export interface SourceChange {
  start: number;
  end: number;
  newLength: number;
}

/**
 * The ranges after `changes` (VS Code's order: each in offsets of the document before that event, none
 * overlapping). A range an edit touches (overlaps, or inserts strictly inside) becomes undefined and stays so.
 */
export function shiftRanges(ranges: ReadonlyArray<SourceRange | undefined>, changes: readonly SourceChange[]): Array<SourceRange | undefined> {
  // Applied from the last change to the first, so each change's offsets are still those of the text it saw.
  const sorted = [...changes].sort((a, b) => b.start - a.start);
  return ranges.map((r) => {
    if (!r) return undefined;
    let { start, end } = r;
    for (const c of sorted) {
      const delta = c.newLength - (c.end - c.start);
      if (c.start >= end) continue; // after the range (an insertion right at its end leaves it whole)
      if (c.end <= start) {
        // wholly before it (an insertion right at its start moves it)
        start += delta;
        end += delta;
        continue;
      }
      return undefined;
    }
    return { start, end };
  });
}
