import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import type { VoiceChoice } from '../views/activeVoice';
import { readSpeechSettings } from '../platform/config';
import { loadNarration } from '../shell/lazy';
import type { NovitaService } from './novitaService';
import type { ExtensionStorage } from '../platform/storage';

export type SpeechResult =
  | { ok: true; filePath: string; fileName: string; chunks: number; durationSec: number; voice: VoiceChoice; historyId: string }
  | { ok: false; message: string; cancelled?: boolean; failedChunk?: number; keptPath?: string };

export interface SpeakRequest {
  text: string;
  voice: VoiceChoice;
  /** Markdown is read as prose (no code, URLs or markup). */
  languageId?: string;
  kind: 'speech' | 'narration';
  /** For the progress title. */
  title: string;
}

const HISTORY_TEXT_MAX = 500;

/**
 * Speaks text of any length: split at sentence boundaries into Novita-sized chunks, synthesized with bounded
 * concurrency and appended in order to ONE WAV streamed to disk (memory stays flat whatever the length).
 */
export class SpeechService {
  private running: AbortController | undefined;

  constructor(
    private readonly novita: NovitaService,
    private readonly storage: ExtensionStorage,
  ) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Cancels the narration in progress, if any. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }

  async speak(req: SpeakRequest): Promise<SpeechResult> {
    if (this.running) return { ok: false, message: 'A narration is already running. Wait for it, or run “GLM Voice Clone: Cancel Narration”.' };
    const { splitText, speakableText, joinChunksToWav, ChunkFailedError } = loadNarration();
    const chunks = splitText(speakableText(req.text, req.languageId));
    if (!chunks.length) return { ok: false, message: 'There is nothing to speak: the text is empty (or only code and markup).' };
    const controller = new AbortController();
    this.running = controller;
    void vscode.commands.executeCommand('setContext', 'glmVoiceClone.narrating', true);
    try {
      const client = await this.novita.getClient();
      const settings = readSpeechSettings();
      const dir = await this.storage.ensureAudioDir();
      const stem = `${req.kind}-${Date.now()}-${randomBytes(3).toString('hex')}`;
      const filePath = join(dir, `${stem}.wav`);
      const total = chunks.length;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `${req.title} with “${req.voice.name}”`, cancellable: true },
        (progress, token) => {
          const sub = token.onCancellationRequested(() => controller.abort());
          progress.report({ message: `chunk 0 of ${total}` });
          let done = 0;
          const retryNotice = (message: string) => progress.report({ message: `chunk ${done} of ${total} — ${message}` });
          return this.novita.withRetryNotices(retryNotice, () => joinChunksToWav(
            filePath,
            chunks,
            (input, _index, signal) => client.synthesize({ input, voice: req.voice.id, speed: settings.speed, volume: settings.volume, format: 'pcm' }, { signal }),
            {
              concurrency: settings.concurrency,
              // The client already retries what is safe to repeat (429/503 with Retry-After, refused connections);
              // a chunk that timed out or broke mid-answer may already be billed, so it is reported, not resent.
              retries: 0,
              signal: controller.signal,
              keepCompletedAs: join(dir, `${stem}-incomplete.wav`),
              onProgress: (n) => {
                done = n;
                progress.report({ message: `chunk ${n} of ${total}`, increment: 100 / total });
              },
            },
          )).finally(() => sub.dispose());
        },
      );
      const library = await this.storage.library();
      const historyId = stem;
      await library.addPreview(
        { id: historyId, file: basename(result.path), text: req.text.slice(0, HISTORY_TEXT_MAX), voice: req.voice.id, voiceName: req.voice.name, createdAt: new Date().toISOString(), kind: req.kind, durationSec: result.durationSec },
        settings.historyMaxItems,
      );
      return { ok: true, filePath: result.path, fileName: basename(result.path), chunks: total, durationSec: result.durationSec, voice: req.voice, historyId };
    } catch (err) {
      if (controller.signal.aborted) return { ok: false, cancelled: true, message: 'Narration cancelled; no partial file was kept.' };
      if (err instanceof ChunkFailedError) {
        const reason = this.novita.describe(err.cause).message;
        const kept = err.keptPath ? ` The first ${err.completed} chunk${err.completed === 1 ? ' was' : 's were'} kept as ${basename(err.keptPath)}.` : '';
        return { ok: false, message: `Chunk ${err.failedIndex + 1} of ${err.total} failed: ${reason}${kept}`, failedChunk: err.failedIndex + 1, keptPath: err.keptPath };
      }
      return { ok: false, message: this.novita.describe(err).message };
    } finally {
      this.running = undefined;
      void vscode.commands.executeCommand('setContext', 'glmVoiceClone.narrating', false);
    }
  }
}
