import * as assert from 'node:assert/strict';
import { splitText } from '../../../../src/core/narration/split';
import { codePointLength } from '../../../../src/core/limits';

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Every chunk within the limit, non-empty, trimmed, whole characters; the chunks are the text's own pieces, in order, with only whitespace between. */
function assertWellSplit(text: string, chunks: string[], max: number): void {
  let at = 0;
  for (const [i, chunk] of chunks.entries()) {
    assert.ok(chunk.length > 0, `chunk ${i} is empty`);
    assert.equal(chunk, chunk.trim(), `chunk ${i} is not trimmed`);
    assert.ok(codePointLength(chunk) <= max, `chunk ${i} has ${codePointLength(chunk)} code points > ${max}`);
    assert.doesNotMatch(chunk, UNPAIRED_SURROGATE, `chunk ${i} has a lone surrogate`);
    const found = text.indexOf(chunk, at);
    assert.ok(found >= 0, `chunk ${i} is not a piece of the text`);
    assert.match(text.slice(at, found), /^\s*$/, `non-whitespace lost before chunk ${i}`);
    at = found + chunk.length;
  }
  assert.match(text.slice(at), /^\s*$/, 'non-whitespace lost at the end');
  assert.equal(chunks.join('').replace(/\s/g, ''), text.replace(/\s/g, ''), 'non-whitespace characters differ');
}

/** The grapheme clusters of the text that a cut went through. */
function brokenClusters(text: string, chunks: string[]): string[] {
  const whole = new Set(Array.from(graphemes.segment(text), (s) => s.segment));
  const broken: string[] = [];
  for (const chunk of chunks) {
    for (const { segment } of graphemes.segment(chunk)) if (!whole.has(segment)) broken.push(segment);
  }
  return broken;
}

suite('splitText', () => {
  test('empty and whitespace-only input give no chunks', () => {
    assert.deepEqual(splitText(''), []);
    assert.deepEqual(splitText('   \n\t \r\n  '), []);
    assert.deepEqual(splitText('\u3000\u00a0'), []);
  });

  test('short text is one trimmed chunk', () => {
    assert.deepEqual(splitText('  Hello there.  \n'), ['Hello there.']);
  });

  test('English: packs whole sentences greedily, quotes stay with their sentence', () => {
    const text = 'One two three. "Four five," she said. Is it six? It is! (Seven eight.) Nine…  Ten.';
    const chunks = splitText(text, 40);
    assert.deepEqual(chunks, ['One two three. "Four five," she said.', 'Is it six? It is! (Seven eight.) Nine…', 'Ten.']);
    assertWellSplit(text, chunks, 40);
  });

  test('does not cut decimals or thousands', () => {
    const text = 'Pi is 3.14159 and a grand is 1,000 dollars, or so they say at 10:30 today';
    const chunks = splitText(text, 40);
    assertWellSplit(text, chunks, 40);
    assert.ok(chunks.some((c) => c.includes('3.14159')));
    assert.ok(chunks.some((c) => c.includes('1,000')));
  });

  test('Chinese: cuts after 。！？； without spaces', () => {
    const text = '今天天气很好。我们去公园散步吧！你觉得怎么样？好的；那就走吧。';
    const chunks = splitText(text, 16);
    assert.deepEqual(chunks, ['今天天气很好。我们去公园散步吧！', '你觉得怎么样？好的；那就走吧。']);
    assertWellSplit(text, chunks, 16);
  });

  test('Chinese: a long sentence is cut at ，、 before a hard cut', () => {
    const text = '我们需要准备很多东西，比如水果、面包、牛奶和鸡蛋，还有一些零食和饮料，然后出发。';
    const chunks = splitText(text, 12);
    assertWellSplit(text, chunks, 12);
    for (const c of chunks.slice(0, -1)) assert.match(c, /[，、]$/, `"${c}" does not end at a clause mark`);
  });

  test('mixed English and Chinese', () => {
    const text = 'Hello world. 你好，世界！This is GLM-TTS. 这是一个测试。Done?';
    const chunks = splitText(text, 20);
    assertWellSplit(text, chunks, 20);
    assert.deepEqual(chunks, ['Hello world. 你好，世界！', 'This is GLM-TTS.', '这是一个测试。Done?']);
  });

  test('newlines and paragraphs are boundaries', () => {
    const text = 'Title line\n\nFirst paragraph has words\nSecond line';
    const chunks = splitText(text, 30);
    assert.deepEqual(chunks, ['Title line', 'First paragraph has words', 'Second line']);
    assertWellSplit(text, chunks, 30);
  });

  test('a long sentence is cut at a clause mark, then the rest packs with what follows', () => {
    const text = 'This sentence is rather long, it has several clauses; and it goes on: for a while. Short one.';
    const chunks = splitText(text, 40);
    assertWellSplit(text, chunks, 40);
    assert.equal(chunks[0], 'This sentence is rather long,');
    assert.ok(chunks.at(-1)!.endsWith('Short one.'));
  });

  test('5 000 characters with no punctuation are cut between words', () => {
    const words = Array.from({ length: 1000 }, (_, i) => ['alpha', 'beta', 'gamma', 'delta'][i % 4]);
    const text = words.join(' ').slice(0, 5000);
    assert.equal(text.length, 5000);
    const chunks = splitText(text, 1024);
    assertWellSplit(text, chunks, 1024);
    assert.ok(chunks.length >= 5);
    const vocabulary = new Set(['alpha', 'beta', 'gamma', 'delta']);
    // Every chunk but maybe the last (the text was cut mid-word at 5 000) ends on a whole word.
    for (const c of chunks.slice(0, -1)) assert.ok(vocabulary.has(c.split(' ').at(-1)!), `chunk ends mid-word: …${c.slice(-12)}`);
    for (const c of chunks.slice(0, -1)) assert.ok(codePointLength(c) > 1000, 'greedy packing fills chunks');
  });

  test('5 000 characters with no spaces are cut between grapheme clusters, never inside a surrogate pair', () => {
    const pieces = ['a', 'é', '😀', '👨‍👩‍👧‍👦', '🇯🇵', '👍🏽', 'e\u0301', '中', '𠜎'];
    let text = '';
    for (let i = 0; codePointLength(text) < 5000; i++) text += pieces[i % pieces.length];
    // Several limits, so that cuts fall at every position inside the repeating pattern.
    for (const max of [1024, 1023, 1021, 1019, 1017, 1013, 1009]) {
      const chunks = splitText(text, max);
      assertWellSplit(text, chunks, max);
      assert.deepEqual(brokenClusters(text, chunks), [], `max ${max}`);
      for (const c of chunks) assert.doesNotMatch(c, UNPAIRED_SURROGATE);
    }
  });

  test('emoji sequences right at the cut point stay whole', () => {
    const family = '👨‍👩‍👧‍👦'; // 7 code points
    const flag = '🇫🇷'; // 2 regional indicators
    const thumb = '👍🏿'; // base + skin tone
    for (const emoji of [family, flag, thumb]) {
      const size = codePointLength(emoji);
      for (let lead = 0; lead < 12; lead++) {
        const max = 10;
        // Place the emoji so that it straddles the limit at every offset.
        const text = 'x'.repeat(lead) + emoji.repeat(4) + 'y'.repeat(5);
        const chunks = splitText(text, max);
        assertWellSplit(text, chunks, max);
        assert.deepEqual(brokenClusters(text, chunks), [], `lead ${lead}, emoji of ${size} code points: ${JSON.stringify(chunks)}`);
      }
    }
  });

  test('a single cluster longer than the limit is cut at code points, still no lone surrogate', () => {
    const family = '👨‍👩‍👧‍👦';
    const chunks = splitText(family, 3);
    assertWellSplit(family, chunks, 3);
    assert.equal(chunks.join(''), family);
  });

  test('every chunk respects the limit on varied text, for many limits', () => {
    const sample =
      'Dr. Smith arrived at 9.30. “Is it ready?” he asked — nobody answered; the room, silent, waited.\n\n' +
      '他说：“准备好了吗？”没有人回答……房间里、走廊上，一片寂静。 Mixed 文本 with 😀 emoji 🇨🇳 and more!\n' +
      'averyveryverylongwordwithoutanyspacesatallthatgoesonandon '.repeat(3);
    for (let max = 1; max <= 80; max++) {
      const chunks = splitText(sample, max);
      assertWellSplit(sample, chunks, max);
      if (max >= 7) assert.deepEqual(brokenClusters(sample, chunks), [], `max ${max}`);
    }
  });

  test('rejects a limit that is not a positive integer', () => {
    assert.throws(() => splitText('abc', 0), RangeError);
    assert.throws(() => splitText('abc', 1.5), RangeError);
  });
});
