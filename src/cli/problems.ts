// The CLI's own failures, as kinds with data like the core's: src/cli/messages.ts words them.

export type CliProblem =
  | { kind: 'unknownCommand'; command: string }
  | { kind: 'badArguments'; command: string; detail: string }
  /** The key was passed as an argument: refused (other users see arguments in `ps`), its value never shown. */
  | { kind: 'keyArgument'; command: string }
  | { kind: 'keyFile'; path: string; code?: string }
  | { kind: 'badBaseUrl'; value: string }
  | { kind: 'missingOption'; command: string; option: string }
  | { kind: 'badValue'; command: string; option: string; value: string; expected: string }
  | { kind: 'noInputs'; command: string }
  | { kind: 'unknownVoice'; voice: string; known: string[] }
  | { kind: 'readFile'; path: string; code?: string }
  | { kind: 'outputClash'; path: string; other: string };

/** A mistake in how the CLI was called: nothing was done, exit code 2. */
export class UsageError extends Error {
  constructor(readonly problem: CliProblem) {
    super(problem.kind);
    this.name = 'UsageError';
  }
}

/** A CLI failure of one item (a file, a voice): reported, the others go on. */
export class CliFailure extends Error {
  constructor(readonly problem: CliProblem) {
    super(problem.kind);
    this.name = 'CliFailure';
  }
}
