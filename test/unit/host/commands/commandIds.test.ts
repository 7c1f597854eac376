import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_IDS } from '../../../../src/host/commands/ids';

interface Manifest {
  contributes: {
    commands: Array<{ command: string }>;
    menus?: Record<string, Array<{ command?: string }>>;
    keybindings?: Array<{ command: string }>;
  };
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as Manifest;

suite('command ids', () => {
  test('package.json contributes exactly the typed command ids, both ways', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command);
    const typed: readonly string[] = COMMAND_IDS;
    assert.deepEqual(contributed.filter((id) => !typed.includes(id)), [], 'contributed in package.json but without a typed id (and so without a handler)');
    assert.deepEqual(typed.filter((id) => !contributed.includes(id)), [], 'typed (and handled) but not contributed in package.json');
    assert.equal(new Set(contributed).size, contributed.length, 'a command is contributed twice');
    assert.equal(new Set(typed).size, typed.length, 'an id is typed twice');
  });

  test('menus and keybindings only name contributed commands', () => {
    const typed: readonly string[] = COMMAND_IDS;
    const used = [
      ...Object.values(manifest.contributes.menus ?? {}).flatMap((items) => items.map((i) => i.command).filter((c): c is string => typeof c === 'string')),
      ...(manifest.contributes.keybindings ?? []).map((k) => k.command),
    ];
    assert.ok(used.length > 0, 'the manifest has menus');
    assert.deepEqual([...new Set(used.filter((id) => !typed.includes(id)))], []);
  });
});
