// Speaks text of any length: read as prose (Markdown loses its markup), planned into sentence-aligned chunks that
// keep their offsets in the source, each chunk from the cache or Novita (bounded concurrency), appended in order to
// ONE WAV streamed to disk (memory stays flat whatever the length); optionally encoded to MP3 with SRT/WebVTT
// subtitles from the timing map. No vscode: the editor and the CLI both run it.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Mp3SampleRate } from '../audio/mp3';
import type { Mp3Encode } from '../audio/mp3Worker';
import { CoreError, isKeyRefusal, problemOf, type Problem } from '../errors';
import { chapterMarks, timeChapters, toChaptersVtt, type Chapter } from '../export/chapters';
import { formatOf, type EncodeJob, type FormatId } from '../export/formats';
import { id3Tag, prependTag } from '../export/id3';
import { masterWavFile, type MasteringOutcome } from '../export/mastering';
import { PRESETS, type PresetId } from '../master/presets';
import type { AudioTags } from '../export/tags';
import type { VoiceRegistry } from '../library/voiceRegistry';
import { joinChunksToWav, type ChunkTiming } from '../narration/join';
import { planFrom, planNarration, sentenceTimes, type NarrationPlan, type SentenceTime } from '../narration/plan';
import { planScript, type ScriptChunk, type ScriptPlan } from '../narration/cast';
import { applyPronunciations } from '../narration/pronunciations';
import { readsAsScript, SPEAKER_PAUSE_MS, type ScriptContext } from '../script/settings';
import { toSrt, toVtt, type Cue } from '../narration/subtitles';
import { codePointLength } from '../limits';
import type { FoldersPort, ProgressPort } from './ports';
import type { SynthesizedChunk, Synthesizer, VoiceSettings } from './synthesis';

/** Audio held in memory, read ahead of the chunk being awaited (about 5½ minutes of 24 kHz mono). */
const READ_AHEAD_BYTES = 16 * 1024 * 1024;

export type { ScriptContext } from '../script/settings';

export interface NarrationSettings {
  speed: number;
  volume: number;
  concurrency: number;
  historyMaxItems: number;
  /** Novita's `watermark_enabled` (the glmVoiceClone.watermark setting); undefined: not sent. */
  watermark?: boolean;
}

export interface NarrateRequest {
  text: string;
  voice: { id: string; name: string };
  /** Markdown is read as prose (no code, URLs or markup). */
  languageId?: string;
  kind: 'speech' | 'narration';
  /** A cast, a pronunciation list, a file name (`.fountain`): see `ScriptContext`. */
  script?: ScriptContext;
  /** What to speak, when the caller planned it already (e.g. `continueFrom` for read from cursor); default: `plan(text)`. */
  plan?: SpokenPlan;
}

/** One chunk as it is appended, in order: what read-along plays while the rest is rendered. */
export interface NarratedChunk {
  chunk: ScriptChunk;
  /** 16-bit mono PCM at 24 kHz, exactly what was written to the file. */
  samples: Buffer;
  timing: ChunkTiming;
  /** Its sentences' times in the joined audio (indices into the plan spoken). */
  sentences: SentenceTime[];
}

/** A piece of chunk `index` while it still streams: its PCM (16-bit mono, 24 kHz), following the pieces before it. */
export interface NarratedPiece {
  index: number;
  chunk: ScriptChunk;
  pcm: Buffer;
}

/** A narration plan whose chunks know what to send, in which voice, and who says them. */
export type SpokenPlan = Omit<NarrationPlan, 'chunks'> & { chunks: ScriptChunk[]; unassigned: ScriptPlan['unassigned']; rewrite?: (text: string) => string; solo?: (text: string) => boolean };

/**
 * The rest of `plan` from sentence `from` on (read from the cursor, seek), chunked afresh (the first chunk one
 * sentence, for a fast first sound) and keeping each line's speaker, voice and pronunciations.
 */
export function continueFrom(plan: SpokenPlan, from: number): SpokenPlan {
  if (from === 0) return plan;
  const rest = planFrom(plan as NarrationPlan, from, { solo: plan.solo });
  const rewrite = plan.rewrite ?? ((t: string) => t);
  const owner = (start: number) => plan.chunks.find((c) => c.start <= start && start < c.end) ?? plan.chunks[plan.chunks.length - 1];
  const chunks = rest.chunks.map((c): ScriptChunk => {
    const o = owner(c.sentences[0].start);
    return { ...c, speaker: o.speaker, voice: o.voice, ...(o.speed !== undefined ? { speed: o.speed } : {}), ...(o.volume !== undefined ? { volume: o.volume } : {}), sendText: rewrite(c.text) };
  });
  return { ...rest, chunks, unassigned: plan.unassigned, rewrite: plan.rewrite, solo: plan.solo };
}

/** Where and how to write the result; default: a WAV in the audio folder, recorded in the history. */
export interface NarrateOutput {
  /** The audio file to write (its extension is the caller's business); default: the audio folder. */
  path?: string;
  /** A format of the export table (default wav: the joined file itself). */
  format?: FormatId;
  /** MP3 bitrate in kbit/s (default 64), constant. */
  mp3Kbps?: number;
  /** The MP3's sample rate, e.g. 44 100 (with 192 kbit/s) to publish; default: LAME's choice, 24 kHz from 48 kbit/s up. */
  mp3SampleRate?: Mp3SampleRate;
  /** Subtitle files to write beside it: a cue per sentence, timed from the audio. */
  srtPath?: string;
  vttPath?: string;
  /** Record the result in the library's history (default true when no `path` is given). */
  history?: boolean;
  /**
   * Chapters from the headings (Markdown up to `level`, a screenplay's scene headings): a WebVTT chapters file at
   * `vttPath`, and in the audio itself where its format holds them (MP3's ID3 CHAP/CTOC). Level 0: none.
   */
  chapters?: { level: number; vttPath?: string };
  /** Title, author, album, year, cover: written where the format holds them (MP3's ID3). */
  tags?: AudioTags;
  /**
   * A mastering preset (src/core/master/presets.ts; default none: the joined audio as it is, today's bytes). Any
   * other: the joined WAV mastered (its rate, level, peaks, room tone), then encoded at the preset's bitrate and rate
   * (over `mp3Kbps` and `mp3SampleRate`), subtitles and chapters shifted by the room tone put at the head, and the
   * compliance report returned in `NarrateResult.mastering`.
   */
  preset?: PresetId;
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
  /** The chapters found and timed (empty when none were asked for or the text has no headings). */
  chapters: Chapter[];
  /** The WebVTT chapters file written, if any. */
  chaptersFile?: string;
  /** A preset other than none: how the audio was mastered, and its compliance report. */
  mastering?: MasteringOutcome;
}

export interface NarrateFlowDeps {
  synthesizer: Synthesizer;
  folders: FoldersPort;
  library: () => Promise<VoiceRegistry>;
  settings: () => NarrationSettings;
  /** How the WAV becomes the MP3 (default `encodeWavFileToMp3Off`: a worker per file); the CLI bounds how many run at once. */
  encodeMp3?: Mp3Encode;
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

  /**
   * The plan `text` is spoken by; throws CoreError 'nothingToSpeak' when nothing is left to say. A document is read as
   * a script (a voice per speaker) when it is a screenplay or has a cast (front matter `voices:` or a cast file);
   * otherwise "Note: …" stays prose, read whole by `voiceId`.
   */
  plan(text: string, languageId: string | undefined, voiceId = '', script: ScriptContext = {}): SpokenPlan {
    const isScript = readsAsScript(text, languageId, script);
    let plan: SpokenPlan;
    if (isScript) {
      plan = planScript(text, languageId, { narratorVoice: voiceId, cast: script.cast, pronunciations: script.pronunciations, fileName: script.fileName, solo: script.solo });
    } else {
      const list = script.pronunciations ?? [];
      const prose = planNarration(text, languageId, { solo: script.solo, ...(list.length ? { measure: (t: string) => codePointLength(applyPronunciations(t, list)) } : {}) });
      plan = { ...prose, chunks: prose.chunks.map((c) => ({ ...c, speaker: undefined, voice: voiceId, sendText: list.length ? applyPronunciations(c.text, list) : c.text })), unassigned: [] };
    }
    if (!plan.chunks.length) throw new CoreError({ kind: 'nothingToSpeak' });
    const list = script.pronunciations ?? [];
    if (list.length) plan.rewrite = (t) => applyPronunciations(t, list);
    if (script.solo) plan.solo = script.solo;
    const resolve = script.resolveVoice;
    if (resolve && isScript) {
      const known = new Map<string, string>();
      for (const chunk of plan.chunks) {
        if (chunk.voice === voiceId) continue;
        let id = known.get(chunk.voice);
        if (id === undefined) known.set(chunk.voice, (id = resolve(chunk.voice)));
        chunk.voice = id;
      }
    }
    return plan;
  }

  /** The texts `text` is sent as (see `plan`). */
  chunks(text: string, languageId?: string, script?: ScriptContext): string[] {
    return this.plan(text, languageId, '', script).chunks.map((c) => c.sendText);
  }

  /** Characters in total, already cached, and to send: for the confirmation before a long narration. */
  async estimate(text: string, languageId: string | undefined, voiceId: string, script?: ScriptContext): Promise<{ totalChars: number; cachedChars: number; toSendChars: number }> {
    const plan = this.plan(text, languageId, voiceId, script);
    return this.deps.synthesizer.estimate(
      plan.chunks.map((c) => c.sendText),
      (i) => this.voiceSettings(plan.chunks[i]),
    );
  }

  /**
   * One narration at a time. Throws CoreError: 'narrationBusy', 'nothingToSpeak', 'cancelled' (no partial file is
   * kept; finished chunks are in the cache), 'chunkFailed' (the completed chunks kept in `keptFile`), or what
   * getting a client reported. `onFailure: 'skip'` replaces a failed chunk by silence and reports it instead.
   */
  async narrate(
    req: NarrateRequest,
    options: {
      progress?: ProgressPort;
      signal?: AbortSignal;
      output?: NarrateOutput;
      onFailure?: 'stop' | 'skip';
      onChunk?: (chunk: NarratedChunk) => void;
      /**
       * Pieces of a chunk still streaming (a provider that streams speech), in order: only for the chunk the joiner
       * writes next (pieces of a later one are held until its turn, and dropped if it is complete by then: it comes
       * whole through `onChunk`). `onChunk` follows with the chunk's whole audio (the pieces included).
       */
      onPiece?: (piece: NarratedPiece) => void;
    } = {},
  ): Promise<NarrateResult> {
    if (this.running) throw new CoreError({ kind: 'narrationBusy' });
    const plan = req.plan ?? this.plan(req.text, req.languageId, req.voice.id, req.script);
    if (!plan.chunks.length) throw new CoreError({ kind: 'nothingToSpeak' });
    const onChunk = options.onChunk;
    const texts = plan.chunks.map((c) => c.sendText);
    const pauseSamples = Math.round(((req.script?.speakerPauseMs ?? SPEAKER_PAUSE_MS.default) / 1000) * SAMPLE_RATE);
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
      // Streamed pieces reach the listener in order: those of the chunk the joiner writes next at once, a later
      // chunk's held until its turn (and dropped if it is complete by then: it arrives whole).
      const onPiece = options.onPiece;
      let turn = 0;
      const held = new Map<number, Buffer[]>();
      const complete = new Set<number>();
      const pieceOf = (i: number) =>
        onPiece &&
        ((pcm: Buffer) => {
          if (i === turn) onPiece({ index: i, chunk: plan.chunks[i], pcm });
          else if (i > turn && !complete.has(i)) held.set(i, [...(held.get(i) ?? []), pcm]);
        });
      const nextTurn = (i: number) => {
        turn = i;
        const pieces = held.get(i);
        held.delete(i);
        if (pieces && !complete.has(i)) for (const pcm of pieces) onPiece?.({ index: i, chunk: plan.chunks[i], pcm });
      };
      const synthesize = (i: number, signal: AbortSignal) => {
        const p = this.deps.synthesizer.chunk(texts[i], this.voiceSettings(plan.chunks[i]), { signal, onPiece: pieceOf(i) });
        if (onPiece) void p.then(() => complete.add(i), () => complete.add(i));
        return p;
      };
      // Chunks asked for ahead of the joiner, which takes them from here when it reaches them.
      const prefetched = new Map<number, Promise<SynthesizedChunk>>();
      const prefetch = (i: number) => {
        const early = synthesize(i, controller.signal);
        early.catch(() => undefined); // awaited (and its failure handled) when the joiner reaches it
        prefetched.set(i, early);
      };
      // The first chunk is asked for before anything else (the audio folder, the file, the check of what is cached):
      // its answer is what a listener waits on (read-along's first sound), and the rest of the setup runs meanwhile.
      prefetch(0);
      const settings = this.deps.settings();
      const dir = await this.deps.folders.audioDir();
      const stem = `${req.kind}-${Date.now()}-${randomBytes(3).toString('hex')}`;
      const encode = output.format && formatOf(output.format).encode;
      const wavPath = encode || !output.path ? join(dir, `${stem}.wav`) : output.path;
      const total = texts.length;
      progress({ step: 'chunks', done: 0, total });
      // A few chunks to send among many cached ones (a sentence edited, a run resumed): they are requested at once,
      // while the joiner reads the cached ones in order, instead of when the joiner reaches them. No more of them
      // than `concurrency`, so the requests in flight stay within it; a fresh text is joined in order as before.
      // The check runs beside the join, so a fresh text's first request (read-along's first sound) never waits for it.
      const started = new Set<number>();
      let joinOver = false;
      // While someone listens (read-along), only once the first chunk is in: hundreds of cache look-ups would queue
      // ahead of the first chunk's own.
      let firstIn: () => void = () => undefined;
      const listened = onChunk ? new Promise<void>((resolve) => (firstIn = resolve)) : Promise.resolve();
      void listened
        .then(() => this.deps.synthesizer.uncached(texts, (i) => this.voiceSettings(plan.chunks[i])))
        .then((missing) => {
          if (missing.length > settings.concurrency || controller.signal.aborted || joinOver) return;
          for (const i of missing) {
            if (!started.has(i) && !prefetched.has(i)) prefetch(i);
          }
        })
        .catch(() => undefined);
      const joined = await this.deps.synthesizer.withRetryNotices(progress, () =>
        joinChunksToWav(
          wavPath,
          texts,
          async (input, index, signal) => {
            try {
              started.add(index);
              const early = prefetched.get(index);
              prefetched.delete(index);
              const chunk = await (early ?? synthesize(index, signal));
              if (chunk.cached) cachedChunks++;
              // A short pause where the next line is someone else's.
              const next = plan.chunks[index + 1];
              if (next && next.speaker !== plan.chunks[index].speaker && pauseSamples > 0) return Buffer.concat([chunk.pcm, Buffer.alloc(pauseSamples * 2)]);
              return chunk.pcm;
            } catch (err) {
              // A refused key is no chunk's fault: silence for every chunk would send (and be refused) every one.
              if (options.onFailure !== 'skip' || signal.aborted || isKeyRefusal(problemOf(err))) throw err;
              skipped.push({ index, problem: problemOf(err) });
              return silenceFor(input);
            }
          },
          {
            concurrency: settings.concurrency,
            // While one chunk is awaited, cached ones after it are read ahead (within a memory budget, not a count).
            // Not while someone listens (read-along): each chunk written is posted to the player, and a burst of
            // megabytes the moment the awaited chunk lands would hold up its first sound.
            maxAheadBytes: onChunk ? 0 : READ_AHEAD_BYTES,
            // The client already retries what is safe to repeat (429/503 with Retry-After, refused connections);
            // a chunk that timed out or broke mid-answer may already be billed, so it is reported, not resent.
            retries: 0,
            signal: controller.signal,
            keepCompletedAs: join(dir, `${stem}-incomplete.wav`),
            onProgress: (done) => progress({ step: 'chunks', done, total }),
            onChunk: onChunk && ((index, samples, timing) => {
              firstIn();
              onChunk({ chunk: plan.chunks[index], samples, timing, sentences: sentenceTimes(plan, [timing]) });
              nextTurn(index + 1);
            }),
          },
        ),
      ).finally(() => {
        joinOver = true;
      });
      let filePath = joined.path;
      // Mastering (a preset other than none): the joined WAV is replaced by the mastered one, and every time taken
      // from the join (subtitles, chapters, the timing map) moves by what the mastering put at the head.
      let mastering: MasteringOutcome | undefined;
      let offset = 0;
      let durationSec = joined.durationSec;
      const preset = output.preset && output.preset !== 'none' ? PRESETS[output.preset] : undefined;
      if (preset) {
        progress({ step: 'mastering', preset: preset.id });
        const mastered = await masterWavFile(joined.path, preset.id);
        const kbps = encode && output.format === 'mp3' ? preset.mp3?.kbps : undefined;
        mastering = { ...mastered, measured: encode ? 'encoderInput' : 'file', ...(kbps !== undefined ? { kbps } : {}) };
        offset = mastered.offsetSeconds;
        durationSec = mastered.durationSec;
      }
      // Without a preset the times are the join's, untouched (today's subtitles and chapters, byte for byte).
      const shift = (sec: number): number => Math.max(0, Math.min(durationSec, sec + offset));
      const joinedTimes = sentenceTimes(plan, joined.timing);
      const times = mastering ? joinedTimes.map((t) => ({ ...t, startSec: shift(t.startSec), endSec: shift(t.endSec) })) : joinedTimes;
      const timing = mastering ? joined.timing.map((t) => ({ ...t, startSec: shift(t.startSec), endSec: shift(t.endSec) })) : joined.timing;
      if (encode && output.format) {
        const target = output.path ?? join(dir, `${stem}${formatOf(output.format).extension}`);
        progress({ step: 'encoding', format: output.format });
        try {
          // The runner may bound MP3 encodes (the CLI's --jobs); otherwise the format's own encoder.
          const mp3 = this.deps.encodeMp3;
          const run = output.format === 'mp3' && mp3
            ? (job: EncodeJob, signal?: AbortSignal) => mp3(job.wavPath, job.target, { kbps: job.kbps, ...(job.sampleRate ? { outputSampleRate: job.sampleRate as Mp3SampleRate } : {}) }, signal)
            : encode;
          const kbps = mastering?.kbps ?? output.mp3Kbps;
          const sampleRate = mastering ? mastering.sampleRate : output.mp3SampleRate;
          await run({ wavPath: joined.path, target, kbps, sampleRate }, controller.signal);
        } finally {
          await rm(joined.path, { force: true });
        }
        filePath = target;
      }
      const subtitles: string[] = [];
      if (output.srtPath || output.vttPath) {
        const cues: Cue[] = times.map((t) => {
          const speaker = plan.chunks[t.chunk].speaker;
          return { startSec: t.startSec, endSec: t.endSec, text: plan.sentences[t.sentence].text, ...(speaker ? { speaker } : {}) };
        });
        if (output.srtPath) subtitles.push(await writeText(output.srtPath, toSrt(cues)));
        if (output.vttPath) subtitles.push(await writeText(output.vttPath, toVtt(cues)));
      }
      let chapters: Chapter[] = [];
      let chaptersFile: string | undefined;
      if (output.chapters && output.chapters.level > 0) {
        const marks = chapterMarks(req.text, req.languageId, req.script?.fileName, output.chapters.level);
        chapters = marks.length ? timeChapters(marks, times, durationSec) : [];
        if (chapters.length && output.chapters.vttPath) chaptersFile = await writeText(output.chapters.vttPath, toChaptersVtt(chapters));
      }
      if (output.format && formatOf(output.format).tags === 'id3') await prependTag(filePath, id3Tag(output.tags ?? {}, chapters));
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
            durationSec,
            ...(settings.watermark !== undefined ? { watermark: settings.watermark } : {}),
          },
          settings.historyMaxItems,
        );
      }
      return { filePath, fileName: basename(filePath), chunks: total, durationSec, historyId, timing, cachedChunks, skipped, subtitles, chapters, ...(chaptersFile ? { chaptersFile } : {}), ...(mastering ? { mastering } : {}) };
    } catch (err) {
      const cancelled = controller.signal.aborted;
      // Nothing more is wanted: a request still in flight (the first chunk's, when the setup failed) is let go.
      controller.abort();
      if (cancelled && !(err instanceof CoreError && err.kind === 'cancelled')) throw new CoreError({ kind: 'cancelled' }, { cause: err });
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      // Done means cached: what was rendered is on disk for the next run (or another window).
      await this.deps.synthesizer.flush();
      this.running = undefined;
    }
  }

  /** A chunk's voice, speed and volume: the cast's for its speaker, else the settings'. */
  private voiceSettings(chunk: Pick<ScriptChunk, 'voice' | 'speed' | 'volume'>): VoiceSettings {
    const settings = this.deps.settings();
    return { voiceId: chunk.voice, speed: chunk.speed ?? settings.speed, volume: chunk.volume ?? settings.volume, ...(settings.watermark !== undefined ? { watermark: settings.watermark } : {}) };
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
