// Prints the fault matrix (fault × route → outcome) that the layers recorded in $GVC_MATRIX_FILE (one JSON line per
// case, see test/support/matrix.ts): one table per layer, then the sentences the user read in the editor.
import { existsSync, readFileSync } from 'node:fs';
import type { MatrixRow } from '../../test/support/matrix';

const ROUTES = ['clone', 'taskResult', 'tts', 'audio'] as const;
const LAYER_TITLES: Record<string, string> = {
  unit: 'client against the double (unit)',
  editor: 'the real commands in the extension host (editor)',
  e2e: 'the panel in the browser (e2e)',
};

export function readMatrix(file: string): MatrixRow[] {
  if (!existsSync(file)) return [];
  const rows: MatrixRow[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as MatrixRow);
    } catch {
      // a torn last line of an interrupted run
    }
  }
  return rows;
}

function cell(r: MatrixRow | undefined): string {
  if (!r) return '—';
  const retries = r.retries > 0 ? `, ${r.retries} retr${r.retries === 1 ? 'y' : 'ies'}` : '';
  const reqs = `${r.requests} req`;
  return r.outcome === 'ok' ? `ok (${reqs}${retries})` : `${r.outcome} (${reqs})`;
}

function grid(rows: MatrixRow[]): string {
  const faults = [...new Set(rows.map((r) => r.fault))];
  const table = [['fault', ...ROUTES]];
  for (const fault of faults) table.push([fault, ...ROUTES.map((route) => cell(rows.filter((r) => r.fault === fault && r.route === route).at(-1)))]);
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** The matrix as text, or '' when nothing was recorded. */
export function formatMatrix(rows: MatrixRow[]): string {
  if (!rows.length) return '';
  const out: string[] = [];
  const layers = ['unit', 'editor', 'e2e'].filter((l) => rows.some((r) => r.layer === l));
  for (const layer of layers) {
    const mine = rows.filter((r) => r.layer === layer);
    const cases = new Set(mine.map((r) => `${r.fault}\u0000${r.route}`)).size;
    out.push(`fault matrix: ${LAYER_TITLES[layer] ?? layer} — ${cases} cases, ${new Set(mine.map((r) => r.fault)).size} faults`);
    out.push(grid(mine), '');
  }
  const said = rows.filter((r) => r.layer === (layers.includes('editor') ? 'editor' : layers[0]) && r.message);
  if (said.length) {
    out.push(`what the user read (${said[0].layer}):`);
    for (const r of said) out.push(`  ${r.fault} × ${r.route}: ${r.message.length > 220 ? `${r.message.slice(0, 219)}…` : r.message}`);
  }
  return out.join('\n');
}

if (require.main === module) {
  const file = process.argv[2] ?? process.env.GVC_MATRIX_FILE;
  if (!file) {
    process.stderr.write('usage: tsx scripts/harness/matrix.ts <matrix.jsonl>\n');
    process.exit(2);
  }
  process.stdout.write(`${formatMatrix(readMatrix(file)) || 'no fault cases recorded'}\n`);
}
