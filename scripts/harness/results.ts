// The machine-readable outcome every layer reports (the in-editor suite writes the same shape).
import { existsSync, readFileSync } from 'node:fs';

export interface TestOutcome {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  error?: string;
}

export interface LayerResult {
  passes: number;
  failures: number;
  pending: number;
  tests: TestOutcome[];
}

export function readResult(file: string): LayerResult | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as LayerResult;
    if (typeof r.passes !== 'number' || typeof r.failures !== 'number' || !Array.isArray(r.tests)) return undefined;
    return r;
  } catch {
    return undefined;
  }
}
