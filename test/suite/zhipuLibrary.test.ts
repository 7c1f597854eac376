// Zhipu's voices in the library, in the real extension host against the Zhipu double in this same process: the key
// set for Zhipu is what the double sees, the voices tree lists the double's voices marked by where they are known,
// a voice found only at Zhipu is recorded when used and spoken at Zhipu, Delete at Zhipu deletes it there and records
// it, and a refused key is a message with nothing changed.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import vscode = require('vscode');
import type { ZhipuDouble } from '../double/zhipuDouble';
import { pcmToWav } from '../../src/core/audio/wav';
import { ZhipuClient } from '../../src/core/zhipu/client';
import type { CloneCommandResult } from '../../src/host/commands/clone';
import type { DeleteAtProviderResult } from '../../src/host/commands/library';
import type { SpeechResult } from '../../src/host/services/speechService';
import { openUntitled, startDouble, startZhipuDouble, stopDouble, stopZhipuDouble } from './fixture';
import type { NovitaDouble } from '../double/novitaDouble';

const KEY = 'gvc-zhipulib-key-5c1d9e7a3f20';
const WRONG_KEY = 'gvc-zhipuwrong-key-0a1b2c3d4e5f';
const NOVITA_KEY = 'gvc-zhipunovita-key-9e8d7c6b5a41';

type Row = { id?: string; label: string; description?: string; contextValue?: string };

const refresh = () => vscode.commands.executeCommand<Row[]>('glmVoiceClone.refreshVoices');
const rowOf = (rows: Row[], voiceId: string) => rows.find((r) => r.id === `voice:${voiceId}` || r.id === `remote:zhipu:${voiceId}`);

interface RegistrySnapshot {
  voices: { voiceId: string; name: string; provider?: string; deletedAt?: string }[];
}

suite('Zhipu voices in the library (real extension host, Zhipu double)', function () {
  this.timeout(60_000);
  let zhipu: ZhipuDouble;
  let novita: NovitaDouble;
  let registryFile: string;
  /** Cloned at the double directly, as another editor or the CLI would. */
  const cloned: Record<'kept' | 'onlyThere' | 'goneThere', { id: string; name: string }> = {} as never;

  async function cloneAtDouble(name: string): Promise<{ id: string; name: string }> {
    const client = new ZhipuClient({ baseUrl: zhipu.baseUrl, apiKey: KEY });
    try {
      const file = await client.upload(pcmToWav(Buffer.alloc(24000 * 2 * 4)), `${name}.wav`);
      const voice = await client.clone({ fileId: file.id, voiceName: name, input: `Hello from ${name}.` });
      return { id: voice.voiceId, name };
    } finally {
      await client.close();
    }
  }

  const registry = (): RegistrySnapshot => JSON.parse(readFileSync(registryFile, 'utf8')) as RegistrySnapshot;

  suiteSetup(async () => {
    // The Novita double only to find the registry's file (a clone there writes it) and for voices not Zhipu's.
    novita = await startDouble(NOVITA_KEY);
    zhipu = await startZhipuDouble(KEY);
    const stamp = Date.now().toString(36);
    const ok = await vscode.commands.executeCommand<CloneCommandResult>('glmVoiceClone.cloneVoice', {
      consent: true,
      sampleUrl: `${novita.baseUrl}/samples/voice.wav`,
      transcript: '',
      text: 'A Novita voice beside Zhipu’s.',
      voiceName: `zl-novita-${stamp}`,
    });
    assert.ok(ok?.ok, JSON.stringify(ok));
    registryFile = join(dirname(dirname(ok.filePath)), 'registry.json');
    cloned.kept = await cloneAtDouble(`zl-kept-${stamp}`);
    cloned.onlyThere = await cloneAtDouble(`zl-there-${stamp}`);
    cloned.goneThere = await cloneAtDouble(`zl-gone-${stamp}`);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'tongtong');
    await stopZhipuDouble(zhipu);
    await stopDouble(novita);
  });

  setup(() => {
    zhipu.clearRequests();
    zhipu.clearFaults();
  });

  test('Set API Key for Zhipu stores the key Zhipu is sent (the double sees it as the Bearer), not in any setting', async () => {
    assert.equal(await vscode.commands.executeCommand('glmVoiceClone.setApiKey', KEY, 'zhipu'), true);
    await refresh();
    const lists = zhipu.requestsTo('list');
    assert.ok(lists.length >= 1, 'the library asked Zhipu for its voices');
    assert.equal(lists.at(-1)!.headers.authorization, `Bearer ${KEY}`);
    assert.equal(JSON.stringify(vscode.workspace.getConfiguration('glmVoiceClone')).includes(KEY), false, 'not in the settings');
  });

  test('the library lists Zhipu’s voices beside the records, marked as at Zhipu, only here, or only at Zhipu', async () => {
    // Two of the double's voices used here (so recorded), one of them then deleted at Zhipu behind the editor's back.
    for (const v of [cloned.kept, cloned.goneThere]) {
      const chosen = await vscode.commands.executeCommand<{ id: string }>('glmVoiceClone.useVoice', v.id);
      assert.equal(chosen?.id, v.id);
    }
    const client = new ZhipuClient({ baseUrl: zhipu.baseUrl, apiKey: KEY });
    await client.deleteVoice(cloned.goneThere.id).finally(() => client.close());

    const rows = await refresh();
    const kept = rowOf(rows, cloned.kept.id);
    const gone = rowOf(rows, cloned.goneThere.id);
    const there = rowOf(rows, cloned.onlyThere.id);
    assert.equal(kept?.contextValue, 'voice.zhipu', JSON.stringify(rows));
    assert.match(kept?.description ?? '', /at Zhipu/);
    assert.equal(gone?.contextValue, 'voice.zhipu.gone', JSON.stringify(rows));
    assert.match(gone?.description ?? '', /only here, not at Zhipu/);
    assert.equal(there?.contextValue, 'remoteVoice.zhipu', JSON.stringify(rows));
    assert.match(there?.description ?? '', /only at Zhipu/);
    assert.equal(there?.label, cloned.onlyThere.name);
    // Novita's voices are not checked against Zhipu's list; Zhipu's system voices are not listed as clones
    const novitaRow = rows.find((r) => r.label.startsWith('zl-novita-'));
    assert.equal(novitaRow?.contextValue, 'voice');
    assert.doesNotMatch(novitaRow?.description ?? '', /Zhipu/);
    assert.equal(rows.some((r) => r.id === 'remote:zhipu:tongtong'), false);
    // the records say whose voices they are
    const recorded = registry().voices.filter((v) => v.voiceId === cloned.kept.id || v.voiceId === cloned.goneThere.id);
    assert.deepEqual(recorded.map((v) => v.provider), ['zhipu', 'zhipu']);
  });

  test('a voice found only at Zhipu is recorded when used, and speaking with it asks Zhipu', async () => {
    const chosen = await vscode.commands.executeCommand<{ id: string }>('glmVoiceClone.useVoice', cloned.onlyThere.id);
    assert.equal(chosen?.id, cloned.onlyThere.id);
    assert.equal(registry().voices.find((v) => v.voiceId === cloned.onlyThere.id)?.provider, 'zhipu');
    const rows = await refresh();
    assert.equal(rowOf(rows, cloned.onlyThere.id)?.contextValue, 'voice.zhipu', 'now recorded, and at Zhipu');

    const doc = await openUntitled(`Spoken by a voice cloned elsewhere ${Date.now()}.`, 'plaintext');
    await vscode.window.showTextDocument(doc);
    novita.clearRequests();
    const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(result?.ok, JSON.stringify(result));
    const speech = zhipu.requestsTo('speech');
    assert.ok(speech.length >= 1, 'Zhipu was asked for the speech');
    assert.ok(speech.every((r) => (r.json as { voice?: string }).voice === cloned.onlyThere.id), JSON.stringify(speech.map((r) => r.json)));
    assert.equal(novita.requests.filter((r) => r.path === '/v3/glm-tts').length, 0, 'not Novita');
  });

  test('Delete at Zhipu deletes the voice there, records the deletion, and the list shows it as deleted', async () => {
    const result = await vscode.commands.executeCommand<DeleteAtProviderResult>('glmVoiceClone.deleteVoiceAtProvider', cloned.kept.id, { confirmed: true });
    assert.deepEqual(result, { ok: true, voiceId: cloned.kept.id });
    const deletes = zhipu.requestsTo('deleteVoice');
    assert.equal(deletes.length, 1);
    assert.deepEqual(deletes[0].json, { voice: cloned.kept.id });
    assert.equal(zhipu.clonedVoices.get(cloned.kept.id)?.deleted, true, 'gone from the double');
    const at = registry().voices.find((v) => v.voiceId === cloned.kept.id)?.deletedAt;
    assert.ok(at && Math.abs(Date.now() - Date.parse(at)) < 60_000, `deletedAt ${at}`);
    const rows = await refresh();
    const row = rowOf(rows, cloned.kept.id);
    assert.equal(row?.contextValue, 'voice.zhipu.gone');
    assert.match(row?.description ?? '', /deleted at Zhipu/);
  });

  test('a key Zhipu refuses: the list and Delete at Zhipu say so, and nothing is deleted or recorded', async () => {
    const before = readFileSync(registryFile, 'utf8');
    zhipu.refusedKeys.add(WRONG_KEY);
    try {
      await vscode.commands.executeCommand('glmVoiceClone.setApiKey', WRONG_KEY, 'zhipu');
      const rows = await refresh();
      const status = rows.find((r) => r.contextValue === 'remoteStatus');
      assert.match(status?.description ?? '', /Zhipu rejected the API key \(401\)/, JSON.stringify(rows));
      assert.equal(rowOf(rows, cloned.onlyThere.id)?.contextValue, 'voice.zhipu', 'the record is still listed, unchecked');

      const result = await vscode.commands.executeCommand<DeleteAtProviderResult>('glmVoiceClone.deleteVoiceAtProvider', cloned.onlyThere.id, { confirmed: true });
      assert.equal(result?.ok, false);
      assert.match((result as { message: string }).message, /was not deleted at Zhipu: Zhipu rejected the API key \(401\)/);
      assert.equal((result as { message: string }).message.includes(WRONG_KEY), false, 'the key is not in the message');
      assert.equal(zhipu.clonedVoices.get(cloned.onlyThere.id)?.deleted, false, 'still at Zhipu');
      assert.equal(readFileSync(registryFile, 'utf8'), before, 'the registry is untouched');
    } finally {
      zhipu.refusedKeys.delete(WRONG_KEY);
      await vscode.commands.executeCommand('glmVoiceClone.setApiKey', KEY, 'zhipu');
    }
  });

  test('without a Zhipu key, Delete at Zhipu says no key is set and sends nothing', async () => {
    await vscode.commands.executeCommand('glmVoiceClone.clearApiKey', 'zhipu');
    try {
      const result = await vscode.commands.executeCommand<DeleteAtProviderResult>('glmVoiceClone.deleteVoiceAtProvider', cloned.onlyThere.id, { confirmed: true });
      assert.equal(result?.ok, false);
      assert.match((result as { message: string }).message, /No Zhipu \(bigmodel\.cn\) API key is set/);
      assert.equal(zhipu.requestsTo('deleteVoice').length, 0);
    } finally {
      await vscode.commands.executeCommand('glmVoiceClone.setApiKey', KEY, 'zhipu');
    }
  });
});
