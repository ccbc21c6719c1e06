import type {
  AlertRulePatch,
  AlertRuleRecord,
  AlertingStore,
  BudgetPatch,
  BudgetRecord,
  DeliveryState,
  NotificationFilter,
  NotificationRecord,
  WebhookPatch,
  WebhookRecord,
} from '../alerting-records.js';
import type { Column } from '../columns.js';
import { ALERT_RULES, BUDGETS, NOTIFICATIONS, WEBHOOKS, col } from '../duckdb/duckdb-alerting-schema.js';
import { postgresDialect as d } from './postgres-dialect.js';
import { PgMetadata } from './postgres-metadata.js';
import { fromPgRow } from './postgres-rows.js';
import { selectList } from './postgres-schema.js';

type Value = string | number | boolean | null;

/** The SQL expression that binds parameter `$n` into a column of this type (times travel as epoch ms). */
function bind(c: Column, n: number): string {
  if (c.type === 'time') return d.fromEpochMs(d.param(n));
  if (c.type === 'json') return `CAST(${d.param(n)} AS json)`;
  return d.param(n);
}

function value(c: Column, v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (c.type === 'json') return JSON.stringify(v);
  return v as Value;
}

const select = (table: string, columns: readonly Column[]) => `SELECT ${selectList(columns)} FROM ${d.ident(table)}`;

/**
 * Budgets, alert rules, webhooks and notifications, with the same column lists as the DuckDB store's
 * (duckdb-alerting-schema.ts): the tables are created by migrations/0001_initial.ts. Column names are our own
 * constants, never input.
 */
export abstract class PgAlerting extends PgMetadata implements AlertingStore {
  private async insert(table: string, columns: readonly Column[], record: object, suffix = ''): Promise<number> {
    const r = record as Record<string, unknown>;
    const sql = `INSERT INTO ${d.ident(table)} (${columns.map((c) => d.ident(c.name)).join(', ')}) VALUES (${columns
      .map((c, i) => bind(c, i + 1))
      .join(', ')})${suffix}`;
    return this.db.run(
      sql,
      columns.map((c) => value(c, r[c.name])),
    );
  }

  private async list<T>(table: string, columns: readonly Column[], projectId: string | undefined): Promise<T[]> {
    const where = projectId === undefined ? '' : ' WHERE project_id = $1';
    const rows = await this.db.rows(
      `${select(table, columns)}${where} ORDER BY created_at, id`,
      projectId === undefined ? [] : [projectId],
    );
    return rows.map((row) => fromPgRow<T>(columns, row));
  }

  private async update<T>(
    table: string,
    columns: readonly Column[],
    projectId: string,
    id: string,
    patch: object,
  ): Promise<T | null> {
    const p = patch as Record<string, unknown>;
    const changed = columns.filter((c) => c.name !== 'id' && c.name !== 'project_id' && p[c.name] !== undefined);
    if (changed.length > 0) {
      const set = changed.map((c, i) => `${d.ident(c.name)} = ${bind(c, i + 3)}`).join(', ');
      await this.db.run(`UPDATE ${d.ident(table)} SET ${set} WHERE project_id = $1 AND id = $2`, [
        projectId,
        id,
        ...changed.map((c) => value(c, p[c.name])),
      ]);
    }
    const [row] = await this.db.rows(`${select(table, columns)} WHERE project_id = $1 AND id = $2`, [projectId, id]);
    return row ? fromPgRow<T>(columns, row) : null;
  }

  private async remove(table: string, projectId: string, id: string): Promise<boolean> {
    return (
      (await this.db.run(`DELETE FROM ${d.ident(table)} WHERE project_id = $1 AND id = $2`, [projectId, id])) === 1
    );
  }

  listBudgets(projectId?: string): Promise<BudgetRecord[]> {
    return this.list('budgets', BUDGETS, projectId);
  }

  async createBudget(budget: BudgetRecord): Promise<void> {
    await this.insert('budgets', BUDGETS, budget);
  }

  updateBudget(projectId: string, id: string, patch: BudgetPatch): Promise<BudgetRecord | null> {
    return this.update('budgets', BUDGETS, projectId, id, patch);
  }

  deleteBudget(projectId: string, id: string): Promise<boolean> {
    return this.remove('budgets', projectId, id);
  }

  listAlertRules(projectId?: string): Promise<AlertRuleRecord[]> {
    return this.list('alert_rules', ALERT_RULES, projectId);
  }

  async createAlertRule(rule: AlertRuleRecord): Promise<void> {
    await this.insert('alert_rules', ALERT_RULES, rule);
  }

  updateAlertRule(projectId: string, id: string, patch: AlertRulePatch): Promise<AlertRuleRecord | null> {
    return this.update('alert_rules', ALERT_RULES, projectId, id, patch);
  }

  deleteAlertRule(projectId: string, id: string): Promise<boolean> {
    return this.remove('alert_rules', projectId, id);
  }

  listWebhooks(projectId?: string): Promise<WebhookRecord[]> {
    return this.list('webhooks', WEBHOOKS, projectId);
  }

  async createWebhook(webhook: WebhookRecord): Promise<void> {
    await this.insert('webhooks', WEBHOOKS, webhook);
  }

  updateWebhook(projectId: string, id: string, patch: WebhookPatch): Promise<WebhookRecord | null> {
    return this.update('webhooks', WEBHOOKS, projectId, id, patch);
  }

  deleteWebhook(projectId: string, id: string): Promise<boolean> {
    return this.remove('webhooks', projectId, id);
  }

  async addNotification(n: NotificationRecord): Promise<boolean> {
    const pending = n.deliveries.some((x) => x.status === 'pending');
    const columns = [...NOTIFICATIONS, col('pending', 'bool', true)];
    return (await this.insert('notifications', columns, { ...n, pending }, ' ON CONFLICT DO NOTHING')) === 1;
  }

  async updateDeliveries(id: string, deliveries: DeliveryState[]): Promise<void> {
    const pending = deliveries.some((x) => x.status === 'pending');
    await this.db.run('UPDATE notifications SET deliveries = CAST($2 AS json), pending = $3 WHERE id = $1', [
      id,
      JSON.stringify(deliveries),
      pending,
    ]);
  }

  async listNotifications(filter: NotificationFilter): Promise<NotificationRecord[]> {
    const where: string[] = [];
    const params: Value[] = [];
    if (filter.projectId !== undefined) where.push(`project_id = $${params.push(filter.projectId)}`);
    if (filter.sourceId !== undefined) where.push(`source_id = $${params.push(filter.sourceId)}`);
    if (filter.pendingOnly) where.push('pending');
    const limit = Math.max(1, Math.min(Math.floor(filter.limit ?? 100), 10_000));
    const rows = await this.db.rows(
      `${select('notifications', NOTIFICATIONS)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map((row) => fromPgRow<NotificationRecord>(NOTIFICATIONS, row));
  }
}
