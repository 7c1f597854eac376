import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** dependency-cruiser over `src` of the tree at `cwd` with the project's rules: its exit status and report. */
function cruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err', 'src'], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A copy of src/ and the tsconfig (node_modules linked) with `files` added: a tree to break on purpose. */
function plantedTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'glm-depcruise-'));
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

suite('dependency rule: the core imports no vscode and nothing of the host', function () {
  this.timeout(180_000);

  test('src/ as it is has no violation', () => {
    const r = cruise(ROOT);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /no dependency violations found/);
  });

  // Both forms: the host writes `import vscode = require('vscode')` (no ESM interop copy of the API per module).
  for (const form of ["import * as vscode from 'vscode';", "import vscode = require('vscode');"]) {
    test(`a core file that imports vscode fails the check, naming the file and the rule (${form})`, () => {
      const dir = plantedTree({ 'src/core/planted.ts': `${form}\nexport const x = vscode.version;\n` });
      try {
        const r = cruise(dir);
        assert.notEqual(r.status, 0, r.out);
        assert.match(r.out, /core-without-vscode[\s\S]*src\/core\/planted\.ts/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('a core file that reaches into the host fails the check too', () => {
    const dir = plantedTree({ 'src/core/planted.ts': "export { describe } from '../host/platform/describe';\n" });
    try {
      const r = cruise(dir);
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /core-stays-in-core[\s\S]*src\/core\/planted\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a CLI file that imports vscode fails the check: dist/cli.js runs without an editor', () => {
    const dir = plantedTree({ 'src/cli/planted.ts': "import * as vscode from 'vscode';\nexport const x = vscode.version;\n" });
    try {
      const r = cruise(dir);
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /cli-without-vscode[\s\S]*src\/cli\/planted\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
