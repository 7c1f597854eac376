// The sample `npm start` opens the panel with (test/double/cli.ts) passes the product's own sample check, the one the
// panel runs as the URL is shown: no refusal and no warning ("too short" was the first thing a newcomer saw).
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDemoSample } from '../../double/cli';
import { NovitaDouble, SAMPLE_RATE } from '../../double/novitaDouble';
import { DEMO_SAMPLE_TEXT, demoSamplePcm } from '../../double/synth';
import type { ConnectionSettings } from '../../../src/core/flows/ports';
import { SampleFlow } from '../../../src/core/flows/sample';
import { NovitaConnections } from '../../../src/core/novita/connections';
import { checkSampleUrl } from '../../../src/core/validation';

suite('demo sample (served by the double for npm start)', function () {
  this.timeout(20000);
  let d: NovitaDouble;
  let dir: string;
  let connections: NovitaConnections;
  let samples: SampleFlow;
  let settings: ConnectionSettings;

  suiteSetup(async () => {
    // As test/double/cli.ts starts it for `npm start`: any key is accepted.
    d = new NovitaDouble({ acceptAnyKey: true });
    settings = { apiBaseUrl: await d.start(), requestTimeoutMs: 5000 };
    dir = mkdtempSync(join(tmpdir(), 'glm-demo-sample-'));
    connections = new NovitaConnections({
      secrets: { apiKey: async () => 'demo-key' },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      settings: () => settings,
    });
    const folders = { audioDir: async () => mkdir(join(dir, 'audio'), { recursive: true }).then(() => join(dir, 'audio')) };
    samples = new SampleFlow({ connections, folders, settings: () => settings });
  });
  suiteTeardown(async () => {
    connections.dispose();
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the panel’s sample check finds nothing to warn about: a WAV of 3–30 s, playable in the webview', async () => {
    const url = addDemoSample(d);
    assert.equal(checkSampleUrl(url), undefined);
    const result = await samples.check(url);
    assert.equal(result.ok, true, JSON.stringify(result.refusal));
    assert.deepEqual(result.warnings, []);
    assert.equal(result.format, 'wav');
    assert.equal(result.playableInWebview, true);
    assert.ok(result.durationSec !== undefined && result.durationSec >= 3 && result.durationSec <= 30, `${result.durationSec} s`);
    assert.equal(await samples.transcribe(url), DEMO_SAMPLE_TEXT);
  });

  test('it sounds like speech, not a tone: words parted by pauses, syllables that rise and fall', () => {
    const pcm = demoSamplePcm();
    const at = (i: number): number => pcm.readInt16LE(i * 2);
    const n = pcm.length / 2;
    // Pauses: runs of 80 ms or more of silence between sounds.
    let pauses = 0;
    let quiet = 0;
    let sounded = false;
    for (let i = 0; i < n; i++) {
      if (Math.abs(at(i)) < 50) quiet++;
      else {
        if (sounded && quiet >= 0.08 * SAMPLE_RATE) pauses++;
        quiet = 0;
        sounded = true;
      }
    }
    assert.ok(pauses >= 6, `${pauses} pauses`);
    // The loudness of 50 ms frames varies (syllables rise and fall), unlike a steady tone's.
    const frame = 0.05 * SAMPLE_RATE;
    const levels: number[] = [];
    for (let f = 0; f + frame <= n; f += frame) {
      let sum = 0;
      for (let i = f; i < f + frame; i++) sum += at(i) ** 2;
      const rms = Math.sqrt(sum / frame);
      if (rms > 200) levels.push(rms);
    }
    assert.ok(Math.max(...levels) / Math.min(...levels) > 3, 'the loudness never changes');
    // Deterministic: the same bytes every run.
    assert.ok(demoSamplePcm().equals(pcm));
  });
});
