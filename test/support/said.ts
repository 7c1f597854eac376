// What the user reads for a core failure, for tests that check the words: a CoreError's data with `message` being
// the English sentence from src/messages (the error's own message is only a technical summary).
import * as assert from 'node:assert/strict';
import { CoreError, type Problem, type ProblemKind } from '../../src/core/errors';
import { describeProblem, english } from '../../src/messages/index';

export interface Said {
  error: CoreError;
  problem: Problem;
  kind: ProblemKind;
  /** The sentence the user reads, in English. */
  message: string;
  status?: number;
  detail?: string;
  field?: string;
  retryAfterMs?: number;
  taskId?: string;
}

/** Asserts `err` is a CoreError (of `kind`, when given) and returns it with its sentence. */
export function said(err: unknown, kind?: ProblemKind): Said {
  assert.ok(err instanceof CoreError, `expected a CoreError, got ${String(err)}`);
  const message = describeProblem(err.problem, english, err.taskId).message;
  if (kind) assert.equal(err.kind, kind, `kind (said: ${message})`);
  return { error: err, problem: err.problem, kind: err.kind, message, status: err.status, detail: err.detail, field: err.field, retryAfterMs: err.retryAfterMs, taskId: err.taskId };
}

/** For assert.throws / assert.rejects: a CoreError of `kind` whose sentence matches `words` (when given). */
export function coreError(kind: ProblemKind, words?: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof CoreError && err.kind === kind && (!words || words.test(said(err).message));
}
