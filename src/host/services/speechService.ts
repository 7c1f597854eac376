// The editor's side of a narration: a cancellable progress notification, the `glmVoiceClone.narrating` context key,
// and the outcome in words. The work itself is the core's NarrateFlow.
import * as vscode from 'vscode';
import { CoreError } from '../../core/errors';
import type { NarrateFlow, NarratedChunk } from '../../core/flows/narrate';
import type { NarrationPlan } from '../../core/narration/plan';
import type { VoiceChoice } from '../views/activeVoice';
import { describe, describeProgress, l10n } from '../platform/describe';
import type { Log } from '../platform/log';

export type SpeechResult =
  | { ok: true; filePath: string; fileName: string; chunks: number; cachedChunks: number; durationSec: number; voice: VoiceChoice; historyId?: string; subtitles: string[] }
  | { ok: false; message: string; cancelled?: boolean; failedChunk?: number; keptPath?: string };

export interface SpeakRequest {
  text: string;
  voice: VoiceChoice;
  /** Markdown is read as prose (no code, URLs or markup). */
  languageId?: string;
  kind: 'speech' | 'narration';
  /** For the progress title. */
  title: string;
  /** What to speak when already planned (read from a sentence on). */
  plan?: NarrationPlan;
  /** Each chunk as it is written, in order (read-along plays it at once). */
  onChunk?: (chunk: NarratedChunk) => void;
  /** Where the progress shows: a cancellable notification (default) or the status bar (a seek while reading). */
  progressLocation?: 'notification' | 'window';
}

export class SpeechService {
  constructor(
    private readonly flow: NarrateFlow,
    private readonly log: Log,
  ) {}

  get isRunning(): boolean {
    return this.flow.isRunning;
  }

  cancel(): boolean {
    return this.flow.cancel();
  }

  /** The plan `text` is read by; throws CoreError 'nothingToSpeak' when nothing is left to say. */
  plan(text: string, languageId?: string): NarrationPlan {
    return this.flow.plan(text, languageId);
  }

  async speak(req: SpeakRequest): Promise<SpeechResult> {
    if (this.flow.isRunning) return { ok: false, message: describe(new CoreError({ kind: 'narrationBusy' })).message };
    try {
      if (!req.plan) this.flow.chunks(req.text, req.languageId);
    } catch (err) {
      return { ok: false, message: describe(err, this.log).message };
    }
    void vscode.commands.executeCommand('setContext', 'glmVoiceClone.narrating', true);
    try {
      const result = await vscode.window.withProgress(
        {
          location: req.progressLocation === 'window' ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification,
          title: l10n.t('{0} with “{1}”', req.title, req.voice.name),
          cancellable: true,
        },
        async (progress, token) => {
          const controller = new AbortController();
          const sub = token.onCancellationRequested(() => controller.abort());
          let done = 0;
          let total = 0;
          try {
            return await this.flow.narrate(
              { text: req.text, voice: req.voice, languageId: req.languageId, kind: req.kind, plan: req.plan },
              {
                signal: controller.signal,
                onChunk: req.onChunk,
                progress: (event) => {
                  if (event.step === 'chunks') {
                    const increment = event.done > done ? ((event.done - done) * 100) / event.total : undefined;
                    done = event.done;
                    total = event.total;
                    progress.report({ message: describeProgress(event), increment });
                  } else {
                    progress.report({ message: `${describeProgress({ step: 'chunks', done, total })} — ${describeProgress(event)}` });
                  }
                },
              },
            );
          } finally {
            sub.dispose();
          }
        },
      );
      return { ok: true, filePath: result.filePath, fileName: result.fileName, chunks: result.chunks, cachedChunks: result.cachedChunks, durationSec: result.durationSec, voice: req.voice, historyId: result.historyId, subtitles: result.subtitles };
    } catch (err) {
      const p = err instanceof CoreError ? err.problem : undefined;
      if (p?.kind === 'cancelled') return { ok: false, cancelled: true, message: l10n.t('Narration cancelled; no partial file was kept.') };
      const message = describe(err, this.log).message;
      if (p?.kind === 'chunkFailed') return { ok: false, message, failedChunk: p.index + 1, keptPath: p.keptFile };
      return { ok: false, message };
    } finally {
      void vscode.commands.executeCommand('setContext', 'glmVoiceClone.narrating', false);
    }
  }
}
