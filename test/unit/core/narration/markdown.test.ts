import * as assert from 'node:assert/strict';
import { speakable } from '../../../../src/core/narration/plan';
import { splitText } from '../../../../src/core/narration/split';

// What the product speaks of a document: the plan's reader (markdown-it, with source offsets), as narration and
// read-along use it.
const md = (s: string) => speakable(s, 'markdown').text;

suite('speakable text (Markdown)', () => {
  test('plain text passes through, only CRLF normalised', () => {
    const text = '# Not a heading here\r\n*stars* and [brackets](x)\r\nend';
    assert.equal(speakable(text, 'plaintext').text, '# Not a heading here\n*stars* and [brackets](x)\nend');
    assert.equal(speakable(text).text, '# Not a heading here\n*stars* and [brackets](x)\nend');
  });

  test('CRLF Markdown is read like LF Markdown', () => {
    assert.equal(md('# Title\r\n\r\nSome *text*.\r\n'), md('# Title\n\nSome *text*.\n'));
    assert.equal(md('# Title\r\n\r\nSome *text*.\r\n'), 'Title.\nSome text.');
  });

  test('fenced code blocks (``` and ~~~) are dropped, with their content', () => {
    const out = md('Before.\n\n```ts\nconst secret = 1;\n```\n\n~~~\ntilde code\n~~~\n\n````\n```\nnested fence\n```\n````\nAfter.');
    assert.equal(out, 'Before.\nAfter.');
  });

  test('an unclosed fence drops the rest (as Markdown renders it)', () => {
    assert.equal(md('Intro.\n```\ncode\nmore code'), 'Intro.');
  });

  test('indented code blocks are dropped, indented list continuations are kept', () => {
    assert.equal(md('Text.\n\n    let x = 1;\n    let y = 2;\n\nMore.'), 'Text.\nMore.');
    assert.equal(md('- item one\n\n    continued item text'), 'item one.\ncontinued item text');
  });

  test('links keep their text, lose their URL; autolinks and reference definitions go', () => {
    assert.equal(md('Read [the guide](https://example.com/guide "Guide") now.'), 'Read the guide now.');
    assert.equal(md('See [docs][ref] and [this][] too.\n\n[ref]: https://example.com/docs\n[this]: <https://x.y>'), 'See docs and this too.');
    assert.equal(md('Visit <https://example.com> or mail <me@example.com> today.'), 'Visit or mail today.');
    assert.equal(md('A [link with (parens)](https://en.wikipedia.org/wiki/Foo_(bar)) here.'), 'A link with (parens) here.');
  });

  test('headings lose their marks and become sentences', () => {
    assert.equal(md('# Title\n## Second level ##\n### Already ends?\nText after'), 'Title.\nSecond level.\nAlready ends?\nText after');
    assert.equal(md('Setext one\n==========\n\nSetext two\n----------\nBody.'), 'Setext one.\nSetext two.\nBody.');
    assert.equal(md('#hashtag is not a heading'), '#hashtag is not a heading');
  });

  test('images are dropped, including inside links', () => {
    assert.equal(md('Logo: ![the logo](logo.png) and [![badge](b.svg)](https://ci) done.'), 'Logo: and done.');
  });

  test('front matter is dropped only at the very top', () => {
    assert.equal(md('---\ntitle: Hello\ntags: [a, b]\n---\n# Heading\n'), 'Heading.');
    assert.equal(md('+++\ntitle = "x"\n+++\nBody.'), 'Body.');
    assert.equal(md('Body first.\n\n---\n\nAfter a rule.'), 'Body first.\nAfter a rule.');
  });

  test('lists lose bullets, numbers and task boxes; each item is its own sentence', () => {
    const out = md('Steps:\n\n- first\n* second!\n+ third\n1. fourth\n2) fifth\n   - nested item\n- [x] done task\n- [ ] open task');
    assert.equal(out, 'Steps:\nfirst.\nsecond!\nthird.\nfourth.\nfifth.\nnested item.\ndone task.\nopen task.');
  });

  test('emphasis, strikethrough and inline code marks go; their words stay; snake_case and arithmetic stay', () => {
    assert.equal(
      md('Some **bold**, *italic*, __strong__, _em_, ***both***, ~~gone~~ and `code_here()` with snake_case_name and 2 * 3 * 4.'),
      'Some bold, italic, strong, em, both, gone and code_here() with snake_case_name and 2 * 3 * 4.',
    );
    assert.equal(md('**Bold with *nested* italic**'), 'Bold with nested italic');
    assert.equal(md('Code with a backtick: `` a`b ``.'), 'Code with a backtick: a`b.');
  });

  test('HTML comments (over lines too), tags, blockquotes, tables and entities', () => {
    assert.equal(md('Keep <!-- hidden --> this.\n<!--\nmany\nlines\n-->\nAnd this.'), 'Keep this.\nAnd this.');
    assert.equal(md('> Quoted **text**\n> goes on.'), 'Quoted text goes on.');
    assert.equal(md('Line<br>break and <kbd>Ctrl</kbd>+<kbd>C</kbd> &amp; more.'), 'Line break and Ctrl+C & more.');
    assert.equal(md('| Name | Value |\n|------|------:|\n| a | 1 |\n| b | `x\\|y` |\n\nAfter.'), 'Name, Value.\na, 1.\nb, x|y.\nAfter.');
  });

  test('backslash escapes are literal characters', () => {
    assert.equal(md('Not \\*emphasis\\* and a \\# sign.'), 'Not *emphasis* and a # sign.');
  });

  test('the splitter cuts between headings and list items', () => {
    const chunks = splitText(md('# Introduction\n\n- first point\n- second point'), 20);
    assert.deepEqual(chunks, ['Introduction.', 'first point.', 'second point.']);
  });
});
