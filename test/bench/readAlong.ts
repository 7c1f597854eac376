// Read-along, measured in the real extension host with the player in the browser, against the double answering
// each chunk after NARRATION_LATENCY_MS (concurrency 4): time to first sound (the command → the player starting the
// audio, on the wall clock) for a short file and a 50 000-character one, the most silence scheduled between two
// chunks while playing, and the highlight's lag (audio crosses a sentence boundary → the decoration has moved).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vscode = require('vscode');
import { cloneAtZhipuDouble, storageRootOf, useZhipuVoice } from '../support/zhipuVoice';
import { NARRATION_CONCURRENCY, NARRATION_LATENCY_MS, narrationScript } from './narration';
import { closeAll, sleep } from './panel';
import { STREAM_FIRST_FRAME_MS, STREAM_FIRST_SENTENCE_CHARS, type ReadAlongRun, type StreamedReadAlongRun } from './protocol';

interface Status {
  state: string;
  sentence: number;
  /** Sentences in the text read. */
  total: number;
  metrics: { startedAt: number; playingAt?: number; firstChunkAt?: number; firstPieceAt?: number; piecesHanded: number; joinGapMs: number; underruns: number; highlightLagsMs: number[]; chunksPosted: number; viewResolvedAt?: number; playerReadyAt?: number };
}

const status = async () => (await vscode.commands.executeCommand<Status>('glmVoiceClone.readAlong.showPlayer', false))!;

/** One read: Speak File on a fresh text (its first sentence is new, so nothing comes from the cache), heard for `listenMs`. */
async function readOnce(dir: string, name: string, text: string, listenMs: number): Promise<ReadAlongRun> {
  const file = join(dir, name);
  writeFileSync(file, text);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
  await sleep(300);
  const commandAt = Date.now();
  const rendering = vscode.commands.executeCommand<{ ok: boolean; message?: string; chunks?: number }>('glmVoiceClone.speakFile');
  let s = await status();
  const deadline = Date.now() + 60_000;
  while (s.metrics.playingAt === undefined || s.metrics.startedAt < commandAt) {
    if (Date.now() > deadline) throw new Error(`${name}: never played (state ${s.state})`);
    // Not faster: each poll is a command, and every command the extension host runs sends the workbench a message.
    await sleep(50);
    s = await status();
  }
  const firstSoundMs = s.metrics.playingAt! - commandAt;
  const { viewResolvedAt, playerReadyAt } = s.metrics;
  await sleep(listenMs);
  s = await status();
  await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
  await rendering;
  await closeAll(200);
  return {
    chars: text.length,
    sentences: s.total,
    commandAt,
    firstSoundMs,
    firstChunkLatencyMs: NARRATION_LATENCY_MS,
    firstChunkInHostMs: (s.metrics.firstChunkAt ?? Number.NaN) - commandAt,
    joinGapMs: s.metrics.joinGapMs,
    underruns: s.metrics.underruns,
    highlightLagsMs: s.metrics.highlightLagsMs,
    ...(viewResolvedAt === undefined ? {} : { viewResolvedMs: viewResolvedAt - commandAt }),
    ...(playerReadyAt === undefined ? {} : { playerReadyMs: playerReadyAt - commandAt }),
  };
}

export async function measureReadAlong(baseUrl: string, dir: string, say: (line: string) => void, runs = 3): Promise<ReadAlongRun[]> {
  const config = vscode.workspace.getConfiguration('glmVoiceClone');
  await config.update('apiBaseUrl', baseUrl, vscode.ConfigurationTarget.Global);
  await config.update('concurrency', NARRATION_CONCURRENCY, vscode.ConfigurationTarget.Global);
  await closeAll();
  // The player's first showing in this window is not what is measured: a short read opens it first.
  await readOnce(dir, 'read-along-warm-up.txt', `Warm-up ${Date.now()}. The player opens now.`, 500);
  const out: ReadAlongRun[] = [];
  for (let i = 0; i < runs; i++) {
    for (const [label, chars] of [['short', 600], ['long', 50_000]] as const) {
      const text = `Run ${i + 1} of the ${label} read, ${Date.now()}. ${narrationScript(chars)}`;
      const run = await readOnce(dir, `read-along-${label}-${i}.txt`, text, 6000);
      say(`read-along ${label}: first sound ${run.firstSoundMs} ms (×${(run.firstSoundMs / run.firstChunkLatencyMs).toFixed(2)} of ${run.firstChunkLatencyMs} ms; first chunk in the host at ${run.firstChunkInHostMs} ms), join gap ${run.joinGapMs} ms, ${run.underruns} underruns, ${run.highlightLagsMs.length} crossings`);
      out.push(run);
    }
  }
  return out;
}

/** A first sentence of exactly STREAM_FIRST_SENTENCE_CHARS characters (the runner paces the double's stream for it). */
function streamedFirstSentence(tag: string): string {
  const head = `Streamed read ${tag} begins with one long sentence`;
  const filler = ' that goes on and on';
  let out = head;
  while (out.length + filler.length < STREAM_FIRST_SENTENCE_CHARS - 1) out += filler;
  return `${out}${'.'.padStart(STREAM_FIRST_SENTENCE_CHARS - out.length, 'o')}`;
}

/**
 * Read-along with a Zhipu voice against the streaming double (the runner starts it: first frame after
 * STREAM_FIRST_FRAME_MS, the first chunk whole after STREAM_WHOLE_CHUNK_MS): first sound, the first piece in the host,
 * and the most silence the page scheduled at a join (a piece after the audio before it, a chunk after a chunk). The
 * player is open (a first read opens it); the voice is cloned at the double and recorded as Zhipu's.
 */
export async function measureStreamedReadAlong(novitaUrl: string, zhipuUrl: string, dir: string, say: (line: string) => void, runs = 5): Promise<StreamedReadAlongRun[]> {
  const config = vscode.workspace.getConfiguration('glmVoiceClone');
  await config.update('apiBaseUrl', novitaUrl, vscode.ConfigurationTarget.Global);
  await config.update('zhipu.apiBaseUrl', zhipuUrl, vscode.ConfigurationTarget.Global);
  await config.update('concurrency', NARRATION_CONCURRENCY, vscode.ConfigurationTarget.Global);
  const key = process.env.ZHIPU_API_KEY;
  if (!key) throw new Error('ZHIPU_API_KEY is not set for the streamed read-along bench');
  await closeAll();
  // A read with a system voice (at Novita): it opens the player, and shows where the registry is.
  await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'tongtong');
  const warmFile = join(dir, 'streamed-warm-up.txt');
  writeFileSync(warmFile, `Warm-up ${Date.now()}. The player opens now.`);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(warmFile)));
  const warm = await vscode.commands.executeCommand<{ ok: boolean; filePath?: string; historyId?: string; message?: string }>('glmVoiceClone.speakFile');
  if (!warm?.ok || !warm.filePath || !warm.historyId) throw new Error(`the warm-up read failed: ${warm?.message}`);
  await sleep(500);
  await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
  const name = `bench-stream-${Date.now().toString(36)}`;
  const voiceId = await cloneAtZhipuDouble(zhipuUrl, key, name);
  await useZhipuVoice(storageRootOf(warm.filePath), voiceId, name, warm.historyId);
  const out: StreamedReadAlongRun[] = [];
  try {
    // Run 0 is a warm-up (the Zhipu client's first request, the player's first streamed chunk): not measured.
    for (let i = 0; i <= runs; i++) {
      const text = `${streamedFirstSentence(`${i} ${Date.now()}`)} ${narrationScript(600)}`;
      const file = join(dir, `streamed-read-${i}.txt`);
      writeFileSync(file, text);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
      await sleep(300);
      const commandAt = Date.now();
      const rendering = vscode.commands.executeCommand('glmVoiceClone.speakFile');
      let s = await status();
      const deadline = Date.now() + 60_000;
      while (s.metrics.playingAt === undefined || s.metrics.startedAt < commandAt) {
        if (Date.now() > deadline) throw new Error(`streamed read ${i}: never played (state ${s.state})`);
        await sleep(20);
        s = await status();
      }
      const firstSoundMs = s.metrics.playingAt! - commandAt;
      // Long enough to hear the first chunk to its end and the joins into the next ones.
      await sleep(4000);
      s = await status();
      await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
      await rendering;
      await closeAll(200);
      const run: StreamedReadAlongRun = {
        chars: text.length,
        commandAt,
        firstSoundMs,
        firstPieceInHostMs: (s.metrics.firstPieceAt ?? Number.NaN) - commandAt,
        ...(s.metrics.playerReadyAt !== undefined ? { playerReadyMs: s.metrics.playerReadyAt - commandAt } : {}),
        pieces: s.metrics.piecesHanded,
        joinGapMs: s.metrics.joinGapMs,
        underruns: s.metrics.underruns,
      };
      if (i === 0) continue;
      say(`streamed read-along: first sound ${firstSoundMs} ms (×${(firstSoundMs / STREAM_FIRST_FRAME_MS).toFixed(2)} of the ${STREAM_FIRST_FRAME_MS} ms first frame; first piece in the host at ${run.firstPieceInHostMs} ms${run.playerReadyMs !== undefined ? `, player ready at ${run.playerReadyMs} ms` : ''}), ${run.pieces} pieces, join gap ${run.joinGapMs} ms, ${run.underruns} underruns`);
      out.push(run);
    }
  } finally {
    await vscode.commands.executeCommand('glmVoiceClone.useVoice', 'tongtong');
    await config.update('zhipu.apiBaseUrl', undefined, vscode.ConfigurationTarget.Global);
  }
  return out;
}

/**
 * The first read-along in a fresh window (the runner starts one per sample): Speak File on a short file with the
 * player never shown before, so the view, its page and its AudioContext are created by this read.
 */
export async function measureColdReadAlong(baseUrl: string, dir: string, say: (line: string) => void): Promise<ReadAlongRun[]> {
  const config = vscode.workspace.getConfiguration('glmVoiceClone');
  await config.update('apiBaseUrl', baseUrl, vscode.ConfigurationTarget.Global);
  await config.update('concurrency', NARRATION_CONCURRENCY, vscode.ConfigurationTarget.Global);
  await closeAll();
  const text = `A cold read, ${Date.now()}. ${narrationScript(600)}`;
  const run = { ...(await readOnce(dir, 'read-along-cold.txt', text, 1500)), cold: true };
  say(`read-along cold: first sound ${run.firstSoundMs} ms; first chunk in the host at ${run.firstChunkInHostMs} ms, view resolved at ${run.viewResolvedMs ?? 'n/a'} ms, player ready at ${run.playerReadyMs ?? 'n/a'} ms`);
  return [run];
}
