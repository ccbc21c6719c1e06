import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { AlertRuleRecord, BudgetRecord, DeliveryState, NotificationRecord } from './alerting-records.js';
import type { EventStore } from './event-store.js';
import { makeCall } from './test-events.js';

/**
 * Budgets, alert rules, webhooks and notifications, for every backend: every field reads back as written, changes
 * touch only the fields named, a notification is kept once per dedupe key, and deleting a project takes them along.
 */
export function alertingContract(getStore: () => EventStore): void {
  const project = () => `a-${randomUUID()}`;
  const now = Date.now();

  const budget = (projectId: string, over: Partial<BudgetRecord> = {}): BudgetRecord => ({
    id: `b-${randomUUID()}`,
    project_id: projectId,
    name: 'Daily spend',
    metric: 'cost_usd',
    limit: 12.5,
    period: 'day',
    window_hours: null,
    tz: 'Europe/Paris',
    user_id: 'alice',
    agent_name: null,
    api_key_id: null,
    model: 'gpt-4o',
    thresholds: [50, 80, 100],
    hard: true,
    created_at: now,
    updated_at: now,
    ...over,
  });

  const alertRule = (projectId: string): AlertRuleRecord => ({
    id: `r-${randomUUID()}`,
    project_id: projectId,
    name: 'Errors',
    metric: 'error_rate',
    window_minutes: 15,
    comparison: 'gt',
    threshold: 0.05,
    model: null,
    provider: 'openai',
    agent_name: null,
    enabled: true,
    state: 'ok',
    state_since: null,
    last_value: null,
    last_evaluated_at: null,
    created_at: now,
    updated_at: now,
  });

  it('stores, changes and deletes budgets of a project', async () => {
    const store = getStore();
    const p = project();
    const a = budget(p);
    const b = budget(p, { id: `b-${randomUUID()}`, metric: 'calls', limit: 100, period: 'rolling', window_hours: 6 });
    b.created_at = now + 1;
    await store.createBudget(a);
    await store.createBudget(b);
    await store.createBudget(budget(project()));
    expect(await store.listBudgets(p)).toEqual([a, b]);
    expect((await store.listBudgets()).filter((x) => x.project_id === p)).toHaveLength(2);
    const changed = await store.updateBudget(p, a.id, { limit: 20, thresholds: [90], hard: false, user_id: null });
    expect(changed).toEqual({ ...a, limit: 20, thresholds: [90], hard: false, user_id: null });
    expect(await store.updateBudget(project(), a.id, { limit: 1 })).toBeNull();
    expect(await store.deleteBudget(p, a.id)).toBe(true);
    expect(await store.deleteBudget(p, a.id)).toBe(false);
    expect(await store.listBudgets(p)).toEqual([b]);
  });

  it('stores alert rules and their state', async () => {
    const store = getStore();
    const p = project();
    const rule = alertRule(p);
    await store.createAlertRule(rule);
    expect(await store.listAlertRules(p)).toEqual([rule]);
    const firing = await store.updateAlertRule(p, rule.id, {
      state: 'firing',
      state_since: now + 5,
      last_value: 0.25,
      last_evaluated_at: now + 5,
    });
    expect(firing).toEqual({
      ...rule,
      state: 'firing',
      state_since: now + 5,
      last_value: 0.25,
      last_evaluated_at: now + 5,
    });
    expect(await store.deleteAlertRule(p, rule.id)).toBe(true);
    expect(await store.listAlertRules(p)).toEqual([]);
  });

  it('keeps one notification per dedupe key and updates its deliveries', async () => {
    const store = getStore();
    const p = project();
    const hook = {
      id: `w-${randomUUID()}`,
      project_id: p,
      url: 'https://hooks.example.com/tally',
      secret: 'whsec_0123456789',
      description: null,
      enabled: true,
      created_at: now,
    };
    await store.createWebhook(hook);
    expect(await store.listWebhooks(p)).toEqual([hook]);
    expect(await store.updateWebhook(p, hook.id, { enabled: false, description: 'ops' })).toEqual({
      ...hook,
      enabled: false,
      description: 'ops',
    });
    const pending: DeliveryState = {
      webhook_id: hook.id,
      url: hook.url,
      status: 'pending',
      attempts: 0,
      last_attempt_at: null,
      next_attempt_at: now,
      response_status: null,
      error: null,
      delivered_at: null,
    };
    const n: NotificationRecord = {
      id: `n-${randomUUID()}`,
      project_id: p,
      source: 'budget',
      source_id: 'b1',
      event: 'budget.threshold',
      dedupe_key: `budget:b1:${now}:80`,
      payload: { threshold: 80, nested: { used: 8.5 } },
      created_at: now,
      deliveries: [pending],
    };
    expect(await store.addNotification(n)).toBe(true);
    expect(await store.addNotification({ ...n, id: `n-${randomUUID()}` })).toBe(false);
    const later = { ...n, id: `n-${randomUUID()}`, dedupe_key: `budget:b1:${now}:100`, created_at: now + 1 };
    expect(await store.addNotification(later)).toBe(true);
    expect((await store.listNotifications({ projectId: p })).map((x) => x.id)).toEqual([later.id, n.id]);
    expect(await store.listNotifications({ projectId: p, sourceId: 'b1', limit: 1 })).toEqual([later]);
    const delivered = {
      ...pending,
      status: 'delivered' as const,
      attempts: 2,
      response_status: 204,
      delivered_at: now,
    };
    await store.updateDeliveries(n.id, [delivered]);
    expect((await store.listNotifications({ projectId: p, pendingOnly: true })).map((x) => x.id)).toEqual([later.id]);
    expect((await store.listNotifications({ projectId: p, sourceId: 'b1' }))[1]?.deliveries).toEqual([delivered]);
    expect(await store.deleteWebhook(p, hook.id)).toBe(true);
    expect(await store.listWebhooks(p)).toEqual([]);
  });

  it('deletes budgets, rules, webhooks and notifications with their project', async () => {
    const store = getStore();
    const p = project();
    await store.createProject({ id: p, name: 'Gone', description: null, capture_policy: 'full', created_at: now });
    await store.createBudget(budget(p));
    await store.createWebhook({
      id: `w-${randomUUID()}`,
      project_id: p,
      url: 'https://hooks.example.com',
      secret: 's',
      description: null,
      enabled: true,
      created_at: now,
    });
    await store.createAlertRule(alertRule(p));
    await store.addNotification({
      id: `n-${randomUUID()}`,
      project_id: p,
      source: 'alert',
      source_id: 'r1',
      event: 'alert.firing',
      dedupe_key: `alert:${p}:firing`,
      payload: {},
      created_at: now,
      deliveries: [],
    });
    await store.write({ calls: [makeCall(p)] });
    expect(await store.deleteProject(p)).toBe(true);
    expect(await store.listBudgets(p)).toEqual([]);
    expect(await store.listAlertRules(p)).toEqual([]);
    expect(await store.listWebhooks(p)).toEqual([]);
    expect(await store.listNotifications({ projectId: p })).toEqual([]);
  });
}
