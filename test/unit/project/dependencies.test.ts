import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
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

suite('dependency rules: the core imports no vscode and nothing of the host; the webview and shared no vscode; no circles', function () {
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

  // Each planted tree breaks exactly one rule; the check must fail and name that rule and the planted file.
  const plants: { title: string; files: Record<string, string>; rule: string; file: RegExp }[] = [
    {
      title: 'a shared file that imports vscode fails the check: src/shared runs in the webview too',
      files: { 'src/shared/planted.ts': "import * as vscode from 'vscode';\nexport const x = vscode.version;\n" },
      rule: 'shared-without-vscode-or-host',
      file: /src\/shared\/planted\.ts/,
    },
    {
      title: 'a webview file that imports vscode fails the check: the webview is a browser page',
      files: { 'src/webview/planted.ts': "import * as vscode from 'vscode';\nexport const x = vscode.version;\n" },
      rule: 'webview-without-vscode-or-host',
      file: /src\/webview\/planted\.ts/,
    },
    {
      title: 'a host file that imports src/messages directly (not through describe.ts) fails the check',
      files: { 'src/host/views/planted.ts': "export { describeProblem } from '../../messages/index';\n" },
      rule: 'host-words-through-describe',
      file: /src\/host\/views\/planted\.ts/,
    },
    {
      title: 'two modules that import each other fail the check (no-circular)',
      files: {
        'src/core/plantedA.ts': "import { b } from './plantedB';\nexport const a = () => b;\n",
        'src/core/plantedB.ts': "import { a } from './plantedA';\nexport const b = () => a;\n",
      },
      rule: 'no-circular',
      file: /src\/core\/planted[AB]\.ts/,
    },
  ];
  for (const plant of plants) {
    test(plant.title, () => {
      const dir = plantedTree(plant.files);
      try {
        const r = cruise(dir);
        assert.notEqual(r.status, 0, r.out);
        const errors = r.out.split('\n').filter((l) => /^\s*error /.test(l));
        assert.ok(errors.length > 0 && errors.every((l) => l.includes(` ${plant.rule}:`)), `only ${plant.rule} expected:\n${r.out}`);
        assert.match(r.out, new RegExp(`${plant.rule}[\\s\\S]*${plant.file.source}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

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
