// Retaking one sentence: the plan cuts the chunk holding a retaken ("solo") sentence around it and moves nothing
// else; the old chunk's audio is cut into its sentences' parts at the pauses between them.
import * as assert from 'node:assert/strict';
import { cutPcm } from '../../../../src/core/audio/cut';
import { frontMatterCast, frontMatterVoiceEdit } from '../../../../src/core/narration/cast';
import { planFrom, planNarration } from '../../../../src/core/narration/plan';

suite('retake: a solo sentence is a chunk of its own', () => {
  const sentences = ['Alpha opens the paragraph quietly.', 'Beta is the one that gets a retake.', 'Gamma closes it and nobody retakes it.'];
  const text = `A retake title.\n\n${sentences.join(' ')}\n\nA later paragraph stays as it was. It has two sentences.`;

  test('the chunk holding it is cut around it; every other chunk is unchanged', () => {
    const before = planNarration(text, 'plaintext').chunks.map((c) => c.text);
    assert.equal(before[1], sentences.join(' '), 'one chunk for the paragraph before');
    const after = planNarration(text, 'plaintext', { solo: (t) => t === sentences[1] }).chunks.map((c) => c.text);
    assert.deepEqual(after, [before[0], sentences[0], sentences[1], sentences[2], ...before.slice(2)]);
    const first = planNarration(text, 'plaintext', { solo: (t) => t === sentences[0] }).chunks.map((c) => c.text);
    assert.deepEqual(first, [before[0], sentences[0], `${sentences[1]} ${sentences[2]}`, ...before.slice(2)], 'no empty part before it');
  });

  test('reading from a sentence keeps it alone too', () => {
    const plan = planNarration(text, 'plaintext', { solo: (t) => t === sentences[2] });
    const rest = planFrom(plan, 0 + 1, { solo: (t) => t === sentences[2] }).chunks.map((c) => c.text);
    assert.ok(rest.includes(sentences[2]), rest.join(' | '));
  });
});

suite('retake: cutPcm', () => {
  /** A tone for each part, `gap` samples of silence between two. */
  function speech(lengths: number[], gap: number): { pcm: Buffer; starts: number[] } {
    const samples: number[] = [];
    const starts: number[] = [];
    lengths.forEach((n, k) => {
      if (k) for (let i = 0; i < gap; i++) samples.push(0);
      starts.push(samples.length);
      for (let i = 0; i < n; i++) samples.push(Math.round(8000 * Math.sin(i / 3)));
    });
    const pcm = Buffer.alloc(samples.length * 2);
    samples.forEach((v, i) => pcm.writeInt16LE(v, i * 2));
    return { pcm, starts };
  }

  test('cuts in the pauses, near where the texts’ lengths put them; the parts are the whole', () => {
    // The middle sentence is spoken faster than its length says: the estimate misses the pause by ~0.15 s.
    const { pcm, starts } = speech([24000, 18000, 30000], 2400);
    const parts = cutPcm(pcm, [30, 30, 38]);
    assert.equal(parts.length, 3);
    assert.equal(Buffer.concat(parts).length, pcm.length);
    let at = 0;
    for (let k = 1; k < 3; k++) {
      at += parts[k - 1].length / 2;
      assert.ok(at > starts[k] - 2400 && at < starts[k], `cut ${k} at ${at}, in the pause before ${starts[k]}`);
    }
  });

  test('one part, or none to cut at: the whole', () => {
    const { pcm } = speech([4800], 0);
    assert.deepEqual(cutPcm(pcm, [10]), [pcm]);
    assert.equal(Buffer.concat(cutPcm(pcm, [1, 1])).length, pcm.length);
  });
});

suite('retake: the Quick Fix writes the front matter it finds', () => {
  const apply = (src: string, speaker: string, voice: string) => {
    const e = frontMatterVoiceEdit(src, speaker, voice);
    return e && src.slice(0, e.start) + e.text + src.slice(e.end);
  };
  const cast = (src: string) => Object.fromEntries([...frontMatterCast(src).cast].map(([k, v]) => [k, v.voice]));

  test('a block of entries gains one at their indentation, in their style', () => {
    assert.equal(apply('---\nvoices:\n  Alice: jam\n---\n\nAlice: Hi.', 'Carol', 'kazi'), '---\nvoices:\n  Alice: jam\n  Carol: kazi\n---\n\nAlice: Hi.');
    assert.equal(apply('---\r\nvoices:\r\n    Alice: jam # c\r\n    Bob: x\r\nother: 1\r\n---\r\n', 'Carol', 'kazi'), '---\r\nvoices:\r\n    Alice: jam # c\r\n    Bob: x\r\n    Carol: kazi\r\nother: 1\r\n---\r\n');
    assert.equal(apply('---\nvoices:\n  Alice: { voice: jam, speed: 1.1 }\n---\n', 'Carol', 'kazi'), '---\nvoices:\n  Alice: { voice: jam, speed: 1.1 }\n  Carol: { voice: kazi }\n---\n');
    assert.equal(apply('---\nvoices:\n  Alice:\n    voice: jam\n---\n', 'Carol', 'kazi'), '---\nvoices:\n  Alice:\n    voice: jam\n  Carol:\n    voice: kazi\n---\n');
  });

  test('a flow mapping gains a pair; an empty block its first entry; names that need quotes are quoted', () => {
    assert.equal(apply('---\nvoices: { Alice: jam }\n---\n', 'Carol', 'kazi'), '---\nvoices: { Alice: jam, Carol: kazi }\n---\n');
    assert.equal(apply('---\nvoices:\n---\n', 'Carol', 'kazi'), '---\nvoices:\n  Carol: kazi\n---\n');
    const odd = apply('---\nvoices:\n  Alice: jam\n---\n', 'Dr: No', '123')!;
    assert.deepEqual(cast(odd), { Alice: 'jam', 'Dr: No': '123' });
  });

  test('no front matter, or none with voices: no edit (the cast file is the place)', () => {
    assert.equal(frontMatterVoiceEdit('Alice: Hi.', 'Alice', 'jam'), undefined);
    assert.equal(frontMatterVoiceEdit('---\ntitle: x\n---\nAlice: Hi.', 'Alice', 'jam'), undefined);
  });
});
