import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SettingsFileProblem } from '../../../../src/core/errors';
import { codePointLength, SYSTEM_VOICES, type SystemVoice } from '../../../../src/core/limits';
import { castVoice, frontMatterCast, labelAt, mergeCasts, parseCastFile, planScript, type ScriptPlan } from '../../../../src/core/narration/cast';
import { chunkAt, planNarration, sentenceAt } from '../../../../src/core/narration/plan';
import { parsePronunciations } from '../../../../src/core/narration/pronunciations';
import { english, settingsFileProblemText } from '../../../../src/messages';

/** Every chunk has one speaker and its sentences' source slices hold their words; labels are never spoken. */
function assertScriptSound(source: string, plan: ScriptPlan, maxChars = 1024): void {
  let previousEnd = 0;
  plan.chunks.forEach((chunk, i) => {
    assert.equal(chunk.index, i);
    assert.ok(codePointLength(chunk.sendText) <= maxChars, `chunk ${i} sends ${codePointLength(chunk.sendText)} code points`);
    assert.equal(chunk.text, chunk.sentences.map((s) => s.text).join(' '));
    for (const s of chunk.sentences) {
      assert.equal(s.chunk, i);
      assert.ok(s.start >= previousEnd, `"${s.text}" overlaps the sentence before`);
      // The narration may add a period (a heading) and drop markup; the words are the source's, in order.
      assert.deepEqual(words(source.slice(s.start, s.end)), words(s.text), `${JSON.stringify(source.slice(s.start, s.end))} vs ${JSON.stringify(s.text)}`);
      previousEnd = s.end;
    }
  });
}

function words(s: string): string[] {
  return s.match(/[\p{L}\p{N}']+/gu) ?? [];
}

const THREE_SPEAKERS = [
  '---',
  'title: The kettle',
  'voices:',
  '  Alice: voice_abc   # her clone',
  '  Bob: { voice: jam, speed: 1.1, volume: 2 }',
  '  "Dr. Chen":',
  '    voice: kazi',
  '    speed: 0.9',
  '---',
  '# Act one',
  '',
  'The kitchen is quiet. A kettle hums.',
  '',
  '**Alice:** Is anyone awake? It is past ten.',
  '',
  'Bob: I am. Couldn\'t sleep.',
  '',
  '__Dr. Chen:__ Neither could I.',
  'The storm kept me up.',
  '',
  'They sit together.',
  '',
  'Alice: Tea, then.',
  '',
].join('\n');

suite('cast: speaker labels', () => {
  test('labels in their accepted forms, with the offset after the label', () => {
    for (const [text, speaker] of [
      ['Alice: hi', 'Alice'],
      ['**Alice:** hi', 'Alice'],
      ['**Alice**: hi', 'Alice'],
      ['__Alice:__ hi', 'Alice'],
      ['Dr. Chen: hi', 'Dr. Chen'],
      ['R2 D2: beep', 'R2 D2'],
      ['小明：你好', '小明'],
      ['Alice:\nhi', 'Alice'],
    ] as const) {
      const label = labelAt(text, 0);
      assert.equal(label?.speaker, speaker, text);
      assert.match(text.slice(label.end), /^\s*(hi|beep|你好)$/, text);
    }
  });

  test('URLs, times, long runs and text without a colon are not labels', () => {
    for (const text of ['https://example.com is down', '10:30 is the time', 'mailto:someone@example.com', 'a'.repeat(41) + ': too long', 'No label here', ': empty name', '**Alice:**x']) {
      assert.equal(labelAt(text, 0), undefined, text);
    }
    assert.equal(labelAt('Alice:https', 0), undefined, 'an ASCII colon needs a space after it');
  });
});

suite('cast: files and front matter', () => {
  test('the front matter voices map: scalars, flow and block mappings, quoted names, comments', () => {
    const { cast, problems } = frontMatterCast(THREE_SPEAKERS);
    assert.deepEqual(problems, []);
    assert.deepEqual([...cast], [
      ['Alice', { voice: 'voice_abc' }],
      ['Bob', { voice: 'jam', speed: 1.1, volume: 2 }],
      ['Dr. Chen', { voice: 'kazi', speed: 0.9 }],
    ]);
  });

  test('a cast file as text or as an object', () => {
    const file = { voices: { Alice: 'voice_file', Eve: { voice: 'tongtong', volume: 3 } } };
    assert.deepEqual([...parseCastFile(file).cast], [['Alice', { voice: 'voice_file' }], ['Eve', { voice: 'tongtong', volume: 3 }]]);
    assert.deepEqual([...parseCastFile(JSON.stringify(file)).cast], [...parseCastFile(file).cast]);
  });

  test('front matter wins over the cast file, names compared case-insensitively', () => {
    const file = parseCastFile({ voices: { alice: 'voice_file', Eve: 'tongtong' } }).cast;
    const merged = mergeCasts(frontMatterCast(THREE_SPEAKERS).cast, file);
    assert.equal(castVoice(merged, 'Alice')?.voice, 'voice_abc');
    assert.equal(castVoice(merged, 'ALICE')?.voice, 'voice_abc');
    assert.equal(castVoice(merged, 'Eve')?.voice, 'tongtong');
    const plan = planScript(THREE_SPEAKERS, 'markdown', { narratorVoice: 'tongtong', cast: file });
    assert.deepEqual(plan.chunks.filter((c) => c.speaker === 'Alice').map((c) => c.voice), ['voice_abc', 'voice_abc']);
  });

  test('invalid entries are problems as data; the valid ones still apply', () => {
    const { cast, problems } = parseCastFile({
      voices: { Alice: 'a', Bob: 42, Carol: { voice: 'c', speed: 3, volume: 0, pitch: 1 }, Dan: { speed: 1 }, ' ': 'x', alice: 'dup' },
      extra: true,
    });
    assert.deepEqual([...cast], [['Alice', { voice: 'a' }], ['Carol', { voice: 'c' }]]);
    const codes = problems.map((p) => `${p.path}:${p.code}`);
    assert.deepEqual(codes.sort(), [
      'extra:unknownKey',
      'voices. :empty',
      'voices.Bob:notString',
      'voices.Carol.pitch:unknownKey',
      'voices.Carol.speed:range',
      'voices.Carol.volume:range',
      'voices.Dan.voice:empty',
      'voices.alice:duplicate',
    ]);
    assert.ok(problems.every((p) => p.file === 'cast'));
    assert.equal(parseCastFile('{ "voices": ').problems[0].code, 'json');
    assert.equal(parseCastFile([]).problems[0].code, 'notObject');
    assert.equal(parseCastFile({}).problems[0].code, 'noVoices');
  });

  test('front matter problems carry the offsets of their line', () => {
    const source = '---\nvoices:\n  Bob: { voice: jam, speed: fast }\n  - Carol\n---\nBob: hi\n';
    const { cast, problems } = frontMatterCast(source);
    assert.deepEqual([...cast], [['Bob', { voice: 'jam' }]]);
    const speed = problems.find((p) => p.code === 'notNumber');
    assert.ok(speed && speed.start !== undefined && speed.end !== undefined);
    assert.equal(source.slice(speed.start, speed.end), 'Bob: { voice: jam, speed: fast }');
    const syntax = problems.find((p) => p.code === 'syntax');
    assert.ok(syntax && syntax.start !== undefined);
    assert.equal(source.slice(syntax.start, syntax.end), '- Carol');
  });

  test('every problem has a sentence', () => {
    const codes: SettingsFileProblem['code'][] = ['json', 'notObject', 'noVoices', 'noEntries', 'notString', 'empty', 'tooLong', 'notNumber', 'range', 'notBoolean', 'unknownKey', 'duplicate', 'syntax'];
    for (const code of codes) {
      for (const file of ['cast', 'pronunciations'] as const) {
        const text = settingsFileProblemText({ file, path: 'voices.Bob.volume', code, value: 'x', min: 0, max: 10 }, english);
        assert.ok(text.length > 10 && !/\{\d\}/.test(text), `${code}: ${text}`);
      }
    }
  });
});

suite('cast: planScript', () => {
  test('a three-speaker Markdown script: speakers, voices, speed and volume, labels not spoken', () => {
    const plan = planScript(THREE_SPEAKERS, 'markdown', { narratorVoice: 'tongtong' });
    assertScriptSound(THREE_SPEAKERS, plan);
    const lines = plan.chunks.map((c) => [c.speaker ?? '-', c.voice, c.speed, c.volume, c.text]);
    assert.deepEqual(lines, [
      ['-', 'tongtong', undefined, undefined, 'Act one.'],
      ['-', 'tongtong', undefined, undefined, 'The kitchen is quiet. A kettle hums.'],
      ['Alice', 'voice_abc', undefined, undefined, 'Is anyone awake? It is past ten.'],
      ['Bob', 'jam', 1.1, 2, "I am. Couldn't sleep."],
      ['Dr. Chen', 'kazi', 0.9, undefined, 'Neither could I. The storm kept me up.'],
      ['-', 'tongtong', undefined, undefined, 'They sit together.'],
      ['Alice', 'voice_abc', undefined, undefined, 'Tea, then.'],
    ]);
    for (const chunk of plan.chunks) {
      assert.ok(!/Alice|Bob|Chen/.test(chunk.text), `a label is spoken: ${chunk.text}`);
      assert.equal(chunk.sendText, chunk.text);
    }
    // Offsets exclude the label: the sentence starts at the spoken word.
    const alice = plan.chunks[2];
    assert.equal(THREE_SPEAKERS.slice(alice.start, alice.end), 'Is anyone awake? It is past ten.');
    const chen = plan.chunks[4];
    assert.equal(THREE_SPEAKERS.slice(chen.start, chen.end), 'Neither could I.\nThe storm kept me up.');
    assert.deepEqual(plan.unassigned, []);
    // The plan is a NarrationPlan: read-from-cursor and highlighting work on it as on any other.
    const label = THREE_SPEAKERS.indexOf('Bob: I am');
    assert.equal(sentenceAt(plan, label)?.text, 'I am.');
    assert.equal(chunkAt(plan, label), plan.chunks[3]);
  });

  test('a speaker switch splits chunks even where the text would fit in one', () => {
    const source = 'Alice: One. Two.\nThree.\n\nBob: Four.\n\nAlice: Five.\n';
    const plan = planScript(source, 'markdown', { narratorVoice: 'n', cast: new Map([['Alice', { voice: 'a' }], ['Bob', { voice: 'b' }]]), maxChars: 1000 });
    assertScriptSound(source, plan);
    for (const chunk of plan.chunks) {
      const blocks = new Set(chunk.sentences.map((s) => s.block));
      assert.equal(blocks.size, 1, `chunk ${chunk.index} spans paragraphs`);
    }
    assert.deepEqual(
      plan.chunks.map((c) => c.voice),
      plan.chunks.map((c) => (c.text.includes('Four') ? 'b' : 'a')),
    );
    // Without speakers, the same paragraphs would still be separate chunks: the plan is planNarration's, labels cut.
    assert.equal(plan.chunks.length, planNarration(source, 'markdown', { maxChars: 1000 }).chunks.length);
  });

  test('unassigned speakers: listed once with the first label\'s offsets and a count, read by the narrator', () => {
    const source = 'Narration first.\n\n**Zed:** Hello.\n\nAlice: Hi.\n\nzed: Again.\n';
    const plan = planScript(source, 'markdown', { narratorVoice: 'tongtong', cast: new Map([['Alice', { voice: 'a' }]]) });
    assert.equal(plan.unassigned.length, 1);
    const [zed] = plan.unassigned;
    assert.equal(zed.speaker, 'Zed');
    assert.equal(zed.count, 2);
    assert.equal(source.slice(zed.start, zed.end), '**Zed:**');
    const zedChunks = plan.chunks.filter((c) => c.speaker?.toLowerCase() === 'zed');
    assert.deepEqual(zedChunks.map((c) => [c.voice, c.text]), [['tongtong', 'Hello.'], ['tongtong', 'Again.']]);
  });

  test('a Narrator entry in the cast voices the unlabelled text', () => {
    const source = '---\nvoices:\n  Narrator: { voice: douji, speed: 0.8 }\n---\nOnce upon a time.\n';
    const [chunk] = planScript(source, 'markdown', { narratorVoice: 'tongtong' }).chunks;
    assert.deepEqual([chunk.speaker, chunk.voice, chunk.speed], [undefined, 'douji', 0.8]);
  });

  test('only paragraphs take labels: headings, list items and URLs stay the narrator\'s', () => {
    const source = '# Alice: a title\n\n- Bob: a list item\n\nhttps://example.com: a link\n\nAt 10:30: the time.\n';
    const plan = planScript(source, 'markdown', { narratorVoice: 'n' });
    assert.ok(plan.chunks.every((c) => c.speaker === undefined), JSON.stringify(plan.chunks.map((c) => c.speaker)));
    assert.deepEqual(plan.unassigned, []);
  });

  test('plain text and CRLF line endings keep their offsets', () => {
    const source = 'Alice: Good morning.\r\n\r\nThe sun rises.\r\n\r\nBob: Hi.\r\n';
    const plan = planScript(source, 'plaintext', { narratorVoice: 'n', cast: new Map([['Bob', { voice: 'b' }]]) });
    assertScriptSound(source, plan);
    assert.deepEqual(plan.chunks.map((c) => [c.speaker, source.slice(c.start, c.end)]), [
      ['Alice', 'Good morning.'],
      [undefined, 'The sun rises.'],
      ['Bob', 'Hi.'],
    ]);
    assert.equal(plan.unassigned[0].speaker, 'Alice');
    assert.equal(source.slice(plan.unassigned[0].start, plan.unassigned[0].end), 'Alice:');
  });

  test('pronunciations rewrite sendText only, and chunks are packed to fit what is sent', () => {
    const sentence = 'GLM reads this. ';
    const source = `Alice: ${sentence.repeat(30)}\n`;
    const pronunciations = [{ word: 'GLM', say: 'G L M', caseSensitive: false }];
    const plan = planScript(source, 'markdown', { narratorVoice: 'n', maxChars: 60, pronunciations });
    assertScriptSound(source, plan, 60);
    assert.ok(plan.chunks.length > 1);
    for (const chunk of plan.chunks) {
      assert.ok(chunk.text.includes('GLM') && !chunk.text.includes('G L M'));
      assert.equal(chunk.sendText, chunk.text.replace(/GLM/g, 'G L M'));
      assert.equal(chunk.speaker, 'Alice');
    }
  });
});

suite('cast: the demo workspace of npm start', () => {
  const demo = join(__dirname, '..', '..', '..', 'fixtures', 'demo');
  const castFile = parseCastFile(readFileSync(join(demo, '.vscode', 'glm-voice-cast.json'), 'utf8'));
  const pronunciations = parsePronunciations(readFileSync(join(demo, '.vscode', 'glm-voice-pronunciations.json'), 'utf8'));

  test('its files are valid', () => {
    assert.deepEqual(castFile.problems, []);
    assert.deepEqual(pronunciations.problems, []);
  });

  test('the Markdown dialogue: three speakers, all with a system voice from its front matter', () => {
    const source = readFileSync(join(demo, 'cast-dialogue.md'), 'utf8');
    const plan = planScript(source, 'markdown', { narratorVoice: 'tongtong', pronunciations: pronunciations.list });
    assertScriptSound(source, plan);
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(plan.unassigned, []);
    assert.deepEqual(new Set(plan.chunks.map((c) => c.speaker)), new Set([undefined, 'Alice', 'Bob', 'Kazi']));
    for (const chunk of plan.chunks) assert.ok(SYSTEM_VOICES.includes(chunk.voice as SystemVoice), chunk.voice);
  });

  test('the Fountain scene: its characters voiced by the cast file', () => {
    const source = readFileSync(join(demo, 'scene.fountain'), 'utf8');
    const plan = planScript(source, undefined, { narratorVoice: 'tongtong', fileName: 'scene.fountain', cast: castFile.cast });
    assert.deepEqual(plan.unassigned, []);
    assert.deepEqual(plan.chunks.map((c) => [c.speaker ?? '-', c.voice, c.speed, c.text]), [
      ['-', 'tongtong', undefined, 'A kettle hums on the stove.'],
      ['-', 'tongtong', undefined, 'ALICE pours two cups.'],
      ['ALICE', 'tongtong', undefined, 'Is it late?'],
      ['BOB', 'jam', 1.1, 'It is late. Drink your tea.'],
      ['-', 'tongtong', undefined, 'The rain has stopped.'],
    ]);
  });
});
