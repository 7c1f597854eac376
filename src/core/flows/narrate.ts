// Speaks text of any length: read as prose (Markdown loses its markup), planned into sentence-aligned chunks that
// keep their offsets in the source, each chunk from the cache or Novita (bounded concurrency), appended in order to
// ONE WAV streamed to disk (memory stays flat whatever the length); optionally encoded to MP3 with SRT/WebVTT
// subtitles from the timing map. No vscode: the editor and the CLI both run it.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { encodeWavFileToMp3 } from '../audio/mp3';
import { CoreError, problemOf, type Problem } from '../errors';
import type { VoiceRegistry } from '../library/voiceRegistry';
import { joinChunksToWav, type ChunkTiming } from '../narration/join';
import { planNarration, sentenceTimes, type NarrationChunk, type NarrationPlan, type SentenceTime } from '../narration/plan';
import { toSrt, toVtt, type Cue } from '../narration/subtitles';
import { codePointLength } from '../limits';
import type { FoldersPort, ProgressPort } from './ports';
import type { Synthesizer, VoiceSettings } from './synthesis';

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
  /** What to speak, when the caller planned it already (e.g. `planFrom` for read from cursor); default: `plan(text)`. */
  plan?: NarrationPlan;
}

/** One chunk as it is appended, in order: what read-along plays while the rest is rendered. */
export interface NarratedChunk {
  chunk: NarrationChunk;
  /** 16-bit mono PCM at 24 kHz, exactly what was written to the file. */
  samples: Buffer;
  timing: ChunkTiming;
  /** Its sentences' times in the joined audio (indices into the plan spoken). */
  sentences: SentenceTime[];
}

/** Where and how to write the result; default: a WAV in the audio folder, recorded in the history. */
export interface NarrateOutput {
  /** The audio file to write (its extension is the caller's business); default: the audio folder. */
  path?: string;
  format?: 'wav' | 'mp3';
  /** MP3 bitrate in kbit/s (default 64). */
  mp3Kbps?: number;
  /** Subtitle files to write beside it: a cue per sentence, timed from the audio. */
  srtPath?: string;
  vttPath?: string;
  /** Record the result in the library's history (default true when no `path` is given). */
  history?: boolean;
}

export interface NarrateResult {
  filePath: string;
  fileName: string;
  chunks: number;
  durationSec: number;
  /** The history entry recorded for it, if any. */
  historyId?: string;
  timing: ChunkTiming[];
  /** Chunks served from the cache (nothing sent for them). */
  cachedChunks: number;
  /** Chunks that failed and were replaced by silence (`onFailure: 'skip'`), with why. */
  skipped: Array<{ index: number; problem: Problem }>;
  subtitles: string[];
}

export interface NarrateFlowDeps {
  synthesizer: Synthesizer;
  folders: FoldersPort;
  library: () => Promise<VoiceRegistry>;
  settings: () => NarrationSettings;
}

const HISTORY_TEXT_MAX = 500;
/** Speech runs at about this many characters a second: the length of the silence standing in for a skipped chunk. */
const CHARS_PER_SECOND = 15;
const SAMPLE_RATE = 24000;

export class NarrateFlow {
  private running: AbortController | undefined;

  constructor(private readonly deps: NarrateFlowDeps) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Cancels the narration in progress, if any. Finished chunks stay in the cache: running it again resumes. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }

  /** The plan `text` is spoken by; throws CoreError 'nothingToSpeak' when nothing is left to say. */
  plan(text: string, languageId?: string): NarrationPlan {
    const plan = planNarration(text, languageId);
    if (!plan.chunks.length) throw new CoreError({ kind: 'nothingToSpeak' });
    return plan;
  }

  /** The chunks `text` is sent as (see `plan`). */
  chunks(text: string, languageId?: string): string[] {
    return this.plan(text, languageId).chunks.map((c) => c.text);
  }

  /** Characters in total, already cached, and to send: for the confirmation before a long narration. */
  async estimate(text: string, languageId: string | undefined, voiceId: string): Promise<{ totalChars: number; cachedChars: number; toSendChars: number }> {
    return this.deps.synthesizer.estimate(this.chunks(text, languageId), this.voiceSettings(voiceId));
  }

  /**
   * One narration at a time. Throws CoreError: 'narrationBusy', 'nothingToSpeak', 'cancelled' (no partial file is
   * kept; finished chunks are in the cache), 'chunkFailed' (the completed chunks kept in `keptFile`), or what
   * getting a client reported. `onFailure: 'skip'` replaces a failed chunk by silence and reports it instead.
   */
  async narrate(
    req: NarrateRequest,
    options: { progress?: ProgressPort; signal?: AbortSignal; output?: NarrateOutput; onFailure?: 'stop' | 'skip'; onChunk?: (chunk: NarratedChunk) => void } = {},
  ): Promise<NarrateResult> {
    if (this.running) throw new CoreError({ kind: 'narrationBusy' });
    const plan = req.plan ?? this.plan(req.text, req.languageId);
    if (!plan.chunks.length) throw new CoreError({ kind: 'nothingToSpeak' });
    const onChunk = options.onChunk;
    const texts = plan.chunks.map((c) => c.text);
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.running = controller;
    const progress = options.progress ?? (() => undefined);
    const output = options.output ?? {};
    const skipped: NarrateResult['skipped'] = [];
    let cachedChunks = 0;
    try {
      const settings = this.deps.settings();
      const voice = this.voiceSettings(req.voice.id);
      const dir = await this.deps.folders.audioDir();
      const stem = `${req.kind}-${Date.now()}-${randomBytes(3).toString('hex')}`;
      const wavPath = output.format === 'mp3' || !output.path ? join(dir, `${stem}.wav`) : output.path;
      const total = texts.length;
      progress({ step: 'chunks', done: 0, total });
      const joined = await this.deps.synthesizer.withRetryNotices(progress, () =>
        joinChunksToWav(
          wavPath,
          texts,
          async (input, index, signal) => {
            try {
              const chunk = await this.deps.synthesizer.chunk(input, voice, { signal });
              if (chunk.cached) cachedChunks++;
              return chunk.pcm;
            } catch (err) {
              if (options.onFailure !== 'skip' || signal.aborted) throw err;
              skipped.push({ index, problem: problemOf(err) });
              return silenceFor(input);
            }
          },
          {
            concurrency: settings.concurrency,
            // The client already retries what is safe to repeat (429/503 with Retry-After, refused connections);
            // a chunk that timed out or broke mid-answer may already be billed, so it is reported, not resent.
            retries: 0,
            signal: controller.signal,
            keepCompletedAs: join(dir, `${stem}-incomplete.wav`),
            onProgress: (done) => progress({ step: 'chunks', done, total }),
            onChunk: onChunk && ((index, samples, timing) => onChunk({ chunk: plan.chunks[index], samples, timing, sentences: sentenceTimes(plan, [timing]) })),
          },
        ),
      );
      let filePath = joined.path;
      if (output.format === 'mp3') {
        const target = output.path ?? join(dir, `${stem}.mp3`);
        progress({ step: 'encoding', format: 'mp3' });
        try {
          await encodeWavFileToMp3(joined.path, target, { kbps: output.mp3Kbps });
        } finally {
          await rm(joined.path, { force: true });
        }
        filePath = target;
      }
      const subtitles: string[] = [];
      if (output.srtPath || output.vttPath) {
        const cues: Cue[] = sentenceTimes(plan, joined.timing).map((t) => ({ startSec: t.startSec, endSec: t.endSec, text: plan.sentences[t.sentence].text }));
        if (output.srtPath) subtitles.push(await writeText(output.srtPath, toSrt(cues)));
        if (output.vttPath) subtitles.push(await writeText(output.vttPath, toVtt(cues)));
      }
      let historyId: string | undefined;
      if (output.history ?? !output.path) {
        const library = await this.deps.library();
        historyId = stem;
        await library.addPreview(
          {
            id: stem,
            file: basename(filePath),
            text: req.text.slice(0, HISTORY_TEXT_MAX),
            voice: req.voice.id,
            voiceName: req.voice.name,
            createdAt: new Date().toISOString(),
            kind: req.kind,
            durationSec: joined.durationSec,
          },
          settings.historyMaxItems,
        );
      }
      return { filePath, fileName: basename(filePath), chunks: total, durationSec: joined.durationSec, historyId, timing: joined.timing, cachedChunks, skipped, subtitles };
    } catch (err) {
      if (controller.signal.aborted && !(err instanceof CoreError && err.kind === 'cancelled')) throw new CoreError({ kind: 'cancelled' }, { cause: err });
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      // Done means cached: what was rendered is on disk for the next run (or another window).
      await this.deps.synthesizer.flush();
      this.running = undefined;
    }
  }

  private voiceSettings(voiceId: string): VoiceSettings {
    const settings = this.deps.settings();
    return { voiceId, speed: settings.speed, volume: settings.volume };
  }
}

/** Silence as long as `text` would take to say: a skipped chunk keeps the rest of the narration in time. */
function silenceFor(text: string): Buffer {
  const seconds = Math.max(0.5, codePointLength(text) / CHARS_PER_SECOND);
  return Buffer.alloc(Math.round(seconds * SAMPLE_RATE) * 2);
}

async function writeText(path: string, text: string): Promise<string> {
  await writeFile(path, text, 'utf8');
  return path;
}
