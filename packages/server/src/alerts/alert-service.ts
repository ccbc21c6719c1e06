import type { Filter } from '@tally/core';
import type { AlertRuleRecord, EventStore } from '@tally/storage';
import type { Analytics } from '../analytics/analytics.js';
import { TallyError } from '../errors.js';
import type { ProjectService } from '../projects/project-service.js';
import { conditionMet, readNewRule, readRulePatch } from './alert-input.js';
import type { AlertLog } from './deferred-log.js';
import { iso, newId } from './field-checks.js';
import type { Notifier } from './notifier.js';

const MINUTE_MS = 60_000;

/** What one evaluation of a rule found. */
export interface RuleEvaluation {
  rule_id: string;
  value: number | null;
  /** The state before and after: `ok → firing` fires, `firing → ok` resolves. */
  from: AlertRuleRecord['state'];
  to: AlertRuleRecord['state'];
}

/**
 * Alert rules: a metric of the project's calls over a trailing window, compared with a threshold. Evaluated every
 * TALLY_ALERT_INTERVAL_SECONDS; a rule fires once when its condition becomes true and resolves once when it turns
 * false again, and each change is announced to the project's webhooks.
 */
export class AlertService {
  constructor(
    private readonly store: EventStore,
    private readonly projects: ProjectService,
    private readonly analytics: Analytics,
    private readonly notifier: Notifier,
    private readonly log: AlertLog,
  ) {}

  async list(projectId: string): Promise<AlertRuleRecord[]> {
    this.projects.require(projectId);
    return this.store.listAlertRules(projectId);
  }

  async require(projectId: string, id: string): Promise<AlertRuleRecord> {
    const rule = (await this.list(projectId)).find((r) => r.id === id);
    if (!rule)
      throw new TallyError(
        'not_found',
        `alert rule ${id} does not exist in project ${projectId}; list them with GET /api/v1/alerts`,
      );
    return rule;
  }

  async create(projectId: string, input: unknown): Promise<AlertRuleRecord> {
    this.projects.require(projectId);
    const settings = readNewRule(input);
    const now = Date.now();
    const rule: AlertRuleRecord = {
      id: newId('alr'),
      project_id: projectId,
      ...settings,
      state: 'ok',
      state_since: null,
      last_value: null,
      last_evaluated_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.store.createAlertRule(rule);
    return rule;
  }

  async update(projectId: string, id: string, input: unknown): Promise<AlertRuleRecord> {
    const current = await this.require(projectId, id);
    const patch = readRulePatch(input, current);
    const after = await this.store.updateAlertRule(projectId, id, { ...patch, updated_at: Date.now() });
    if (!after) throw new TallyError('not_found', `alert rule ${id} does not exist in project ${projectId}`);
    return after;
  }

  async delete(projectId: string, id: string): Promise<void> {
    await this.require(projectId, id);
    await this.store.deleteAlertRule(projectId, id);
  }

  /** Evaluates every enabled rule of every project at `now`; a rule that fails is logged and the rest go on. */
  async evaluateAll(now: number = Date.now()): Promise<RuleEvaluation[]> {
    const out: RuleEvaluation[] = [];
    for (const rule of await this.store.listAlertRules()) {
      if (!rule.enabled) continue;
      try {
        out.push(await this.evaluate(rule, now));
      } catch (err) {
        this.log.error({ err, alert_id: rule.id }, `alerts: evaluating rule ${rule.id} failed`);
      }
    }
    return out;
  }

  /** The rule's metric over the window that ends at `now`; null when the window holds no calls. */
  async measure(rule: AlertRuleRecord, now: number): Promise<number | null> {
    const filters: Filter[] = [];
    for (const field of ['model', 'provider', 'agent_name'] as const) {
      const v = rule[field];
      if (v !== null) filters.push({ field, op: 'eq', values: [v] });
    }
    const [row] = await this.analytics.query({
      projectId: rule.project_id,
      from: now - rule.window_minutes * MINUTE_MS,
      to: now + 1,
      filters,
      metrics: ['calls', rule.metric],
    });
    const calls = Number(row?.['calls'] ?? 0);
    const v = row?.[rule.metric];
    // No calls: no error rate and no latency to judge, and nothing spent.
    if (calls === 0) return rule.metric === 'cost_usd' ? 0 : null;
    return v === null || v === undefined ? null : Number(v);
  }

  private async evaluate(rule: AlertRuleRecord, now: number): Promise<RuleEvaluation> {
    const value = await this.measure(rule, now);
    const met = conditionMet(rule, value);
    const from = rule.state;
    const to = met ? 'firing' : 'ok';
    const changed = from !== to;
    const since = changed ? now : rule.state_since;
    await this.store.updateAlertRule(rule.project_id, rule.id, {
      last_value: value,
      last_evaluated_at: now,
      ...(changed ? { state: to, state_since: since } : {}),
    });
    if (changed) {
      // A firing and its resolution share the firing's start in their keys: each is sent once.
      const firedAt = to === 'firing' ? now : (rule.state_since ?? now);
      await this.notifier.announce({
        projectId: rule.project_id,
        source: 'alert',
        sourceId: rule.id,
        event: to === 'firing' ? 'alert.firing' : 'alert.resolved',
        dedupeKey: `alert:${rule.id}:${firedAt}:${to === 'firing' ? 'firing' : 'resolved'}`,
        data: {
          alert: {
            id: rule.id,
            name: rule.name,
            metric: rule.metric,
            comparison: rule.comparison,
            threshold: rule.threshold,
            window_minutes: rule.window_minutes,
            filters: { model: rule.model, provider: rule.provider, agent_name: rule.agent_name },
          },
          state: to,
          value,
          since: iso(since),
          // The start of the firing this is about (for a resolution, the firing it ends).
          fired_at: iso(firedAt),
          window_start: iso(now - rule.window_minutes * MINUTE_MS),
          window_end: iso(now),
        },
      });
    }
    return { rule_id: rule.id, value, from, to };
  }
}
