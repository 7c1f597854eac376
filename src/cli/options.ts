// The commands' options, parsed with node:util parseArgs (strict: an unknown option is a usage error, exit 2), and
// each command's --help built from the same table.
import { parseArgs } from 'node:util';
import type { L10n } from '../messages/index';
import { commandSummary, optionHelp, type CommandName, type OptionName } from './messages';
import { UsageError } from './problems';

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in --help. */
  value?: string;
}

const COMMON: Partial<Record<OptionName, OptionSpec>> = {
  'base-url': { type: 'string', value: 'URL' },
  'key-file': { type: 'string', value: 'FILE' },
  'data-dir': { type: 'string', value: 'DIR' },
  timeout: { type: 'string', value: 'SECONDS' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const CACHE: Partial<Record<OptionName, OptionSpec>> = {
  'cache-dir': { type: 'string', value: 'DIR' },
  'no-cache': { type: 'boolean' },
  'cache-max-mb': { type: 'string', value: 'MB' },
};

const VOICE: Partial<Record<OptionName, OptionSpec>> = {
  voice: { type: 'string', short: 'v', value: 'VOICE' },
  speed: { type: 'string', value: 'N' },
  volume: { type: 'string', value: 'N' },
  concurrency: { type: 'string', short: 'j', value: 'N' },
  format: { type: 'string', value: 'wav|mp3' },
  'mp3-kbps': { type: 'string', value: 'KBPS' },
  subtitles: { type: 'string', value: 'none|srt|vtt|both' },
};

interface CommandSpec {
  usage: string;
  options: Partial<Record<OptionName, OptionSpec>>;
  positionals: boolean;
}

export const COMMANDS: Record<CommandName, CommandSpec> = {
  narrate: {
    usage: 'glm-voice-clone narrate <files, folders or "globs"…> [options]',
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
      ...CACHE,
      ...COMMON,
    },
    positionals: true,
  },
  speak: {
    usage: 'glm-voice-clone speak [text…] --out FILE [options]',
    options: { ...VOICE, file: { type: 'string', short: 'f', value: 'FILE|-' }, out: { type: 'string', short: 'o', value: 'FILE' }, ...CACHE, ...COMMON },
    positionals: true,
  },
  clone: {
    usage: 'glm-voice-clone clone --sample-url URL --name NAME --i-have-the-right [options]',
    options: {
      'sample-url': { type: 'string', value: 'URL' },
      name: { type: 'string', value: 'NAME' },
      transcript: { type: 'string', value: 'TEXT' },
      text: { type: 'string', value: 'TEXT' },
      out: { type: 'string', short: 'o', value: 'FILE' },
      'accept-warnings': { type: 'boolean' },
      'i-have-the-right': { type: 'boolean' },
      ...COMMON,
    },
    positionals: false,
  },
  transcribe: {
    usage: 'glm-voice-clone transcribe <audio URL> [options]',
    options: { ...COMMON },
    positionals: true,
  },
  voices: {
    usage: 'glm-voice-clone voices [options]',
    options: { 'data-dir': COMMON['data-dir'], json: COMMON.json, help: COMMON.help },
    positionals: false,
  },
  cache: {
    usage: 'glm-voice-clone cache stats|prune [options]',
    options: { 'cache-dir': CACHE['cache-dir'], 'max-mb': { type: 'string', value: 'MB' }, all: { type: 'boolean' }, json: COMMON.json, help: COMMON.help },
    positionals: true,
  },
};

export function isCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Refuses the key as an argument before anything else, and never repeats what was typed after it. */
const KEY_ARGUMENT = /^--?(key|api-key|apikey|novita-api-key|token)(=|$)/i;

export function parseCommand(command: CommandName, argv: string[]): Parsed {
  if (argv.some((a) => KEY_ARGUMENT.test(a))) throw new UsageError({ kind: 'keyArgument', command });
  const spec = COMMANDS[command];
  try {
    const { values, positionals } = parseArgs({ args: argv, options: spec.options as Record<string, OptionSpec>, strict: true, allowPositionals: spec.positionals });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    throw new UsageError({ kind: 'badArguments', command, detail: err instanceof Error ? err.message : String(err) });
  }
}

export function commandHelp(command: CommandName, l10n: L10n): string {
  const spec = COMMANDS[command];
  const help = optionHelp(l10n);
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o!.short ? `-${o!.short}, ` : '    '}--${name}${o!.value ? ` ${o!.value}` : ''}`;
    return [flag, help[name as OptionName]] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return [`${spec.usage}`, '', commandSummary(l10n)[command], '', ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`), ''].join('\n');
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
  command: CommandName,
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

export function choice<T extends string>(command: CommandName, p: Parsed, name: OptionName, allowed: readonly T[], fallback: T): T {
  const raw = string(p, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError({ kind: 'badValue', command, option: name, value: raw, expected: allowed.join('|') });
  return raw as T;
}
