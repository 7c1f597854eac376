import * as assert from 'node:assert/strict';
import { timestamp, toSrt, toVtt, type Cue } from '../../../../src/core/narration/subtitles';

/** The cue blocks of an SRT or VTT document (VTT's header dropped). */
function blocks(doc: string): string[][] {
  return doc
    .trimEnd()
    .split('\n\n')
    .map((b) => b.split('\n'))
    .filter((b) => b[0] !== 'WEBVTT');
}

/** [start, end] in ms of every cue of a document. */
function times(doc: string): [number, number][] {
  const toMs = (t: string) => {
    const m = /^(\d+):(\d\d):(\d\d)[,.](\d\d\d)$/.exec(t)!;
    return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
  };
  return [...doc.matchAll(/^(\S+) --> (\S+)$/gm)].map((m) => [toMs(m[1]), toMs(m[2])]);
}

suite('subtitles: timestamps', () => {
  test('SRT uses a comma, VTT a dot, milliseconds rounded', () => {
    assert.equal(timestamp(1234, ','), '00:00:01,234');
    assert.equal(timestamp(1234, '.'), '00:00:01.234');
    assert.equal(timestamp(0, ','), '00:00:00,000');
    assert.equal(timestamp(59_999.6, '.'), '00:01:00.000');
    assert.equal(timestamp(-5, '.'), '00:00:00.000');
  });

  test('hours past zero, and past 99', () => {
    assert.equal(timestamp(((2 * 60 + 3) * 60 + 4) * 1000 + 5, ','), '02:03:04,005');
    assert.equal(timestamp(123 * 3_600_000, '.'), '123:00:00.000');
  });
});

suite('subtitles: SRT', () => {
  test('numbered cues with SRT timing, one blank line between', () => {
    const srt = toSrt([
      { startSec: 0, endSec: 1.5, text: 'Hello there.' },
      { startSec: 1.5, endSec: 3.25, text: 'General Kenobi.' },
    ]);
    assert.equal(srt, '1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n2\n00:00:01,500 --> 00:00:03,250\nGeneral Kenobi.\n');
  });

  test('a speaker is a "Name: " prefix on the first line', () => {
    const srt = toSrt([{ startSec: 1, endSec: 2, text: 'Hi.', speaker: 'Alice' }]);
    assert.equal(srt, '1\n00:00:01,000 --> 00:00:02,000\nAlice: Hi.\n');
  });

  test('a timing arrow in the text cannot be mistaken for timing', () => {
    const srt = toSrt([{ startSec: 0, endSec: 1, text: 'a --> b' }]);
    assert.equal(blocks(srt)[0][2], 'a -> b');
  });

  test('an hour-long narration: hours in the timing', () => {
    const srt = toSrt([{ startSec: 3723.5, endSec: 3725, text: 'Late.' }]);
    assert.match(srt, /^1\n01:02:03,500 --> 01:02:05,000\nLate\.\n$/);
  });
});

suite('subtitles: WebVTT', () => {
  test('the WEBVTT header, then cues with VTT timing', () => {
    const vtt = toVtt([{ startSec: 0.5, endSec: 2, text: 'Hello.' }]);
    assert.equal(vtt, 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello.\n');
  });

  test('no cues: just the header; SRT: empty', () => {
    assert.equal(toVtt([]), 'WEBVTT\n');
    assert.equal(toSrt([]), '');
  });

  test('a speaker is a <v> voice span', () => {
    const vtt = toVtt([{ startSec: 0, endSec: 1, text: 'Hi.', speaker: 'Alice Smith' }]);
    assert.equal(blocks(vtt)[0][1], '<v Alice Smith>Hi.');
  });

  test('&, <, > and --> are escaped, in the text and the speaker', () => {
    const vtt = toVtt([{ startSec: 0, endSec: 1, text: 'if a<b && c>d --> e', speaker: 'R&D <bot>' }]);
    assert.equal(blocks(vtt)[0][1], '<v R&amp;D &lt;bot&gt;>if a&lt;b &amp;&amp; c&gt;d --&gt; e');
    assert.ok(!/-->/.test(vtt.split('\n').filter((l) => !/^\S+ --> \S+$/.test(l)).join('\n')));
  });
});

suite('subtitles: order, overlaps, wrapping', () => {
  test('cues come out in time order whatever the input order (ties keep input order)', () => {
    const srt = toSrt([
      { startSec: 5, endSec: 6, text: 'third' },
      { startSec: 1, endSec: 2, text: 'first' },
      { startSec: 3, endSec: 4, text: 'second' },
    ]);
    assert.deepEqual(blocks(srt).map((b) => b[2]), ['first', 'second', 'third']);
    assert.deepEqual(blocks(srt).map((b) => b[0]), ['1', '2', '3']);
  });

  test('overlapping cues are clamped: each ends where the next starts', () => {
    const vtt = toVtt([
      { startSec: 0, endSec: 2.5, text: 'one' },
      { startSec: 2, endSec: 4, text: 'two' },
      { startSec: 3.9, endSec: 3.95, text: 'three' },
    ]);
    assert.deepEqual(times(vtt), [[0, 2000], [2000, 3900], [3900, 3950]]);
  });

  test('a cue inside the previous one cuts it short; a zero-length cue is dropped without cutting either', () => {
    const vtt = toVtt([
      { startSec: 0, endSec: 5, text: 'long' },
      { startSec: 1, endSec: 6, text: 'inner' },
      { startSec: 1, endSec: 1, text: 'nothing' },
    ]);
    assert.deepEqual(times(vtt), [[0, 1000], [1000, 6000]]);
    assert.deepEqual(blocks(vtt).map((b) => b[1]), ['long', 'inner']);
  });

  test('cues never overlap, whatever the input', () => {
    const cues: Cue[] = [];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 200; i++) {
      const start = rnd() * 100;
      cues.push({ startSec: start, endSec: start + rnd() * 10 - 1, text: `cue ${i} ${'w '.repeat(Math.floor(rnd() * 60))}` });
    }
    for (const doc of [toSrt(cues), toVtt(cues)]) {
      const t = times(doc);
      assert.ok(t.length > 50);
      for (const [s, e] of t) assert.ok(e > s);
      for (let i = 1; i < t.length; i++) assert.ok(t[i][0] >= t[i - 1][1], `cue ${i} overlaps`);
    }
  });

  test('empty text, NaN times and line breaks: dropped or folded, never a blank line inside a cue', () => {
    const srt = toSrt([
      { startSec: 0, endSec: 1, text: '   ' },
      { startSec: NaN, endSec: 2, text: 'bad time' },
      { startSec: 2, endSec: 3, text: 'line one\n\nline two' },
    ]);
    assert.equal(srt, '1\n00:00:02,000 --> 00:00:03,000\nline one line two\n');
  });

  test('text over 42 characters wraps into two balanced lines at word boundaries', () => {
    const text = 'The quick brown fox jumps over the lazy dog near the bank.';
    const [block] = blocks(toSrt([{ startSec: 0, endSec: 4, text }]));
    const lines = block.slice(2);
    assert.equal(lines.length, 2);
    assert.equal(lines.join(' '), text);
    for (const l of lines) assert.ok(l.length <= 42, l);
    assert.ok(Math.abs(lines[0].length - lines[1].length) <= 10, `unbalanced: ${JSON.stringify(lines)}`);
  });

  test('text too long for two lines becomes consecutive cues sharing its time, every word kept', () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
    const text = words.join(' ');
    const vtt = toVtt([{ startSec: 10, endSec: 40, text, speaker: 'Bob' }]);
    const cues = blocks(vtt);
    assert.ok(cues.length >= 4, `${cues.length} cues`);
    const t = times(vtt);
    assert.equal(t[0][0], 10_000);
    assert.equal(t[t.length - 1][1], 40_000);
    for (let i = 1; i < t.length; i++) assert.equal(t[i][0], t[i - 1][1]);
    for (const c of cues) {
      assert.ok(c.length - 1 <= 2, 'at most two lines');
      assert.ok(c[1].startsWith('<v Bob>'), 'each part keeps the speaker');
      for (const l of c.slice(1)) assert.ok(l.replace('<v Bob>', '').length <= 42, l);
    }
    const spoken = cues.flatMap((c) => c.slice(1)).join(' ').replace(/<v Bob>/g, '');
    assert.equal(spoken, text);
  });

  test('the SRT speaker prefix counts toward the line length', () => {
    const text = 'a'.repeat(5) + ' ' + 'b'.repeat(30) + ' ' + 'c'.repeat(30);
    const [block] = blocks(toSrt([{ startSec: 0, endSec: 2, text, speaker: 'Narrator' }]));
    for (const l of block.slice(2)) assert.ok(l.length <= 42, `${l.length}: ${l}`);
    assert.ok(block[2].startsWith('Narrator: '));
  });

  test('a word longer than a line is cut rather than overflowing', () => {
    const url = `https://example.com/${'x'.repeat(80)}`;
    const cues = blocks(toSrt([{ startSec: 0, endSec: 3, text: `see ${url} now` }]));
    const lines = cues.flatMap((b) => b.slice(2));
    for (const l of lines) assert.ok(l.length <= 42, l);
    assert.equal(lines.join('').replace(/\s/g, ''), `see${url}now`);
  });

  test('maxLineChars and maxLines are honoured', () => {
    const cues = blocks(toSrt([{ startSec: 0, endSec: 6, text: 'one two three four five six seven eight nine ten' }], { maxLineChars: 10, maxLines: 1 }));
    assert.ok(cues.length >= 5);
    for (const c of cues) {
      assert.equal(c.length, 3);
      assert.ok(c[2].length <= 10);
    }
  });
});
