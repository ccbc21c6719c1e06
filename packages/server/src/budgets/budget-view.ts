import type { BudgetRecord, DeliveryState, NotificationRecord } from '@tally/storage';
import { iso } from '../alerts/field-checks.js';
import type { TallyContext } from '../context.js';

const round = (x: number, places = 6) => Math.round(x * 10 ** places) / 10 ** places;

/** A notification as the API shows it: the body its webhooks receive, and how each delivery went. */
export function notificationView(n: NotificationRecord) {
  return {
    id: n.id,
    event: n.event,
    created_at: iso(n.created_at),
    payload: n.payload,
    deliveries: n.deliveries.map(deliveryView),
  };
}

function deliveryView(d: DeliveryState) {
  return {
    webhook_id: d.webhook_id,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    last_attempt_at: iso(d.last_attempt_at),
    next_attempt_at: iso(d.next_attempt_at),
    response_status: d.response_status,
    error: d.error,
    delivered_at: iso(d.delivered_at),
  };
}

/** A budget with its usage in the current period. */
export async function budgetView(ctx: TallyContext, b: BudgetRecord) {
  const u = await ctx.budgetTracker.usage(b);
  const used = round(u.used);
  const raw = (u.used / b.limit) * 100;
  return {
    id: b.id,
    project_id: b.project_id,
    name: b.name,
    metric: b.metric,
    limit: b.limit,
    period: b.period,
    window_hours: b.window_hours,
    tz: b.tz,
    user_id: b.user_id,
    agent_name: b.agent_name,
    api_key_id: b.api_key_id,
    model: b.model,
    thresholds: b.thresholds,
    hard: b.hard,
    used,
    remaining: round(Math.max(0, b.limit - u.used)),
    percent: round(raw, 2),
    in_flight: round(u.inFlight),
    period_start: iso(u.window.start),
    resets_at: iso(u.window.resetsAt),
    thresholds_crossed: b.thresholds.filter((t) => raw >= t),
    created_at: iso(b.created_at),
    updated_at: iso(b.updated_at),
  };
}

/** A budget with its usage and the threshold alerts it sent, newest first, with their deliveries. */
export async function budgetDetail(ctx: TallyContext, b: BudgetRecord) {
  const [view, sent] = await Promise.all([
    budgetView(ctx, b),
    ctx.store.listNotifications({ projectId: b.project_id, sourceId: b.id, limit: 50 }),
  ]);
  return { ...view, alerts: sent.map(notificationView) };
}
