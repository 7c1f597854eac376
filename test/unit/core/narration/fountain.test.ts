import * as assert from 'node:assert/strict';
import { planScript } from '../../../../src/core/narration/cast';
import { cueName, fountainScript, isFountain } from '../../../../src/core/narration/fountain';

const SCENE = [
  'Title: The Kettle',
  'Author: Someone',
  '',
  'INT. KITCHEN - NIGHT',
  '',
  'ALICE pours *tea*. [[check the prop list]]',
  '',
  'ALICE',
  '(quietly)',
  'Is it late?',
  'It is late.',
  '',
  'BOB (V.O.)',
  'It is late.',
  '',
  '/* A cut line:',
  'It is late.',
  '*/',
  '',
  'CUT TO:',
  '',
  'EXT. GARDEN - DAY',
  '',
  '@McCLANE',
  '(beat)',
  'Yes.',
  '',
  'Alice nods. Yes.',
  '',
  'ALICE',
  'Yes.',
  '',
].join('\n');

const CAST = new Map([
  ['Alice', { voice: 'voice_abc' }],
  ['Bob', { voice: 'jam', speed: 1.2 }],
]);

suite('fountain: screenplays with a cast', () => {
  test('a .fountain file or the fountain language id is a screenplay', () => {
    assert.ok(isFountain('fountain'));
    assert.ok(isFountain('plaintext', '/work/scene.FOUNTAIN'));
    assert.ok(!isFountain('markdown', 'notes.md'));
    assert.ok(!isFountain(undefined));
  });

  test('character cues lose their extensions and markers', () => {
    assert.equal(cueName('BOB (V.O.)'), 'BOB');
    assert.equal(cueName("ALICE (CONT'D)"), 'ALICE');
    assert.equal(cueName('@McCLANE'), 'McCLANE');
    assert.equal(cueName('ALICE ^'), 'ALICE');
  });

  test('dialogue is its speaker\'s, action the narrator\'s; parentheticals, transitions, headings, notes, boneyard and the title page are not spoken', () => {
    const plan = planScript(SCENE, 'fountain', { narratorVoice: 'tongtong', cast: CAST });
    const lines = plan.chunks.map((c) => [c.speaker ?? '-', c.voice, c.text]);
    assert.deepEqual(lines, [
      ['-', 'tongtong', 'ALICE pours tea.'],
      ['ALICE', 'voice_abc', 'Is it late? It is late.'],
      ['BOB', 'jam', 'It is late.'],
      ['McCLANE', 'tongtong', 'Yes.'],
      ['-', 'tongtong', 'Alice nods. Yes.'],
      ['ALICE', 'voice_abc', 'Yes.'],
    ]);
    const all = plan.chunks.map((c) => c.text).join(' ');
    for (const silent of ['quietly', 'beat', 'CUT TO', 'KITCHEN', 'GARDEN', 'prop list', 'Kettle', 'Someone', 'cut line']) {
      assert.ok(!all.includes(silent), `"${silent}" is spoken`);
    }
    assert.equal(plan.chunks[2].speed, 1.2);
    assert.deepEqual(plan.unassigned.map((u) => [u.speaker, u.count, SCENE.slice(u.start, u.end)]), [['McCLANE', 1, 'McCLANE']]);
  });

  test('offsets find each token past the one before: repeated lines, boneyard and the title page are not matched', () => {
    const plan = planScript(SCENE, 'fountain', { narratorVoice: 'n', cast: CAST });
    const at = (needle: string, nth: number) => {
      let i = -1;
      for (let k = 0; k <= nth; k++) i = SCENE.indexOf(needle, i + 1);
      return i;
    };
    const starts = plan.sentences.map((s) => [s.text, s.start]);
    assert.deepEqual(starts, [
      ['ALICE pours tea.', at('ALICE pours', 0)],
      ['Is it late?', at('Is it late?', 0)],
      ['It is late.', at('It is late.', 0)],
      ['It is late.', at('It is late.', 1)], // BOB's line, not ALICE's again
      ['Yes.', at('Yes.', 0)],
      ['Alice nods.', at('Alice nods.', 0)],
      ['Yes.', at('Yes.', 1)],
      ['Yes.', at('Yes.', 2)], // ALICE's last line
    ]);
    for (const s of plan.sentences) {
      assert.ok(SCENE.slice(s.start, s.end).replace(/\*/g, '').includes(s.text), `${JSON.stringify(SCENE.slice(s.start, s.end))} vs ${s.text}`);
    }
    // The boneyard's copy of "It is late." is never a sentence's source.
    const boneStart = SCENE.indexOf('/*');
    const boneEnd = SCENE.indexOf('*/') + 2;
    assert.ok(plan.sentences.every((s) => s.end <= boneStart || s.start >= boneEnd));
    // The cues point at the character names.
    const script = fountainScript(SCENE);
    assert.deepEqual(script.labels.map((l) => SCENE.slice(l.start, l.end)), ['ALICE', 'BOB (V.O.)', 'McCLANE', 'ALICE']);
    assert.equal(script.labels[3].start, SCENE.lastIndexOf('ALICE\nYes.'));
  });

  test('scene headings are read by the narrator when asked', () => {
    const plan = planScript(SCENE, 'plaintext', { narratorVoice: 'n', fileName: 'scene.fountain', sceneHeadings: true });
    // "INT." ends a sentence for the splitter, so a heading may be two sentences: its block is what is checked.
    const blocks = new Map<number, { start: number; end: number }>();
    for (const s of plan.sentences) {
      if (!/INT|KITCHEN|EXT|GARDEN/.test(s.text)) continue;
      const b = blocks.get(s.block);
      blocks.set(s.block, { start: Math.min(b?.start ?? s.start, s.start), end: Math.max(b?.end ?? s.end, s.end) });
      assert.equal(plan.chunks[s.chunk].speaker, undefined);
    }
    assert.deepEqual([...blocks.values()].map((r) => SCENE.slice(r.start, r.end)), ['INT. KITCHEN - NIGHT', 'EXT. GARDEN - DAY']);
  });

  test('CRLF line endings keep offsets on the source as written', () => {
    const crlf = SCENE.replace(/\n/g, '\r\n');
    const plan = planScript(crlf, 'fountain', { narratorVoice: 'n', cast: CAST });
    for (const s of plan.sentences) assert.ok(crlf.slice(s.start, s.end).replace(/\*/g, '').includes(s.text), s.text);
    const script = fountainScript(crlf);
    assert.deepEqual(script.labels.map((l) => crlf.slice(l.start, l.end)), ['ALICE', 'BOB (V.O.)', 'McCLANE', 'ALICE']);
  });
});
