// `npm run test:electron`: the same in-editor suite (out/test/suite/index.js) on desktop VS Code through
// @vscode/test-electron, the product installed from its .vsix first. VS Code comes from
// VSCODE_EXECUTABLE_PATH, or is downloaded, which fails fast where Microsoft's servers cannot be reached.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, resolveCliArgsFromVSCodeExecutablePath, runTests } from '@vscode/test-electron';
import { buildAndPackage } from './harness/build';
import { makeScratch } from './harness/codeServer';
import { RESULTS_DIR, SUITE_ENTRY, TEST_HOST_FIXTURE, VSIX } from './harness/paths';
import { readResult } from './harness/results';

const DOWNLOAD_DEADLINE_MS = 60_000;

function fail(message: string): never {
  process.stderr.write(`\n[test:electron] ${message}\n`);
  process.exit(1);
}

async function vscodeExecutable(): Promise<string> {
  const given = process.env.VSCODE_EXECUTABLE_PATH;
  if (given) {
    if (!existsSync(given)) fail(`VSCODE_EXECUTABLE_PATH=${given} does not exist.`);
    return given;
  }
  process.stdout.write('[test:electron] VSCODE_EXECUTABLE_PATH is not set: downloading VS Code (stable)…\n');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${DOWNLOAD_DEADLINE_MS / 1000} s`)), DOWNLOAD_DEADLINE_MS);
  });
  try {
    return await Promise.race([downloadAndUnzipVSCode({ version: 'stable', timeout: 15_000 }), deadline]);
  } catch (err) {
    fail([
      `Cannot get desktop VS Code: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}.`,
      'This machine cannot reach Microsoft\'s download servers (only the npm registry and Debian packages are reachable).',
      'Set VSCODE_EXECUTABLE_PATH to an installed VS Code (e.g. /usr/share/code/code) to run the suite on desktop VS Code;',
      '`npm test` runs the same in-editor suite in code-server\'s real extension host instead.',
    ].join('\n'));
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<number> {
  // the download (or the given path) first: nothing to build if there is no VS Code to run
  const exe = await vscodeExecutable();
  buildAndPackage(join(RESULTS_DIR, 'build-electron.log'), { tests: true });

  const scratch = makeScratch('gvc-el-');
  try {
    const profile = [`--extensions-dir=${join(scratch, 'ext')}`, `--user-data-dir=${join(scratch, 'ud')}`];
    const [cli, ...cliArgs] = resolveCliArgsFromVSCodeExecutablePath(exe, { reuseMachineInstall: true });
    const install = spawnSync(cli, [...cliArgs, ...profile, '--install-extension', VSIX, '--force'], {
      encoding: 'utf8', shell: process.platform === 'win32', timeout: 120_000,
    });
    if (install.status !== 0) fail(`installing ${VSIX} failed:\n${install.stdout}\n${install.stderr}`);

    const workspace = join(scratch, 'workspace');
    mkdirSync(workspace, { recursive: true });
    mkdirSync(RESULTS_DIR, { recursive: true });
    const resultFile = join(RESULTS_DIR, 'electron.json');
    rmSync(resultFile, { force: true });
    const code = await runTests({
      vscodeExecutablePath: exe,
      extensionDevelopmentPath: TEST_HOST_FIXTURE,
      extensionTestsPath: SUITE_ENTRY,
      launchArgs: [workspace, ...profile, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { GVC_TEST_LOG: join(RESULTS_DIR, 'electron.log'), GVC_TEST_RESULT: resultFile },
    }).catch(() => 1);
    const result = readResult(resultFile);
    const passes = result?.passes ?? 0;
    const failures = result ? result.failures + (passes + result.failures === 0 ? 1 : 0) : 1;
    process.stdout.write(`${passes} passed, ${failures} failed\n`);
    return code === 0 && failures === 0 ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => fail(err instanceof Error ? err.message : String(err)),
);
