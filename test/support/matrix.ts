// The fault matrix's rows: every layer that runs fault cases appends one JSON line per (fault, route) to the file
// named by GVC_MATRIX_FILE; scripts/harness/matrix.ts prints them as a table at the end of `npm test`.
import { appendFileSync } from 'node:fs';

export type MatrixRoute = 'clone' | 'taskResult' | 'tts' | 'audio';
export const MATRIX_ROUTES: readonly MatrixRoute[] = ['clone', 'taskResult', 'tts', 'audio'];

export interface MatrixRow {
  layer: 'unit' | 'editor' | 'e2e';
  fault: string;
  route: MatrixRoute;
  /** The call ended well (a fault that was retried away), or how it failed: the error's kind. */
  outcome: string;
  /** What the user reads (empty when it succeeded). */
  message: string;
  /** Requests the double received on the faulted route (0 when nothing got through). */
  requests: number;
  /** Repeats of the same request the client made (requests beyond the first), where it is known. */
  retries: number;
  ms: number;
  /** Checks that held besides the message (e.g. "no unhandled rejection", "registry kept"). */
  checks?: string[];
}

export function recordMatrixRow(row: MatrixRow): void {
  const file = process.env.GVC_MATRIX_FILE;
  if (!file) return;
  try {
    appendFileSync(file, `${JSON.stringify(row)}\n`);
  } catch {
    // the matrix is a report; a test must not fail for want of it
  }
}
