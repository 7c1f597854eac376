import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreviewRecord, VoiceRecord } from '../../../../src/core/library/voiceRegistry';
import { VoiceRegistry } from '../../../../src/core/library/voiceRegistry';
import { checkVoiceNameExact } from '../../../../src/core/validation';
import { fieldProblemText, english } from '../../../../src/messages/index';

const validateVoiceName = (name: string) => {
  const p = checkVoiceNameExact(name);
  return p ? fieldProblemText('voiceName', p, english) : undefined;
};

function voice(n: number, extra: Partial<VoiceRecord> = {}): VoiceRecord {
  return { voiceId: `voice_${n}`, name: `voice-${n}`, sampleUrl: `https://example.com/${n}.wav`, createdAt: new Date(Date.UTC(2025, 0, 1, 0, n)).toISOString(), ...extra };
}

function preview(n: number, extra: Partial<PreviewRecord> = {}): PreviewRecord {
  return { id: `p${n}`, file: `p${n}.wav`, text: `text ${n}`, voice: 'tongtong', createdAt: new Date(Date.UTC(2025, 0, 1, 0, n)).toISOString(), kind: 'speech', ...extra };
}

suite('VoiceRegistry', () => {
  let dir: string;
  let audio: string;
  setup(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registry-'));
    audio = join(dir, 'audio');
    await mkdir(audio);
  });
  teardown(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing file opens empty, without a recovery report, and writes nothing until a change', async () => {
    const reg = await VoiceRegistry.open(dir);
    assert.deepEqual(reg.voices(), []);
    assert.deepEqual(reg.history(), []);
    assert.equal(reg.recovered, undefined);
    assert.equal(existsSync(join(dir, 'registry.json')), false);
  });

  test('writes are atomic: the file is whole JSON and no temp file is left', async () => {
    const reg = await VoiceRegistry.open(dir);
    let changes = 0;
    reg.onDidChange(() => changes++);
    await reg.addVoice(voice(1, { transcript: 'hello', previewFile: 'v1.wav' }));
    await reg.addPreview(preview(1), 10);
    await reg.renameVoice('voice_1', 'Narrator');
    assert.equal(changes, 3);
    assert.deepEqual((await readdir(dir)).sort(), ['audio', 'registry.json']);
    const onDisk = JSON.parse(await readFile(join(dir, 'registry.json'), 'utf8'));
    assert.equal(onDisk.version, 1);
    assert.deepEqual(onDisk.voices, [{ ...voice(1, { transcript: 'hello', previewFile: 'v1.wav' }), label: 'Narrator' }]);
    assert.deepEqual(onDisk.history, [preview(1)]);

    const again = await VoiceRegistry.open(dir);
    assert.deepEqual(again.voices(), reg.voices());
    assert.deepEqual(again.history(), reg.history());
  });

  test('a failed write leaves the in-memory state unchanged, and later changes still go through', async () => {
    const reg = await VoiceRegistry.open(dir);
    await reg.addVoice(voice(1));
    const before = await readFile(join(dir, 'registry.json'));
    await rm(dir, { recursive: true }); // the storage folder vanished: nowhere to write
    await assert.rejects(reg.addVoice(voice(2)), { code: 'ENOENT' });
    assert.deepEqual(reg.voices().map((v) => v.voiceId), ['voice_1']);
    await mkdir(dir);
    await writeFile(join(dir, 'registry.json'), before);
    await reg.addVoice(voice(3)); // the queue goes on after a failure
    assert.deepEqual((await VoiceRegistry.open(dir)).voices().map((v) => v.voiceId), ['voice_1', 'voice_3']);
    assert.deepEqual(await readdir(dir), ['registry.json']);
  });

  test('two windows sharing the file do not overwrite each other\'s changes', async () => {
    const a = await VoiceRegistry.open(dir);
    const b = await VoiceRegistry.open(dir);
    await a.addVoice(voice(1));
    await b.addVoice(voice(2));
    await a.addVoice(voice(3));
    await b.renameVoice('voice_1', 'Renamed in B');
    assert.deepEqual(a.voices().map((v) => v.voiceId), ['voice_1', 'voice_2', 'voice_3']);
    const reopened = await VoiceRegistry.open(dir);
    assert.deepEqual(reopened.voices().map((v) => v.voiceId), ['voice_1', 'voice_2', 'voice_3']);
    assert.equal(reopened.voice('voice_1')!.label, 'Renamed in B');

    let notified = 0;
    a.onDidChange(() => notified++);
    assert.equal(a.voice('voice_1')!.label, undefined, 'reads are from memory');
    assert.equal(await a.refresh(), true);
    assert.equal(a.voice('voice_1')!.label, 'Renamed in B');
    assert.equal(await a.refresh(), false);
    assert.equal(notified, 1);
  });

  test('a file corrupted by someone else mid-session is moved aside, and what this window knew is kept', async () => {
    const reg = await VoiceRegistry.open(dir);
    await reg.addVoice(voice(1));
    await writeFile(join(dir, 'registry.json'), 'garbage');
    await reg.addVoice(voice(2));
    assert.ok(reg.recovered);
    assert.equal(await readFile(reg.recovered.movedTo, 'utf8'), 'garbage');
    assert.deepEqual((await VoiceRegistry.open(dir)).voices().map((v) => v.voiceId), ['voice_1', 'voice_2']);
  });

  for (const [what, content, reason] of [
    ['bad JSON', Buffer.from('{"version": 1, "voices": [ {"voiceId": '), /not valid JSON/],
    ['bytes that are not UTF-8', Buffer.from([0xef, 0xbb, 0xbf, 0xff, 0xfe, 0x00, 0x7b, 0x80]), /not valid JSON/],
    ['a wrong version', Buffer.from(JSON.stringify({ version: 2, voices: [], history: [] })), /version 2/],
    ['a wrong shape', Buffer.from(JSON.stringify({ version: 1, voices: {} })), /"voices" or "history"/],
    ['not an object', Buffer.from('[1, 2, 3]'), /object/],
  ] as const) {
    test(`a file with ${what} is moved aside byte for byte, reported, and the registry starts empty`, async () => {
      const file = join(dir, 'registry.json');
      await writeFile(file, content);
      const reg = await VoiceRegistry.open(dir);
      assert.ok(reg.recovered, 'recovery reported');
      assert.match(reg.recovered.movedTo, /registry\.corrupt-.+\.json$/);
      assert.match(reg.recovered.reason, reason);
      assert.ok((await readFile(reg.recovered.movedTo)).equals(content), 'content preserved byte for byte');
      assert.equal(existsSync(file), false);
      assert.deepEqual(reg.voices(), []);
      await reg.addVoice(voice(1));
      assert.ok((await readFile(reg.recovered.movedTo)).equals(content), 'the saved copy is never overwritten');
      assert.deepEqual((await VoiceRegistry.open(dir)).voices(), [voice(1)]);
    });
  }

  test('a second recovery never overwrites the first', async () => {
    const file = join(dir, 'registry.json');
    await writeFile(file, 'first{');
    const a = await VoiceRegistry.open(dir);
    await writeFile(file, 'second{');
    const b = await VoiceRegistry.open(dir);
    assert.notEqual(a.recovered!.movedTo, b.recovered!.movedTo);
    assert.equal(await readFile(a.recovered!.movedTo, 'utf8'), 'first{');
    assert.equal(await readFile(b.recovered!.movedTo, 'utf8'), 'second{');
  });

  test('invalid entries are dropped on load and counted, valid ones kept', async () => {
    await writeFile(
      join(dir, 'registry.json'),
      JSON.stringify({
        version: 1,
        voices: [voice(1), { voiceId: 'x' }, null, voice(2, { createdAt: 'not a date' })],
        history: [preview(1), { ...preview(2), kind: 'song' }],
      }),
    );
    const reg = await VoiceRegistry.open(dir);
    assert.equal(reg.recovered, undefined);
    assert.equal(reg.droppedOnLoad, 4);
    assert.deepEqual(reg.voices(), [voice(1)]);
    assert.deepEqual(reg.history(), [preview(1)]);
  });

  test('50 concurrent addVoice calls are all kept', async () => {
    const reg = await VoiceRegistry.open(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => reg.addVoice(voice(i))));
    assert.equal(reg.voices().length, 50);
    const reopened = await VoiceRegistry.open(dir);
    assert.deepEqual(
      reopened.voices().map((v) => v.voiceId).sort(),
      Array.from({ length: 50 }, (_, i) => `voice_${i}`).sort(),
    );
    assert.deepEqual((await readdir(dir)).sort(), ['audio', 'registry.json']);
  });

  test('renameVoice and removeVoice', async () => {
    const reg = await VoiceRegistry.open(dir);
    await reg.addVoice(voice(1));
    assert.equal(await reg.renameVoice('voice_1', '  Warm narrator '), true);
    assert.equal(reg.voice('voice_1')!.label, 'Warm narrator');
    assert.equal(await reg.renameVoice('voice_1', ''), true);
    assert.equal(reg.voice('voice_1')!.label, undefined);
    assert.equal(await reg.renameVoice('nope', 'x'), false);
    assert.equal(await reg.removeVoice('voice_1'), true);
    assert.equal(await reg.removeVoice('voice_1'), false);
    assert.deepEqual((await VoiceRegistry.open(dir)).voices(), []);
  });

  test('records handed out are copies', async () => {
    const reg = await VoiceRegistry.open(dir);
    await reg.addVoice(voice(1));
    reg.voices()[0].name = 'changed';
    assert.equal(reg.voices()[0].name, 'voice-1');
  });

  test('addPreview trims the history: oldest files deleted first, then their entries', async () => {
    const reg = await VoiceRegistry.open(dir);
    for (const n of [3, 1, 4, 2]) {
      await writeFile(join(audio, `p${n}.wav`), `audio ${n}`);
      await reg.addPreview(preview(n), 10);
    }
    await writeFile(join(audio, 'p5.wav'), 'audio 5');
    const removed = await reg.addPreview(preview(5), 2);
    assert.deepEqual(removed.map((r) => r.id), ['p1', 'p2', 'p3']);
    assert.deepEqual(reg.history().map((h) => h.id).sort(), ['p4', 'p5']);
    assert.deepEqual((await readdir(audio)).sort(), ['p4.wav', 'p5.wav']);
    assert.deepEqual((await VoiceRegistry.open(dir)).history().map((h) => h.id).sort(), ['p4', 'p5']);
  });

  test('a file that cannot be deleted keeps its entry; the next oldest goes instead', async () => {
    const reg = await VoiceRegistry.open(dir);
    // A non-empty directory cannot be removed without `recursive`: it stands for a locked file.
    await mkdir(join(audio, 'p1.wav'));
    await writeFile(join(audio, 'p1.wav', 'inside'), 'x');
    await reg.addPreview(preview(1), 10);
    await writeFile(join(audio, 'p2.wav'), 'a');
    await reg.addPreview(preview(2), 10);
    await writeFile(join(audio, 'p3.wav'), 'a');
    const removed = await reg.addPreview(preview(3), 2);
    assert.deepEqual(removed.map((r) => r.id), ['p2']);
    assert.deepEqual(reg.history().map((h) => h.id).sort(), ['p1', 'p3']);
    assert.equal(existsSync(join(audio, 'p1.wav')), true);
    assert.equal(existsSync(join(audio, 'p2.wav')), false);
  });

  test('a missing file does not keep its entry alive; absolute paths are honoured', async () => {
    const reg = await VoiceRegistry.open(dir);
    const elsewhere = join(dir, 'elsewhere.wav');
    await writeFile(elsewhere, 'x');
    await reg.addPreview(preview(1, { file: elsewhere }), 5);
    await reg.addPreview(preview(2, { file: 'never-written.wav' }), 5);
    await reg.addPreview(preview(3), 1);
    assert.deepEqual(reg.history().map((h) => h.id), ['p3']);
    assert.equal(existsSync(elsewhere), false);
  });

  test('removePreview deletes the file, then the entry', async () => {
    const reg = await VoiceRegistry.open(dir);
    await writeFile(join(audio, 'p1.wav'), 'x');
    await reg.addPreview(preview(1), 10);
    assert.equal(await reg.removePreview('p1'), true);
    assert.equal(existsSync(join(audio, 'p1.wav')), false);
    assert.deepEqual(reg.history(), []);
    assert.equal(await reg.removePreview('p1'), false);
  });

  test('invalid records are refused before anything is written', async () => {
    const reg = await VoiceRegistry.open(dir);
    await assert.rejects(reg.addVoice({ ...voice(1), voiceId: '' }), TypeError);
    await assert.rejects(reg.addPreview({ ...preview(1), kind: 'song' as 'speech' }), TypeError);
    assert.equal(existsSync(join(dir, 'registry.json')), false);
  });

  test('consent and watermark are kept across a reload; the latest consent of a sample is found, a dateless one refused', async () => {
    const reg = await VoiceRegistry.open(dir);
    await reg.addVoice(voice(1, { consent: { at: '2026-01-01T00:00:00.000Z' } }));
    await reg.addVoice(voice(2, { sampleUrl: voice(1).sampleUrl, consent: { at: '2026-02-01T00:00:00.000Z' } }));
    await reg.addVoice(voice(3));
    await reg.addPreview(preview(1, { watermark: false }));
    await assert.rejects(reg.addVoice(voice(4, { consent: { at: 'yesterday' } })), TypeError);
    await assert.rejects(reg.addPreview(preview(2, { watermark: 'yes' as unknown as boolean })), TypeError);
    const again = await VoiceRegistry.open(dir);
    assert.deepEqual(again.consentFor(` ${voice(1).sampleUrl} `), { at: '2026-02-01T00:00:00.000Z' });
    assert.equal(again.consentFor(voice(3).sampleUrl), undefined, 'a voice cloned before consent was asked has none');
    assert.equal(again.history()[0].watermark, false);
  });

  test('hasName ignores case and looks at names and labels', async () => {
    const reg = await VoiceRegistry.open(dir);
    await reg.addVoice(voice(1, { name: 'Narrator', label: 'Warm One' }));
    assert.equal(reg.hasName('narrator'), true);
    assert.equal(reg.hasName('WARM ONE'), true);
    assert.equal(reg.hasName('other'), false);
  });

  test('proposeName returns a free, valid name', async () => {
    const reg = await VoiceRegistry.open(dir);
    assert.equal(reg.proposeName(), 'my-voice');
    await reg.addVoice(voice(1, { name: 'my-voice' }));
    await reg.addVoice(voice(2, { name: 'x', label: 'MY-VOICE-2' }));
    assert.equal(reg.proposeName(), 'my-voice-3');
    assert.equal(reg.proposeName('Grandma’s voice!'), 'Grandma-s-voice');
    assert.equal(reg.proposeName('   '), 'my-voice-3');
    assert.equal(reg.proposeName('my-voice', ['MY-VOICE-3']), 'my-voice-4', 'a name about to be recorded counts as taken');
    const long = 'a'.repeat(64);
    await reg.addVoice(voice(3, { name: long }));
    const proposed = reg.proposeName(long);
    assert.equal(proposed, `${'a'.repeat(62)}-2`);
    for (const name of [proposed, reg.proposeName(), reg.proposeName('日本語')]) assert.equal(validateVoiceName(name), undefined, name);
  });

  test('validateVoiceName explains what to change', () => {
    assert.equal(validateVoiceName('narrator_2-b'), undefined);
    assert.equal(validateVoiceName('A'), undefined);
    assert.equal(validateVoiceName('x'.repeat(64)), undefined);
    assert.match(validateVoiceName('')!, /name/);
    assert.match(validateVoiceName('x'.repeat(65))!, /at most 64/);
    assert.match(validateVoiceName('has space')!, /letters, digits/);
    assert.match(validateVoiceName('émile')!, /letters, digits/);
    assert.match(validateVoiceName(' padded')!, /spaces/);
  });
});

suite('voice registry: leftovers of interrupted writes', () => {
  test('open() removes temp files older than a minute and leaves recent ones (another window may be writing)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gvc-reg-tmp-'));
    try {
      const stale = join(dir, 'registry.json.tmp-1234-aaaaaa');
      const fresh = join(dir, 'registry.json.tmp-5678-bbbbbb');
      await writeFile(stale, '{"half":');
      await writeFile(fresh, '{"half":');
      const old = new Date(Date.now() - 5 * 60_000);
      await utimes(stale, old, old);
      const registry = await VoiceRegistry.open(dir);
      assert.deepEqual(registry.voices(), []);
      assert.equal(existsSync(stale), false, 'stale temp file removed');
      assert.equal(existsSync(fresh), true, 'recent temp file kept');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
