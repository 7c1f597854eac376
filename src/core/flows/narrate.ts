// Speaks text of any length: read as prose (Markdown loses its markup), split at sentence boundaries into
// Novita-sized chunks, synthesized with bounded concurrency and appended in order to ONE WAV streamed to disk
// (memory stays flat whatever the length). No vscode: the editor and the CLI both run it.
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { CoreError } from '../errors';
import type { VoiceRegistry } from '../library/voiceRegistry';
import { joinChunksToWav, type ChunkTiming } from '../narration/join';
import { speakableText } from '../narration/markdown';
import { splitText } from '../narration/split';
import type { NovitaConnections } from '../novita/connections';
import type { FoldersPort, ProgressPort } from './ports';

export interface NarrationSettings {
  speed: number;
  volume: number;
  concurrency: number;
  historyMaxItems: number;
}

export interface NarrateRequest {
  text: string;
  voice: { id: string; name: string };
  /** Markdown is read as prose (no code, URLs or markup). */
  languageId?: string;
  kind: 'speech' | 'narration';
}

export interface NarrateResult {
  filePath: string;
  fileName: string;
  chunks: number;
  durationSec: number;
  /** The history entry recorded for it. */
  historyId: string;
  timing: ChunkTiming[];
}

export interface NarrateFlowDeps {
  connections: NovitaConnections;
  folders: FoldersPort;
  library: () => Promise<VoiceRegistry>;
  settings: () => NarrationSettings;
}

const HISTORY_TEXT_MAX = 500;

export class NarrateFlow {
  private running: AbortController | undefined;

  constructor(private readonly deps: NarrateFlowDeps) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Cancels the narration in progress, if any. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }

  /** The chunks `text` is sent as; throws CoreError 'nothingToSpeak' when nothing is left to say. */
  chunks(text: string, languageId?: string): string[] {
    const chunks = splitText(speakableText(text, languageId));
    if (!chunks.length) throw new CoreError({ kind: 'nothingToSpeak' });
    return chunks;
  }

  /**
   * One narration at a time. Throws CoreError: 'narrationBusy', 'nothingToSpeak', 'cancelled' (no partial file is
   * kept), 'chunkFailed' (the completed chunks kept in `keptFile`), or what getting a client reported.
   */
  async narrate(req: NarrateRequest, options: { progress?: ProgressPort; signal?: AbortSignal } = {}): Promise<NarrateResult> {
    if (this.running) throw new CoreError({ kind: 'narrationBusy' });
    const chunks = this.chunks(req.text, req.languageId);
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.running = controller;
    const progress = options.progress ?? (() => undefined);
    try {
      const client = await this.deps.connections.api();
      const settings = this.deps.settings();
      const dir = await this.deps.folders.audioDir();
      const stem = `${req.kind}-${Date.now()}-${randomBytes(3).toString('hex')}`;
      const total = chunks.length;
      progress({ step: 'chunks', done: 0, total });
      const result = await this.deps.connections.withRetryNotices(progress, () =>
        joinChunksToWav(
          join(dir, `${stem}.wav`),
          chunks,
          (input, _index, signal) => client.synthesize({ input, voice: req.voice.id, speed: settings.speed, volume: settings.volume, format: 'pcm' }, { signal }),
          {
            concurrency: settings.concurrency,
            // The client already retries what is safe to repeat (429/503 with Retry-After, refused connections);
            // a chunk that timed out or broke mid-answer may already be billed, so it is reported, not resent.
            retries: 0,
            signal: controller.signal,
            keepCompletedAs: join(dir, `${stem}-incomplete.wav`),
            onProgress: (done) => progress({ step: 'chunks', done, total }),
          },
        ),
      );
      const library = await this.deps.library();
      await library.addPreview(
        {
          id: stem,
          file: basename(result.path),
          text: req.text.slice(0, HISTORY_TEXT_MAX),
          voice: req.voice.id,
          voiceName: req.voice.name,
          createdAt: new Date().toISOString(),
          kind: req.kind,
          durationSec: result.durationSec,
        },
        settings.historyMaxItems,
      );
      return { filePath: result.path, fileName: basename(result.path), chunks: total, durationSec: result.durationSec, historyId: stem, timing: result.timing };
    } catch (err) {
      if (controller.signal.aborted && !(err instanceof CoreError && err.kind === 'cancelled')) throw new CoreError({ kind: 'cancelled' }, { cause: err });
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.running = undefined;
    }
  }
}
