// The core reports every failure a user can meet as a CoreError with a problem kind (src/core/errors.ts), worded in
// src/messages; an English sentence thrown from the core would reach the user as "Something went wrong: <English>".
// This scan fails on a bare `new Error(…)` (or `Error(…)`) anywhere in src/core. A broken invariant is an
// InternalError, which says so; RangeError and TypeError stay for an argument outside a function's contract.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** `Error(` or `new Error(` not preceded by a word character or a dot (so not InternalError, CoreError, x.Error). */
const BARE_ERROR = /(?<![\w.$])(?:new\s+)?Error\s*\(/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return tsFiles(path);
    return d.isFile() && d.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every `file:line: text` under `dir` that constructs a bare Error (comments skipped). */
function bareErrors(dir: string): string[] {
  const found: string[] = [];
  for (const file of tsFiles(dir)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/^\s*(\*|\/\*)/.test(code)) return;
        if (BARE_ERROR.test(code)) found.push(`${relative(dir, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  return found;
}

suite('the core throws only its error kinds', () => {
  test('src/core constructs no bare Error (a CoreError with a kind, or an InternalError for a broken invariant)', () => {
    assert.deepEqual(bareErrors(join(ROOT, 'src', 'core')), []);
  });

  test('a planted bare `new Error(…)` in a core file is found, with its file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glm-core-throws-'));
    try {
      writeFileSync(join(dir, 'ok.ts'), "throw new CoreError({ kind: 'nothingToSpeak' });\nthrow new InternalError('x');\n// new Error('in a comment')\n");
      writeFileSync(join(dir, 'planted.ts'), "export function f(): never {\n  throw new Error('The cache is full.');\n}\nexport const g = () => Promise.reject(Error('Nope.'));\n");
      assert.deepEqual(bareErrors(dir), ["planted.ts:2: throw new Error('The cache is full.');", "planted.ts:4: export const g = () => Promise.reject(Error('Nope.'));"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
