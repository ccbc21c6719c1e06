/** Tables and SQL pieces of budgets, alert rules, webhooks and notifications in DuckDB. */
import type { Column } from '../columns.js';
import { createTable, selectList } from './duckdb-ddl.js';

export type Value = string | number | boolean | null;

export const text = (name: string, notNull = false): Column => ({ name, type: 'text', notNull });
export const col = (name: string, type: Column['type'], notNull = false): Column => ({ name, type, notNull });

export const BUDGETS: readonly Column[] = [
  text('id', true),
  text('project_id', true),
  text('name', true),
  text('metric', true),
  col('limit', 'float', true),
  text('period', true),
  col('window_hours', 'int'),
  text('tz', true),
  text('user_id'),
  text('agent_name'),
  text('api_key_id'),
  text('model'),
  col('thresholds', 'json', true),
  col('hard', 'bool', true),
  col('created_at', 'time', true),
  col('updated_at', 'time', true),
];
export const ALERT_RULES: readonly Column[] = [
  text('id', true),
  text('project_id', true),
  text('name', true),
  text('metric', true),
  col('window_minutes', 'int', true),
  text('comparison', true),
  col('threshold', 'float', true),
  text('model'),
  text('provider'),
  text('agent_name'),
  col('enabled', 'bool', true),
  text('state', true),
  col('state_since', 'time'),
  col('last_value', 'float'),
  col('last_evaluated_at', 'time'),
  col('created_at', 'time', true),
  col('updated_at', 'time', true),
];
export const WEBHOOKS: readonly Column[] = [
  text('id', true),
  text('project_id', true),
  text('url', true),
  text('secret', true),
  text('description'),
  col('enabled', 'bool', true),
  col('created_at', 'time', true),
];
export const NOTIFICATIONS: readonly Column[] = [
  text('id', true),
  text('project_id', true),
  text('source', true),
  text('source_id', true),
  text('event', true),
  text('dedupe_key', true),
  col('payload', 'json', true),
  col('created_at', 'time', true),
  col('deliveries', 'json', true),
];

/** The tables of budgets, alert rules, webhooks and notifications; part of DUCKDB_SCHEMA. */
export const ALERTING_SCHEMA: readonly string[] = [
  createTable('budgets', BUDGETS, 'PRIMARY KEY (id)'),
  createTable('alert_rules', ALERT_RULES, 'PRIMARY KEY (id)'),
  createTable('webhooks', WEBHOOKS, 'PRIMARY KEY (id)'),
  // `pending` mirrors "a delivery is still pending", so that the notifier finds unfinished work without JSON.
  createTable('notifications', NOTIFICATIONS, 'pending BOOLEAN NOT NULL, PRIMARY KEY (dedupe_key)'),
];

/** Tables that belong to a project and go when it is deleted. */
export const ALERTING_TABLES = ['budgets', 'alert_rules', 'webhooks', 'notifications'] as const;

/** The SQL expression that binds parameter `$n` into a column of this type (times travel as epoch ms). */
export function bind(c: Column, n: number): string {
  if (c.type === 'time') return `epoch_ms(CAST($${n} AS BIGINT))`;
  if (c.type === 'json') return `CAST($${n} AS JSON)`;
  return `$${n}`;
}

export function value(c: Column, v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (c.type === 'json') return JSON.stringify(v);
  return v as Value;
}

export const select = (table: string, columns: readonly Column[], extra = '') =>
  `SELECT ${selectList(columns)}${extra} FROM ${table}`;
