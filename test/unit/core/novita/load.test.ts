// Load: one narration of 200 chunks with 10 % of the TTS requests answered 429 or 503 (Retry-After: 0, honoured).
// Every chunk finishes, in order; the double never sees more requests at once than the concurrency setting; and the
// run takes at most twice as long as the same narration without faults (same latency, same client).
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelFor, NovitaDouble, readLabel, samplesFor } from '../../../double/novitaDouble';
import { joinChunksToWav } from '../../../../src/core/narration/join';
import { parseWavHeader } from '../../../../src/core/audio/wav';
import { NovitaClient, type RetryInfo } from '../../../../src/core/novita/client';

const KEY = 'gvc-load-key-93b0e5a17c24';
const CHUNKS = Array.from({ length: 200 }, (_, i) => `Chunk number ${i + 1} of the long narration, spoken in order.`);
const CONCURRENCY = 4;

suite('load: 200 chunks with 10 % answered 429/503', function () {
  this.timeout(120_000);
  let double: NovitaDouble;
  let dir: string;

  suiteSetup(async () => {
    double = new NovitaDouble({ apiKey: KEY, latencyMs: 20, seed: 7 });
    await double.start();
    dir = mkdtempSync(join(tmpdir(), 'gvc-load-'));
  });
  suiteTeardown(async () => {
    await double.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function narrate(name: string): Promise<{ ms: number; path: string; retries: RetryInfo[] }> {
    const retries: RetryInfo[] = [];
    // The product's retry settings (attempts, total budget, backoff): only the double's latency is chosen here.
    const client = new NovitaClient({ baseUrl: double.baseUrl, apiKey: KEY, onRetry: (r) => retries.push(r) });
    double.clearRequests();
    double.resetStats();
    const started = performance.now();
    try {
      const result = await joinChunksToWav(join(dir, `${name}.wav`), CHUNKS, (input, _i, signal) => client.synthesize({ input, voice: 'jam', format: 'pcm' }, { signal }), {
        concurrency: CONCURRENCY,
      });
      return { ms: performance.now() - started, path: result.path, retries };
    } finally {
      await client.close();
    }
  }

  function assertInOrder(path: string): void {
    const bytes = readFileSync(path);
    const wav = parseWavHeader(bytes);
    const pcm = bytes.subarray(wav.dataOffset);
    let offset = 0;
    CHUNKS.forEach((chunk, i) => {
      assert.equal(readLabel(pcm, offset), labelFor(chunk), `chunk ${i + 1} is in place`);
      offset += samplesFor(chunk);
    });
    assert.equal(offset * 2, wav.dataBytes, 'nothing but the chunks');
  }

  test('all chunks finish in order, concurrency stays within the setting, and it takes at most 2× the fault-free time', async () => {
    double.clearFaults();
    await narrate('warm-up'); // JIT and first connections, so neither measured run pays for them
    const clean = await narrate('clean');
    assertInOrder(clean.path);
    const cleanMax = double.maxInFlight('tts');

    // 5 % 429 then 5 % of the rest 503: 10 % of all requests, drawn from the double's seeded RNG.
    double.setFault('tts', [
      { status: 429, headers: { 'retry-after': '0' }, probability: 0.05, times: Infinity },
      { status: 503, headers: { 'retry-after': '0' }, probability: 0.05 / 0.95, times: Infinity },
    ]);
    const faulty = await narrate('faulty');
    const requests = double.requests.filter((r) => r.route === 'tts').length;
    const retried = faulty.retries.length;
    double.clearFaults();
    // Measured again after, and the faster of the two kept: a stricter bound, and fair to a machine whose load varies.
    const again = await narrate('clean-again');
    clean.ms = Math.min(clean.ms, again.ms);
    const faulted = requests - CHUNKS.length;
    assertInOrder(faulty.path);
    assert.ok(double.maxInFlight('tts') <= CONCURRENCY, `max in flight ${double.maxInFlight('tts')}`);
    assert.ok(cleanMax <= CONCURRENCY && cleanMax >= 2, `fault-free max in flight ${cleanMax}`);
    assert.ok(faulted >= 8, `only ${faulted} of ${requests} requests were faulted`);
    assert.equal(retried, faulted, 'every faulted request was retried by the client, and announced');
    assert.ok(faulty.retries.every((r) => r.delayMs === 0), 'Retry-After: 0 was honoured');
    process.stdout.write(
      `      fault-free ${Math.round(clean.ms)} ms; with ${faulted} of ${requests} requests answered 429/503: ${Math.round(faulty.ms)} ms (${(faulty.ms / clean.ms).toFixed(2)}×)\n`,
    );
    assert.ok(faulty.ms <= 2 * clean.ms, `${Math.round(faulty.ms)} ms is more than twice ${Math.round(clean.ms)} ms`);
  });
});
