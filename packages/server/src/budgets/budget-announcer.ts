import type { BudgetRecord } from '@tally/storage';
import type { AlertLog } from '../alerts/deferred-log.js';
import { iso } from '../alerts/field-checks.js';
import type { Notifier } from '../alerts/notifier.js';
import type { PeriodWindow } from './budget-period.js';

export const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Announces each threshold a budget's usage reaches, once per period. `announced` remembers what this process
 * announced; several processes (replicas behind a load balancer) may each try, and the notifier's dedupe key keeps
 * the announcement to one.
 */
export class ThresholdAnnouncer {
  /** Announcements under way. */
  private readonly announcing = new Set<Promise<unknown>>();

  constructor(
    private readonly notifier: Notifier,
    private readonly log: AlertLog,
  ) {}

  check(b: BudgetRecord, w: PeriodWindow, used: number, announced: Set<string>): void {
    const percent = (used / b.limit) * 100;
    for (const t of b.thresholds) {
      const mark = `${w.key}:${t}`;
      if (percent < t || announced.has(mark)) continue;
      announced.add(mark);
      const announcement = this.notifier
        .announce({
          projectId: b.project_id,
          source: 'budget',
          sourceId: b.id,
          event: 'budget.threshold',
          dedupeKey: `budget:${b.id}:${w.key}:${t}`,
          data: {
            budget: { id: b.id, name: b.name, metric: b.metric, limit: b.limit, period: b.period, hard: b.hard },
            threshold: t,
            used: round(used),
            percent: round(percent),
            period_start: iso(w.start),
            resets_at: iso(w.resetsAt),
          },
        })
        .catch((err: unknown) => {
          announced.delete(mark);
          this.log.error({ err, budget_id: b.id }, `budgets: announcing threshold ${t}% of budget ${b.id} failed`);
        });
      this.announcing.add(announcement);
      void announcement.finally(() => this.announcing.delete(announcement));
    }
  }

  /** The announcements under way now. */
  pending(): Promise<unknown>[] {
    return [...this.announcing];
  }
}

/** The 429 answer's account of a budget that refused a request. */
export function refusalMessage(b: BudgetRecord, w: PeriodWindow, used: number, inFlight: number): string {
  const unit = b.metric === 'cost_usd' ? 'USD' : b.metric;
  const per = b.period === 'rolling' ? `${b.window_hours} hours` : b.period;
  const flight = inFlight > 0 ? ` and ${round(inFlight)} held by requests in flight` : '';
  const when =
    w.resetsAt === null
      ? 'usage frees up as calls leave the rolling window'
      : `it starts over at ${new Date(w.resetsAt).toISOString()}`;
  return `budget "${b.name}" (${b.id}) allows ${b.limit} ${unit} per ${per}: ${round(used)} used${flight}; ${when}`;
}
