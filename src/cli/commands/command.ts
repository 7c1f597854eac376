// What a subcommand of the CLI is: its spec (usage line, parseArgs options), its summary (a sentence of
// src/cli/messages.ts), the runtime options it needs, and `run`, which returns the exit code (0 done, 1 failed,
// 2 usage, 130 interrupted). Each lives in its own file beside this one and is listed in ./index.ts.
import type { L10n } from '../../messages/index';
import type { FilePlanner } from '../batch';
import type { CommandSpec, Parsed } from '../options';
import type { CliRuntime, CommonOptions } from '../runtime';

export interface CommandContext {
  runtime: CliRuntime;
  parsed: Parsed;
  l10n: L10n;
  signal: AbortSignal;
  /** Replaces narrate's per-file planner (tests, embedders). */
  planner?: FilePlanner;
  /** Where relative paths start (default the process's). */
  cwd?: string;
}

export interface CliCommand extends CommandSpec {
  /** One line: the main --help's row and the start of the command's own --help. */
  summary(l10n: L10n): string;
  /** The runtime's options (the key, the base URL, the data folder…) from what was parsed. */
  common(command: string, parsed: Parsed): CommonOptions;
  run(context: CommandContext): Promise<number>;
}
