import * as assert from 'node:assert/strict';
import { codePointLength } from '../../../../src/core/limits';
import {
  chunkAt,
  endsChunkGroup,
  planFrom,
  planNarration,
  RAMP_CHUNK_MAX_CHARS,
  sentenceAt,
  sentences,
  sentenceTimes,
  speakable,
  toSourceOffset,
  type NarrationPlan,
  type SourceSentence,
} from '../../../../src/core/narration/plan';
import { mulberry32 } from '../../../double/random';

// A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The words of a stretch of Markdown source as a listener hears them: URLs, images, HTML and task boxes gone. */
function sourceWords(slice: string): string[] {
  const prose = slice
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/<(?:https?|mailto):[^>]*>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\[[ xX]\]\s/g, ' ')
    .replace(/&amp;/g, '&');
  return words(prose);
}

function words(s: string): string[] {
  return s.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Each sentence's source slice speaks its words, and sentences come in order without overlapping. */
function assertSlicesMatch(source: string, list: ReadonlyArray<SourceSentence>): void {
  let previousEnd = 0;
  for (const s of list) {
    assert.ok(s.start >= previousEnd, `"${s.text}" starts at ${s.start}, before the previous sentence ended (${previousEnd})`);
    assert.ok(s.end > s.start && s.end <= source.length, `"${s.text}" has the span [${s.start}, ${s.end})`);
    assert.deepEqual(sourceWords(source.slice(s.start, s.end)), words(s.text), `slice ${JSON.stringify(source.slice(s.start, s.end))} vs ${JSON.stringify(s.text)}`);
    previousEnd = s.end;
  }
}

/** The invariants every plan keeps, whatever the document. */
function assertPlanSound(plan: NarrationPlan, maxChars: number): void {
  let index = 0;
  plan.chunks.forEach((chunk, i) => {
    assert.equal(chunk.index, i);
    assert.ok(chunk.text.length > 0, `chunk ${i} is empty`);
    assert.ok(codePointLength(chunk.text) <= maxChars, `chunk ${i} has ${codePointLength(chunk.text)} code points`);
    assert.ok(!LONE_SURROGATE.test(chunk.text), `chunk ${i} has a lone surrogate`);
    assert.equal(chunk.text, chunk.sentences.map((s) => s.text).join(' '));
    assert.ok(chunk.sentences.every((s) => s.block === chunk.sentences[0].block), `chunk ${i} crosses a block boundary`);
    assert.equal(chunk.start, chunk.sentences[0].start);
    assert.equal(chunk.end, chunk.sentences[chunk.sentences.length - 1].end);
    for (const s of chunk.sentences) {
      assert.equal(s, plan.sentences[index], 'chunks hold the sentences in order');
      assert.equal(s.index, index++);
      assert.equal(s.chunk, i);
    }
  });
  assert.equal(index, plan.sentences.length);
  if (plan.chunks.length) assert.equal(plan.chunks[0].sentences.length, 1, 'the first chunk is one sentence');
}

const VOCAB = 'the a voice reads every line of this page slowly while we listen and wait for quiet rain on old roofs near river stone light'.split(' ');

const MIXED_MARKDOWN = [
  '---',
  'title: Secret front matter',
  'tags: [hidden, words]',
  '---',
  '# **Bold** heading ##',
  '',
  'Some *emphasis* here. And [a link](https://example.com/path "Title (x)") too! Third &amp; `code` sentence ok.',
  '',
  '- [x] done task',
  '- item *two*. Second sentence of it.',
  '  1. nested item',
  '',
  '```ts',
  'const fenced = "never spoken";',
  '```',
  '',
  '    indented code never spoken',
  '',
  '| Name | Value |',
  '|------|------:|',
  '| alpha | **1** |',
  '',
  '> Quoted line one.',
  '> Quoted line two.',
  '',
  'Logo ![alt words](logo.png) then <https://auto.example> done.',
  '',
  'Setext heading',
  '--------------',
  'Last paragraph<br>with a break.',
].join('\n');

suite('narration plan: speakable text with source positions', () => {
  test('plain text is spoken as written and maps one to one, CRLF included', () => {
    const source = 'First line.\r\nSecond line.\r\n\r\nNew paragraph.\rOld Mac line.\n';
    const sp = speakable(source, 'plaintext');
    assert.equal(sp.text, source.replace(/\r\n?/g, '\n'));
    for (let t = 0; t < sp.text.length; t++) {
      const at = toSourceOffset(sp, t);
      if (sp.text[t] === '\n') assert.ok(source[at] === '\n' || source[at] === '\r', `newline ${t} maps to ${JSON.stringify(source[at])}`);
      else assert.equal(source[at], sp.text[t], `text offset ${t}`);
    }
    assert.equal(toSourceOffset(sp, sp.text.indexOf('New')), source.indexOf('New'));
    assert.equal(toSourceOffset(sp, sp.text.length, 'end'), source.length);
  });

  test('Markdown speaks the prose of the common constructs (markdown.test.ts has the rest)', () => {
    const cases: [string, string][] = [
      ['# Title\r\n\r\nSome *text*.\r\n', 'Title.\nSome text.'],
      ['Read [the guide](https://example.com/guide "Guide") now.', 'Read the guide now.'],
      ['Steps:\n\n- first\n* second!\n+ third\n1. fourth\n- [x] done task', 'Steps:\nfirst.\nsecond!\nthird.\nfourth.\ndone task.'],
      ['---\ntitle: Hello\ntags: [a, b]\n---\n# Heading\n', 'Heading.'],
      ['Before.\n\n```ts\nconst secret = 1;\n```\n\n~~~\ntilde code\n~~~\nAfter.', 'Before.\nAfter.'],
      ['Text.\n\n    let x = 1;\n\nMore.', 'Text.\nMore.'],
      ['> Quoted **text**\n> goes on.', 'Quoted text goes on.'],
      ['Line<br>break and <kbd>Ctrl</kbd>+<kbd>C</kbd> &amp; more.', 'Line break and Ctrl+C & more.'],
      ['| Name | Value |\n|------|------:|\n| a | 1 |\n\nAfter.', 'Name, Value.\na, 1.\nAfter.'],
      ['Logo: ![the logo](logo.png) and [![badge](b.svg)](https://ci) done.', 'Logo: and done.'],
      ['Not \\*emphasis\\* and a \\# sign.', 'Not *emphasis* and a # sign.'],
    ];
    for (const [doc, spoken] of cases) assert.equal(speakable(doc, 'markdown').text, spoken, doc);
  });

  test('every run copied from Markdown source is the same text at its source offset', () => {
    const source = MIXED_MARKDOWN.replace(/\n/g, '\r\n');
    const sp = speakable(source, 'markdown');
    let copied = 0;
    for (const seg of sp.segments) {
      assert.ok(seg.sourceStart <= seg.sourceEnd && seg.sourceEnd <= source.length);
      if (seg.textEnd - seg.textStart !== seg.sourceEnd - seg.sourceStart) continue;
      assert.equal(source.slice(seg.sourceStart, seg.sourceEnd), sp.text.slice(seg.textStart, seg.textEnd));
      copied += seg.textEnd - seg.textStart;
    }
    assert.ok(copied > sp.text.length * 0.8, `only ${copied} of ${sp.text.length} characters map one to one`);
    // Source positions never go backwards along the text.
    for (let i = 1; i < sp.segments.length; i++) assert.ok(sp.segments[i].sourceStart >= sp.segments[i - 1].sourceStart);
  });
});

suite('narration plan: sentences', () => {
  test('Markdown sentences cover their source, markup included; code, front matter and URLs are not spoken', () => {
    for (const source of [MIXED_MARKDOWN, MIXED_MARKDOWN.replace(/\n/g, '\r\n')]) {
      const list = sentences(source, 'markdown');
      assertSlicesMatch(source, list);
      const spoken = list.map((s) => s.text).join(' ');
      for (const hidden of ['Secret', 'fenced', 'indented', 'example', 'logo', 'alt']) assert.ok(!spoken.includes(hidden), `"${hidden}" is spoken`);
      const slice = (text: string) => {
        const s = list.find((x) => x.text === text);
        assert.ok(s, `no sentence "${text}" in ${JSON.stringify(list.map((x) => x.text))}`);
        return source.slice(s.start, s.end);
      };
      assert.equal(slice('Bold heading.'), '**Bold** heading');
      assert.equal(slice('Some emphasis here.'), 'Some *emphasis* here.');
      assert.equal(slice('And a link too!'), 'And [a link](https://example.com/path "Title (x)") too!');
      assert.equal(slice('Third & code sentence ok.'), 'Third &amp; `code` sentence ok.');
      assert.equal(slice('item two.'), 'item *two*.');
      assert.equal(slice('Name, Value.'), 'Name | Value');
      assert.equal(slice('alpha, 1.'), 'alpha | **1**');
      assert.equal(slice('nested item.'), 'nested item');
      assert.equal(slice('Setext heading.'), 'Setext heading');
      assert.equal(slice('Logo then done.'), 'Logo ![alt words](logo.png) then <https://auto.example> done.');
      assert.equal(slice('Quoted line two.'), 'Quoted line two.');
    }
  });

  test('headings, paragraphs, list items and table rows are separate blocks', () => {
    const list = sentences(MIXED_MARKDOWN, 'markdown');
    const blockOf = (text: string) => list.find((s) => s.text === text)?.block;
    assert.equal(blockOf('Some emphasis here.'), blockOf('And a link too!'));
    assert.notEqual(blockOf('Bold heading.'), blockOf('Some emphasis here.'));
    assert.notEqual(blockOf('done task.'), blockOf('item two.'));
    assert.equal(blockOf('item two.'), blockOf('Second sentence of it.'));
    assert.notEqual(blockOf('Name, Value.'), blockOf('alpha, 1.'));
    assert.equal(blockOf('Quoted line one.'), blockOf('Quoted line two.'));
    for (let i = 1; i < list.length; i++) assert.ok(list[i].block >= list[i - 1].block);
  });

  test('plain text sentences are exact slices of the source (CRLF too)', () => {
    const source = 'One sentence. Another one!  A third?\r\nA line without a mark\r\n\r\n  "Quoted," she said. Done.';
    const list = sentences(source, 'plaintext');
    assert.deepEqual(list.map((s) => s.text), ['One sentence.', 'Another one!', 'A third?', 'A line without a mark', '"Quoted," she said.', 'Done.']);
    for (const s of list) assert.equal(source.slice(s.start, s.end), s.text);
    assert.deepEqual(list.map((s) => s.block), [0, 0, 0, 0, 1, 1]);
    // "3.14" and "e.g.x" are not sentence ends.
    assert.equal(sentences('Pi is 3.14 today. Next.', undefined).length, 2);
  });

  test('Chinese sentences end at 。！？ with no space after them', () => {
    const source = '今天天气很好。我们去公园吧！你觉得怎么样？\r\n\r\n第二段，只有一句。';
    const list = sentences(source, 'plaintext');
    assert.deepEqual(list.map((s) => s.text), ['今天天气很好。', '我们去公园吧！', '你觉得怎么样？', '第二段，只有一句。']);
    for (const s of list) assert.equal(source.slice(s.start, s.end), s.text);
    const md = sentences('# 标题\n\n这是**重要**的。下一句！', 'markdown');
    assert.deepEqual(md.map((s) => s.text), ['标题.', '这是重要的。', '下一句！']);
    assert.equal('# 标题\n\n这是**重要**的。下一句！'.slice(md[1].start, md[1].end), '这是**重要**的。');
  });

  test('an empty or markup-only document has no sentences and an empty plan', () => {
    assert.deepEqual(sentences('', 'markdown'), []);
    assert.deepEqual(sentences('   \n\n', 'plaintext'), []);
    assert.deepEqual(planNarration('```\ncode\n```\n![x](y.png)', 'markdown'), { chunks: [], sentences: [] });
  });
});

suite('narration plan: chunks', () => {
  test('the first chunk is the first sentence alone; later chunks group a block up to maxChars', () => {
    const source = 'Hello there. This is the second sentence. And a third. A fourth one.\n\nNext paragraph. With two.';
    const plan = planNarration(source, 'plaintext', { maxChars: 1024 });
    assertPlanSound(plan, 1024);
    assert.equal(plan.chunks[0].text, 'Hello there.');
    // Nothing crosses the paragraph break, and all the words are spoken once, in order.
    assert.equal(plan.chunks.map((c) => c.text).join(' '), 'Hello there. This is the second sentence. And a third. A fourth one. Next paragraph. With two.');
    assert.ok(plan.chunks.some((c) => c.sentences.length > 1), 'sentences are grouped');
  });

  test('the second chunk is short (the ramp); only the first group is ramped, so later chunks do not depend on the start', () => {
    // One long block: a single group far longer than the ramp.
    const block = Array.from({ length: 40 }, (_, i) => `Sentence number ${i + 1} of the opening block goes on a little.`).join(' ');
    const rest = Array.from({ length: 30 }, (_, i) => `Later paragraph ${i + 1} says one thing. And then another thing.`).join('\n\n');
    const plan = planNarration(`${block}\n\n${rest}`, 'plaintext');
    assertPlanSound(plan, 1024);
    assert.equal(plan.chunks[0].sentences.length, 1);
    assert.ok(codePointLength(plan.chunks[1].text) <= RAMP_CHUNK_MAX_CHARS, `second chunk: ${codePointLength(plan.chunks[1].text)} code points`);
    assert.ok(plan.chunks[1].sentences.length >= 2, 'the ramp holds as many sentences as fit');
    assert.ok(codePointLength(plan.chunks[2].text) > RAMP_CHUNK_MAX_CHARS, 'after the ramp, chunks are full size again');
    // Reading from the middle of the first block: its own ramp, and the later paragraphs' chunks are the same.
    const from = planFrom(plan, 20);
    assert.ok(codePointLength(from.chunks[1].text) <= RAMP_CHUNK_MAX_CHARS);
    const later = (p: NarrationPlan) => p.chunks.filter((c) => c.text.startsWith('Later paragraph')).map((c) => c.text);
    assert.deepEqual(later(from), later(plan));
    assert.equal(later(plan).length, 30);
  });

  test('firstChunkMaxChars holds back a long first sentence; the rest of it follows', () => {
    const first = 'This opening sentence rambles on, clause after clause, well past the small first limit.';
    const plan = planNarration(`${first} Then more.`, 'plaintext', { firstChunkMaxChars: 40 });
    assertPlanSound(plan, 1024);
    assert.ok(codePointLength(plan.chunks[0].text) <= 40);
    assert.equal(plan.chunks.map((c) => c.text).join(' '), `${first} Then more.`);
  });

  test('a sentence longer than maxChars is cut, every piece keeping its own source span', () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') + '.';
    const source = `Short start.\r\n\r\n${long}`;
    const plan = planNarration(source, 'plaintext', { maxChars: 50 });
    assertPlanSound(plan, 50);
    const pieces = plan.sentences.slice(1);
    assert.ok(pieces.length >= 8);
    for (const p of pieces) assert.equal(source.slice(p.start, p.end), p.text);
    assert.equal(pieces.map((p) => p.text).join(' '), long);
  });

  test('a 50 000-character document plans soundly and quickly', () => {
    const random = mulberry32(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 50_000; i++) {
      let part: string;
      if (i % 7 === 0) part = `## Section ${i}`;
      else if (i % 11 === 0) part = '```\nconst code = "skip me";\n```';
      else if (i % 5 === 0) part = `- **${pick(VOCAB)}** item with 😀 emoji.\n- second ${pick(VOCAB)} item.`;
      else if (i % 13 === 0) part = '这是中文句子。还有一句！';
      else {
        const n = 1 + Math.floor(random() * 12);
        part = Array.from({ length: n }, () => `${Array.from({ length: 4 + Math.floor(random() * 12) }, () => pick(VOCAB)).join(' ')}.`).join(' ');
      }
      parts.push(part);
      size += part.length + 2;
    }
    parts.push(`${'x'.repeat(3000)}.`); // one "word" longer than a chunk
    const source = parts.join('\n\n');
    assert.ok(source.length >= 50_000);
    const started = Date.now();
    const plan = planNarration(source, 'markdown');
    const elapsed = Date.now() - started;
    assertPlanSound(plan, 1024);
    assertSlicesMatch(source, plan.sentences.filter((s) => !s.text.startsWith('xxx')));
    assert.ok(!plan.chunks.some((c) => c.text.includes('skip me')));
    assert.ok(plan.chunks.length > 50);
    assert.ok(elapsed < 5000, `planning took ${elapsed} ms`);
  });

  test('the plan is deterministic and the same for LF and CRLF', () => {
    const a = planNarration(MIXED_MARKDOWN, 'markdown');
    const b = planNarration(MIXED_MARKDOWN, 'markdown');
    const c = planNarration(MIXED_MARKDOWN.replace(/\n/g, '\r\n'), 'markdown');
    assert.deepEqual(a, b);
    assert.deepEqual(a.chunks.map((x) => x.text), c.chunks.map((x) => x.text));
    assertPlanSound(c, 1024);
  });
});

/** A document as blocks of sentences, rendered as Markdown, plain text or Chinese. */
type Doc = { kind: 'markdown' | 'plaintext' | 'chinese'; blocks: Array<{ type: 'heading' | 'para' | 'item'; sentences: string[] }> };

function render(doc: Doc): string {
  if (doc.kind !== 'markdown') return doc.blocks.map((b) => b.sentences.join(doc.kind === 'chinese' ? '' : ' ')).join('\r\n\r\n');
  return doc.blocks
    .map((b, i) => {
      const text = b.sentences.join(' ');
      if (b.type === 'heading') return `## ${text}`;
      if (b.type === 'item') return `${doc.blocks[i - 1]?.type === 'item' ? '' : '\n'}- ${text}`;
      return `\n${text}\n`;
    })
    .join('\n');
}

function makeSentence(random: () => number, kind: Doc['kind']): string {
  if (kind === 'chinese') {
    const chars = '我们今天在河边读书听雨看山写字说话走路';
    const body = Array.from({ length: 4 + Math.floor(random() * 20) }, () => chars[Math.floor(random() * chars.length)]).join('');
    return body + '。！？'[Math.floor(random() * 3)];
  }
  const n = 3 + Math.floor(random() * 12);
  const ws = Array.from({ length: n }, () => VOCAB[Math.floor(random() * VOCAB.length)]);
  if (kind === 'markdown' && random() < 0.3) ws[1] = `**${ws[1]}**`;
  if (kind === 'markdown' && random() < 0.2) ws[2] = `[${ws[2]}](https://example.com/${ws[2]})`;
  ws[0] = ws[0][0].toUpperCase() + ws[0].slice(1);
  return `${ws.join(' ')}${'..!?'[Math.floor(random() * 4)]}`;
}

function makeDoc(random: () => number, kind: Doc['kind']): Doc {
  const blocks: Doc['blocks'] = [];
  for (let i = 0; i < 14; i++) {
    const type = kind !== 'markdown' ? 'para' : i % 5 === 0 ? 'heading' : i % 4 === 3 ? 'item' : 'para';
    // Up to 24 sentences: many blocks are longer than maxChars, so they must be cut into several chunks.
    const count = type === 'heading' ? 1 : 1 + Math.floor(random() * 24);
    blocks.push({ type, sentences: Array.from({ length: count }, () => makeSentence(random, kind)) });
  }
  return { kind, blocks };
}

/**
 * The code points of the content-defined group holding sentence `k` (its sentences joined by a space), with the
 * groups recomputed here from the published rule: a group ends at a block's end or after a sentence
 * `endsChunkGroup` picks; sentence 0 is alone.
 */
function groupLength(plan: NarrationPlan, k: number, maxChars: number): number {
  const list = plan.sentences;
  if (k === 0) return codePointLength(list[0].text);
  let first = k;
  while (first > 1 && list[first - 1].block === list[k].block && !endsChunkGroup(list[first - 1].text, maxChars)) first--;
  let last = k;
  while (last + 1 < list.length && list[last + 1].block === list[k].block && !endsChunkGroup(list[last].text, maxChars)) last++;
  return codePointLength(list.slice(first, last + 1).map((s) => s.text).join(' '));
}

suite('narration plan: editing one sentence changes at most two chunks', () => {
  test('over Markdown, plain and Chinese documents and random single-sentence edits', () => {
    const random = mulberry32(20261202);
    let edits = 0;
    let twoChanged = 0;
    let packed = 0;
    for (const kind of ['markdown', 'plaintext', 'chinese', 'markdown', 'plaintext'] as const) {
      const doc = makeDoc(random, kind);
      const languageId = kind === 'markdown' ? 'markdown' : 'plaintext';
      const maxChars = kind === 'chinese' ? 150 : 400;
      const before = planNarration(render(doc), languageId, { maxChars });
      assertPlanSound(before, maxChars);
      assert.ok(before.chunks.some((c) => c.sentences.length > 1), 'the document has grouped chunks');
      assert.ok(doc.blocks.some((b) => codePointLength(b.sentences.join(' ')) > maxChars), 'some block needs several chunks');
      const all = doc.blocks.flatMap((b, bi) => b.sentences.map((_, si) => [bi, si] as const));
      for (let e = 0; e < 40; e++) {
        const [bi, si] = all[Math.floor(random() * all.length)];
        const edited: Doc = { kind, blocks: doc.blocks.map((b) => ({ ...b, sentences: [...b.sentences] })) };
        edited.blocks[bi].sentences[si] = makeSentence(random, kind);
        const after = planNarration(render(edited), languageId, { maxChars });
        assertPlanSound(after, maxChars);
        assert.equal(after.sentences.length, before.sentences.length, 'the edit kept the sentence count');
        edits++;
        // The guarantee holds while the groups around the edit fit in one chunk, before and after it (the edited
        // sentence's group, and the next one, which may merge into it).
        const k = doc.blocks.slice(0, bi).reduce((n, b) => n + b.sentences.length, 0) + si;
        const around = [k, k + 1].filter((i) => i < before.sentences.length && before.sentences[i].block === before.sentences[k].block);
        if (around.some((i) => groupLength(before, i, maxChars) > maxChars || groupLength(after, i, maxChars) > maxChars)) {
          packed++;
          continue;
        }
        const old = new Set(before.chunks.map((c) => c.text));
        const now = new Set(after.chunks.map((c) => c.text));
        const added = [...now].filter((t) => !old.has(t));
        const removed = [...old].filter((t) => !now.has(t));
        assert.ok(added.length <= 2, `${kind}: editing sentence ${si} of block ${bi} added ${added.length} chunks: ${JSON.stringify(added)}`);
        assert.ok(removed.length <= 2, `${kind}: editing sentence ${si} of block ${bi} removed ${removed.length} chunks`);
        if (added.length === 2 || removed.length === 2) twoChanged++;
      }
    }
    assert.equal(edits, 200);
    // Nearly every edit is held to the bound…
    assert.ok(packed <= 20, `${packed} of ${edits} edits fell in a group too long for one chunk`);
    // …and boundaries did move under some edits (a split or a merge), so the bound was really exercised.
    assert.ok(twoChanged > 0, 'no edit moved a chunk boundary');
  });
});

suite('narration plan: positions and timing', () => {
  const source = '# Intro\n\nFirst sentence here. Second one follows.\n\n```\ncode\n```\n\nAfter the code. The end.';
  const plan = planNarration(source, 'markdown');

  test('sentenceAt finds the sentence under the cursor, or the next one', () => {
    const at = (needle: string, delta = 0) => sentenceAt(plan, source.indexOf(needle) + delta)?.text;
    assert.equal(at('Intro'), 'Intro.');
    assert.equal(at('sentence here'), 'First sentence here.');
    assert.equal(at('First'), 'First sentence here.');
    assert.equal(at(' Second'), 'Second one follows.', 'the space between two sentences reads on from the next');
    assert.equal(at('code\n```'), 'After the code.', 'inside a fence: the next spoken sentence');
    assert.equal(at('end.', 3), 'The end.');
    assert.equal(sentenceAt(plan, 0)?.text, 'Intro.');
    assert.equal(sentenceAt(plan, source.length), undefined);
  });

  test('chunkAt finds the chunk holding an offset, or the next one', () => {
    const second = chunkAt(plan, source.indexOf('Second'));
    assert.ok(second);
    assert.ok(second.sentences.some((s) => s.text === 'Second one follows.'));
    assert.ok(second.start <= source.indexOf('Second') && source.indexOf('Second') < second.end);
    assert.equal(chunkAt(plan, source.indexOf('code\n```'))?.sentences[0].text, 'After the code.');
    assert.equal(chunkAt(plan, 0)?.index, 0);
    assert.equal(chunkAt(plan, source.length), undefined);
  });

  test('sentenceTimes shares each chunk time among its sentences by length, end to end', () => {
    const text = 'One. Two two two. Three three three three three three three three three three three.\n\nNext block here.';
    const p = planNarration(text, 'plaintext');
    assert.ok(p.chunks.some((c) => c.sentences.length > 1), 'a chunk with several sentences to share time among');
    const timing = p.chunks.map((c, i) => ({ index: c.index, startSec: i * 10, endSec: i * 10 + 4 + i }));
    const times = sentenceTimes(p, timing);
    assert.equal(times.length, p.sentences.length);
    for (const c of p.chunks) {
      const mine = times.filter((t) => t.chunk === c.index);
      const t = timing[c.index];
      assert.equal(mine[0].startSec, t.startSec);
      assert.equal(mine[mine.length - 1].endSec, t.endSec);
      const sum = mine.reduce((acc, x) => acc + (x.endSec - x.startSec), 0);
      assert.ok(Math.abs(sum - (t.endSec - t.startSec)) < 1e-9);
      for (let i = 1; i < mine.length; i++) assert.equal(mine[i].startSec, mine[i - 1].endSec);
      for (const x of mine) {
        const s = p.sentences[x.sentence];
        assert.equal(x.start, s.start);
        assert.equal(x.end, s.end);
        const share = codePointLength(s.text) / c.sentences.reduce((acc, y) => acc + codePointLength(y.text), 0);
        assert.ok(Math.abs(x.endSec - x.startSec - share * (t.endSec - t.startSec)) < 1e-9);
      }
    }
    // A chunk that has not been heard yet has no times.
    assert.deepEqual(sentenceTimes(p, timing.slice(0, 1)).map((x) => x.sentence), [0]);
  });
});
