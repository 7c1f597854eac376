// `npm run bench:zhipu-clone`: a clone from a 2 MB local WAV with Zhipu, as the editor and the CLI run it (CloneFlow:
// the file read from disk, its check on the bytes, upload → clone → the preview found in the voice list and
// downloaded, the sample deleted meanwhile, the voice recorded), against a bare client making the same three calls
// (upload, clone, the preview's download, with Node's fetch and the bytes already in memory). Both against the Zhipu
// double with the same simulated network; the figure is the median time to a playable preview, ours ÷ bare.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcmToWav } from '../../src/core/audio/wav';
import { CloneFlow } from '../../src/core/flows/clone';
import { SampleFlow } from '../../src/core/flows/sample';
import { VoiceRegistry } from '../../src/core/library/voiceRegistry';
import { ProviderConnections } from '../../src/core/providers/connections';
import { demoSamplePcm } from '../double/synth';
import { ZhipuDouble, type ZhipuRoute } from '../double/zhipuDouble';

const RUNS = Number(process.env.GVC_BENCH_RUNS) || 11;
const TARGET = 1.15;
const KEY = 'zk.benchZHIPUclone';
/** A round trip to Zhipu on every call, and the clone's own work there (it makes the preview before it answers). */
const NETWORK_MS = 40;
/** GVC_ZHIPU_CLONE_MS: another assumed clone time (the ratio grows as it shrinks: ours makes one call more, the list). */
const CLONE_WORK_MS = process.env.GVC_ZHIPU_CLONE_MS !== undefined ? Number(process.env.GVC_ZHIPU_CLONE_MS) : 1500;
const SAMPLE_BYTES = 2 * 1024 * 1024;

const say = (line: string) => process.stdout.write(`${line}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** About 2 MB of speech-like WAV (the demo sample repeated: 24 kHz 16-bit mono, ≈ 43 s; a warning the run accepts). */
function twoMegabyteWav(): Buffer {
  const unit = demoSamplePcm();
  const parts: Buffer[] = [];
  let size = 44;
  while (size + unit.length <= SAMPLE_BYTES) {
    parts.push(unit);
    size += unit.length;
  }
  parts.push(unit.subarray(0, (SAMPLE_BYTES - size) & ~1));
  return pcmToWav(Buffer.concat(parts));
}

/** The same three calls with nothing around them: multipart upload, clone by file_id, the preview's bytes. */
async function bare(base: string, bytes: Buffer, voiceName: string): Promise<number> {
  const started = performance.now();
  const auth = { authorization: `Bearer ${KEY}` };
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'audio/wav' }), 'me.wav');
  form.append('purpose', 'voice-clone-input');
  const up = (await (await fetch(`${base}/files`, { method: 'POST', headers: auth, body: form })).json()) as { id: string };
  const cloned = (await (
    await fetch(`${base}/voice/clone`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'glm-tts-clone', voice_name: voiceName, input: 'Hello from my own recording.', file_id: up.id }) })
  ).json()) as { file_id: string };
  const preview = await fetch(`${base}/files/${cloned.file_id}/content`, { headers: auth });
  const audio = Buffer.from(await preview.arrayBuffer());
  if (audio.length < 44) throw new Error('bare client: no preview');
  return performance.now() - started;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'gvc-zhipu-clone-bench-'));
  const double = new ZhipuDouble({ apiKey: KEY });
  for (const route of ['upload', 'clone', 'list', 'preview', 'fileContent', 'deleteFile'] satisfies ZhipuRoute[]) double.routeLatencyMs[route] = NETWORK_MS;
  double.routeLatencyMs.clone = NETWORK_MS + CLONE_WORK_MS;
  await double.start();
  const samplePath = join(work, 'me.wav');
  const bytes = twoMegabyteWav();
  writeFileSync(samplePath, bytes);
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const settings = () => ({ apiBaseUrl: 'http://127.0.0.1:9', requestTimeoutMs: 30_000 });
  const providers = new ProviderConnections({ secrets: { apiKey: async (p) => (p === 'zhipu' ? KEY : undefined) }, log, settings, zhipu: () => ({ apiBaseUrl: double.baseUrl, keepUploadedSample: false }) });
  const folders = { audioDir: async () => (await mkdir(join(work, 'audio'), { recursive: true }), join(work, 'audio')) };
  const registry = await VoiceRegistry.open(work);
  const samples = new SampleFlow({ connections: providers.novita, folders, settings });
  const flow = new CloneFlow({ connections: providers.novita, folders, library: async () => registry, samples, historyMaxItems: () => 1000, providers });
  say(`assumption: every call to Zhipu takes ${NETWORK_MS} ms of network, the clone ${CLONE_WORK_MS} ms more (it makes the preview); the double on 127.0.0.1`);
  say(`sample: ${(bytes.length / (1024 * 1024)).toFixed(2)} MB WAV on disk; ${RUNS} runs each, alternating, after one warm-up of each`);
  const ours: number[] = [];
  const recorded: number[] = [];
  const bares: number[] = [];
  try {
    for (let i = -1; i < RUNS; i++) {
      const name = `bench-${i + 1}`;
      const started = performance.now();
      let ready = 0;
      await flow.clone(
        { sampleUrl: '', transcript: '', text: 'Hello from my own recording.', voiceName: name },
        { sampleFile: { path: samplePath, bytes: await readFile(samplePath) }, provider: 'zhipu', consent: true, acceptWarnings: true, onPreviewReady: () => (ready = performance.now() - started), previewBytesUpTo: 8 * 1024 * 1024 },
      );
      const done = performance.now() - started;
      const b = await bare(double.baseUrl, bytes, `bare-${i + 1}`);
      if (i < 0) continue;
      ours.push(ready);
      recorded.push(done);
      bares.push(b);
      say(`run ${i + 1}: ours ${ready.toFixed(0)} ms to a playable preview (${done.toFixed(0)} ms recorded), bare ${b.toFixed(0)} ms`);
    }
    const deleted = [...double.uploads.values()].filter((u) => u.filename === 'me.wav' && u.deleted).length;
    const ratio = median(ours) / median(bares);
    say(`ours (CloneFlow, from disk): median ${median(ours).toFixed(0)} ms to a playable preview, ${median(recorded).toFixed(0)} ms with the voice recorded`);
    say(`bare client (3 calls): median ${median(bares).toFixed(0)} ms`);
    say(`samples deleted at Zhipu by ours: ${deleted} of ${RUNS + 1}`);
    say(`clone from a 2 MB local WAV ÷ bare client = ${ratio.toFixed(3)}×`);
    say(`target: ≤ ${TARGET.toFixed(2)}×: ${ratio <= TARGET ? 'met' : 'NOT met'}`);
  } finally {
    providers.dispose();
    await double.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
