// Never pay twice, in the real extension host against the double: the double's request log says what was sent for
// an unchanged export, a one-sentence edit, a resumed export and a corrupted cache entry; the MP3 decodes to the
// audio's length and the subtitles cover it in order.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import vscode = require('vscode');
import type { NovitaDouble } from '../double/novitaDouble';
import { samplesFor } from '../double/synth';
import { parseWavHeader } from '../../src/core/audio/wav';
import { planNarration } from '../../src/core/narration/plan';
import type { SpeechResult } from '../../src/host/services/speechService';
import { openUntitled, startDouble, stopDouble } from './fixture';

const KEY = 'gvc-cache-key-51c0d2e8a7b4';

interface ExportResult {
  audio: string;
  subtitles: string[];
  chunks: number;
  cachedChunks: number;
  durationSec: number;
}

/** A Markdown chapter of about `chars` characters: headings and paragraphs of numbered, distinct sentences. */
function chapter(seed: string, chars: number): string {
  let out = `# ${seed}\n\n`;
  for (let i = 1; out.length < chars; i++) {
    out += `Sentence ${i} of ${seed} tells a little more of the story, one clause after another. `;
    if (i % 5 === 0) out += '\n\n';
    if (i % 40 === 0) out += `## Part ${i / 40} of ${seed}\n\n`;
  }
  return out;
}

/** Every cache entry file under `dir`. */
function entries(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...entries(path));
    else if (!e.name.includes('.tmp')) out.push(path);
  }
  return out;
}

/** Replaces the document's text with `text` and saves it, as a writer editing in the editor would. */
async function rewrite(path: string, text: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'edited');
  assert.ok(await doc.save(), 'saved');
  assert.equal(doc.getText(), text);
}

suite('Chunk cache, resume, takes and export (real extension host, Novita double)', () => {
  let double: NovitaDouble;
  let dir: string;
  const tts = () => double.requests.filter((r) => r.route === 'tts');
  const exportFile = (path: string, options: Record<string, unknown> = {}) =>
    vscode.commands.executeCommand<ExportResult | undefined>('glmVoiceClone.exportNarration', vscode.Uri.file(path), { format: 'wav', subtitles: 'none', overwrite: true, ...options });

  suiteSetup(async () => {
    double = await startDouble(KEY);
    await vscode.commands.executeCommand('glmVoiceClone.clearCache', true);
    dir = mkdtempSync(join(tmpdir(), 'gvc-cache-'));
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await stopDouble(double);
    rmSync(dir, { recursive: true, force: true });
  });
  setup(() => {
    double.clearRequests();
    double.clearFaults();
  });

  test('exporting an unchanged file again sends no request and writes the same audio', async () => {
    const source = join(dir, 'unchanged.md');
    writeFileSync(source, chapter('unchanged', 6000));
    const first = await exportFile(source);
    assert.ok(first, 'exported');
    assert.equal(tts().length, first.chunks, 'the first export sends every chunk');
    assert.equal(first.cachedChunks, 0);
    const bytes = readFileSync(first.audio);
    double.clearRequests();
    const second = await exportFile(source);
    assert.equal(tts().length, 0, 'nothing sent the second time');
    assert.equal(second?.cachedChunks, first.chunks);
    assert.ok(readFileSync(second.audio).equals(bytes), 'the same audio');
  });

  test('after editing one sentence only the chunk(s) holding it are sent', async () => {
    const source = join(dir, 'edited.md');
    const text = chapter('edited', 12000);
    writeFileSync(source, text);
    const first = await exportFile(source);
    assert.ok(first);
    double.clearRequests();
    const edited = text.replace('Sentence 57 of edited tells a little more', 'Sentence 57 of edited now says something new');
    assert.notEqual(edited, text);
    await rewrite(source, edited);
    const second = await exportFile(source);
    assert.ok(second);
    const sent = tts().map((r) => JSON.parse(r.bodyText).input as string);
    assert.ok(sent.length >= 1 && sent.length <= 2, `${sent.length} chunks sent`);
    assert.ok(sent.some((s) => s.includes('now says something new')), 'the edited sentence was sent');
    assert.equal(second.cachedChunks, second.chunks - sent.length);
    const expected = planNarration(edited, 'markdown').chunks.reduce((sum, c) => sum + samplesFor(c.text), 0);
    assert.equal(parseWavHeader(readFileSync(second.audio)).dataBytes / 2, expected, 'the audio is the edited text, whole');
  });

  test('a failed export keeps its finished chunks: running it again sends only the missing ones', async () => {
    const source = join(dir, 'resumed.md');
    const text = chapter('resumed', 8000);
    writeFileSync(source, text);
    const chunks = planNarration(text, 'markdown').chunks.map((c) => c.text);
    // One chunk at a time, so the chunks before the failing one are exactly the finished ones (none is cut off mid-way).
    await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', 1, vscode.ConfigurationTarget.Global);
    double.setFault('tts', { status: 400, body: { code: 400, reason: 'INVALID_INPUT', message: 'input rejected', metadata: {} }, matchInput: chunks[6] });
    let failed: ExportResult | undefined;
    try {
      failed = await exportFile(source);
    } finally {
      await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.equal(failed, undefined, 'the export failed');
    const firstRun = tts().map((r) => JSON.parse(r.bodyText).input as string);
    assert.deepEqual(firstRun, chunks.slice(0, 7), 'the first run got as far as the failing chunk');
    const finished = new Set(chunks.slice(0, 6));
    double.clearFaults();
    double.clearRequests();
    const resumed = await exportFile(source);
    assert.ok(resumed, 'the second run finishes');
    const secondRun = tts().map((r) => JSON.parse(r.bodyText).input as string);
    assert.equal(secondRun.filter((input) => finished.has(input)).length, 0, 'no finished chunk is sent again');
    assert.equal(secondRun.length, chunks.length - finished.size, 'exactly the missing chunks are sent');
    assert.ok(secondRun.includes(chunks[6]), 'the failed chunk is sent again');
  });

  test('a failed chunk can be skipped: silence of its length stands in and the rest is exported', async () => {
    const source = join(dir, 'skipped.md');
    const text = chapter('skipped', 3000);
    writeFileSync(source, text);
    const chunks = planNarration(text, 'markdown').chunks.map((c) => c.text);
    double.setFault('tts', { status: 400, body: { code: 400, reason: 'INVALID_INPUT', message: 'input rejected', metadata: {} }, matchInput: chunks[2] });
    const result = await exportFile(source, { onFailure: 'skip' });
    assert.ok(result, 'exported despite the failed chunk');
    const info = parseWavHeader(readFileSync(result.audio));
    const spoken = chunks.filter((_, i) => i !== 2).reduce((sum, c) => sum + samplesFor(c), 0);
    assert.ok(info.dataBytes / 2 > spoken, 'silence stands in for the skipped chunk');
  });

  test('a corrupted cache entry is synthesized again, never played', async () => {
    const doc = await openUntitled('A sentence that will be cached and then damaged on disk.', 'plaintext');
    await vscode.window.showTextDocument(doc);
    const first = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(tts().length, 1);
    const cacheDir = join(dirname(dirname(first.filePath)), 'chunks');
    const files = entries(cacheDir).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    const newest = files[0];
    const damaged = readFileSync(newest);
    damaged[damaged.length - 10] ^= 0xff;
    writeFileSync(newest, damaged);
    double.clearRequests();
    const second = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(second.ok, JSON.stringify(second));
    assert.equal(tts().length, 1, 'the damaged entry was not used: the chunk was sent again');
    assert.ok(readFileSync(second.filePath).subarray(44).equals(readFileSync(first.filePath).subarray(44)), 'the audio is whole and the same');
    double.clearRequests();
    await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.equal(tts().length, 0, 'the repaired entry serves the next time');
  });

  test('MP3 export decodes to the audio’s length (±0.1 s); SRT and WebVTT cues are in order and cover it', async () => {
    const source = join(dir, 'subtitled.md');
    const text = chapter('subtitled', 2500);
    writeFileSync(source, text);
    const result = await exportFile(source, { format: 'mp3', subtitles: 'both' });
    assert.ok(result, 'exported');
    assert.match(result.audio, /subtitled\.tongtong\.mp3$/);
    const { parseBuffer } = await import('music-metadata');
    const meta = await parseBuffer(readFileSync(result.audio), { mimeType: 'audio/mpeg' }, { duration: true });
    const expected = planNarration(text, 'markdown').chunks.reduce((sum, c) => sum + samplesFor(c.text), 0) / 24000;
    assert.ok(Math.abs((meta.format.duration ?? 0) - expected) <= 0.1, `MP3 ${meta.format.duration} s, audio ${expected} s`);
    assert.deepEqual(result.subtitles.map((p) => p.slice(-4)), ['.srt', '.vtt']);
    for (const path of result.subtitles) {
      const times = [...readFileSync(path, 'utf8').matchAll(/(\d\d):(\d\d):(\d\d)[,.](\d{3}) --> (\d\d):(\d\d):(\d\d)[,.](\d{3})/g)].map((m) => {
        const sec = (h: string, mi: string, s: string, ms: string) => Number(h) * 3600 + Number(mi) * 60 + Number(s) + Number(ms) / 1000;
        return [sec(m[1], m[2], m[3], m[4]), sec(m[5], m[6], m[7], m[8])];
      });
      assert.ok(times.length >= planNarration(text, 'markdown').sentences.length, `${path}: a cue per sentence at least`);
      assert.ok(times[0][0] <= 0.05, 'the first cue starts with the audio');
      for (let i = 1; i < times.length; i++) assert.ok(times[i][0] >= times[i - 1][1] - 0.001, `${path}: cue ${i + 1} starts before cue ${i} ends`);
      assert.ok(Math.abs(times.at(-1)![1] - expected) <= 0.05, `${path}: the last cue ends with the audio (${times.at(-1)![1]} vs ${expected})`);
    }
  });

  test('Retake Sentence synthesizes the chunk again, bypassing the cache; the kept take serves playback', async () => {
    const text = 'First sentence stays. The second sentence gets a retake.';
    const doc = await openUntitled(text, 'plaintext');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    double.clearRequests();
    const offset = text.indexOf('gets a retake');
    const retake = await vscode.commands.executeCommand<{ chunk: number; text: string; kept: string } | undefined>('glmVoiceClone.retakeSentence', { uri: doc.uri, offset, keep: 'new' });
    assert.ok(retake, 'retaken');
    assert.match(retake.text, /second sentence gets a retake/);
    assert.equal(tts().length, 1, 'one fresh request, despite the cache');
    double.clearRequests();
    const again = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(again.ok);
    assert.equal(tts().length, 0, 'playback uses the kept take from the cache');
  });

  test('Retake Sentence retakes the sentence under the cursor alone; its neighbours keep their audio, from the cache', async () => {
    // The paragraph's three sentences share one chunk (the first chunk is the title alone).
    const sentences = ['Alpha opens the paragraph quietly.', 'Beta is the one that gets a retake.', 'Gamma closes it and nobody retakes it.'];
    const text = `A retake title.\n\n${sentences.join(' ')}`;
    const before = planNarration(text, 'plaintext');
    assert.deepEqual(before.chunks.map((c) => c.text), ['A retake title.', sentences.join(' ')], 'the three sentences share a chunk before the retake');
    const doc = await openUntitled(text, 'plaintext');
    await vscode.window.showTextDocument(doc);
    assert.ok((await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile')).ok);
    double.clearRequests();
    const retake = await vscode.commands.executeCommand<{ text: string; kept: string } | undefined>('glmVoiceClone.retakeSentence', { uri: doc.uri, offset: text.indexOf('gets a retake'), keep: 'new' });
    assert.ok(retake, 'retaken');
    assert.equal(retake.text, sentences[1], 'the sentence under the cursor is the one retaken (and named)');
    assert.deepEqual(tts().map((r) => (r.json as { input: string }).input), [sentences[1]], 'the request carries that sentence alone');
    double.clearRequests();
    const again = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(again.ok, JSON.stringify(again));
    assert.equal(again.chunks, 4, 'the retaken sentence is a chunk of its own, between its neighbours');
    assert.equal(tts().length, 0, 'nothing sent: the new take and the neighbours (the audio heard before) from the cache');
  });

  test('Playing a take plays it in the read-along player; the clone panel is not opened', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const text = 'One take to hear. Then another sentence follows it.';
    const doc = await openUntitled(text, 'plaintext');
    await vscode.window.showTextDocument(doc);
    const retake = await vscode.commands.executeCommand<{ text: string; played?: string } | undefined>('glmVoiceClone.retakeSentence', { uri: doc.uri, offset: text.indexOf('another'), play: 'new', keep: 'current' });
    assert.ok(retake, 'retaken');
    assert.match(retake.played ?? '', /Then another sentence follows it/, `the player was given the new take (${JSON.stringify(retake)})`);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    assert.ok(!tabs.some((t) => t.input instanceof vscode.TabInputWebview && /glmVoiceClone\.panel/.test(t.input.viewType)), `the clone panel stays closed (tabs: ${tabs.map((t) => t.label).join(', ')})`);
    await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
  });
});
