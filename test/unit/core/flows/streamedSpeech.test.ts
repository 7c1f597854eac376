// Streamed speech in the Synthesizer (src/core/flows/synthesis.ts) and the narration's pieces (narrate.ts), against
// the Zhipu double: pieces handed over as they stream and before the chunk resolves, the chunk cached only once
// complete, a broken stream asked for once more whole, an error line that no second request can cure failing the
// chunk, both endings, and a Novita voice never streamed.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkCache } from '../../../../src/core/cache/chunkCache';
import { CoreError } from '../../../../src/core/errors';
import { NarrateFlow, type NarratedChunk, type NarratedPiece } from '../../../../src/core/flows/narrate';
import type { LogPort } from '../../../../src/core/flows/ports';
import { Synthesizer } from '../../../../src/core/flows/synthesis';
import { VoiceRegistry } from '../../../../src/core/library/voiceRegistry';
import { ProviderConnections } from '../../../../src/core/providers/connections';
import { NovitaDouble } from '../../../double/novitaDouble';
import { ZhipuDouble } from '../../../double/zhipuDouble';

const NOVITA_KEY = 'novita-key-STREAMED-1';
const ZHIPU_KEY = 'zk.STREAMEDsecret3';
const ZHIPU_VOICE = 'tongtong';
const quiet: LogPort = { info: () => undefined, warn: () => undefined, error: () => undefined };
const voice = (voiceId = ZHIPU_VOICE) => ({ voiceId, speed: 1, volume: 1 });

suite('streamed speech: the synthesizer and the narration’s pieces (Zhipu double)', function () {
  this.timeout(30_000);
  let zd: ZhipuDouble;
  let nd: NovitaDouble;
  let novitaBase: string;
  let dir: string;
  let connections: ProviderConnections;
  let n = 0;
  const fallbacks: CoreError[] = [];

  /** A synthesizer with a fresh cache; Zhipu speaks every voice but `novitaVoice`. */
  const synthesizer = (novitaVoice = 'chuichui') => {
    const cache = new ChunkCache({ dir: join(dir, `cache-${++n}`), maxBytes: 50_000_000 });
    const synth = new Synthesizer({
      connections: connections.novita,
      cache,
      endpoint: () => novitaBase,
      providers: connections,
      providerOf: (id) => (id === novitaVoice ? 'novita' : 'zhipu'),
      onStreamFallback: (e) => fallbacks.push(e),
    });
    return { synth, cache };
  };

  suiteSetup(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gvc-streamed-'));
    zd = new ZhipuDouble({ apiKey: ZHIPU_KEY, frameBytes: 4800 });
    await zd.start();
    nd = new NovitaDouble({ apiKey: NOVITA_KEY });
    novitaBase = await nd.start();
    connections = new ProviderConnections({
      secrets: { apiKey: async (p) => (p === 'zhipu' ? ZHIPU_KEY : NOVITA_KEY) },
      log: quiet,
      settings: () => ({ apiBaseUrl: novitaBase, requestTimeoutMs: 5000 }),
      zhipu: () => ({ apiBaseUrl: zd.baseUrl, keepUploadedSample: false }),
    });
  });
  suiteTeardown(async () => {
    connections?.dispose();
    await zd?.stop();
    await nd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  setup(() => {
    zd.clearFaults();
    zd.clearRequests();
    nd.clearRequests();
    zd.firstFrameDelayMs = 0;
    zd.frameDelayMs = 0;
    zd.sendDone = false;
    fallbacks.length = 0;
  });

  test('pieces come as the stream does, before the chunk resolves; the chunk enters the cache only once complete', async () => {
    zd.frameDelayMs = 40;
    const { synth, cache } = synthesizer();
    const text = 'A sentence streamed in pieces, long enough for several frames of audio.';
    const key = synth.key(text, voice());
    const pieces: Buffer[] = [];
    let resolved = false;
    let cachedWhileStreaming: Buffer | undefined | 'unchecked' = 'unchecked';
    const chunk = synth.chunk(text, voice(), {
      onPiece: (pcm) => {
        pieces.push(pcm);
        if (pieces.length === 2) void cache.get(key).then((hit) => (cachedWhileStreaming = hit));
      },
    });
    void chunk.then(() => (resolved = true));
    while (pieces.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.equal(resolved, false, 'two pieces in hand while the chunk is still streaming');
    const got = await chunk;
    assert.equal(cachedWhileStreaming, undefined, 'nothing cached mid-stream');
    assert.ok(pieces.length >= 3, `${pieces.length} pieces`);
    assert.ok(Buffer.concat(pieces).equals(zd.pcmFor(text)), 'the pieces, in order, are the whole audio');
    assert.ok(got.pcm.equals(zd.pcmFor(text)));
    assert.equal(got.cached, false);
    await synth.flush();
    assert.ok((await cache.get(key))?.equals(zd.pcmFor(text)), 'cached once complete');
    const body = zd.requestsTo('speech')[0].json as { stream?: boolean };
    assert.equal(body.stream, true, 'asked for as a stream');
    // A second ask is the cache's: no piece, nothing sent.
    const again: Buffer[] = [];
    const hit = await synth.chunk(text, voice(), { onPiece: (p) => again.push(p) });
    assert.equal(hit.cached, true);
    assert.equal(again.length, 0);
    assert.equal(zd.requestsTo('speech').length, 1);
  });

  test('both endings: the stop chunk alone, and the stop chunk then data: [DONE]', async () => {
    for (const done of [false, true]) {
      zd.sendDone = done;
      const { synth } = synthesizer();
      const text = `Ending ${done ? 'with' : 'without'} the done line.`;
      const pieces: Buffer[] = [];
      const got = await synth.chunk(text, voice(), { onPiece: (p) => pieces.push(p) });
      assert.ok(got.pcm.equals(zd.pcmFor(text)));
      assert.ok(Buffer.concat(pieces).equals(got.pcm));
      assert.equal(zd.streams.at(-1)!.doneSent, done);
    }
    assert.equal(fallbacks.length, 0, 'no fallback for a clean end');
  });

  test('a cut stream: the pieces so far, then one whole request for the chunk; the whole is what is cached', async () => {
    const { synth, cache } = synthesizer();
    const text = 'This stream is cut after two frames, then asked for whole.';
    zd.setFault('speech', { stream: 'cut', afterFrames: 2 });
    const pieces: Buffer[] = [];
    const got = await synth.chunk(text, voice(), { onPiece: (p) => pieces.push(p) });
    assert.equal(Buffer.concat(pieces).length, 2 * 4800, 'two frames were handed over before the cut');
    const speech = zd.requestsTo('speech').map((r) => (r.json as { stream?: boolean }).stream === true);
    assert.deepEqual(speech, [true, false], 'the stream, then one whole request');
    assert.ok(got.pcm.equals(zd.pcmFor(text)), 'the chunk is the whole answer');
    assert.equal(fallbacks.length, 1);
    assert.equal(fallbacks[0].problem.kind, 'streamBroken');
    assert.equal(synth.session.requests, 2, 'both requests are counted');
    await synth.flush();
    assert.ok((await cache.get(synth.key(text, voice())))?.equals(zd.pcmFor(text)));
  });

  test('an error line mid-stream: a server error falls back to a whole request; a content filter fails the chunk, nothing cached', async () => {
    const { synth, cache } = synthesizer();
    zd.setFault('speech', { stream: 'midError', afterFrames: 1, streamCode: '1234' });
    const cured = await synth.chunk('A server hiccup mid-stream.', voice(), { onPiece: () => undefined });
    assert.ok(cured.pcm.equals(zd.pcmFor('A server hiccup mid-stream.')));
    assert.equal(zd.requestsTo('speech').length, 2);
    zd.clearRequests();
    zd.setFault('speech', { stream: 'midError', afterFrames: 1, streamCode: '1301' });
    const text = 'Filtered mid-stream.';
    const pieces: Buffer[] = [];
    await assert.rejects(synth.chunk(text, voice(), { onPiece: (p) => pieces.push(p) }), (err: unknown) => {
      assert.ok(err instanceof CoreError);
      assert.equal(err.problem.kind, 'streamBroken');
      assert.equal(err.problem.kind === 'streamBroken' && err.problem.cause?.kind, 'contentFiltered');
      return true;
    });
    assert.equal(pieces.length, 1, 'the audio before the error line was handed over');
    assert.equal(zd.requestsTo('speech').length, 1, 'no whole request: it would be filtered the same way');
    await synth.flush();
    assert.equal(await cache.get(synth.key(text, voice())), undefined, 'a broken stream is never cached');
  });

  test('without a listener for pieces, or with a Novita voice, the chunk is asked for whole', async () => {
    const { synth } = synthesizer('chuichui');
    await synth.chunk('No listener for pieces.', voice());
    assert.equal((zd.requestsTo('speech')[0].json as { stream?: boolean }).stream, undefined);
    const pieces: Buffer[] = [];
    await synth.chunk('Spoken at Novita.', voice('chuichui'), { onPiece: (p) => pieces.push(p) });
    assert.equal(pieces.length, 0, 'Novita does not stream: no pieces');
    assert.equal(nd.requests.filter((q) => q.route === 'tts').length, 1);
  });

  test('a narration hands over pieces in order: only the chunk the joiner writes next, each before that chunk', async () => {
    zd.frameDelayMs = 15;
    const { synth } = synthesizer();
    const libDir = join(dir, `lib-${++n}`);
    mkdirSync(libDir, { recursive: true });
    const library = await VoiceRegistry.open(libDir);
    const flow = new NarrateFlow({
      synthesizer: synth,
      folders: { audioDir: async () => dir },
      library: async () => library,
      settings: () => ({ speed: 1, volume: 1, concurrency: 3, historyMaxItems: 10 }),
    });
    const text = Array.from({ length: 6 }, (_, i) => `Sentence ${i + 1} of the narration streamed in pieces, with some words to say.`).join(' ');
    const events: Array<{ type: 'piece'; index: number; bytes: number } | { type: 'chunk'; index: number; bytes: number }> = [];
    const result = await flow.narrate(
      { text, voice: { id: ZHIPU_VOICE, name: ZHIPU_VOICE }, kind: 'speech' },
      {
        onPiece: (p: NarratedPiece) => events.push({ type: 'piece', index: p.index, bytes: p.pcm.length }),
        onChunk: (c: NarratedChunk) => events.push({ type: 'chunk', index: c.chunk.index, bytes: c.samples.length }),
      },
    );
    assert.ok(result.chunks >= 3, `${result.chunks} chunks`);
    // Every piece belongs to the chunk that comes next, and a chunk's pieces add up to no more than its audio.
    let next = 0;
    let sum = 0;
    for (const e of events) {
      assert.equal(e.index, next, `event ${JSON.stringify(e)} out of order`);
      if (e.type === 'piece') sum += e.bytes;
      else {
        assert.ok(sum <= e.bytes);
        next++;
        sum = 0;
      }
    }
    assert.equal(next, result.chunks);
    assert.ok(events[0].type === 'piece' && events[0].index === 0, 'the first chunk streams to the listener');
  });
});
