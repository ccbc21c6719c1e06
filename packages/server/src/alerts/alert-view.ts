import type { AlertRuleRecord } from '@tally/storage';
import { notificationView } from '../budgets/budget-view.js';
import type { TallyContext } from '../context.js';
import { iso } from './field-checks.js';

/** An alert rule as the API shows it. */
export function alertView(r: AlertRuleRecord) {
  return {
    ...r,
    state_since: iso(r.state_since),
    last_evaluated_at: iso(r.last_evaluated_at),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

/** A rule with the firings and resolutions it announced, newest first, with their webhook deliveries. */
export async function alertDetail(ctx: TallyContext, r: AlertRuleRecord) {
  const sent = await ctx.store.listNotifications({ projectId: r.project_id, sourceId: r.id, limit: 50 });
  return { ...alertView(r), notifications: sent.map(notificationView) };
}
