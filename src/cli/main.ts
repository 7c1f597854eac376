// `glm-voice-clone`: the command-line host of the core (bundled into dist/cli.js, no vscode). Parses the command,
// sets up the translator, the key and the connections, runs the command, and turns the outcome into an exit code:
// 0 done, 1 something failed (the rest was still done), 2 wrong usage (nothing was done), 130 interrupted (Ctrl+C or
// SIGTERM: requests in flight are stopped, finished chunks stay in the cache, the next run resumes).
import * as l10n from '@vscode/l10n';
import { problemOf } from '../core/errors';
import type { L10n } from '../messages/index';
import { COMMANDS, commandRows, isCommand } from './commands/index';
import { describeCliProblem, describeForCli, mainUsage, unexpectedText } from './messages';
import { commandHelp, parseCommand } from './options';
import { UsageError } from './problems';
import { CliRuntime, type Streams } from './runtime';
import type { FilePlanner } from './batch';

export const EXIT = { done: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Chinese when the locale says so (LC_ALL, LC_MESSAGES, LANG); the bundle is built into dist/cli.js. */
function setUpTranslator(env: NodeJS.ProcessEnv): L10n {
  const locale = (env.LC_ALL || env.LC_MESSAGES || env.LANG || '').toLowerCase();
  if (locale.startsWith('zh')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    l10n.config({ contents: require('../../l10n/bundle.l10n.zh-cn.json') as Record<string, string> });
  }
  return l10n;
}

export interface RunOptions {
  streams?: Streams;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Replaces the plain per-file planner of `narrate` (front matter, cast, pronunciations). */
  planner?: FilePlanner;
  /** Where relative paths start (default the process's). */
  cwd?: string;
}

export async function run(argv: string[], options: RunOptions = {}): Promise<number> {
  const streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const env = options.env ?? process.env;
  const t = setUpTranslator(env);
  const signal = options.signal ?? new AbortController().signal;
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? streams.stderr : streams.stdout).write(mainUsage(commandRows(t), t));
    return command === undefined ? EXIT.usage : EXIT.done;
  }
  if (command === '--version') {
    streams.stdout.write(`${typeof CLI_VERSION === 'string' ? CLI_VERSION : 'dev'}\n`);
    return EXIT.done;
  }
  let runtime: CliRuntime | undefined;
  try {
    if (!isCommand(command)) throw new UsageError({ kind: 'unknownCommand', command });
    const spec = COMMANDS[command];
    const parsed = parseCommand(command, spec, rest);
    if (parsed.values.help === true) {
      streams.stdout.write(commandHelp(spec, spec.summary(t), t));
      return EXIT.done;
    }
    runtime = await CliRuntime.create(spec.common(command, parsed), streams, env);
    return await spec.run({ runtime, parsed, l10n: t, signal, planner: options.planner, cwd: options.cwd });
  } catch (err) {
    const line = (text: string) => streams.stderr.write(`${runtime ? runtime.redact(text) : text}\n`);
    if (err instanceof UsageError) {
      line(describeCliProblem(err.problem, t));
      return EXIT.usage;
    }
    const problem = problemOf(err);
    line(problem.kind === 'unexpected' ? unexpectedText(problem.detail, t) : describeForCli(problem, t));
    return signal.aborted ? EXIT.interrupted : EXIT.failed;
  } finally {
    await runtime?.dispose();
  }
}

declare const CLI_VERSION: string | undefined;

/** The process: SIGINT/SIGTERM abort the run (a second one exits at once), then the exit code is the run's. */
export function main(): void {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  run(process.argv.slice(2), { signal: controller.signal }).then(
    (code) => {
      process.exitCode = controller.signal.aborted ? EXIT.interrupted : code;
      // undici keeps idle sockets a while: leave once the output is flushed.
      process.stdout.write('', () => process.stderr.write('', () => process.exit()));
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(EXIT.failed);
    },
  );
}

if (require.main === module) main();
