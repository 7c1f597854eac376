// The cost meter's totals across sessions (global state): characters sent to Novita and served from the cache.
import type * as vscode from 'vscode';
import { l10n } from './describe';
import type { CostFigures } from '../../core/flows/synthesis';

const KEY = 'glmVoiceClone.costTotals';
const WRITE_MS = 250;
const NONE: CostFigures = { sentChars: 0, cachedChars: 0, requests: 0, hits: 0 };

function plus(a: Partial<CostFigures>, b: CostFigures): CostFigures {
  return { sentChars: (a.sentChars ?? 0) + b.sentChars, cachedChars: (a.cachedChars ?? 0) + b.cachedChars, requests: (a.requests ?? 0) + b.requests, hits: (a.hits ?? 0) + b.hits };
}

export class CostTotals {
  /** Counted but not yet in global state: a re-export serves hundreds of chunks a second from the cache. */
  private pending: CostFigures | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `onChange`: after the figures moved (at most every WRITE_MS), e.g. to refresh the status tooltip. */
  constructor(
    private readonly state: vscode.Memento,
    private readonly onChange: () => void = () => undefined,
  ) {}

  get total(): CostFigures {
    return plus(this.state.get<Partial<CostFigures>>(KEY) ?? {}, this.pending ?? NONE);
  }

  /** Counts at once (`total` sees it); written to global state, and told, once per WRITE_MS at most. */
  add(delta: CostFigures): void {
    this.pending = plus(this.pending ?? NONE, delta);
    this.timer ??= setTimeout(() => void this.flush(), WRITE_MS);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const total = this.total;
    this.pending = undefined;
    await this.state.update(KEY, total);
    this.onChange();
  }
}

/** The cost meter as the status tooltip shows it: this session and in total. */
export function costSummary(session: CostFigures, total: CostFigures): string {
  const line = (f: CostFigures) => l10n.t('{0} characters sent to Novita, {1} served from the cache', f.sentChars, f.cachedChars);
  return `${l10n.t('**This session:** {0}', line(session))}\n\n${l10n.t('**In total:** {0}', line(total))}`;
}
