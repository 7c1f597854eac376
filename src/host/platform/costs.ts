// The cost meter's totals across sessions (global state): characters sent to Novita and served from the cache.
import type * as vscode from 'vscode';
import { l10n } from './describe';
import type { CostFigures } from '../../core/flows/synthesis';

const KEY = 'glmVoiceClone.costTotals';
const WRITE_MS = 250;

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
    const t = this.state.get<Partial<CostFigures>>(KEY) ?? {};
    const p = this.pending ?? { sentChars: 0, cachedChars: 0, requests: 0, hits: 0 };
    return { sentChars: (t.sentChars ?? 0) + p.sentChars, cachedChars: (t.cachedChars ?? 0) + p.cachedChars, requests: (t.requests ?? 0) + p.requests, hits: (t.hits ?? 0) + p.hits };
  }

  /** Counts at once (`total` sees it); written to global state, and told, once per WRITE_MS at most. */
  add(delta: CostFigures): void {
    const p = this.pending ?? { sentChars: 0, cachedChars: 0, requests: 0, hits: 0 };
    this.pending = { sentChars: p.sentChars + delta.sentChars, cachedChars: p.cachedChars + delta.cachedChars, requests: p.requests + delta.requests, hits: p.hits + delta.hits };
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
