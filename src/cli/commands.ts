// The six commands over the core: each parses its options, does its work through the core's flows, prints, and
// returns its exit code (0 done, 1 failed, 2 usage, 130 interrupted).
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { ChunkCache } from '../core/cache/chunkCache';
import { problemOf } from '../core/errors';
import { CloneFlow } from '../core/flows/clone';
import { NarrateFlow } from '../core/flows/narrate';
import { SampleFlow } from '../core/flows/sample';
import { LIMITS, SYSTEM_VOICES } from '../core/limits';
import { fieldProblemsText, progressText, type L10n } from '../messages/index';
import { runBatch, languageOf, scriptPlanner, type FilePlanner } from './batch';
import { parseCastFile, type CastMap } from '../core/narration/cast';
import { parsePronunciations, type PronunciationList } from '../core/narration/pronunciations';
import { parseShard } from './files';
import { cacheStatsText, cachePrunedText, cloneDoneText, clonedHeading, noClonedVoices, speakDoneText, voicesHeading } from './messages';
import { choice, flag, number, string, type Parsed } from './options';
import { Synthesizer } from '../core/flows/synthesis';
import { CliFailure, UsageError } from './problems';
import { createReporter, failureText } from './reporter';
import { defaultCacheDir, type CacheOptions, type CliRuntime, type CommonOptions } from './runtime';
import { voiceResolver } from './voices';
import { boundedMp3Encoder, defaultJobs } from './mp3Jobs';
import type { CommandName } from './messages';

export const DEFAULT_CACHE_MB = 4096;
const DEFAULT_PREVIEW_TEXT = 'Hello! This is a preview of my new voice.';

export function commonOptions(command: CommandName, p: Parsed): CommonOptions {
  return {
    baseUrl: string(p, 'base-url'),
    keyFile: string(p, 'key-file'),
    dataDir: string(p, 'data-dir'),
    timeoutSec: number(command, p, 'timeout', { min: 1, max: 3600 }, 60),
    json: flag(p, 'json'),
    verbose: flag(p, 'verbose'),
  };
}

export function cacheOptions(command: CommandName, p: Parsed): CacheOptions {
  return { cacheDir: string(p, 'cache-dir'), noCache: flag(p, 'no-cache'), cacheMaxMb: number(command, p, 'cache-max-mb', { min: 1, max: 10_000_000, integer: true }, DEFAULT_CACHE_MB) };
}

interface VoiceOptions {
  voice: string;
  speed: number;
  volume: number;
  concurrency: number;
  mp3Kbps: number;
  subtitles: 'none' | 'srt' | 'vtt' | 'both';
}

function voiceOptions(command: CommandName, p: Parsed): VoiceOptions {
  return {
    voice: string(p, 'voice') ?? SYSTEM_VOICES[0],
    speed: number(command, p, 'speed', { min: LIMITS.speed.min, max: LIMITS.speed.max }, 1),
    volume: number(command, p, 'volume', { min: LIMITS.volume.min, max: LIMITS.volume.max, exclusiveMin: true }, 1),
    concurrency: number(command, p, 'concurrency', { min: 1, max: 64, integer: true }, 4),
    mp3Kbps: Number(choice(command, p, 'mp3-kbps', ['32', '48', '64', '96', '128', '160', '192'], '64')),
    subtitles: choice(command, p, 'subtitles', ['none', 'srt', 'vtt', 'both'] as const, 'none'),
  };
}

/** The --voice of a command, checked at once: an unknown voice is a usage error (exit 2), nothing is sent. */
async function checkedResolver(runtime: CliRuntime, voice: string) {
  const resolve = voiceResolver(await runtime.registry());
  try {
    resolve(voice);
  } catch (err) {
    if (err instanceof CliFailure) throw new UsageError(err.problem);
    throw err;
  }
  return resolve;
}

export async function narrateCommand(runtime: CliRuntime, p: Parsed, l10n: L10n, signal: AbortSignal, extra: { planner?: FilePlanner; cwd?: string } = {}): Promise<number> {
  if (!p.positionals.length) throw new UsageError({ kind: 'noInputs', command: 'narrate' });
  const v = voiceOptions('narrate', p);
  const shardText = string(p, 'shard');
  const shard = shardText === undefined ? undefined : parseShard(shardText);
  if (shardText !== undefined && !shard) throw new UsageError({ kind: 'badValue', command: 'narrate', option: 'shard', value: shardText, expected: 'I/N (1 ≤ I ≤ N)' });
  const resolveVoice = await checkedResolver(runtime, v.voice);
  const cwd = extra.cwd ?? process.cwd();
  const planner = extra.planner ?? scriptPlanner(await scriptSettings(p, cwd));
  const reporter = createReporter(runtime, l10n);
  await runBatch(
    {
      inputs: p.positionals,
      cwd,
      ...v,
      format: choice('narrate', p, 'format', ['wav', 'mp3'] as const, 'wav'),
      jobs: number('narrate', p, 'jobs', { min: 1, max: 64, integer: true }, defaultJobs()),
      out: string(p, 'out'),
      shard,
      onFailure: choice('narrate', p, 'on-failure', ['stop', 'skip'] as const, 'stop'),
      dryRun: flag(p, 'dry-run'),
      signal,
      planner,
    },
    {
      connections: runtime.connections,
      cache: runtime.cache(cacheOptions('narrate', p)),
      endpoint: () => runtime.settings.apiBaseUrl,
      scratch: runtime.scratch,
      resolveVoice,
      reporter,
    },
  );
  return reporter.exitCode;
}

/**
 * The cast and pronunciation files for `narrate`: the options', else the editor's `.vscode/` files in the working
 * directory when they exist. A named file that cannot be read, or a file with mistakes, is a usage error: nothing is
 * sent in voices nobody chose.
 */
async function scriptSettings(p: Parsed, cwd: string): Promise<{ cast?: CastMap; pronunciations?: PronunciationList; speakerPauseMs?: number }> {
  const read = async (option: 'cast' | 'pronunciations', fallback: string): Promise<string | undefined> => {
    const given = string(p, option);
    const path = given === undefined ? join(cwd, fallback) : resolve(cwd, given);
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if (given === undefined) return undefined;
      throw new UsageError({ kind: 'readFile', path: given, code: (err as { code?: string }).code });
    }
  };
  const out: { cast?: CastMap; pronunciations?: PronunciationList; speakerPauseMs?: number } = {};
  const castText = await read('cast', join('.vscode', 'glm-voice-cast.json'));
  if (castText !== undefined) {
    const cast = parseCastFile(castText);
    if (cast.problems.length) throw new UsageError({ kind: 'badValue', command: 'narrate', option: 'cast', value: string(p, 'cast') ?? '.vscode/glm-voice-cast.json', expected: '{ "voices": { "Speaker": "voice" } }' });
    out.cast = cast.cast;
  }
  const pronText = await read('pronunciations', join('.vscode', 'glm-voice-pronunciations.json'));
  if (pronText !== undefined) {
    const list = parsePronunciations(pronText);
    if (list.problems.length) throw new UsageError({ kind: 'badValue', command: 'narrate', option: 'pronunciations', value: string(p, 'pronunciations') ?? '.vscode/glm-voice-pronunciations.json', expected: '{ "word": "spoken form" }' });
    out.pronunciations = list.list;
  }
  const pause = string(p, 'pause-ms');
  if (pause !== undefined) {
    const ms = Number(pause);
    if (!Number.isInteger(ms) || ms < 0 || ms > 5000) throw new UsageError({ kind: 'badValue', command: 'narrate', option: 'pause-ms', value: pause, expected: '0–5000' });
    out.speakerPauseMs = ms;
  }
  return out;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function speakCommand(runtime: CliRuntime, p: Parsed, l10n: L10n, signal: AbortSignal): Promise<number> {
  const v = voiceOptions('speak', p);
  const out = string(p, 'out');
  if (!out) throw new UsageError({ kind: 'missingOption', command: 'speak', option: 'out' });
  const file = string(p, 'file');
  let text: string;
  if (file === '-') text = await readStdin();
  else if (file !== undefined) {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError({ kind: 'readFile', path: file, code: (err as { code?: string }).code });
    }
  } else text = p.positionals.join(' ');
  if (!text.trim()) throw new UsageError({ kind: 'noInputs', command: 'speak' });
  const voice = (await checkedResolver(runtime, v.voice))(v.voice);
  const target = resolve(out);
  const format = choice('speak', p, 'format', ['wav', 'mp3'] as const, extname(target).toLowerCase() === '.mp3' ? 'mp3' : 'wav');
  const base = target.slice(0, target.length - extname(target).length);
  await mkdir(dirname(target), { recursive: true });
  const synthesizer = new Synthesizer({ connections: runtime.connections, cache: runtime.cache(cacheOptions('speak', p)), endpoint: () => runtime.settings.apiBaseUrl });
  const flow = new NarrateFlow({
    synthesizer,
    folders: runtime.scratch,
    library: () => Promise.reject(new Error('no history in the CLI')),
    settings: () => ({ speed: v.speed, volume: v.volume, concurrency: v.concurrency, historyMaxItems: 0 }),
    // the CLI's own worker (its bundle), as narrate's: nothing beside dist/cli.js is needed
    encodeMp3: boundedMp3Encoder(1),
  });
  try {
    const result = await flow.narrate(
      { text, languageId: file && file !== '-' ? languageOf(file) : undefined, voice, kind: 'speech' },
      {
        signal,
        progress: (e) => {
          if (e.step === 'retryWait') runtime.err(progressText(e, l10n));
        },
        output: {
          path: target,
          format,
          mp3Kbps: v.mp3Kbps,
          srtPath: v.subtitles === 'srt' || v.subtitles === 'both' ? `${base}.srt` : undefined,
          vttPath: v.subtitles === 'vtt' || v.subtitles === 'both' ? `${base}.vtt` : undefined,
          history: false,
        },
      },
    );
    if (runtime.options.json) {
      runtime.json({ event: 'done', output: result.filePath, subtitles: result.subtitles, chunks: result.chunks, cachedChunks: result.cachedChunks, durationSec: result.durationSec, requests: synthesizer.session.requests });
    } else runtime.out(speakDoneText({ output: result.filePath, chunks: result.chunks, cached: result.cachedChunks, durationSec: result.durationSec }, l10n));
    return 0;
  } catch (err) {
    return reportFailure(runtime, l10n, err, signal);
  }
}

/** A command's failure: one line on stderr (and a JSON line with --json); 130 when it was an interruption. */
function reportFailure(runtime: CliRuntime, l10n: L10n, err: unknown, signal: AbortSignal): number {
  if (err instanceof UsageError) throw err;
  const failure = err instanceof CliFailure ? { cli: err.problem } : { problem: problemOf(err) };
  const message = failureText(failure, l10n);
  if (runtime.options.json) runtime.json({ event: 'failed', error: failure.cli ?? failure.problem, message });
  runtime.err(message);
  return signal.aborted ? 130 : 1;
}

export async function cloneCommand(runtime: CliRuntime, p: Parsed, l10n: L10n, signal: AbortSignal): Promise<number> {
  const sampleUrl = string(p, 'sample-url');
  const name = string(p, 'name');
  if (!sampleUrl) throw new UsageError({ kind: 'missingOption', command: 'clone', option: 'sample-url' });
  if (!name) throw new UsageError({ kind: 'missingOption', command: 'clone', option: 'name' });
  const samples = new SampleFlow({ connections: runtime.connections, folders: runtime.audioFolder, settings: () => runtime.settings });
  const clone = new CloneFlow({ connections: runtime.connections, folders: runtime.audioFolder, library: () => runtime.registry(), samples, historyMaxItems: () => 50 });
  const form = { sampleUrl, transcript: string(p, 'transcript') ?? '', text: string(p, 'text') ?? DEFAULT_PREVIEW_TEXT, voiceName: name };
  try {
    const outcome = await clone.clone(form, {
      signal,
      acceptWarnings: flag(p, 'accept-warnings'),
      // The user's statement that they may clone this voice, as the editor's checkbox asks; without it, nothing is sent.
      consent: flag(p, 'i-have-the-right'),
      progress: (e) => {
        if (!runtime.options.json) runtime.err(progressText(e, l10n));
      },
    });
    let preview = outcome.filePath;
    const out = string(p, 'out');
    if (out) {
      await mkdir(dirname(resolve(out)), { recursive: true });
      await copyFile(outcome.filePath, resolve(out));
      preview = resolve(out);
    }
    if (runtime.options.json) runtime.json({ event: 'cloned', voiceId: outcome.voiceId, name: outcome.voiceName, preview });
    else runtime.out(cloneDoneText({ name: outcome.voiceName, voiceId: outcome.voiceId, preview }, l10n));
    return 0;
  } catch (err) {
    const problem = problemOf(err);
    if (problem.kind === 'formInvalid') {
      const texts = fieldProblemsText(problem.problems, l10n);
      for (const line of Object.values(texts)) runtime.err(line);
      if (runtime.options.json) runtime.json({ event: 'failed', error: problem });
      return 2;
    }
    return reportFailure(runtime, l10n, err, signal);
  }
}

export async function transcribeCommand(runtime: CliRuntime, p: Parsed, l10n: L10n, signal: AbortSignal): Promise<number> {
  const url = p.positionals[0];
  if (!url || p.positionals.length > 1) throw new UsageError({ kind: 'noInputs', command: 'transcribe' });
  const samples = new SampleFlow({ connections: runtime.connections, folders: runtime.audioFolder, settings: () => runtime.settings });
  try {
    const text = await samples.transcribe(url, signal);
    if (runtime.options.json) runtime.json({ event: 'transcribed', url, text });
    else runtime.out(text);
    return 0;
  } catch (err) {
    return reportFailure(runtime, l10n, err, signal);
  }
}

export async function voicesCommand(runtime: CliRuntime, _p: Parsed, l10n: L10n): Promise<number> {
  const registry = await runtime.registry();
  const cloned = registry.voices();
  if (runtime.options.json) {
    for (const id of SYSTEM_VOICES) runtime.json({ kind: 'system', id, name: id });
    for (const v of cloned) runtime.json({ kind: 'cloned', id: v.voiceId, name: v.label ?? v.name, createdAt: v.createdAt });
    return 0;
  }
  runtime.out(voicesHeading(l10n));
  for (const id of SYSTEM_VOICES) runtime.out(`  ${id}`);
  runtime.out(clonedHeading(runtime.dataDir, l10n));
  if (!cloned.length) runtime.out(`  ${noClonedVoices(l10n)}`);
  for (const v of cloned) runtime.out(`  ${v.label ?? v.name}  ${v.voiceId}`);
  return 0;
}

export async function cacheCommand(runtime: CliRuntime, p: Parsed, l10n: L10n): Promise<number> {
  const action = p.positionals[0];
  if ((action !== 'stats' && action !== 'prune') || p.positionals.length > 1) {
    throw new UsageError({ kind: 'badValue', command: 'cache', option: 'action', value: p.positionals.join(' '), expected: 'stats|prune' });
  }
  const maxMb = number('cache', p, 'max-mb', { min: 0, max: 10_000_000 }, DEFAULT_CACHE_MB);
  const dir = string(p, 'cache-dir') ?? defaultCacheDir();
  const cache = new ChunkCache({ dir, maxBytes: maxMb * 1024 * 1024 });
  if (action === 'stats') {
    const s = await cache.stats();
    if (runtime.options.json) runtime.json({ event: 'stats', dir, entries: s.entries, bytes: s.bytes });
    else runtime.out(cacheStatsText({ dir, entries: s.entries, bytes: s.bytes }, l10n));
    return 0;
  }
  const before = await cache.stats();
  let removed: { removed: number; freedBytes: number };
  if (flag(p, 'all')) {
    await cache.clear();
    removed = { removed: before.entries, freedBytes: before.bytes };
  } else removed = await cache.prune(maxMb * 1024 * 1024);
  const after = await cache.stats();
  if (runtime.options.json) runtime.json({ event: 'pruned', dir, ...removed, entries: after.entries, bytes: after.bytes });
  else runtime.out(cachePrunedText({ ...removed, entries: after.entries, bytes: after.bytes }, l10n));
  return 0;
}

