// Mocha reporter for the layers that run in plain Node (unit, e2e): the spec reporter on stdout, plus the
// machine-readable outcome (see results.ts) written to $GVC_TEST_RESULT when the run ends.
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';
import type { LayerResult } from './results';

const { Spec } = Mocha.reporters;
const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = Mocha.Runner.constants;

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.message}\n${err.stack ?? ''}`.slice(0, 4000);
  return String(err);
}

class ResultFileReporter extends Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const result: LayerResult = { passes: 0, failures: 0, pending: 0, tests: [] };
    runner.on(EVENT_TEST_PASS, (test) => {
      result.passes++;
      result.tests.push({ title: test.fullTitle(), state: 'passed' });
    });
    // Also fires for failing hooks, which count as failures.
    runner.on(EVENT_TEST_FAIL, (test, err) => {
      result.failures++;
      result.tests.push({ title: test.fullTitle(), state: 'failed', error: describeError(err) });
    });
    runner.on(EVENT_TEST_PENDING, (test) => {
      result.pending++;
      result.tests.push({ title: test.fullTitle(), state: 'pending' });
    });
    runner.once(EVENT_RUN_END, () => {
      const file = process.env.GVC_TEST_RESULT;
      if (file) writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    });
  }
}

export = ResultFileReporter;
