// The build steps the harness runs before a real editor loads the extension: bundles, the in-editor suite's
// bundle, and the .vsix that gets installed (so the shipped package is what is tested).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, VSIX } from './paths';

/** Runs one step with its output appended to `logFile`; throws with the log's tail on failure. */
export function runStep(label: string, cmd: string, args: string[], logFile: string): void {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (r.status !== 0) {
    const tail = readFileSync(logFile, 'utf8').split('\n').filter((l) => !/Unknown (user|env) config "nodedir"/.test(l)).slice(-40).join('\n');
    throw new Error(`${label} failed (exit ${r.status ?? r.signal}); log: ${logFile}\n${tail}`);
  }
  process.stdout.write(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** `npm run build -- --tests` (with `tests`), then `npm run package` into dist-vsix/. */
export function buildAndPackage(logFile: string, opts: { tests: boolean }): void {
  rmSync(logFile, { force: true });
  if (opts.tests) runStep('build (with the in-editor suite)', 'npm', ['run', 'build', '--', '--tests'], logFile);
  mkdirSync(join(REPO_ROOT, 'dist-vsix'), { recursive: true }); // vsce does not create it
  rmSync(VSIX, { force: true });
  runStep('package (vsix)', 'npm', ['run', 'package'], logFile);
  if (!existsSync(VSIX)) throw new Error(`npm run package did not produce ${VSIX}`);
}
