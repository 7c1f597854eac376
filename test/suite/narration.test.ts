// Speak File / Speak Selection in the real extension host against the double: long text becomes ONE WAV whose
// samples are exactly the chunks' samples, in order; cancelling leaves nothing pretending to be whole.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import vscode = require('vscode');
import type { NovitaDouble } from '../double/novitaDouble';
import { labelFor, readLabel, samplesFor } from '../double/synth';
import type { SpeechResult } from '../../src/host/services/speechService';
import { planNarration } from '../../src/core/narration/plan';
import { parseWavHeader } from '../../src/core/audio/wav';
import { openUntitled, startDouble, stopDouble, waitFor } from './fixture';

/** The chunks the product sends for `text`: its narration plan. */
const chunksOf = (text: string, languageId: string) => planNarration(text, languageId).chunks.map((c) => c.text);

const KEY = 'gvc-narration-key-2b8e61d0c4f7';

/** ~30 000 characters of varied prose: sentences of different lengths, some Chinese, some emoji. */
function longScript(seed = ''): string {
  const sentences = [
    'The quick brown fox jumps over the lazy dog.',
    'Narration should never pause between chunks, nor click where one clip meets the next!',
    '这是一个用于测试中文句子切分的例子。',
    'Does the order survive four requests in flight at once?',
    'Emoji like 👩‍👩‍👧‍👦 and 🇯🇵 must stay whole.',
    'A somewhat longer sentence follows, with clauses, commas, and a semicolon; it keeps going so that chunks fill unevenly and the splitter has real work to do.',
  ];
  let out = '';
  // Numbered, so no two chunks are the same text (the chunk cache would rightly send a repeated chunk only once).
  for (let i = 0; out.length < 30_000; i++) out += `Line ${i}${seed}: ${sentences[i % sentences.length]} ${i % 9 === 8 ? '\n\n' : ''}`;
  return out;
}

async function openDoc(content: string, language = 'plaintext'): Promise<vscode.TextDocument> {
  const doc = await openUntitled(content, language);
  await vscode.window.showTextDocument(doc);
  return doc;
}

suite('Speak File and Speak Selection (real extension host, Novita double)', () => {
  let double: NovitaDouble;

  suiteSetup(async () => {
    double = await startDouble(KEY);
    await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', 4, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await stopDouble(double);
  });

  setup(() => {
    double.clearRequests();
    double.clearFaults();
    double.resetStats();
    double.latencyMs = 0;
  });

  test('Speak File over 30 000 characters yields one WAV: duration = sum of the chunks, in order, concurrency bounded', async function () {
    this.timeout(120_000);
    const text = longScript();
    assert.ok(text.length >= 30_000);
    await openDoc(text);
    double.latencyMs = 20;
    const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(result?.ok, JSON.stringify(result));

    const chunks = chunksOf(text, 'plaintext');
    assert.ok(chunks.length >= 30, `${chunks.length} chunks`);
    assert.equal(result.chunks, chunks.length);
    const ttsCalls = double.requests.filter((r) => r.path === '/v3/glm-tts');
    assert.equal(ttsCalls.length, chunks.length, 'one request per chunk, none repeated');
    assert.ok(ttsCalls.every((r) => JSON.parse(r.bodyText).voice === 'tongtong'), 'the active voice is used');
    assert.ok(double.maxInFlight('tts') <= 4, `max in flight ${double.maxInFlight('tts')}`);
    assert.ok(double.maxInFlight('tts') >= 2, 'chunks really ran concurrently');

    const bytes = readFileSync(result.filePath);
    const wav = parseWavHeader(bytes);
    assert.equal(wav.sampleRate, 24000);
    assert.equal(bytes.readUInt32LE(4), bytes.length - 8, 'RIFF size');
    const expectedSamples = chunks.reduce((sum, c) => sum + samplesFor(c), 0);
    assert.equal(wav.dataBytes / 2, expectedSamples, 'total samples = sum of the chunks');
    assert.equal(wav.dataOffset + wav.dataBytes, bytes.length);
    assert.ok(Math.abs(result.durationSec - expectedSamples / 24000) < 1e-6);

    // Each chunk's label sits exactly where the previous chunks end: nothing reordered, nothing between them.
    const pcm = bytes.subarray(wav.dataOffset);
    let offset = 0;
    chunks.forEach((chunk, i) => {
      assert.equal(readLabel(pcm, offset), labelFor(chunk), `chunk ${i + 1} is in place`);
      offset += samplesFor(chunk);
    });
  });

  test('cancelling mid-way leaves no partial file pretending to be whole', async function () {
    this.timeout(60_000);
    // Text no earlier test narrated: from the cache it would send nothing to cancel.
    await openDoc(longScript(' (cancelled run)'));
    double.latencyMs = 150;
    const running = vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    await waitFor(() => double.requests.filter((r) => r.path === '/v3/glm-tts').length >= 6, 20_000, 'six chunk requests');
    assert.equal(await vscode.commands.executeCommand('glmVoiceClone.cancelNarration'), true);
    const result = await running;
    assert.equal(result.ok, false);
    assert.equal((result as { cancelled?: boolean }).cancelled, true);

    // Find the audio folder through a short, successful narration and check what the cancelled one left.
    double.latencyMs = 0;
    await openDoc('One short sentence.');
    const small = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(small.ok, JSON.stringify(small));
    const files = readdirSync(dirname(small.filePath));
    assert.deepEqual(files.filter((f) => f.endsWith('.partial')), [], 'no .partial file');
    const narrations = files.filter((f) => f.startsWith('narration-') && f.endsWith('.wav'));
    for (const f of narrations) {
      const b: Buffer = readFileSync(`${dirname(small.filePath)}/${f}`);
      const info = parseWavHeader(b);
      assert.equal(info.dataOffset + info.dataBytes, b.length, `${f} is whole`);
    }
  });

  test('a chunk that keeps failing is reported by number and the finished part is kept, marked incomplete', async function () {
    this.timeout(60_000);
    const text = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} is here to fill a chunk. `.repeat(30)).join('\n\n');
    const chunks = chunksOf(text, 'plaintext');
    await openDoc(text);
    await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', 1, vscode.ConfigurationTarget.Global);
    try {
      // Chunk 3 (and every retry of it) is refused as a bad request: not retryable.
      double.setFault('tts', { status: 400, body: { code: 400, reason: 'INVALID_INPUT', message: 'input rejected', metadata: {} }, matchInput: chunks[2] });
      const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
      assert.equal(result.ok, false);
      const failed = result as { message: string; failedChunk?: number; keptPath?: string };
      assert.equal(failed.failedChunk, 3, failed.message);
      assert.match(failed.message, new RegExp(`Chunk 3 of ${chunks.length}`));
      assert.ok(failed.keptPath && existsSync(failed.keptPath), 'the finished part is kept');
      assert.match(failed.keptPath!, /incomplete/);
      const kept = parseWavHeader(readFileSync(failed.keptPath!));
      assert.equal(kept.dataBytes / 2, samplesFor(chunks[0]) + samplesFor(chunks[1]));
    } finally {
      await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', 4, vscode.ConfigurationTarget.Global);
    }
  });

  test('Speak Selection speaks only the selection, with the active voice, speed and volume', async () => {
    const doc = await openDoc('Skip this. Speak this sentence only. Skip that.');
    const editor = vscode.window.activeTextEditor!;
    const start = doc.getText().indexOf('Speak this');
    editor.selection = new vscode.Selection(doc.positionAt(start), doc.positionAt(start + 'Speak this sentence only.'.length));
    await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'jam');
    await vscode.workspace.getConfiguration('glmVoiceClone').update('speed', 1.5, vscode.ConfigurationTarget.Global);
    try {
      const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakSelection');
      assert.ok(result.ok, JSON.stringify(result));
      const body = JSON.parse(double.requests.find((r) => r.path === '/v3/glm-tts')!.bodyText);
      assert.equal(body.input, 'Speak this sentence only.');
      assert.equal(body.voice, 'jam');
      assert.equal(body.speed, 1.5);
      assert.equal(body.volume, 1);
    } finally {
      await vscode.workspace.getConfiguration('glmVoiceClone').update('speed', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'tongtong');
    }
  });

  test('A voice chosen is the voice spoken, however quickly voices are switched and speech is counted', async () => {
    // Each speech writes the cost meter to global state a moment later; VS Code echoes every write of it back as a
    // whole snapshot, which (before platform/windowState.ts) could briefly bring back the voice just replaced.
    const voices = ['xiaochen', 'tongtong', 'jam', 'kazi'];
    const spoken: string[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        const voice = voices[i % voices.length];
        await openDoc(`Switch number ${i}.`);
        await vscode.commands.executeCommand('glmVoiceClone.useVoice', voice);
        double.clearRequests();
        const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
        assert.ok(result.ok, JSON.stringify(result));
        spoken.push(`${voice}→${JSON.parse(double.requests.find((r) => r.path === '/v3/glm-tts')!.bodyText).voice}`);
        // The meter writes 250 ms after the speech's last chunk: switch around then, a little later each time.
        await new Promise((r) => setTimeout(r, 225 + ((i * 7) % 60)));
      }
      assert.deepEqual(spoken.filter((s) => s.split('→')[0] !== s.split('→')[1]), [], spoken.join(' '));
    } finally {
      await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'tongtong');
    }
  });

  test('Export Narration saves the narration beside the source file as name.voice.wav', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gvc-export-'));
    const source = join(dir, 'chapter-one.md');
    writeFileSync(source, '# Chapter one\n\nIt was a bright cold day in April.\n');
    await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'xiaochen');
    try {
      const exported = await vscode.commands.executeCommand<{ audio: string } | undefined>('glmVoiceClone.exportNarration', vscode.Uri.file(source), { format: 'wav', subtitles: 'none' });
      assert.equal(exported?.audio, join(dir, 'chapter-one.xiaochen.wav'));
      const bytes = readFileSync(exported.audio);
      const info = parseWavHeader(bytes);
      const chunks = chunksOf(readFileSync(source, 'utf8'), 'markdown');
      assert.equal(info.dataBytes / 2, chunks.reduce((sum, c) => sum + samplesFor(c), 0));
    } finally {
      await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'tongtong');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Export Narration with the acx preset: a passing compliance report, and an MP3 at 44.1 kHz tagged from front matter, then settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gvc-export-acx-'));
    const source = join(dir, 'audiobook.md');
    // The heading's clip (its pause 44 ms, shorter than the mastering's 50 ms blocks) and the sentence's (its pause at
    // the end, cut as edge silence): a narration with no pause to measure a background in, which once got -50 dB room tone.
    writeFileSync(source, `---\nauthor: Front Matter Author\n---\n# Chapter one\n\nThe audiobook begins on a quiet morning (${Date.now()}). The narrator reads it at an even pace.\n`);
    double.tone = { levelDb: -30, pause: 0.2 };
    const config = vscode.workspace.getConfiguration('glmVoiceClone');
    await config.update('export.preset', 'acx', vscode.ConfigurationTarget.Global);
    await config.update('export.author', 'Settings Author', vscode.ConfigurationTarget.Global);
    await config.update('export.album', 'Settings Album', vscode.ConfigurationTarget.Global);
    try {
      const exported = await vscode.commands.executeCommand<{ audio: string; mastering?: { report: { pass: boolean; rules: Array<{ rule: string; pass: boolean }> }; sampleRate: number; kbps?: number } } | undefined>(
        'glmVoiceClone.exportNarration',
        vscode.Uri.file(source),
        { format: 'mp3', subtitles: 'none', overwrite: true },
      );
      assert.ok(exported?.mastering, JSON.stringify(exported));
      assert.equal(exported.mastering.report.pass, true, JSON.stringify(exported.mastering.report.rules));
      assert.equal(exported.mastering.sampleRate, 44_100);
      assert.equal(exported.mastering.kbps, 192);
      assert.ok(existsSync(exported.audio));
      const { parseBuffer } = await import('music-metadata');
      const meta = await parseBuffer(readFileSync(exported.audio), { mimeType: 'audio/mpeg' });
      assert.equal(meta.format.sampleRate, 44_100);
      assert.equal(meta.common.artist, 'Front Matter Author', 'the front matter over the setting');
      assert.equal(meta.common.album, 'Settings Album', 'the setting where the front matter gives none');
    } finally {
      double.tone = {};
      for (const key of ['export.preset', 'export.author', 'export.album']) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Markdown is read as prose: no code, no link URLs, no heading marks', async () => {
    await openDoc('# Title\n\nRead [this link](https://example.com/secret-path).\n\n```js\nconsole.log("never read")\n```\n', 'markdown');
    const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(result.ok, JSON.stringify(result));
    const inputs = double.requests.filter((r) => r.path === '/v3/glm-tts').map((r) => JSON.parse(r.bodyText).input as string).join(' ');
    assert.match(inputs, /Title/);
    assert.match(inputs, /this link/);
    assert.equal(inputs.includes('https://'), false);
    assert.equal(inputs.includes('console.log'), false);
    assert.equal(inputs.includes('#'), false);
  });
});
