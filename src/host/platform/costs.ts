// The cost meter's totals across sessions (global state): characters sent to Novita and served from the cache.
import type * as vscode from 'vscode';
import { l10n } from './describe';
import type { CostFigures } from '../../core/flows/synthesis';

const KEY = 'glmVoiceClone.costTotals';

export class CostTotals {
  constructor(private readonly state: vscode.Memento) {}

  get total(): CostFigures {
    const t = this.state.get<Partial<CostFigures>>(KEY) ?? {};
    return { sentChars: t.sentChars ?? 0, cachedChars: t.cachedChars ?? 0, requests: t.requests ?? 0, hits: t.hits ?? 0 };
  }

  async add(delta: CostFigures): Promise<void> {
    const t = this.total;
    await this.state.update(KEY, {
      sentChars: t.sentChars + delta.sentChars,
      cachedChars: t.cachedChars + delta.cachedChars,
      requests: t.requests + delta.requests,
      hits: t.hits + delta.hits,
    });
  }
}

/** The cost meter as the status tooltip shows it: this session and in total. */
export function costSummary(session: CostFigures, total: CostFigures): string {
  const line = (f: CostFigures) => l10n.t('{0} characters sent to Novita, {1} served from the cache', f.sentChars, f.cachedChars);
  return `${l10n.t('**This session:** {0}', line(session))}\n\n${l10n.t('**In total:** {0}', line(total))}`;
}
