// `npm run smoke:live`: the clone flow against the real Novita service. Not part of `npm test`.
//   NOVITA_API_KEY=… GVC_SAMPLE_URL=https://…/sample.wav [GVC_SAMPLE_TRANSCRIPT=…] [GVC_API_BASE_URL=…] npm run smoke:live
// Without a key and a sample URL it says what it needs and exits 0 (skipped).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sniffAudio } from '../src/core/audio/sniff';
import { parseWavHeader } from '../src/core/audio/wav';
import { isCoreError } from '../src/core/errors';
import { NovitaClient } from '../src/core/novita/client';
import { describeProblem, english } from '../src/messages/index';

async function main(): Promise<number> {
  const apiKey = process.env.NOVITA_API_KEY?.trim();
  const sampleUrl = process.env.GVC_SAMPLE_URL?.trim();
  if (!apiKey || !sampleUrl) {
    console.log('smoke:live skipped: set NOVITA_API_KEY and GVC_SAMPLE_URL (a public 3–30 s WAV/MP3) to run it against the real service.');
    return 0;
  }
  const client = new NovitaClient({
    baseUrl: process.env.GVC_API_BASE_URL?.trim() || 'https://api.novita.ai',
    apiKey,
    timeoutMs: 120_000,
    log: (e) => console.log(`  ${e.method} ${e.url} → ${e.status ?? e.error} (${Math.round(e.ms)} ms)`),
    onRetry: (r) => console.log(`  retrying in ${Math.round(r.delayMs / 1000)} s: ${r.reason}`),
  });
  const dir = mkdtempSync(join(tmpdir(), 'gvc-smoke-'));
  try {
    const started = performance.now();
    const voiceName = `smoke-${Date.now().toString(36)}`;
    const clone = await client.cloneVoice(
      { audioUrl: sampleUrl, transcript: process.env.GVC_SAMPLE_TRANSCRIPT, input: 'This is a live smoke test of GLM voice cloning.', voiceName },
      { onProgress: (s) => console.log(`  task: ${s}`) },
    );
    console.log(`cloned ${voiceName} → voice ${clone.voiceId}`);
    const file = await client.downloadAudio(clone.audioUrl, join(dir, 'preview.audio'));
    const bytes = readFileSync(file.path);
    const format = sniffAudio(bytes);
    if (!format) throw new Error('the preview is not audio');
    if (format === 'wav') parseWavHeader(bytes);
    console.log(`preview: ${format}, ${bytes.length} bytes, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log('1 passed, 0 failed');
    return 0;
  } catch (err) {
    console.error(`smoke:live failed: ${isCoreError(err) ? `${err.kind}: ${describeProblem(err.problem, english, err.taskId).message}` : err instanceof Error ? err.message : String(err)}`);
    console.log('0 passed, 1 failed');
    return 1;
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
