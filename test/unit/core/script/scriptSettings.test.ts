// A script's settings, loaded by the core for the editor and the CLI alike (src/core/script/settings.ts): the cast
// and pronunciation files through a reading port, the setting's list after the file's, problems named by file.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { CAST_FILE, PRONUNCIATIONS_FILE, loadScriptSettings, readsAsScript, scriptFilesIn, type ScriptFilesPort } from '../../../../src/core/script/settings';

function files(entries: Record<string, string>): ScriptFilesPort & { asked: string[] } {
  const asked: string[] = [];
  return { asked, read: async (path) => (asked.push(path), entries[path]) };
}

suite('script settings: one loader for the editor and the CLI', () => {
  const folder = join('/work', 'team');
  const paths = scriptFilesIn(folder);

  test('a folder’s files are .vscode/glm-voice-cast.json and .vscode/glm-voice-pronunciations.json', () => {
    assert.deepEqual(paths, { castPath: join(folder, CAST_FILE), pronunciationsPath: join(folder, PRONUNCIATIONS_FILE) });
    assert.equal(CAST_FILE, join('.vscode', 'glm-voice-cast.json'));
    assert.equal(PRONUNCIATIONS_FILE, join('.vscode', 'glm-voice-pronunciations.json'));
  });

  test('the cast and the file’s pronunciations, then the setting’s list (a word in both keeps the file’s)', async () => {
    const port = files({
      [paths.castPath]: JSON.stringify({ voices: { Alice: 'jam', Bob: { voice: 'tongtong', speed: 1.2 } } }),
      [paths.pronunciationsPath]: JSON.stringify({ GLM: 'G L M', SQL: 'sequel' }),
    });
    const s = await loadScriptSettings(port, { ...paths, pronunciations: { glm: 'glim', nginx: 'engine x' }, speakerPauseMs: 9000, fileName: 'a.md' });
    assert.deepEqual(port.asked, [paths.castPath, paths.pronunciationsPath]);
    assert.equal(s.castPath, paths.castPath);
    assert.deepEqual([...(s.cast?.keys() ?? [])], ['Alice', 'Bob']);
    assert.deepEqual(s.pronunciations?.map((p) => [p.word, p.say]), [['GLM', 'G L M'], ['SQL', 'sequel'], ['nginx', 'engine x']]);
    assert.equal(s.speakerPauseMs, 5000, 'clamped to the pause’s bounds');
    assert.equal(s.fileName, 'a.md');
    assert.deepEqual(s.problems, []);
  });

  test('no files: no cast, the setting’s list only; mistakes are kept with the file they are in, the valid entries too', async () => {
    const none = await loadScriptSettings(files({}), { ...paths, pronunciations: { k8s: 'kubernetes' } });
    assert.equal(none.cast, undefined);
    assert.deepEqual(none.pronunciations?.map((p) => p.word), ['k8s']);
    const bad = await loadScriptSettings(files({ [paths.castPath]: '{ "voices": { "Alice": "jam", "Bob": 3 } }', [paths.pronunciationsPath]: '{ not json' }), paths);
    assert.deepEqual([...(bad.cast?.keys() ?? [])], ['Alice']);
    assert.deepEqual(bad.problems.map((p) => [p.file, p.problem.file]), [[paths.castPath, 'cast'], [paths.pronunciationsPath, 'pronunciations']]);
    assert.equal(bad.pronunciations, undefined);
  });

  test('a document reads as a script when it is a screenplay, has a cast, or has front matter voices', () => {
    assert.equal(readsAsScript('Alice: hi', 'markdown'), false);
    assert.equal(readsAsScript('ALICE\nHi.', 'plaintext', { fileName: 'pilot.fountain' }), true);
    assert.equal(readsAsScript('Alice: hi', 'markdown', { cast: new Map([['Alice', { voice: 'jam' }]]) }), true);
    assert.equal(readsAsScript('---\nvoices:\n  Alice: jam\n---\nAlice: hi', 'markdown'), true);
    assert.equal(readsAsScript('---\nvoices:\n  Alice: jam\n---\nAlice: hi', 'plaintext'), false, 'front matter is Markdown’s');
  });
});
