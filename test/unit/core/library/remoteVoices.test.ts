import * as assert from 'node:assert/strict';
import { mergeVoiceLists, providerTime, recordForRemote, type LibraryVoice } from '../../../../src/core/library/remoteVoices';
import type { VoiceRecord } from '../../../../src/core/library/voiceRegistry';
import type { ProviderVoice } from '../../../../src/core/providers/port';

function rec(id: string, minute: number, extra: Partial<VoiceRecord> = {}): VoiceRecord {
  return { voiceId: id, name: `name-${id}`, sampleUrl: '', createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), ...extra };
}

function remote(id: string, createdAt?: string, kind: ProviderVoice['kind'] = 'cloned'): ProviderVoice {
  return { voiceId: id, name: `remote-${id}`, kind, ...(createdAt ? { createdAt } : {}) };
}

/** `id:place` for recorded voices, `id:remoteOnly` for the others, in order. */
function marks(list: LibraryVoice[]): string[] {
  return list.map((v) => (v.kind === 'recorded' ? `${v.voice.voiceId}:${v.place}` : `${v.voice.voiceId}:remoteOnly`));
}

suite('library: local records beside the provider’s list', () => {
  test('without a list every record is unchecked (a recorded deletion still shows), newest first', () => {
    const list = mergeVoiceLists([rec('a', 1, { provider: 'zhipu' }), rec('b', 3), rec('c', 2, { provider: 'zhipu', deletedAt: '2026-01-02T00:00:00Z' })], undefined);
    assert.deepEqual(marks(list), ['b:unchecked', 'c:deleted', 'a:unchecked']);
  });

  test('Zhipu records are found in Zhipu’s list or marked as known only here; Novita’s are never checked against it', () => {
    const local = [rec('z1', 1, { provider: 'zhipu' }), rec('z2', 2, { provider: 'zhipu' }), rec('n1', 3), rec('n2', 4, { provider: 'novita' })];
    const list = mergeVoiceLists(local, { provider: 'zhipu', voices: [remote('z1'), remote('n1')] });
    // n1 at Zhipu under a Novita record's id is not the same voice: it is listed as only at Zhipu
    assert.deepEqual(marks(list), ['n2:unchecked', 'n1:unchecked', 'z2:localOnly', 'z1:both', 'n1:remoteOnly']);
  });

  test('the provider’s voices no record names come after the records, newest first; system voices are left out', () => {
    const list = mergeVoiceLists([rec('z1', 1, { provider: 'zhipu' })], {
      provider: 'zhipu',
      voices: [remote('tongtong', '2025-12-01 00:00:00', 'system'), remote('old', '2026-01-01 08:00:00'), remote('z1'), remote('new', '2026-02-01 08:00:00'), remote('undated')],
    });
    assert.deepEqual(marks(list), ['z1:both', 'new:remoteOnly', 'old:remoteOnly', 'undated:remoteOnly']);
    const only = list.find((v) => v.kind === 'remoteOnly');
    assert.equal(only?.kind === 'remoteOnly' && only.provider, 'zhipu');
  });

  test('a recorded deletion of a voice still listed shows it as there (it still speaks); one not listed as deleted', () => {
    const at = '2026-01-05T00:00:00Z';
    const list = mergeVoiceLists([rec('z1', 1, { provider: 'zhipu', deletedAt: at }), rec('z2', 2, { provider: 'zhipu', deletedAt: at })], { provider: 'zhipu', voices: [remote('z1')] });
    assert.deepEqual(marks(list), ['z2:deleted', 'z1:both']);
  });

  test('an empty list marks every record of that provider as known only here', () => {
    assert.deepEqual(marks(mergeVoiceLists([rec('z1', 1, { provider: 'zhipu' })], { provider: 'zhipu', voices: [] })), ['z1:localOnly']);
  });

  test('the records given are not changed', () => {
    const local = [rec('b', 1, { provider: 'zhipu' }), rec('a', 2, { provider: 'zhipu' })];
    const copy = structuredClone(local);
    mergeVoiceLists(local, { provider: 'zhipu', voices: [remote('a')] });
    assert.deepEqual(local, copy);
  });

  test('a voice used from the provider’s list is recorded as that provider’s, with its creation time or now', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const r = recordForRemote(remote('v1', '2026-02-01 08:00:00'), 'zhipu', now);
    assert.equal(r.provider, 'zhipu');
    assert.equal(r.voiceId, 'v1');
    assert.equal(r.name, 'remote-v1');
    assert.equal(r.createdAt, new Date(providerTime('2026-02-01 08:00:00')!).toISOString());
    assert.equal(recordForRemote(remote('v2', 'not a date'), 'zhipu', now).createdAt, now.toISOString());
    assert.equal(recordForRemote({ voiceId: 'v3', name: '', kind: 'cloned' }, 'zhipu', now).name, 'v3');
    assert.equal(providerTime('garbage'), undefined);
  });
});
