// Medians, the printed table and its rows: every figure with its value, its target and whether it meets it.

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(values: number[]): Summary {
  if (!values.length) throw new Error('no samples');
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, median: quantile(sorted, 0.5), min: sorted[0], max: sorted[sorted.length - 1], q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75) };
}

export interface Row {
  figure: string;
  value: string;
  target: string;
  /** undefined: reported only, no target. */
  meets?: boolean;
  how: string;
}

export const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
export const ms = (v: number, digits = 0) => `${v.toFixed(digits)} ms`;

export function table(rows: Row[]): string {
  const cells = [['figure', 'value', 'target', 'ok'], ...rows.map((r) => [r.figure, r.value, r.target, r.meets === undefined ? '–' : r.meets ? '✓' : '✗'])];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => [...c[i]].length)));
  const line = (c: string[]) => `| ${c.map((cell, i) => cell + ' '.repeat(widths[i] - [...cell].length)).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}
