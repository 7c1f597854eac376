// The editor's side of a narration: a cancellable progress notification, the `glmVoiceClone.narrating` context key,
// and the outcome in words. The work itself is the core's NarrateFlow.
import vscode = require('vscode');
import type { MasteringOutcome } from '../../core/export/mastering';
import { markFileSpoken } from './walkthrough';
import { CoreError } from '../../core/errors';
import type { NarrateFlow, NarratedChunk, NarratedPiece, NarrateOutput, ScriptContext, SpokenPlan } from '../../core/flows/narrate';
import { scriptSettingsFor } from '../platform/castFiles';
import { readExportSettings } from '../platform/config';
import type { VoiceChoice } from '../views/activeVoice';
import { describe, describeProblemText, describeProgress, l10n } from '../platform/describe';
import type { Log } from '../platform/log';

/** The least time between two "chunk k of n" reports while a narration renders. */
const PROGRESS_REPORT_MS = 100;

export type SpeechResult =
  | { ok: true; filePath: string; fileName: string; chunks: number; cachedChunks: number; durationSec: number; voice: VoiceChoice; historyId?: string; subtitles: string[]; chaptersFile?: string; skipped: number; mastering?: MasteringOutcome }
  | { ok: false; message: string; cancelled?: boolean; failedChunk?: number; keptPath?: string; declined?: boolean };

export interface SpeakRequest {
  text: string;
  /** Where and how to write it (Export Narration); default: a WAV in the audio folder, in the history. */
  output?: NarrateOutput;
  /** The document spoken (or holding the selection): its folder's cast and pronunciations apply. */
  document?: vscode.TextDocument;
  /** 'skip': a chunk that fails is replaced by silence and reported; default 'stop'. */
  onFailure?: 'stop' | 'skip';
  voice: VoiceChoice;
  /** Markdown is read as prose (no code, URLs or markup). */
  languageId?: string;
  kind: 'speech' | 'narration';
  /** For the progress title. */
  title: string;
  /** What to speak when already planned (read from a sentence on). */
  plan?: SpokenPlan;
  /** Each chunk as it is written, in order (read-along plays it at once). */
  onChunk?: (chunk: NarratedChunk) => void;
  /** Pieces of a chunk still streaming (a Zhipu voice), in order, before that chunk's `onChunk`. */
  onPiece?: (piece: NarratedPiece) => void;
  /** Where the progress shows: a cancellable notification (default) or the status bar (a seek while reading). */
  progressLocation?: 'notification' | 'window';
}

export class SpeechService {
  constructor(
    private readonly flow: NarrateFlow,
    private readonly log: Log,
    /** Sentences planned as chunks of their own (retaken ones). */
    private readonly solo?: (text: string) => boolean,
  ) {}

  /** The document's script settings (if any) with the retaken sentences. */
  private async scriptFor(document: vscode.TextDocument | undefined): Promise<ScriptContext | undefined> {
    const script = document ? await scriptSettingsFor(document) : undefined;
    return this.solo ? { ...script, solo: this.solo } : script;
  }

  /** The speak in progress, from its first await (reading the cast, the estimate) to its end: cancellable throughout. */
  private current: AbortController | undefined;

  get isRunning(): boolean {
    return this.flow.isRunning || this.current !== undefined;
  }

  cancel(): boolean {
    const pending = this.current;
    pending?.abort();
    return this.flow.cancel() || pending !== undefined;
  }

  /** The narration plan of `text` (chunks and sentences with their offsets, voices); throws CoreError 'nothingToSpeak'. */
  async plan(text: string, languageId: string | undefined, voiceId: string, document?: vscode.TextDocument): Promise<SpokenPlan> {
    return this.flow.plan(text, languageId, voiceId, await this.scriptFor(document));
  }

  async speak(req: SpeakRequest): Promise<SpeechResult> {
    if (this.isRunning) return { ok: false, message: describe(new CoreError({ kind: 'narrationBusy' })).message };
    const current = (this.current = new AbortController());
    try {
      return await this.speakNow(req, current.signal);
    } finally {
      if (this.current === current) this.current = undefined;
    }
  }

  private async speakNow(req: SpeakRequest, cancelled: AbortSignal): Promise<SpeechResult> {
    const stopped = (): SpeechResult => ({ ok: false, cancelled: true, message: l10n.t('Narration cancelled; no partial file was kept.') });
    let script: ScriptContext | undefined;
    let plan: SpokenPlan;
    try {
      // A plan given (read-along) already carries its voices and pronunciations: no file reading (no await) between
      // the caller's decision and the flow starting.
      script = req.plan ? undefined : await this.scriptFor(req.document);
      // Planned once, here: it throws on nothing to speak before any progress shows, and the flow takes it as is.
      plan = req.plan ?? this.flow.plan(req.text, req.languageId, req.voice.id, script);
      // Before a long narration: what it would cost, after what the cache already holds.
      const threshold = readExportSettings().confirmAboveChars;
      if (threshold > 0 && !req.plan) {
        const estimate = await this.flow.estimate(req.text, req.languageId, req.voice.id, script);
        if (estimate.toSendChars > threshold) {
          const send = l10n.t('Send');
          const question = l10n.t('{0} characters, {1} cached — send {2} to Novita?', group(estimate.totalChars), group(estimate.cachedChars), group(estimate.toSendChars));
          const answer = await vscode.window.showWarningMessage(question, { modal: true }, send);
          if (answer !== send) return { ok: false, declined: true, cancelled: true, message: l10n.t('Narration not started.') };
        }
      }
    } catch (err) {
      return { ok: false, message: describe(err, this.log).message };
    }
    if (cancelled.aborted) return stopped();
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
          const onCancel = () => controller.abort();
          cancelled.addEventListener('abort', onCancel, { once: true });
          let done = 0;
          let total = 0;
          let reportedAt = 0;
          let reportedDone = 0;
          try {
            return await this.flow.narrate(
              { text: req.text, voice: req.voice, languageId: req.languageId, kind: req.kind, script, plan },
              {
                signal: controller.signal,
                output: req.output,
                onFailure: req.onFailure,
                onChunk: req.onChunk,
                onPiece: req.onPiece,
                progress: (event) => {
                  if (event.step === 'chunks') {
                    // Chunks from the cache come hundreds a second: one report per 100 ms at most (each is a message
                    // to the workbench), the first and the last always.
                    done = event.done;
                    total = event.total;
                    const now = Date.now();
                    if (done !== 0 && done < total && now - reportedAt < PROGRESS_REPORT_MS) return;
                    reportedAt = now;
                    const increment = done > reportedDone ? ((done - reportedDone) * 100) / total : undefined;
                    reportedDone = done;
                    progress.report({ message: describeProgress(event), increment });
                  } else {
                    progress.report({ message: `${describeProgress({ step: 'chunks', done, total })} — ${describeProgress(event)}` });
                  }
                },
              },
            );
          } finally {
            sub.dispose();
            cancelled.removeEventListener('abort', onCancel);
          }
        },
      );
      if (result.skipped.length) {
        const first = result.skipped[0];
        void vscode.window.showWarningMessage(
          l10n.t('{0} of {1} chunks failed and were replaced by silence (first: chunk {2}: {3})', result.skipped.length, result.chunks, first.index + 1, describeProblemText(first.problem)),
        );
      }
      if (req.kind === 'narration' && !req.output) markFileSpoken();
      return { ok: true, filePath: result.filePath, fileName: result.fileName, chunks: result.chunks, cachedChunks: result.cachedChunks, durationSec: result.durationSec, voice: req.voice, historyId: result.historyId, subtitles: result.subtitles, ...(result.chaptersFile ? { chaptersFile: result.chaptersFile } : {}), skipped: result.skipped.length, ...(result.mastering ? { mastering: result.mastering } : {}) };
    } catch (err) {
      const p = err instanceof CoreError ? err.problem : undefined;
      if (p?.kind === 'cancelled') return stopped();
      const message = describe(err, this.log).message;
      if (p?.kind === 'chunkFailed') return { ok: false, message, failedChunk: p.index + 1, keptPath: p.keptFile };
      return { ok: false, message };
    } finally {
      void vscode.commands.executeCommand('setContext', 'glmVoiceClone.narrating', false);
    }
  }
}

/** 12400 → "12 400": digits grouped as the estimate is read. */
function group(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}
