// `narrate` over many files: resolve the inputs, keep this runner's shard, plan each file (the planner can be swapped:
// front matter, a cast), then voice the files through ONE shared pool of requests, several files at a time, each file
// a NarrateFlow of the core (chunker, cache, joiner, MP3, subtitles). A failing file is reported and the others go on;
// an abort (Ctrl+C) stops the requests in flight — every finished chunk is already in the cache, so a rerun resumes.
import { setMaxListeners } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChunkCache } from '../core/cache/chunkCache';
import { CoreError, problemOf, type Problem } from '../core/errors';
import { NarrateFlow } from '../core/flows/narrate';
import type { FoldersPort, ProgressEvent } from '../core/flows/ports';
import type { FormatId, SubtitleChoice } from '../core/export/formats';
import type { MasteringOutcome } from '../core/export/mastering';
import type { PresetId } from '../core/master/presets';
import { exportPaths, type ExportPaths } from '../core/export/outputPath';
import type { ProviderConnections } from '../core/providers/connections';
import type { ProviderId } from '../core/providers/port';
import { ExportManifests, exportInputsHash } from '../core/export/manifest';
import { readTags, tagText, type AudioTags, type TagText } from '../core/export/tags';
import { frontMatterCast } from '../core/narration/cast';
import type { NovitaConnections } from '../core/novita/connections';
import { planNarration } from '../core/narration/plan';
import { languageOf, relPath, resolveInputs, shardOf, type InputFile, type InputProblem, type Shard } from './files';
import { narrationSettings } from './options';
import { Semaphore } from './pool';
import { boundedMp3Encoder, defaultJobs } from './mp3Jobs';
import { Synthesizer } from '../core/flows/synthesis';
import type { ScriptContext } from '../core/flows/narrate';
import { CliFailure, type CliProblem } from './problems';
import type { ResolvedVoice, VoiceResolver } from './voices';

/** What a file says, in what voice: the default reads the file as it is in --voice; a cast-aware planner replaces it. */
export interface FilePlanInput {
  path: string;
  rel: string;
  text: string;
  defaults: { voice: string; languageId?: string };
}

export interface FilePlan {
  /** The text to speak (front matter removed, pronunciations applied…). */
  text: string;
  languageId?: string;
  /** A voice id, a cloned voice's name or label, or a system voice: checked like --voice. */
  voice: string;
  /** A cast (voices per speaker), pronunciations, the file name (screenplays): see the core's ScriptContext. */
  script?: ScriptContext;
}

export type FilePlanner = (input: FilePlanInput) => FilePlan | Promise<FilePlan>;

export const plainPlanner: FilePlanner = ({ text, defaults }) => ({ text, languageId: defaults.languageId, voice: defaults.voice });

/**
 * The default planner: the file as it is, with the team's script settings — a cast (`--cast`, else
 * `.vscode/glm-voice-cast.json` in the working directory) and a pronunciation list (`--pronunciations`, else
 * `.vscode/glm-voice-pronunciations.json`) — shared with the editor. Front matter `voices:` in a file wins.
 */
export function scriptPlanner(settings: Pick<ScriptContext, 'cast' | 'pronunciations' | 'speakerPauseMs'>): FilePlanner {
  return ({ path, text, defaults }) => ({
    text,
    languageId: defaults.languageId,
    voice: defaults.voice,
    script: { cast: settings.cast, pronunciations: settings.pronunciations, speakerPauseMs: settings.speakerPauseMs, fileName: path },
  });
}

export interface BatchOptions {
  inputs: readonly string[];
  cwd: string;
  voice: string;
  speed: number;
  volume: number;
  /** Requests in flight at once, over all files. */
  concurrency: number;
  format: FormatId;
  mp3Kbps: number;
  subtitles: SubtitleChoice;
  /** MP3 files encoded at once, a worker thread each (default: the processors less one). */
  jobs?: number;
  /** Folder the outputs go under, mirroring each file's path relative to cwd; default beside each file. */
  out?: string;
  shard?: Shard;
  onFailure: 'stop' | 'skip';
  dryRun: boolean;
  signal: AbortSignal;
  planner?: FilePlanner;
  /** Markdown heading levels that start a chapter (0: no chapters). */
  chapterLevel: number;
  /** Tags for the files whose front matter does not give them (--title, --author, --album, --year, --cover). */
  tags?: TagText;
  /** Render even a file whose output is up to date (its manifest entry matches). */
  force?: boolean;
  /** The mastering preset (--master; default none: the audio as narrated). */
  preset?: PresetId;
}

export interface BatchDeps {
  connections: NovitaConnections;
  /** The other providers and which one speaks a voice (see Synthesizer); without them, every voice is Novita's. */
  providers?: ProviderConnections;
  providerOf?: (voiceId: string) => ProviderId;
  cache: ChunkCache | undefined;
  endpoint: () => string;
  /** Scratch folder for what the flow writes before the final file (the WAV an MP3 is encoded from). */
  scratch: FoldersPort;
  resolveVoice: VoiceResolver;
  reporter: BatchReporter;
}

export type FileFailure = { problem: Problem; cli?: undefined } | { cli: CliProblem; problem?: undefined };

export interface FileDone {
  file: string;
  output: string;
  subtitles: string[];
  /** The WebVTT chapters file written beside it, if the text has chapters. */
  chapters?: string;
  chunks: number;
  cachedChunks: number;
  durationSec: number;
  skipped: Array<{ index: number; problem: Problem }>;
  /** A preset other than none: the compliance report of what was written (the signal handed to the encoder). */
  mastering?: MasteringOutcome;
}

export interface PlannedFile {
  file: string;
  output: string;
  chunks: number;
  chars: number;
  toSendChars: number;
}

export interface BatchSummary {
  files: number;
  done: number;
  failed: number;
  /** Files skipped because their output is up to date. */
  upToDate: number;
  /** Inputs that named no file (a missing path, a glob that matched nothing). */
  inputProblems: number;
  chunks: number;
  cachedChunks: number;
  requests: number;
  sentChars: number;
  cachedChars: number;
  elapsedMs: number;
  interrupted: boolean;
  dryRun: boolean;
}

export interface BatchReporter {
  /** Whether `work` wants each file's chunk count before it is voiced (a progress bar). */
  readonly countsChunks: boolean;
  start(info: { files: number; shard?: Shard }): void;
  /** `delta` more chunks to write (a file planned), or fewer (negative: a file failed or changed). */
  work(delta: number): void;
  /** `delta` more chunks written (over all files). */
  chunks(delta: number): void;
  fileDone(done: FileDone): void;
  /** A file not rendered: its output is there, unchanged, rendered from the same inputs. */
  fileUpToDate(f: { file: string; output: string }): void;
  fileFailed(file: string, failure: FileFailure): void;
  inputProblem(problem: InputProblem): void;
  planned(file: PlannedFile): void;
  retryWait(seconds: number): void;
  /** Novita refused the key (or there is none): the batch stopped, `notDone` of `files` were not narrated. Said once. */
  keyRefused(info: { problem: Problem; notDone: number; files: number }): void;
  end(summary: BatchSummary): void;
}

interface Prepared {
  input: InputFile;
  plan: FilePlan;
  voice: ResolvedVoice;
  output: string;
  srt?: string;
  vtt?: string;
  chapters: string;
  tags: AudioTags;
  /** The hash of everything the output depends on (its manifest entry). */
  inputs: string;
  /** Counted only for a progress bar (planning twice costs CPU the pool's turnaround needs). */
  chunks?: number;
}

/** Output paths of one file: beside it, or under `out` at its path relative to cwd (outside cwd: its absolute path). */
export function outputsFor(input: InputFile, opts: Pick<BatchOptions, 'out' | 'format' | 'subtitles' | 'cwd'>): ExportPaths {
  return exportPaths(input.path, { format: opts.format, subtitles: opts.subtitles, out: opts.out, cwd: opts.cwd });
}

function failureOf(err: unknown): FileFailure {
  if (err instanceof CliFailure) return { cli: err.problem };
  return { problem: problemOf(err) };
}

export async function runBatch(options: BatchOptions, deps: BatchDeps): Promise<BatchSummary> {
  const started = performance.now();
  // Every open file and every request waiting for the pool listens to the one abort signal.
  setMaxListeners(0, options.signal);
  const planner = options.planner ?? plainPlanner;
  const { reporter } = deps;
  const resolved = await resolveInputs(options.inputs, options.cwd);
  // Missing literal files are part of the file set, so exactly one shard reports each.
  const entries = shardOf([...resolved.files.map((f) => ({ ...f, missing: false as const })), ...resolved.missing.map((m) => ({ ...m, missing: true as const }))], options.shard);

  // The first refusal of the key stops the whole batch at once (set before the refused chunk's failure is handed on):
  // no file opens after it, and the requests queued in the pool leave it unsent.
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  setMaxListeners(0, signal);
  let keyRefused: Problem | undefined;
  const pool = new Semaphore(options.concurrency);
  // Files finish voicing several at a time; their MP3 encodes share `jobs` worker threads.
  const encodeMp3 = boundedMp3Encoder(options.jobs ?? defaultJobs());
  const synthesizer = new Synthesizer({
    connections: deps.connections,
    cache: deps.cache,
    endpoint: deps.endpoint,
    providers: deps.providers,
    providerOf: deps.providerOf,
    limit: (request, signal) => pool.run(request, signal),
    onKeyRefused: (err) => {
      keyRefused ??= err.problem;
      stop.abort(err);
    },
  });
  const voiceSettings = (voice: ResolvedVoice) => ({ voiceId: voice.id, speed: options.speed, volume: options.volume });
  /** The hash of everything a file's output depends on: its manifest entry's key to "up to date". */
  const inputsOf = (plan: FilePlan, voice: ResolvedVoice, tags: AudioTags): string => {
    const named = new Set<string>();
    for (const cast of [plan.script?.cast, frontMatterCast(plan.text).cast]) for (const choice of cast?.values() ?? []) named.add(choice.voice);
    const resolveId = (v: string) => {
      try {
        return deps.resolveVoice(v).id;
      } catch {
        return undefined; // unknown: the render will say so, and nothing is recorded
      }
    };
    return exportInputsHash({
      text: plan.text,
      languageId: plan.languageId,
      fileName: plan.script?.fileName,
      voiceId: voice.id,
      castVoices: [...named].sort().map((v) => [v, resolveId(v) ?? ''] as const),
      cast: plan.script?.cast,
      pronunciations: plan.script?.pronunciations,
      speakerPauseMs: plan.script?.speakerPauseMs,
      speed: options.speed,
      volume: options.volume,
      format: options.format,
      kbps: options.format === 'wav' ? undefined : options.mp3Kbps,
      subtitles: options.subtitles,
      chapterLevel: options.chapterLevel,
      tags,
      preset: options.preset && options.preset !== 'none' ? options.preset : undefined,
    });
  };
  let failed = 0;
  let done = 0;
  let upToDate = 0;
  const manifests = new ExportManifests();
  let chunks = 0;
  let cachedChunks = 0;
  const summary = (): BatchSummary => ({
    files: entries.length,
    done,
    failed,
    upToDate,
    inputProblems: resolved.problems.length,
    chunks,
    cachedChunks,
    requests: synthesizer.session.requests,
    sentChars: synthesizer.session.sentChars,
    cachedChars: synthesizer.session.cachedChars,
    elapsedMs: Math.round(performance.now() - started),
    interrupted: options.signal.aborted,
    dryRun: options.dryRun,
  });
  const fail = (file: string, failure: FileFailure) => {
    failed++;
    reporter.fileFailed(file, failure);
  };

  /** Reads and plans a file; throws CliFailure / CoreError for the file's own problems. */
  const planFile = async (input: InputFile) => {
    let text: string;
    try {
      text = await readFile(input.path, 'utf8');
    } catch (err) {
      throw new CliFailure({ kind: 'readFile', path: input.rel, code: (err as { code?: string }).code });
    }
    const plan = await planner({ path: input.path, rel: input.rel, text, defaults: { voice: options.voice, languageId: languageOf(input.path) } });
    const voice = deps.resolveVoice(plan.voice);
    return { plan, voice };
  };

  // 1. Plan each file of the shard (its problems are reported before any of its requests), feeding the queue that
  //    step 2 voices from as soon as the first file is planned.
  const prepared: Array<Prepared | undefined> = [];
  let planning = true;
  let wakeWorkers: Array<() => void> = [];
  const wake = () => {
    const waiting = wakeWorkers;
    wakeWorkers = [];
    for (const w of waiting) w();
  };
  const outputsTaken = new Map<string, string>();
  reporter.start({ files: entries.length, shard: options.shard });
  for (const p of resolved.problems) reporter.inputProblem(p);
  const plan = async () => {
    for (const entry of entries) {
      if (signal.aborted) break;
      if (entry.missing) {
        fail(entry.rel, { cli: { kind: 'readFile', path: entry.rel, code: entry.code ?? 'ENOENT' } });
        continue;
      }
      try {
        const { plan, voice } = await planFile(entry);
        const outs = outputsFor(entry, options);
        const clash = outs.audio === entry.path ? entry.rel : outputsTaken.get(outs.audio);
        if (clash) throw new CliFailure({ kind: 'outputClash', path: relPath(outs.audio, options.cwd), other: clash });
        outputsTaken.set(outs.audio, entry.rel);
        const tags = await readTags(tagText(plan.text, entry.path, options.tags, options.cwd));
        const inputs = inputsOf(plan, voice, tags);
        if (!options.force && !options.dryRun && (await manifests.upToDate(outs.audio, inputs))) {
          upToDate++;
          reporter.fileUpToDate({ file: entry.rel, output: relPath(outs.audio, options.cwd) });
          continue;
        }
        let count: number | undefined;
        if (options.dryRun || reporter.countsChunks) {
          const planned = planNarration(plan.text, plan.languageId);
          if (!planned.chunks.length) throw new CoreError({ kind: 'nothingToSpeak' });
          count = planned.chunks.length;
          if (options.dryRun) {
            const texts = planned.chunks.map((c) => c.text);
            const estimate = await synthesizer.estimate(texts, voiceSettings(voice));
            reporter.planned({ file: entry.rel, output: relPath(outs.audio, options.cwd), chunks: texts.length, chars: estimate.totalChars, toSendChars: estimate.toSendChars });
            chunks += texts.length;
            continue;
          }
          reporter.work(count);
        }
        prepared.push({ input: entry, plan, voice, output: outs.audio, srt: outs.srt, vtt: outs.vtt, chapters: outs.chapters, tags, inputs, chunks: count });
        wake();
      } catch (err) {
        fail(entry.rel, failureOf(err));
      }
    }
    planning = false;
    wake();
  };

  // 2. Voice them: more files open than the pool has slots, so while one file finishes (joins, encodes, renames) the
  //    next files' chunks are already queued for the pool.
  let next = 0;
  const openFiles = Math.max(2, options.concurrency * 2);
  const take = async (): Promise<Prepared | undefined> => {
    for (;;) {
      if (signal.aborted) return undefined;
      if (next < prepared.length) {
        const item = prepared[next];
        prepared[next++] = undefined; // its text is not kept once it is being voiced
        return item;
      }
      if (!planning) return undefined;
      await new Promise<void>((resolve) => wakeWorkers.push(resolve));
    }
  };
  const worker = async () => {
    for (let item = await take(); item; item = await take()) {
      let written = 0;
      let expected = item.chunks;
      const { plan, voice } = item;
      try {
        await mkdir(dirname(item.output), { recursive: true });
        const flow = new NarrateFlow({
          synthesizer,
          folders: deps.scratch,
          library: () => Promise.reject(new Error('no history in the CLI')),
          settings: () => narrationSettings(options),
          encodeMp3,
        });
        const progress = (e: ProgressEvent) => {
          if (e.step === 'chunks') {
            if (e.total !== expected) {
              // Not counted before (no bar), or counted otherwise: the bar follows what is really being sent.
              reporter.work(e.total - (expected ?? 0));
              expected = e.total;
            }
            if (e.done > written) {
              reporter.chunks(e.done - written);
              written = e.done;
            }
          } else if (e.step === 'retryWait') reporter.retryWait(e.seconds);
        };
        const result = await flow.narrate(
          { text: plan.text, languageId: plan.languageId, voice, kind: 'narration', script: plan.script && { ...plan.script, resolveVoice: (v) => deps.resolveVoice(v).id } },
          {
            signal,
            progress,
            onFailure: options.onFailure,
            output: {
              path: item.output,
              format: options.format,
              mp3Kbps: options.mp3Kbps,
              srtPath: item.srt,
              vttPath: item.vtt,
              history: false,
              chapters: { level: options.chapterLevel, vttPath: item.chapters },
              tags: item.tags,
              ...(options.preset && options.preset !== 'none' ? { preset: options.preset } : {}),
            },
          },
        );
        // A file with chunks replaced by silence is not what was asked for: it is rendered again next time.
        if (!result.skipped.length) await manifests.record(result.filePath, item.inputs, [...result.subtitles, ...(result.chaptersFile ? [result.chaptersFile] : [])]);
        done++;
        chunks += result.chunks;
        cachedChunks += result.cachedChunks;
        reporter.fileDone({
          file: item.input.rel,
          output: relPath(result.filePath, options.cwd),
          subtitles: result.subtitles.map((s) => relPath(s, options.cwd)),
          ...(result.chaptersFile ? { chapters: relPath(result.chaptersFile, options.cwd) } : {}),
          chunks: result.chunks,
          cachedChunks: result.cachedChunks,
          durationSec: result.durationSec,
          skipped: result.skipped,
          ...(result.mastering ? { mastering: result.mastering } : {}),
        });
      } catch (err) {
        if (expected !== undefined && expected > written) reporter.work(written - expected);
        if (signal.aborted) return;
        fail(item.input.rel, failureOf(err));
      }
    }
  };
  const onAbort = () => wake();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // The cache's size is measured once before the first write: otherwise every write that lands before a first
    // measurement finishes starts its own scan of the folder (thousands of entries in a CI cache).
    const sized = (!options.dryRun && deps.cache?.stats().then(() => undefined, () => undefined)) || Promise.resolve();
    await Promise.all([plan(), ...(options.dryRun ? [] : Array.from({ length: openFiles }, () => sized.then(worker)))]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (keyRefused && !options.signal.aborted) {
    // One line for the batch, not one per file: every file not done stopped for the same reason.
    const notDone = entries.length - done - failed;
    failed += notDone;
    reporter.keyRefused({ problem: keyRefused, notDone, files: entries.length });
  }
  const s = summary();
  reporter.end(s);
  return s;
}
