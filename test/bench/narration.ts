// Speak File over a 50 000-character plaintext script against a double answering each chunk after 300 ms, with
// concurrency 4: wall time against the ideal (latency × ⌈chunks ÷ concurrency⌉), and the extension host's RSS
// growth sampled every 50 ms.
import { watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import vscode = require('vscode');
import type { NarrationRun, ReexportRun, TimelineEvent } from './protocol';
import { closeAll, sleep } from './panel';

export const NARRATION_CHARS = 50_000;
export const NARRATION_CONCURRENCY = 4;
export const NARRATION_LATENCY_MS = 300;

/** Exactly `chars` UTF-16 units of varied prose, BMP only (so characters = code units = code points). */
export function narrationScript(chars = NARRATION_CHARS): string {
  const sentences = [
    'The quick brown fox jumps over the lazy dog.',
    'Narration should never pause between chunks, nor click where one clip meets the next!',
    '这是一个用于测试中文句子切分的例子。',
    'Does the order survive four requests in flight at once?',
    'A somewhat longer sentence follows, with clauses, commas, and a semicolon; it keeps going so that chunks fill unevenly and the splitter has real work to do.',
    'Short one.',
  ];
  // Each sentence numbered, so no two chunks are the same text: the chunk cache would send a repeated chunk once.
  let out = '';
  for (let i = 0; out.length < chars; i++) out += `Item ${i + 1}: ${sentences[i % sentences.length]}${i % 11 === 10 ? '\n\n' : ' '}`;
  return out.slice(0, chars);
}

interface SpeechResult {
  ok: boolean;
  chunks?: number;
  filePath?: string;
  message?: string;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** One short narration before the measured ones: it tells where the extension keeps its audio (to watch it). */
export async function warmUpNarration(baseUrl: string, dir: string): Promise<string> {
  const config = vscode.workspace.getConfiguration('glmVoiceClone');
  await config.update('apiBaseUrl', baseUrl, vscode.ConfigurationTarget.Global);
  await config.update('concurrency', NARRATION_CONCURRENCY, vscode.ConfigurationTarget.Global);
  await closeAll();
  const file = join(dir, 'warm-up.txt');
  writeFileSync(file, 'One short sentence to warm up.');
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
  const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
  if (!result?.ok || !result.filePath) throw new Error(`the warm-up narration failed: ${result?.message ?? 'no result'}`);
  await closeAll(200);
  return dirname(result.filePath);
}

/**
 * Notes, on the wall clock, files appearing or changing in the audio folder and the storage folder above it, and the
 * panel's tab opening: what the narration's tail is made of.
 */
function watchTail(audioDir: string): { events: TimelineEvent[]; stop(): void } {
  const events: TimelineEvent[] = [];
  const watchers: FSWatcher[] = [];
  for (const d of [audioDir, dirname(audioDir)]) {
    try {
      watchers.push(watch(d, (event, name) => events.push({ what: `${event} ${basename(d)}/${name ?? '?'}`, at: epochNow() })));
    } catch {
      // not there yet: nothing to note
    }
  }
  const tabs = vscode.window.tabGroups.onDidChangeTabs((e) => {
    for (const t of e.opened) if (t.input instanceof vscode.TabInputWebview && /glmVoiceClone\.panel/.test(t.input.viewType)) events.push({ what: 'panel tab opened', at: epochNow() });
  });
  return {
    events,
    stop() {
      for (const w of watchers) w.close();
      tabs.dispose();
    },
  };
}

/**
 * `dir`: where the script is written (a saved file, so closing its editor never asks to save); `audioDir`: the
 * extension's audio folder (from warmUpNarration), watched during the run.
 */
export async function measureNarration(baseUrl: string, dir: string, audioDir: string, say: (line: string) => void): Promise<NarrationRun> {
  const config = vscode.workspace.getConfiguration('glmVoiceClone');
  await config.update('apiBaseUrl', baseUrl, vscode.ConfigurationTarget.Global);
  await config.update('concurrency', NARRATION_CONCURRENCY, vscode.ConfigurationTarget.Global);
  await config.update('narration.confirmAboveCharacters', 0, vscode.ConfigurationTarget.Global);
  // Every measured narration starts cold: from the cache it would send nothing and measure nothing.
  await vscode.commands.executeCommand('glmVoiceClone.clearCache', true);
  await closeAll();
  const text = narrationScript();
  const file = join(dir, 'script.txt');
  writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc);
  await sleep(500);

  const memoryBefore = process.memoryUsage();
  const rssBeforeBytes = memoryBefore.rss;
  let rssMaxBytes = rssBeforeBytes;
  let memoryAtPeak = memoryBefore;
  let samples = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples++;
    if (m.rss > rssMaxBytes) {
      rssMaxBytes = m.rss;
      memoryAtPeak = m;
    }
  };
  const timer = setInterval(sample, 50);
  const tail = watchTail(audioDir);
  const startEpochMs = performance.timeOrigin + performance.now();
  const t0 = performance.now();
  let result: SpeechResult | undefined;
  try {
    result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
  } finally {
    clearInterval(timer);
    tail.stop();
  }
  const wallMs = performance.now() - t0;
  const endEpochMs = performance.timeOrigin + performance.now();
  sample();
  const rssAfterBytes = process.memoryUsage().rss;
  const chunks = result?.chunks ?? 0;
  const idealMs = NARRATION_LATENCY_MS * Math.ceil(chunks / NARRATION_CONCURRENCY);
  const run: NarrationRun = {
    ok: Boolean(result?.ok),
    message: result?.ok ? undefined : (result?.message ?? 'speakFile returned nothing'),
    chars: text.length,
    chunks,
    concurrency: NARRATION_CONCURRENCY,
    latencyMs: NARRATION_LATENCY_MS,
    wallMs,
    idealMs,
    rssBeforeBytes,
    rssMaxBytes,
    rssAfterBytes,
    samples,
    memoryBefore,
    memoryAtPeak,
    startEpochMs,
    endEpochMs,
    events: tail.events,
  };
  say(
    `narration: ${run.ok ? 'ok' : `FAILED (${run.message})`}, ${chunks} chunks in ${wallMs.toFixed(0)} ms (ideal ${idealMs} ms, ×${(wallMs / idealMs).toFixed(3)}),` +
      ` RSS +${((rssMaxBytes - rssBeforeBytes) / 1e6).toFixed(1)} MB at most`,
  );
  await closeAll(200);
  return run;
}

interface ExportAnswer {
  audio: string;
  chunks: number;
  cachedChunks: number;
}

/**
 * Never pay twice, measured: export the 50 000-character script (whose chunks the last narration left in the cache)
 * unchanged, then again after editing one sentence in its middle. Requests sent = chunks − chunks from the cache.
 */
export async function measureReexport(baseUrl: string, dir: string, say: (line: string) => void): Promise<ReexportRun> {
  const config = vscode.workspace.getConfiguration('glmVoiceClone');
  await config.update('apiBaseUrl', baseUrl, vscode.ConfigurationTarget.Global);
  await config.update('narration.confirmAboveCharacters', 0, vscode.ConfigurationTarget.Global);
  await closeAll();
  const file = join(dir, 'script.txt');
  const text = narrationScript();
  writeFileSync(file, text);
  const exportOnce = async () => {
    const t0 = performance.now();
    const r = await vscode.commands.executeCommand<ExportAnswer | undefined>('glmVoiceClone.exportNarration', vscode.Uri.file(file), { format: 'wav', subtitles: 'none', overwrite: true });
    if (!r) throw new Error('the export failed');
    return { wallMs: performance.now() - t0, chunks: r.chunks, sent: r.chunks - r.cachedChunks };
  };
  await exportOnce(); // fills in whatever the narration runs did not leave in the cache
  const unchanged = await exportOnce();
  // One sentence in the middle, edited in the open document as a writer would.
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const at = doc.getText().indexOf('Does the order survive', Math.floor(text.length / 2));
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'Does the order survive'.length)), 'Will the order still survive');
  await vscode.workspace.applyEdit(edit);
  await doc.save();
  const edited = await exportOnce();
  const run: ReexportRun = { chunks: edited.chunks, unchangedSent: unchanged.sent, unchangedWallMs: unchanged.wallMs, editedSent: edited.sent, editedWallMs: edited.wallMs, chunkLatencyMs: NARRATION_LATENCY_MS };
  say(`re-export: unchanged ${unchanged.sent} requests in ${unchanged.wallMs.toFixed(0)} ms; one sentence edited ${edited.sent} requests in ${edited.wallMs.toFixed(0)} ms (×${(edited.wallMs / NARRATION_LATENCY_MS).toFixed(2)} of a chunk)`);
  await closeAll(200);
  return run;
}
