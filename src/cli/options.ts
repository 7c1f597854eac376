// The commands' options, parsed with node:util parseArgs (strict: an unknown option is a usage error, exit 2), each
// command's --help built from its own spec (src/cli/commands/<name>.ts), and the option groups and readers the
// commands share.
import { parseArgs } from 'node:util';
import { LIMITS, SYSTEM_VOICES } from '../core/limits';
import { DEFAULT_FORMAT, DEFAULT_MP3_KBPS, DEFAULT_SUBTITLES, FORMAT_IDS, MP3_BITRATES, SUBTITLE_CHOICES, type FormatId, type SubtitleChoice } from '../core/export/formats';
import type { NarrationSettings } from '../core/flows/narrate';
import { PROVIDER_IDS } from '../core/providers/port';
import type { L10n } from '../messages/index';
import { optionHelp, type OptionName } from './messages';
import { UsageError } from './problems';
import type { CacheOptions, CommonOptions } from './runtime';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in --help. */
  value?: string;
}

export type OptionSpecs = Partial<Record<OptionName, OptionSpec>>;

/** What a command takes: its usage line, its options, and whether it takes positionals. */
export interface CommandSpec {
  usage: string;
  options: OptionSpecs;
  positionals: boolean;
}

export const COMMON: OptionSpecs = {
  provider: { type: 'string', value: PROVIDER_IDS.join('|') },
  'base-url': { type: 'string', value: 'URL' },
  'key-file': { type: 'string', value: 'FILE' },
  'data-dir': { type: 'string', value: 'DIR' },
  timeout: { type: 'string', value: 'SECONDS' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const CACHE: OptionSpecs = {
  'cache-dir': { type: 'string', value: 'DIR' },
  'no-cache': { type: 'boolean' },
  'cache-max-mb': { type: 'string', value: 'MB' },
};

export const VOICE: OptionSpecs = {
  voice: { type: 'string', short: 'v', value: 'VOICE' },
  speed: { type: 'string', value: 'N' },
  volume: { type: 'string', value: 'N' },
  concurrency: { type: 'string', short: 'j', value: 'N' },
  format: { type: 'string', value: FORMAT_IDS.join('|') },
  'mp3-kbps': { type: 'string', value: 'KBPS' },
  subtitles: { type: 'string', value: SUBTITLE_CHOICES.join('|') },
};

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Refuses the key as an argument before anything else, and never repeats what was typed after it. */
const KEY_ARGUMENT = /^--?(key|api-key|apikey|novita-api-key|token)(=|$)/i;

export function parseCommand(command: string, spec: CommandSpec, argv: string[]): Parsed {
  if (argv.some((a) => KEY_ARGUMENT.test(a))) throw new UsageError({ kind: 'keyArgument', command });
  try {
    const { values, positionals } = parseArgs({ args: argv, options: spec.options as Record<string, OptionSpec>, strict: true, allowPositionals: spec.positionals });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    throw new UsageError({ kind: 'badArguments', command, detail: err instanceof Error ? err.message : String(err) });
  }
}

/** A command's --help: its usage line, its summary, and a line per option. */
export function commandHelp(spec: CommandSpec, summary: string, l10n: L10n): string {
  const help = optionHelp(l10n);
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o!.short ? `-${o!.short}, ` : '    '}--${name}${o!.value ? ` ${o!.value}` : ''}`;
    return [flag, help[name as OptionName]] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return [`${spec.usage}`, '', summary, '', ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`), ''].join('\n');
}

export function string(p: Parsed, name: OptionName): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(p: Parsed, name: OptionName): boolean {
  return p.values[name] === true;
}

/** A number option within [min, max] (integer when asked), or its default; UsageError otherwise. */
export function number(
  command: string,
  p: Parsed,
  name: OptionName,
  range: { min: number; max: number; integer?: boolean; exclusiveMin?: boolean },
  fallback: number,
): number {
  const raw = string(p, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const ok = raw.trim() !== '' && Number.isFinite(n) && (range.exclusiveMin ? n > range.min : n >= range.min) && n <= range.max && (!range.integer || Number.isInteger(n));
  if (!ok) throw new UsageError({ kind: 'badValue', command, option: name, value: raw, expected: `${range.exclusiveMin ? '>' : ''}${range.min}–${range.max}` });
  return n;
}

export function choice<T extends string>(command: string, p: Parsed, name: OptionName, allowed: readonly T[], fallback: T): T {
  const raw = string(p, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError({ kind: 'badValue', command, option: name, value: raw, expected: allowed.join('|') });
  return raw as T;
}

export const DEFAULT_CACHE_MB = 4096;

/** The runtime's options for a command that talks to Novita: the key file, the base URL, the timeout… */
export function commonOptions(command: string, p: Parsed): CommonOptions {
  const provider = string(p, 'provider');
  return {
    ...(provider !== undefined ? { provider: choice(command, p, 'provider', PROVIDER_IDS, 'novita') } : {}),
    baseUrl: string(p, 'base-url'),
    keyFile: string(p, 'key-file'),
    dataDir: string(p, 'data-dir'),
    timeoutSec: number(command, p, 'timeout', { min: 1, max: 3600 }, 60),
    json: flag(p, 'json'),
    verbose: flag(p, 'verbose'),
  };
}

/** The runtime's options for a command that only looks at local folders (voices, cache). */
export function localOptions(_command: string, p: Parsed): CommonOptions {
  return { json: p.values.json === true, verbose: false, dataDir: p.values['data-dir'] as string | undefined };
}

export function cacheOptions(command: string, p: Parsed): CacheOptions {
  return { cacheDir: string(p, 'cache-dir'), noCache: flag(p, 'no-cache'), cacheMaxMb: number(command, p, 'cache-max-mb', { min: 1, max: 10_000_000, integer: true }, DEFAULT_CACHE_MB) };
}

export interface VoiceOptions {
  voice: string;
  speed: number;
  volume: number;
  concurrency: number;
  mp3Kbps: number;
  subtitles: SubtitleChoice;
}

/** The VOICE group read: the voice, how it speaks, how many requests at once, the bitrate and the subtitles. */
export function voiceOptions(command: string, p: Parsed): VoiceOptions {
  return {
    voice: string(p, 'voice') ?? SYSTEM_VOICES[0],
    speed: number(command, p, 'speed', { min: LIMITS.speed.min, max: LIMITS.speed.max }, 1),
    volume: number(command, p, 'volume', { min: LIMITS.volume.min, max: LIMITS.volume.max, exclusiveMin: true }, 1),
    concurrency: number(command, p, 'concurrency', { min: 1, max: 64, integer: true }, 4),
    mp3Kbps: Number(choice(command, p, 'mp3-kbps', MP3_BITRATES.map(String), String(DEFAULT_MP3_KBPS))),
    subtitles: choice(command, p, 'subtitles', SUBTITLE_CHOICES, DEFAULT_SUBTITLES),
  };
}

/** `--format`: one of the export table's formats, else `fallback`. */
export function formatOption(command: string, p: Parsed, fallback: FormatId = DEFAULT_FORMAT): FormatId {
  return choice(command, p, 'format', FORMAT_IDS, fallback);
}

/** What NarrateFlow runs with in the CLI: the options' speed, volume and concurrency; no history is kept. */
export function narrationSettings(v: Pick<VoiceOptions, 'speed' | 'volume' | 'concurrency'>): NarrationSettings {
  return { speed: v.speed, volume: v.volume, concurrency: v.concurrency, historyMaxItems: 0 };
}
