// The two shapes every wording module shares (kept apart so that src/messages/zhipu.ts and index.ts import no circle).
import type { CloneField } from '../core/validation';

export interface L10n {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

export interface Described {
  message: string;
  field?: CloneField;
  action?: 'setApiKey' | 'retry' | 'cloneAnyway';
  cancelled?: boolean;
  /** The problem is the missing consent: the form points at its checkbox. */
  consent?: boolean;
}
