// The CLI's subcommands, in the order the main --help lists them. Adding one: a file beside this one exporting a
// `CliCommand` (its spec, its summary in ../messages.ts, its run) and a line here.
import type { L10n } from '../../messages/index';
import type { CliCommand } from './command';
import { cache } from './cache';
import { clone } from './clone';
import { narrate } from './narrate';
import { speak } from './speak';
import { transcribe } from './transcribe';
import { voices } from './voices';

export const COMMANDS = {
  narrate,
  speak,
  clone,
  transcribe,
  voices,
  cache,
} as const satisfies Record<string, CliCommand>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

/** Each command and its summary, for the main --help. */
export function commandRows(l10n: L10n): Array<readonly [CommandName, string]> {
  return (Object.keys(COMMANDS) as CommandName[]).map((name) => [name, COMMANDS[name].summary(l10n)] as const);
}
