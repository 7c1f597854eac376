// Where the harness keeps what it installs, and the fixed versions it installs.
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const HARNESS_DIR = join(REPO_ROOT, '.cache', 'harness');
export const NODE24_DIR = join(HARNESS_DIR, 'node24');
export const NODE24_BIN_DIR = join(NODE24_DIR, 'node_modules', 'node', 'bin');
export const NODE24 = join(NODE24_BIN_DIR, 'node');
export const CODE_SERVER_VERSION = '4.139.1';
export const CODE_SERVER_DIR = join(HARNESS_DIR, 'cs');
export const CODE_SERVER_PKG = join(CODE_SERVER_DIR, 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_PKG, 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const VSIX = join(REPO_ROOT, 'dist-vsix', 'glm-voice-clone.vsix');
export const EXTENSION_ID = 'glm-voice-clone.glm-voice-clone';
/** The extensionDevelopmentPath of the in-editor suite: the product itself is installed from the vsix. */
export const TEST_HOST_FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'test-host');
export const SUITE_ENTRY = join(REPO_ROOT, 'out', 'test', 'suite', 'index.js');
export const RESULTS_DIR = join(REPO_ROOT, 'test-results');

/** PATH with Node 24 first: code-server refuses any other major, at install and at run time. */
export function pathWithNode24(path = process.env.PATH ?? ''): string {
  return `${NODE24_BIN_DIR}:${path}`;
}
