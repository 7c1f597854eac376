// `glm-voice-clone narrate`: files, folders and globs voiced into audio beside them or under --out (see ../batch.ts),
// with the team's script settings (a cast, pronunciations) loaded by the core as the editor loads them.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadScriptSettings, scriptFilesIn, SPEAKER_PAUSE_MS, type ScriptContext } from '../../core/script/settings';
import { runBatch, scriptPlanner } from '../batch';
import { parseShard } from '../files';
import { commandSummary } from '../messages';
import { CHAPTER_LEVEL } from '../../core/export/chapters';
import { PRESET_IDS } from '../../core/master/presets';
import { CACHE, COMMON, VOICE, cacheOptions, commonOptions, flag, formatOption, choice, number, string, voiceOptions, type Parsed } from '../options';
import { defaultJobs } from '../mp3Jobs';
import { UsageError } from '../problems';
import { createReporter } from '../reporter';
import { checkedResolver, providerRouter } from '../voices';
import type { CliCommand } from './command';

export const narrate: CliCommand = {
  usage: 'glm-voice-clone narrate <files, folders or "globs"…> [options]',
  summary: commandSummary.narrate,
  options: {
    ...VOICE,
    jobs: { type: 'string', value: 'N' },
    out: { type: 'string', short: 'o', value: 'DIR' },
    shard: { type: 'string', value: 'I/N' },
    'on-failure': { type: 'string', value: 'stop|skip' },
    'dry-run': { type: 'boolean' },
    cast: { type: 'string', value: 'FILE' },
    pronunciations: { type: 'string', value: 'FILE' },
    'pause-ms': { type: 'string', value: 'MS' },
    'chapter-level': { type: 'string', value: 'N' },
    title: { type: 'string', value: 'TEXT' },
    author: { type: 'string', value: 'TEXT' },
    album: { type: 'string', value: 'TEXT' },
    year: { type: 'string', value: 'YYYY' },
    cover: { type: 'string', value: 'FILE' },
    force: { type: 'boolean' },
    master: { type: 'string', value: PRESET_IDS.join('|') },
    ...CACHE,
    ...COMMON,
  },
  positionals: true,
  common: commonOptions,
  async run({ runtime, parsed: p, l10n, signal, planner, cwd = process.cwd() }) {
    if (!p.positionals.length) throw new UsageError({ kind: 'noInputs', command: 'narrate' });
    const v = voiceOptions('narrate', p);
    const shardText = string(p, 'shard');
    const shard = shardText === undefined ? undefined : parseShard(shardText);
    if (shardText !== undefined && !shard) throw new UsageError({ kind: 'badValue', command: 'narrate', option: 'shard', value: shardText, expected: 'I/N (1 ≤ I ≤ N)' });
    const resolveVoice = await checkedResolver(runtime, v.voice);
    const reporter = createReporter(runtime, l10n);
    await runBatch(
      {
        inputs: p.positionals,
        cwd,
        ...v,
        format: formatOption('narrate', p),
        jobs: number('narrate', p, 'jobs', { min: 1, max: 64, integer: true }, defaultJobs()),
        out: string(p, 'out'),
        shard,
        onFailure: choice('narrate', p, 'on-failure', ['stop', 'skip'] as const, 'stop'),
        dryRun: flag(p, 'dry-run'),
        signal,
        planner: planner ?? scriptPlanner(await scriptSettings(p, cwd)),
        chapterLevel: number('narrate', p, 'chapter-level', { min: CHAPTER_LEVEL.min, max: CHAPTER_LEVEL.max, integer: true }, CHAPTER_LEVEL.default),
        tags: { title: string(p, 'title'), author: string(p, 'author'), album: string(p, 'album'), year: string(p, 'year'), cover: string(p, 'cover') },
        force: flag(p, 'force'),
        preset: choice('narrate', p, 'master', PRESET_IDS, 'none'),
      },
      {
        connections: runtime.connections,
        providers: runtime.providers,
        providerOf: providerRouter(await runtime.registry(), runtime.provider),
        cache: runtime.cache(cacheOptions('narrate', p)),
        endpoint: () => runtime.settings.apiBaseUrl,
        scratch: runtime.scratch,
        resolveVoice,
        reporter,
      },
    );
    return reporter.exitCode;
  },
};

/**
 * The cast and pronunciation files for `narrate`: the options', else the editor's `.vscode/` files in the working
 * directory when they exist, loaded and checked by the core. A named file that cannot be read, or a file with
 * mistakes, is a usage error: nothing is sent in voices nobody chose.
 */
async function scriptSettings(p: Parsed, cwd: string): Promise<ScriptContext> {
  const given = { cast: string(p, 'cast'), pronunciations: string(p, 'pronunciations') };
  const folder = scriptFilesIn(cwd);
  const paths = {
    cast: given.cast === undefined ? folder.castPath : resolve(cwd, given.cast),
    pronunciations: given.pronunciations === undefined ? folder.pronunciationsPath : resolve(cwd, given.pronunciations),
  };
  // A named file that cannot be read is reported in the order the files are checked: the cast's problems first.
  const unreadable = new Map<string, UsageError>();
  const read = async (path: string): Promise<string | undefined> => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      const option = path === paths.cast ? 'cast' : 'pronunciations';
      const named = given[option];
      if (named !== undefined) unreadable.set(path, new UsageError({ kind: 'readFile', path: named, code: (err as { code?: string }).code }));
      return undefined;
    }
  };
  const settings = await loadScriptSettings({ read }, { castPath: paths.cast, pronunciationsPath: paths.pronunciations });
  const check = (option: 'cast' | 'pronunciations', shown: string, expected: string) => {
    const failed = unreadable.get(paths[option]);
    if (failed) throw failed;
    if (settings.problems.some((x) => x.file === paths[option])) throw new UsageError({ kind: 'badValue', command: 'narrate', option, value: given[option] ?? shown, expected });
  };
  check('cast', '.vscode/glm-voice-cast.json', '{ "voices": { "Speaker": "voice" } }');
  check('pronunciations', '.vscode/glm-voice-pronunciations.json', '{ "word": "spoken form" }');
  const out: ScriptContext = { cast: settings.cast, pronunciations: settings.pronunciations };
  const pause = string(p, 'pause-ms');
  if (pause !== undefined) {
    const ms = Number(pause);
    if (!Number.isInteger(ms) || ms < SPEAKER_PAUSE_MS.min || ms > SPEAKER_PAUSE_MS.max) {
      throw new UsageError({ kind: 'badValue', command: 'narrate', option: 'pause-ms', value: pause, expected: `${SPEAKER_PAUSE_MS.min}–${SPEAKER_PAUSE_MS.max}` });
    }
    out.speakerPauseMs = ms;
  }
  return out;
}
