import { CALL_COLUMNS, LOG_COLUMNS, METRIC_COLUMNS, RUN_COLUMNS, type Column, type LogicalType } from '../columns.js';
import { PHYSICAL, createTable, selectList } from './duckdb-ddl.js';
import { ALERTING_SCHEMA } from './duckdb-alerting-schema.js';
import { duckdbDialect as d } from './duckdb-dialect.js';

/** How a column is read from a batch file: times travel as epoch milliseconds. */
const ON_THE_WIRE: Record<LogicalType, string> = { ...PHYSICAL, time: 'BIGINT' };

/**
 * Event tables carry no primary key: a DuckDB index lives in memory and grows with the table (measured: a
 * 200 MB memory limit ran out before 1M calls were stored), and the time-bounded anti-join of `insertBatch` finds
 * retried records at a fraction of the index's insert cost.
 */
const table = (name: string, columns: readonly Column[]) => createTable(name, columns);

export const DUCKDB_SCHEMA: readonly string[] = [
  table('calls', CALL_COLUMNS),
  table('app_logs', LOG_COLUMNS),
  table('metric_points', METRIC_COLUMNS),
  table('agent_runs', RUN_COLUMNS),
  `CREATE TABLE IF NOT EXISTS projects (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, description VARCHAR,
     capture_policy VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS api_keys (id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL, name VARCHAR,
     scope VARCHAR NOT NULL, key_hash VARCHAR NOT NULL UNIQUE, prefix VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
     revoked_at TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS price_overrides (id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL,
     model VARCHAR NOT NULL, provider VARCHAR, effective_from VARCHAR NOT NULL, input_per_mtok DOUBLE NOT NULL,
     output_per_mtok DOUBLE NOT NULL, cache_read_per_mtok DOUBLE, cache_write_per_mtok DOUBLE,
     created_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS settings (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  ...ALERTING_SCHEMA,
  // Columns added after the first release: files made by it lack them (versioned migrations are still to come).
  `ALTER TABLE projects ADD COLUMN IF NOT EXISTS retention_days INTEGER`,
  `ALTER TABLE projects ADD COLUMN IF NOT EXISTS max_events BIGINT`,
  // Which of a call's INHERITED_FIELDS came from the agent run above it (bit i = field i), not from the call itself:
  // bookkeeping that lets a later, better-placed run replace them. Not part of CallEvent.
  `ALTER TABLE calls ADD COLUMN IF NOT EXISTS inherited UTINYINT DEFAULT 0`,
];

/**
 * `INSERT … SELECT` from a batch file (a JSON array of records; absent keys are NULL), converting epoch-ms times
 * and skipping records already stored. A record is the same when (project_id, id, timestamp) match — a retry
 * resends the same event, so it carries the same start time — and bounding the lookup by the batch's time range
 * lets DuckDB's zone maps skip every row group outside it. With `returnKeys`, the statement returns the
 * (project_id, id, ts) of each record it inserted, so that the records it skipped are known one by one.
 */
export function insertBatch(
  tableName: string,
  columns: readonly Column[],
  path: string,
  from: number,
  to: number,
  returnKeys = false,
): string {
  const spec = columns.map((c) => `${d.literal(c.name)}: ${d.literal(ON_THE_WIRE[c.type])}`).join(', ');
  const select = columns
    .map((c) => (c.type === 'time' ? `epoch_ms(s.${d.ident(c.name)})` : `s.${d.ident(c.name)}`))
    .join(', ');
  const names = columns.map((c) => d.ident(c.name)).join(', ');
  return `INSERT INTO ${tableName} (${names}) SELECT ${select} FROM read_json(${d.literal(path)}, format = 'array',
    columns = {${spec}}) AS s WHERE NOT EXISTS (SELECT 1 FROM ${tableName} AS c
      WHERE c.timestamp BETWEEN epoch_ms(${d.literal(from)}) AND epoch_ms(${d.literal(to)})
        AND c.project_id = s.project_id AND c.id = s.id AND c.timestamp = epoch_ms(s.timestamp))${
          returnKeys ? ' RETURNING project_id, id, epoch_ms(timestamp) AS ts' : ''
        }`;
}

export { selectList };

export const TABLES = {
  calls: CALL_COLUMNS,
  app_logs: LOG_COLUMNS,
  metric_points: METRIC_COLUMNS,
  agent_runs: RUN_COLUMNS,
} as const;
