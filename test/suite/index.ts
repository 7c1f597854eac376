// The in-editor suite's entry (extensionTestsPath): mocha inside the real extension host. Every *.test.js
// beside this file runs. The extension host's console only reaches the browser, so the reporter is teed to
// $GVC_TEST_LOG and the machine-readable outcome is written to $GVC_TEST_RESULT.
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

interface TestOutcome {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  error?: string;
}

interface SuiteResult {
  passes: number;
  failures: number;
  pending: number;
  tests: TestOutcome[];
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.message}\n${err.stack ?? ''}`.slice(0, 4000);
  return String(err);
}

function writeResult(result: SuiteResult): void {
  const file = process.env.GVC_TEST_RESULT;
  if (file) writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

export function run(): Promise<void> {
  const logFile = process.env.GVC_TEST_LOG;
  const say = (line: string) => {
    console.log(line);
    if (logFile) appendFileSync(logFile, `${line}\n`);
  };
  if (logFile) {
    writeFileSync(logFile, '');
    const original = Mocha.reporters.Base.consoleLog;
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
      appendFileSync(logFile, `${format(...args)}\n`);
      original(...args);
    };
  }

  // GVC_GREP (passed through by scripts/test.ts): only the tests whose full title matches, while working on one part.
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30_000, reporter: 'spec', ...(process.env.GVC_GREP ? { grep: process.env.GVC_GREP } : {}) });
  for (const file of readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(join(__dirname, file));
  }

  const result: SuiteResult = { passes: 0, failures: 0, pending: 0, tests: [] };
  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      writeResult(result);
      say(`${result.passes} passed, ${result.failures} failed`);
      if (result.failures > 0) reject(new Error(`${result.failures} tests failed.`));
      else if (result.passes === 0) reject(new Error('no test ran'));
      else resolve();
    };
    try {
      const runner = mocha.run(() => finish());
      runner.on('pass', (test) => {
        result.passes++;
        result.tests.push({ title: test.fullTitle(), state: 'passed' });
      });
      // Also fires for failing hooks: they count as failures.
      runner.on('fail', (test, err) => {
        result.failures++;
        result.tests.push({ title: test.fullTitle(), state: 'failed', error: describeError(err) });
      });
      runner.on('pending', (test) => {
        result.pending++;
        result.tests.push({ title: test.fullTitle(), state: 'pending' });
      });
    } catch (err) {
      // A test file that throws while loading.
      result.failures++;
      result.tests.push({ title: 'loading the in-editor suite', state: 'failed', error: describeError(err) });
      say(describeError(err));
      finish();
    }
  });
}
