// The core's flows (clone, check sample, narrate, transcribe) in plain Node against the double: no editor, the same
// ports the editor and the CLI give them.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NovitaDouble, samplesFor } from '../../../double/novitaDouble';
import { parseWavHeader, pcmToWav } from '../../../../src/core/audio/wav';
import { CloneFlow } from '../../../../src/core/flows/clone';
import { NarrateFlow } from '../../../../src/core/flows/narrate';
import type { ConnectionSettings, ProgressEvent } from '../../../../src/core/flows/ports';
import { SampleFlow } from '../../../../src/core/flows/sample';
import { Synthesizer } from '../../../../src/core/flows/synthesis';
import { ChunkCache } from '../../../../src/core/cache/chunkCache';
import { VoiceRegistry } from '../../../../src/core/library/voiceRegistry';
import { NovitaConnections } from '../../../../src/core/novita/connections';
import { describeProblem, english, progressText } from '../../../../src/messages/index';
import { said } from '../../../support/said';

const KEY = 'sk_flows_LEAKCHECK_8842';

suite('flows (core, plain Node, against the double)', function () {
  this.timeout(20000);
  let d: NovitaDouble;
  let dir: string;
  let registry: VoiceRegistry;
  let connections: NovitaConnections;
  let key: string | undefined;
  let settings: ConnectionSettings;
  let sampleUrl: string;
  const logs: string[] = [];
  let samples: SampleFlow;
  let clone: CloneFlow;
  let narrate: NarrateFlow;
  let synthesizer: Synthesizer;
  let n = 0;
  const audioDir = () => join(dir, 'audio');

  suiteSetup(async () => {
    d = new NovitaDouble({ apiKey: KEY });
    const base = await d.start();
    // Five seconds: within the 3–30 s Novita recommends, so no warning stands in the way.
    sampleUrl = d.addFile('/sample.wav', pcmToWav(Buffer.alloc(5 * 24000 * 2)), 'audio/wav', 'the sample says this');
    d.addFile('/short.wav', pcmToWav(Buffer.alloc(24000 * 2)), 'audio/wav');
    d.addFile('/page.html', Buffer.from('<!doctype html><html><body>Sign in</body></html>'), 'text/html');
    dir = mkdtempSync(join(tmpdir(), 'glm-flows-'));
    settings = { apiBaseUrl: base, requestTimeoutMs: 5000 };
    connections = new NovitaConnections({
      secrets: { apiKey: async () => key },
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
      settings: () => settings,
    });
    registry = await VoiceRegistry.open(dir);
    const folders = { audioDir: async () => (await import('node:fs/promises')).mkdir(audioDir(), { recursive: true }).then(() => audioDir()) };
    samples = new SampleFlow({ connections, folders, settings: () => settings });
    clone = new CloneFlow({ connections, folders, library: async () => registry, samples, historyMaxItems: () => 50 });
    synthesizer = new Synthesizer({ connections, endpoint: () => settings.apiBaseUrl });
    narrate = new NarrateFlow({ synthesizer, folders, library: async () => registry, settings: () => ({ speed: 1, volume: 1, concurrency: 3, historyMaxItems: 50 }) });
  });
  suiteTeardown(async () => {
    connections.dispose();
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  setup(() => {
    key = KEY;
    d.clearFaults();
    d.clearRequests();
    d.latencyMs = 0;
  });
  teardown(() => {
    for (const line of logs) assert.ok(!line.includes(KEY), `the key leaked into the log: ${line}`);
    logs.length = 0;
  });

  const form = (over: Partial<{ sampleUrl: string; transcript: string; text: string; voiceName: string }> = {}) => ({
    sampleUrl,
    transcript: 'the sample says this',
    text: 'Hello from the flow.',
    voiceName: `flow-voice-${++n}`,
    ...over,
  });

  suite('sample', () => {
    test('a good WAV passes; a web page and a bad scheme are refused with their reason', async () => {
      const ok = await samples.check(sampleUrl);
      assert.equal(ok.ok, true);
      assert.equal(ok.format, 'wav');
      const page = await samples.check(`${settings.apiBaseUrl}/page.html`);
      assert.equal(page.ok, false);
      assert.equal(page.refusal?.code, 'webPage');
      await assert.rejects(samples.assertCloneable(`${settings.apiBaseUrl}/page.html`, true), (e) => said(e, 'sampleRefused').message.includes('web page'));
    });

    test('a local file is checked on its bytes, nothing sent: WAV/MP3 pass; other formats, empty and over 10 MB are refused', async () => {
      const good = await samples.checkFile(pcmToWav(Buffer.alloc(5 * 24000 * 2)), 'me.wav', 'zhipu');
      assert.ok(good.ok, JSON.stringify(good));
      assert.equal(good.format, 'wav');
      assert.equal(Math.round(good.durationSec ?? 0), 5);
      // With Novita selected the file can only go to Zhipu: its formats are the ones checked.
      assert.ok((await samples.checkFile(pcmToWav(Buffer.alloc(5 * 24000 * 2)), 'me.wav', 'novita')).ok);
      const ogg = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(4000)]);
      assert.equal((await samples.checkFile(ogg, 'me.ogg', 'zhipu')).refusal?.code, 'fileFormat');
      assert.equal((await samples.checkFile(new Uint8Array(0), 'empty.wav', 'zhipu')).refusal?.code, 'fileEmpty');
      assert.equal((await samples.checkFile(new Uint8Array(10 * 1024 * 1024 + 1), 'big.wav', 'zhipu')).refusal?.code, 'fileTooBig');
      const short = await samples.checkFile(pcmToWav(Buffer.alloc(24000 * 2)), 'short.wav', 'zhipu');
      assert.ok(short.ok && short.warnings.some((w) => w.code === 'tooShort'), JSON.stringify(short.warnings));
      assert.equal(d.requests.length, 0, 'nothing reached any server');
    });

    test('a 1 s sample warns (too short): refused unless the warnings are accepted', async () => {
      const url = `${settings.apiBaseUrl}/short.wav`;
      await assert.rejects(samples.assertCloneable(url, false), (e) => /1\.0 s long; Novita recommends 3–30 s/.test(said(e, 'sampleWarnings').message));
      const accepted = await samples.assertCloneable(url, true);
      assert.deepEqual(accepted.warnings.map((w) => w.code), ['tooShort']);
    });

    test('fetchForPlayback keeps one sample file; transcribe asks Novita (with the key)', async () => {
      const file = await samples.fetchForPlayback(sampleUrl);
      assert.ok(existsSync(join(audioDir(), file)));
      const text = await samples.transcribe(sampleUrl);
      assert.equal(text, 'the sample says this');
      assert.equal(d.requests.find((r) => r.route === 'asr')?.headers.authorization, `Bearer ${KEY}`);
      assert.equal(d.requests.filter((r) => r.route === 'file').every((r) => r.headers.authorization === undefined), true, 'sample downloads never carry the key');
    });
  });

  suite('clone', () => {
    test('clones, downloads the preview, records the voice and its preview, reporting each step', async () => {
      const events: ProgressEvent[] = [];
      const f = form();
      const outcome = await clone.clone(f, { consent: true, progress: (e) => events.push(e) });
      assert.equal(outcome.voiceName, f.voiceName);
      assert.ok(existsSync(outcome.filePath), 'the preview is on disk');
      assert.equal(parseWavHeader(readFileSync(outcome.filePath)).sampleRate, 24000);
      assert.equal(registry.voice(outcome.voiceId)?.name, f.voiceName);
      assert.ok(registry.history().some((h) => h.file === outcome.fileName), 'the preview is in the history');
      const steps = events.map((e) => e.step);
      assert.deepEqual(steps.slice(0, 2), ['checkingSample', 'cloning']);
      assert.deepEqual(events.map((e) => progressText(e, english)).slice(0, 2), ['Checking the sample…', 'Cloning the voice at Novita…']);
      assert.equal(d.requests.filter((r) => r.route === 'clone').length, 1);
    });

    test('an invalid form is refused before any request, every field at once', async () => {
      await assert.rejects(clone.clone(form({ sampleUrl: 'ftp://x/a.wav', text: '  ', voiceName: 'has space' }), { consent: true }), (e) => {
        const p = said(e, 'formInvalid').problem;
        assert.deepEqual(p.kind === 'formInvalid' ? Object.keys(p.problems).sort() : [], ['sampleUrl', 'text', 'voiceName']);
        return true;
      });
      assert.equal(d.requests.length, 0);
    });

    test('a name already in the library is refused locally, with the field it concerns', async () => {
      const first = await clone.clone(form(), { consent: true });
      d.clearRequests();
      await assert.rejects(clone.clone(form({ voiceName: first.voiceName }), { consent: true }), (e) => {
        const words = describeProblem(said(e, 'formInvalid').problem, english);
        assert.equal(words.field, 'voiceName');
        assert.match(words.message, /already exists/);
        return true;
      });
      assert.equal(d.requests.length, 0);
    });

    test('no key: unauthorized (missing) before any request, asking to set one', async () => {
      key = undefined;
      await assert.rejects(clone.clone(form(), { consent: true }), (e) => {
        const words = describeProblem(said(e, 'unauthorized').problem, english);
        assert.equal(words.action, 'setApiKey');
        return true;
      });
      assert.equal(d.requests.length, 0);
    });

    test('a preview that cannot be downloaded: previewLost, and the paid-for voice is still recorded', async () => {
      d.setFault('audio', { status: 404 });
      const f = form();
      await assert.rejects(clone.clone(f, { consent: true }), (e) => {
        const p = said(e, 'previewLost').problem;
        assert.ok(p.kind === 'previewLost' && registry.voice(p.voiceId)?.name === f.voiceName, 'the voice is in the library');
        assert.match(said(e).message, /was cloned and saved to your voices .* but its preview could not be downloaded: The audio file is gone \(404\)/);
        assert.ok(p.kind === 'previewLost' && registry.voice(p.voiceId)?.consent, 'the consent is recorded with the voice');
        return true;
      });
    });

    test('without consent a new sample is refused locally, with the reason, before the key is read or anything is sent', async () => {
      key = undefined; // a missing key would be reported first if the check came later
      await assert.rejects(clone.clone(form({ sampleUrl: `${sampleUrl}?never-cloned` })), (e) => {
        const words = describeProblem(said(e, 'consentRequired').problem, english);
        assert.equal(words.consent, true);
        assert.match(words.message, /right to clone this voice.*Nothing was sent to Novita/);
        return true;
      });
      assert.equal(d.requests.length, 0);
    });

    test('consent is recorded with the voice and its date; the same sample is cloned again without asking', async () => {
      const before = Date.now();
      const f = form();
      const first = await clone.clone(f, { consent: true });
      const consent = registry.voice(first.voiceId)?.consent;
      assert.ok(consent && Date.parse(consent.at) >= before - 1000 && Date.parse(consent.at) <= Date.now(), 'consent: { at: ISO date }');
      const second = await clone.clone(form({ sampleUrl: `  ${f.sampleUrl} ` }));
      assert.deepEqual(registry.voice(second.voiceId)?.consent, consent, 'the earlier confirmation covers the same sample');
    });
  });

  suite('narrate', () => {
    const story = Array.from({ length: 40 }, (_, i) => `Sentence number ${i + 1} of the story goes on for a little while, so that chunks fill up.`).join(' ');

    test('speaks a long text as chunks joined into one WAV, with a timing map and chunk progress', async () => {
      const events: ProgressEvent[] = [];
      const result = await narrate.narrate({ text: story, voice: { id: 'tongtong', name: 'tongtong' }, kind: 'narration' }, { progress: (e) => events.push(e) });
      const tts = d.requests.filter((r) => r.route === 'tts');
      assert.equal(result.chunks, tts.length);
      assert.ok(result.chunks > 1, 'a long text is more than one request');
      assert.ok(tts.every((r) => [...String((r.json as { input?: string }).input)].length <= 1024), 'every request within Novita’s limit');
      const info = parseWavHeader(readFileSync(result.filePath));
      assert.equal(info.sampleRate, 24000);
      assert.equal(result.timing.length, result.chunks);
      assert.ok(Math.abs(result.timing.at(-1)!.endSec - result.durationSec) < 1e-9);
      const chunkEvents = events.filter((e): e is Extract<ProgressEvent, { step: 'chunks' }> => e.step === 'chunks');
      assert.deepEqual(chunkEvents.at(-1), { step: 'chunks', done: result.chunks, total: result.chunks });
      assert.ok(registry.history().some((h) => h.id === result.historyId && h.kind === 'narration'), 'recorded in the history');
    });

    test('the watermark setting is sent as watermark_enabled, recorded with the preview, and part of the cache key', async () => {
      for (const watermark of [false, true]) {
        d.clearRequests();
        const flow = new NarrateFlow({ synthesizer, folders: { audioDir: async () => audioDir() }, library: async () => registry, settings: () => ({ speed: 1, volume: 1, concurrency: 1, historyMaxItems: 50, watermark }) });
        const result = await flow.narrate({ text: `Marked ${watermark}.`, voice: { id: 'jam', name: 'jam' }, kind: 'speech' });
        const tts = d.requests.filter((r) => r.route === 'tts');
        assert.deepEqual(tts.map((r) => (r.json as { watermark_enabled?: unknown }).watermark_enabled), [watermark]);
        assert.equal(registry.history().find((h) => h.id === result.historyId)?.watermark, watermark);
      }
      const voice = { voiceId: 'jam', speed: 1, volume: 1 };
      assert.equal(synthesizer.key('Same.', { ...voice, watermark: true }), synthesizer.key('Same.', voice), 'Novita’s default keeps the old key');
      assert.notEqual(synthesizer.key('Same.', { ...voice, watermark: false }), synthesizer.key('Same.', voice), 'audio without the watermark is another entry');
    });

    test('one narration at a time; nothing to speak is said before any request', async () => {
      d.latencyMs = 50;
      const running = narrate.narrate({ text: 'One. Two. Three.', voice: { id: 'jam', name: 'jam' }, kind: 'speech' });
      await assert.rejects(narrate.narrate({ text: 'Other.', voice: { id: 'jam', name: 'jam' }, kind: 'speech' }), (e) => said(e, 'narrationBusy').message.includes('already running'));
      await running;
      d.clearRequests();
      await assert.rejects(narrate.narrate({ text: '```\ncode only\n```', languageId: 'markdown', voice: { id: 'jam', name: 'jam' }, kind: 'speech' }), (e) => said(e, 'nothingToSpeak') !== undefined);
      assert.equal(d.requests.length, 0);
    });

    test('a chunk Novita refuses stops the run: chunkFailed names it and keeps the chunks before it', async () => {
      const text = Array.from({ length: 6 }, (_, i) => `Paragraph ${i + 1} ${'word '.repeat(200)}.`).join('\n\n');
      const chunks = narrate.chunks(text);
      d.setFault('tts', { status: 400, matchInput: chunks[3], body: { code: 400, reason: 'INVALID_REQUEST_BODY', message: 'input is not speakable' } });
      await assert.rejects(narrate.narrate({ text, voice: { id: 'jam', name: 'jam' }, kind: 'narration' }), (e) => {
        const p = said(e, 'chunkFailed').problem;
        assert.ok(p.kind === 'chunkFailed');
        assert.equal(p.index, 3);
        assert.equal(p.total, chunks.length);
        assert.equal(p.cause.kind, 'badRequest');
        assert.ok(p.keptFile && existsSync(p.keptFile), 'the completed part is kept');
        assert.match(said(e).message, /^Chunk 4 of \d+ failed: .*input is not speakable.* The first 3 chunks were kept as narration-.*-incomplete\.wav\.$/);
        return true;
      });
    });

    test('with a chunk cache: the estimate counts what is cached, and narrating unchanged text again sends nothing', async () => {
      const cached = new NarrateFlow({
        synthesizer: new Synthesizer({ connections, cache: new ChunkCache({ dir: join(dir, 'chunks'), maxBytes: 64 * 1024 * 1024 }), endpoint: () => settings.apiBaseUrl }),
        folders: { audioDir: async () => audioDir() },
        library: async () => registry,
        settings: () => ({ speed: 1, volume: 1, concurrency: 3, historyMaxItems: 50 }),
      });
      const req = { text: story, voice: { id: 'kazi', name: 'kazi' }, kind: 'narration' as const };
      const before = await cached.estimate(story, undefined, 'kazi');
      assert.equal(before.cachedChars, 0);
      assert.equal(before.toSendChars, before.totalChars);
      const first = await cached.narrate(req);
      assert.equal(first.cachedChunks, 0);
      assert.equal(d.requests.filter((r) => r.route === 'tts').length, first.chunks);
      const after = await cached.estimate(story, undefined, 'kazi');
      assert.deepEqual(after, { totalChars: before.totalChars, cachedChars: before.totalChars, toSendChars: 0 });
      d.clearRequests();
      const second = await cached.narrate(req);
      assert.equal(d.requests.filter((r) => r.route === 'tts').length, 0, 'nothing sent');
      assert.equal(second.cachedChunks, second.chunks);
      assert.ok(readFileSync(second.filePath).equals(readFileSync(first.filePath)), 'the same audio');
      assert.equal((await cached.estimate(story, undefined, 'jam')).cachedChars, 0, 'another voice is another key');
    });

    test('after an edit near the end, the one changed chunk is requested at once, not when the joiner reaches it', async () => {
      // A cache whose reads are slow (a busy disk): joining 60 cached chunks takes a while, the check for what is
      // missing does not.
      class SlowDisk extends ChunkCache {
        readonly reads: number[] = [];
        override async get(key: string, format?: string): Promise<Buffer | undefined> {
          await new Promise((r) => setTimeout(r, 15));
          this.reads.push(Date.now());
          return super.get(key, format);
        }
      }
      const cache = new SlowDisk({ dir: join(dir, 'chunks-slow'), maxBytes: 64 * 1024 * 1024 });
      const flow = new NarrateFlow({
        synthesizer: new Synthesizer({ connections, cache, endpoint: () => settings.apiBaseUrl }),
        folders: { audioDir: async () => (mkdirSync(audioDir(), { recursive: true }), audioDir()) },
        library: async () => registry,
        settings: () => ({ speed: 1, volume: 1, concurrency: 3, historyMaxItems: 50 }),
      });
      const long = Array.from({ length: 300 }, (_, i) => `Sentence number ${i + 1} of the long story goes on for a little while, so that chunks fill up.`).join(' ');
      const req = (text: string) => ({ text, voice: { id: 'kazi', name: 'kazi' }, kind: 'narration' as const });
      const first = await flow.narrate(req(long));
      assert.ok(first.chunks >= 20, `${first.chunks} chunks`);
      const edited = long.replace('Sentence number 290 of', 'Sentence NUMBER 290 of');
      d.clearRequests();
      d.latencyMs = 100;
      cache.reads.length = 0;
      const second = await flow.narrate(req(edited));
      const tts = d.requests.filter((r) => r.route === 'tts');
      assert.equal(tts.length, 1, 'only the chunk that changed is sent');
      assert.match(String((tts[0].json as { input: string }).input), /Sentence NUMBER 290 of/);
      assert.equal(second.cachedChunks, second.chunks - 1);
      const readsBefore = cache.reads.filter((t) => t < tts[0].at).length;
      assert.ok(readsBefore < 10, `the request left after ${readsBefore} of ${cache.reads.length} cached chunks were read`);
    });

    test('a script with a cast: each line in its speaker’s voice, in order, a pause between speakers, labelled cues', async () => {
      const script = [
        '---',
        'voices:',
        '  Alice: jam',
        '  Bob: { voice: kazi, speed: 1.2 }',
        '---',
        '',
        'The kitchen was quiet.',
        '',
        'Alice: Did you hear that?',
        '',
        '**Bob:** Hear what?',
        '',
        'Alice: Never mind.',
      ].join('\n');
      const vtt = join(dir, 'script.vtt');
      const pronunciations = [{ word: 'kitchen', say: 'KITCH-en', caseSensitive: false }];
      const result = await narrate.narrate(
        { text: script, languageId: 'markdown', voice: { id: 'tongtong', name: 'tongtong' }, kind: 'narration', script: { pronunciations, speakerPauseMs: 250 } },
        { output: { vttPath: vtt } },
      );
      const sent = d.requests.filter((r) => r.route === 'tts').map((r) => r.json as { input: string; voice: string; speed?: number });
      assert.deepEqual(
        sent.map((b) => [b.voice, b.input]),
        [
          ['tongtong', 'The KITCH-en was quiet.'],
          ['jam', 'Did you hear that?'],
          ['kazi', 'Hear what?'],
          ['jam', 'Never mind.'],
        ],
      );
      assert.equal(sent[2].speed, 1.2, 'Bob’s own speed');
      // Every chunk but the last is followed by another speaker: a 250 ms pause each.
      const speech = ['The KITCH-en was quiet.', 'Did you hear that?', 'Hear what?', 'Never mind.'].reduce((sum, t) => sum + samplesFor(t), 0);
      assert.equal(Math.round(result.durationSec * 24000), speech + 3 * 6000);
      const cues = readFileSync(vtt, 'utf8');
      assert.match(cues, /<v Alice>Did you hear that\?/);
      assert.match(cues, /<v Bob>Hear what\?/);
      assert.match(cues, /^(?![\s\S]*<v [^>]*>The kitchen)/, 'the narrator’s line has no speaker tag');
    });

    test('prose without a cast stays prose: “Note:” is read, not taken for a speaker', async () => {
      d.clearRequests();
      await narrate.narrate({ text: 'Note: the label is part of the sentence.', voice: { id: 'jam', name: 'jam' }, kind: 'speech' });
      assert.deepEqual(d.requests.filter((r) => r.route === 'tts').map((r) => (r.json as { input: string }).input), ['Note: the label is part of the sentence.']);
    });

    test('cancelling keeps no file and says cancelled', async () => {
      d.latencyMs = 100;
      const before = new Set(readdirSync(audioDir()));
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      await assert.rejects(narrate.narrate({ text: story, voice: { id: 'jam', name: 'jam' }, kind: 'narration' }, { signal: controller.signal }), (e) => said(e, 'cancelled').message === 'Cancelled.');
      assert.deepEqual(readdirSync(audioDir()).filter((f) => !before.has(f)), [], 'no partial file left');
      assert.equal(narrate.isRunning, false);
    });
  });
});
