import * as assert from 'node:assert/strict';
import { applyPronunciations, parsePronunciations, pronunciationsKey, type Pronunciation } from '../../../../src/core/narration/pronunciations';

const entry = (word: string, say: string, caseSensitive = false): Pronunciation => ({ word, say, caseSensitive });

suite('pronunciations: the file', () => {
  test('entries and a plain map read the same', () => {
    const a = parsePronunciations({ entries: [{ word: 'GLM', say: 'G L M' }, { word: 'Novita', say: 'No-vee-ta', caseSensitive: true }] });
    assert.deepEqual(a.problems, []);
    assert.deepEqual(a.list, [entry('GLM', 'G L M'), entry('Novita', 'No-vee-ta', true)]);
    const b = parsePronunciations('{ "GLM": "G L M" }');
    assert.deepEqual(b, { list: [entry('GLM', 'G L M')], problems: [] });
  });

  test('problems are data with a path; valid entries still apply', () => {
    const { list, problems } = parsePronunciations({
      entries: [{ word: 'GLM', say: 'G L M' }, { word: 'glm', say: 'dup' }, { word: '', say: 'x' }, { word: 'TTS', say: 5 }, 'nope', { word: 'API', say: 'A P I', caseSensitive: 'yes', loud: true }],
    });
    assert.deepEqual(list.map((p) => p.word), ['GLM', 'API']);
    assert.deepEqual(problems.map((p) => `${p.path}:${p.code}`), [
      'entries[1]:duplicate',
      'entries[2].word:empty',
      'entries[3].say:notString',
      'entries[4]:notObject',
      'entries[5].loud:unknownKey',
      'entries[5].caseSensitive:notBoolean',
    ]);
    assert.ok(problems.every((p) => p.file === 'pronunciations'));
    assert.equal(parsePronunciations('not json').problems[0].code, 'json');
    assert.equal(parsePronunciations({ entries: {} }).problems[0].code, 'noEntries');
    assert.equal(parsePronunciations({ GLM: 3 }).problems[0].code, 'notString');
  });
});

suite('pronunciations: rewriting', () => {
  test('whole words only, Unicode-aware', () => {
    const list = [entry('GLM', 'G L M'), entry('café', 'ka-fay')];
    assert.equal(applyPronunciations('GLM, GLMs and xGLM; (GLM).', list), 'G L M, GLMs and xGLM; (G L M).');
    assert.equal(applyPronunciations('Un café, des cafés, décafé.', list), 'Un ka-fay, des cafés, décafé.');
    assert.equal(applyPronunciations('GLM_4 and GLM-4', list), 'GLM_4 and G L M-4');
  });

  test('case-insensitive by default; case-sensitive when asked', () => {
    assert.equal(applyPronunciations('glm Glm GLM', [entry('GLM', 'G L M')]), 'G L M G L M G L M');
    assert.equal(applyPronunciations('US us Us', [entry('US', 'U S', true)]), 'U S us Us');
    // A case-sensitive entry wins over a case-insensitive one for the same word, whatever the order.
    const both = [entry('it', 'eet'), entry('IT', 'I T', true)];
    assert.equal(applyPronunciations('IT it', both), 'I T eet');
    assert.equal(applyPronunciations('IT it', [...both].reverse()), 'I T eet');
  });

  test('longest match first', () => {
    const list = [entry('GLM', 'G L M'), entry('GLM TTS', 'the GLM speech model'), entry('TTS', 'T T S')];
    assert.equal(applyPronunciations('GLM TTS beats GLM and TTS.', list), 'the GLM speech model beats G L M and T T S.');
  });

  test('a replacement is never rewritten again', () => {
    const list = [entry('A', 'B'), entry('B', 'C'), entry('GLM', 'GLM model')];
    assert.equal(applyPronunciations('A B GLM', list), 'B C GLM model');
  });

  test('CJK words match inside text without spaces, and Latin words inside CJK text', () => {
    const list = [entry('智谱', 'zhì pǔ'), entry('GLM', 'G L M')];
    assert.equal(applyPronunciations('我用智谱的GLM模型。', list), '我用zhì pǔ的G L M模型。');
    assert.equal(applyPronunciations('東京タワー', [entry('タワー', 'tower')]), '東京tower');
  });

  test('an empty list leaves the text alone', () => {
    assert.equal(applyPronunciations('GLM', []), 'GLM');
  });
});

suite('pronunciations: cache key', () => {
  test('stable: the same entries in another order or object give the same key', () => {
    const a = [entry('GLM', 'G L M'), entry('TTS', 'T T S', true)];
    const b = [entry('TTS', 'T T S', true), entry('GLM', 'G L M')];
    assert.equal(pronunciationsKey(a), pronunciationsKey(b));
    assert.equal(pronunciationsKey(a), pronunciationsKey(a.map((p) => ({ ...p }))));
    assert.match(pronunciationsKey(a), /^[0-9a-f]{32}$/);
    assert.equal(pronunciationsKey([]), '');
  });

  test('any change to a word, its replacement or its case rule changes the key', () => {
    const base = pronunciationsKey([entry('GLM', 'G L M')]);
    for (const changed of [[entry('GLM', 'G-L-M')], [entry('GLN', 'G L M')], [entry('GLM', 'G L M', true)], [entry('GLM', 'G L M'), entry('X', 'ex')]]) {
      assert.notEqual(pronunciationsKey(changed), base, JSON.stringify(changed));
    }
  });
});
