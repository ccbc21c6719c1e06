import type { Metric, QuerySpec } from '@tally/core';
import { binder, sqlMetrics, type CompiledQuery } from '../query-compiler.js';
import { postgresDialect as d } from './postgres-dialect.js';
import type { Params } from './postgres-pool.js';

/**
 * Hourly rollups of each agent version's calls, for the questions asked about one agent version over days (seed
 * 000's routes, the dashboard's agent page): answering them from the calls reads every call of the range, which on
 * a busy project is millions of rows; the rollups hold one row per agent version and hour.
 *
 * - `agent_hours`: the additive metrics (calls, errors, tokens) per project, agent name, agent version and UTC hour.
 * - `agent_hour_sessions` / `agent_hour_users`: which sessions and users an agent version saw in each hour, with
 *   how many calls. Distinct counts do not add up across hours, so they are kept as sets and counted at query time.
 *
 * They are maintained exactly by statement triggers on `calls` (see ROLLUP_TRIGGERS): the rows an INSERT really
 * added (a duplicate skipped by ON CONFLICT DO NOTHING is not among them), the rows a DELETE removed (retention,
 * lifecycle, project deletion) and the before and after of an UPDATE (agent fields linked from agent runs) — in
 * the same transaction as the change, whatever path made it and however late the event arrived. Only dropping a
 * whole partition bypasses triggers; `rebuildRollups` then recomputes the month it held.
 *
 * A query is answered from them when it asks one agent version for additive metrics, sessions or users, with or
 * without time buckets (see `rollupQuery`); everything else reads the calls.
 */

/** Metrics kept as sums per hour, with the value one call contributes. */
const ADDITIVE: Record<string, string> = {
  calls: '1',
  errors: `CASE WHEN status <> 'success' THEN 1 ELSE 0 END`,
  unpriced_calls: `CASE WHEN cost_source = 'unpriced' THEN 1 ELSE 0 END`,
  input_tokens: 'COALESCE(input_tokens, 0)',
  output_tokens: 'COALESCE(output_tokens, 0)',
  total_tokens: 'COALESCE(total_tokens, 0)',
  cache_read_tokens: 'COALESCE(cache_read_tokens, 0)',
  cache_write_tokens: 'COALESCE(cache_write_tokens, 0)',
  reasoning_tokens: 'COALESCE(reasoning_tokens, 0)',
};
const SUMS = Object.keys(ADDITIVE);

/** Distinct-count metrics: their set table and the calls column they count. */
const SETS = {
  sessions: { table: 'agent_hour_sessions', column: 'session_id' },
  users: { table: 'agent_hour_users', column: 'user_id' },
} as const;
type SetMetric = keyof typeof SETS;

const KEY = ['project_id', 'agent_name', 'agent_version', 'hour'];
const HOUR_MS = 3_600_000;
const T = 'text COLLATE "C"';
/** The UTC hour of a call, whatever the session's TimeZone. */
const HOUR_OF = `date_bin(INTERVAL '1 hour', "timestamp", TIMESTAMPTZ '1970-01-01 00:00:00+00')`;
const HAS_AGENT = 'agent_name IS NOT NULL AND agent_version IS NOT NULL';

/** The tables, for migration 0002. */
export const ROLLUP_TABLES: readonly string[] = [
  `CREATE TABLE agent_hours (project_id ${T} NOT NULL, agent_name ${T} NOT NULL, agent_version ${T} NOT NULL,
     hour timestamptz NOT NULL, ${SUMS.map((m) => `${m} bigint NOT NULL`).join(', ')},
     PRIMARY KEY (project_id, agent_name, agent_version, hour))`,
  ...Object.values(SETS).map(
    (s) => `CREATE TABLE ${s.table} (project_id ${T} NOT NULL, agent_name ${T} NOT NULL, agent_version ${T} NOT NULL,
     hour timestamptz NOT NULL, ${s.column} ${T} NOT NULL, calls bigint NOT NULL,
     PRIMARY KEY (project_id, agent_name, agent_version, hour, ${s.column}))`,
  ),
];

/**
 * Statements adding the signed contribution of `source` (rows with a `sign` column, +1 or -1, and the calls
 * columns) to every rollup, then removing what dropped to zero. Keys are taken in sorted order, so two writers
 * touching the same hours lock them in the same order.
 */
function applySql(source: string, removes: boolean): string[] {
  const statements: string[] = [];
  const agentHours = `SELECT project_id, agent_name, agent_version, ${HOUR_OF} AS hour, ${SUMS.map(
    (m) => `SUM(sign * ${ADDITIVE[m]}) AS ${m}`,
  ).join(', ')}
    FROM ${source} AS x WHERE ${HAS_AGENT} GROUP BY 1, 2, 3, 4
    HAVING ${SUMS.map((m) => `SUM(sign * ${ADDITIVE[m]}) <> 0`).join(' OR ')} ORDER BY 1, 2, 3, 4`;
  statements.push(
    `INSERT INTO agent_hours AS r (${[...KEY, ...SUMS].join(', ')}) ${agentHours}
     ON CONFLICT (${KEY.join(', ')}) DO UPDATE SET ${SUMS.map((m) => `${m} = r.${m} + excluded.${m}`).join(', ')}`,
  );
  for (const s of Object.values(SETS)) {
    statements.push(
      `INSERT INTO ${s.table} AS r (${[...KEY, s.column].join(', ')}, calls)
       SELECT project_id, agent_name, agent_version, ${HOUR_OF}, ${s.column}, SUM(sign)
         FROM ${source} AS x WHERE ${HAS_AGENT} AND ${s.column} IS NOT NULL GROUP BY 1, 2, 3, 4, 5
         HAVING SUM(sign) <> 0 ORDER BY 1, 2, 3, 4, 5
       ON CONFLICT (${[...KEY, s.column].join(', ')}) DO UPDATE SET calls = r.calls + excluded.calls`,
    );
  }
  if (removes) {
    for (const [table, extra] of [
      ['agent_hours', []],
      ...Object.values(SETS).map((s) => [s.table, [s.column]] as const),
    ] as const) {
      const cols = [...KEY, ...extra];
      statements.push(
        `DELETE FROM ${table} AS r USING (SELECT DISTINCT project_id, agent_name, agent_version, ${HOUR_OF} AS hour${extra
          .map((c) => `, ${c}`)
          .join('')} FROM ${source} AS x WHERE sign < 0 AND ${HAS_AGENT}) AS o
         WHERE ${cols.map((c) => `r.${c} = o.${c}`).join(' AND ')} AND r.calls = 0`,
      );
    }
  }
  return statements;
}

/** The calls columns the rollups read. */
const READ = [
  'project_id',
  'agent_name',
  'agent_version',
  '"timestamp"',
  'status',
  'cost_source',
  ...SUMS.filter((m) => m.endsWith('_tokens')),
  'session_id',
  'user_id',
].join(', ');

function triggerFunction(name: string, source: string, removes: boolean): string {
  return `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
${applySql(source, removes)
  .map((s) => `  ${s};`)
  .join('\n')}
  RETURN NULL;
END $fn$`;
}

/**
 * Statement triggers on `calls` (the partitioned parent: rows of every partition pass through its transition
 * tables) keeping the rollups in step with every INSERT, UPDATE and DELETE.
 */
export const ROLLUP_TRIGGERS: readonly string[] = [
  triggerFunction('tally_rollup_insert', `(SELECT 1 AS sign, ${READ} FROM new_rows)`, false),
  triggerFunction('tally_rollup_delete', `(SELECT -1 AS sign, ${READ} FROM old_rows)`, true),
  triggerFunction(
    'tally_rollup_update',
    `(SELECT 1 AS sign, ${READ} FROM new_rows UNION ALL SELECT -1 AS sign, ${READ} FROM old_rows)`,
    true,
  ),
  `CREATE TRIGGER calls_rollup_insert AFTER INSERT ON calls REFERENCING NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION tally_rollup_insert()`,
  `CREATE TRIGGER calls_rollup_delete AFTER DELETE ON calls REFERENCING OLD TABLE AS old_rows
     FOR EACH STATEMENT EXECUTE FUNCTION tally_rollup_delete()`,
  `CREATE TRIGGER calls_rollup_update AFTER UPDATE ON calls REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION tally_rollup_update()`,
];

/** Statements that fill the rollups from every call stored: for the migration that adds them to a database. */
export const ROLLUP_BACKFILL: readonly string[] = applySql(`(SELECT 1 AS sign, ${READ} FROM calls)`, false);

/**
 * Statements that recompute the rollups of [from, to) (whole hours, epoch ms) from the calls stored there now: for
 * after retention drops a month's partition (rows of that month kept in the DEFAULT partition still count).
 * `projects` limits it to those projects.
 */
export function rebuildRollups(
  from: number,
  to: number,
  projects?: readonly string[],
): { sql: string; params: Params }[] {
  const range = `"timestamp" >= ${d.fromEpochMs('$1')} AND "timestamp" < ${d.fromEpochMs('$2')}`;
  const hours = `hour >= ${d.fromEpochMs('$1')} AND hour < ${d.fromEpochMs('$2')}`;
  const scope = projects ? ' AND project_id = ANY($3)' : '';
  const params: Params = projects ? [from, to, [...projects]] : [from, to];
  const out: { sql: string; params: Params }[] = [];
  for (const table of ['agent_hours', ...Object.values(SETS).map((s) => s.table)])
    out.push({ sql: `DELETE FROM ${table} WHERE ${hours}${scope}`, params });
  const source = `(SELECT 1 AS sign, ${READ} FROM calls WHERE ${range}${scope})`;
  for (const sql of applySql(source, false)) out.push({ sql, params });
  return out;
}

const SUM_SET = new Set(SUMS);
const RANGE_LIMIT_MS = 366 * 24 * HOUR_MS;

/**
 * Whether every UTC hour of [from, to) lies within one local hour of `tz`, so that buckets of hours are the buckets
 * of their calls: true when the zone's offset is a whole number of hours all along (not India's +5:30). Checked on
 * the 1st and 15th of each month of the range (offset changes last months, not days); ranges over a year are left
 * to the calls.
 */
const wholeHourCache = new Map<string, boolean>();
export function wholeHourOffsets(tz: string, from: number, to: number): boolean {
  if (tz === 'UTC') return true;
  if (to - from > RANGE_LIMIT_MS) return false;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
  } catch {
    return false;
  }
  const first = new Date(from);
  for (
    let t = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
    t <= to + 31 * 24 * HOUR_MS;
    t = Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth() + 1, 1)
  ) {
    for (const day of [0, 14]) {
      const at = t + day * 24 * HOUR_MS;
      const key = `${tz}|${at}`;
      let ok = wholeHourCache.get(key);
      if (ok === undefined) {
        const offset = format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
        ok = !/:(?!00)\d\d/.test(offset); // GMT, GMT+2, GMT-05:00 are whole hours; GMT+05:30 is not
        if (wholeHourCache.size > 10_000) wholeHourCache.clear();
        wholeHourCache.set(key, ok);
      }
      if (!ok) return false;
    }
  }
  return true;
}

/** The one agent name and version a spec's filters ask for, when they ask for nothing else. */
function agentOf(spec: QuerySpec): { name: string; version: string } | null {
  const filters = spec.filters ?? [];
  if (filters.length !== 2) return null;
  let name: string | undefined;
  let version: string | undefined;
  for (const f of filters) {
    if ((f.op !== 'eq' && f.op !== 'in') || f.values.length !== 1) return null;
    if (f.field === 'agent_name') name = f.values[0];
    else if (f.field === 'agent_version') version = f.values[0];
    else return null;
  }
  return name !== undefined && version !== undefined ? { name, version } : null;
}

/**
 * The spec answered from the rollups, or null when they cannot answer it exactly. Whole hours of the range come
 * from the rollups; the partial hours at its two ends from the calls, so any [from, to) is exact.
 */
export function rollupQuery(spec: QuerySpec): CompiledQuery | null {
  if ((spec.dataset ?? 'calls') !== 'calls' || spec.groupBy?.length || spec.orderBy || spec.limit !== undefined)
    return null;
  const agent = agentOf(spec);
  if (!agent) return null;
  const wanted = sqlMetrics(spec.metrics);
  if (!wanted.every((m) => SUM_SET.has(m) || m in SETS)) return null;
  const hf = Math.ceil(spec.from / HOUR_MS) * HOUR_MS;
  const ht = Math.floor(spec.to / HOUR_MS) * HOUR_MS;
  if (ht - hf < HOUR_MS) return null;
  const tz = spec.tz ?? 'UTC';
  if (spec.interval && !wholeHourOffsets(tz, spec.from, spec.to)) return null;

  const { params, bind } = binder(d);
  const project = bind(spec.projectId);
  const name = bind(agent.name);
  const version = bind(agent.version);
  const [from, hourFrom, hourTo, to] = [spec.from, hf, ht, spec.to].map((ms) => d.fromEpochMs(bind(ms)));
  const ofAgent = `project_id = ${project} AND agent_name = ${name} AND agent_version = ${version}`;
  const inHours = `${ofAgent} AND hour >= ${hourFrom} AND hour < ${hourTo}`;
  // Calls are matched as the calls query matches them (the text of the column equals the value).
  const edges = `project_id = ${project} AND CAST(agent_name AS text) = ${name} AND CAST(agent_version AS text) = ${version}
    AND (("timestamp" >= ${from} AND "timestamp" < ${hourFrom}) OR ("timestamp" >= ${hourTo} AND "timestamp" < ${to}))`;

  const sums = wanted.filter((m) => SUM_SET.has(m));
  const sets = wanted.filter((m): m is SetMetric & Metric => m in SETS);
  const parts = [
    `SELECT hour AS t${sums.map((m) => `, ${m}`).join('')} FROM agent_hours WHERE ${inHours}`,
    `SELECT "timestamp" AS t${sums.map((m) => `, ${ADDITIVE[m]} AS ${m}`).join('')} FROM calls WHERE ${edges}`,
  ].join(' UNION ALL ');
  const members = (m: SetMetric) => {
    const s = SETS[m];
    return `SELECT hour AS t, ${s.column} AS v FROM ${s.table} WHERE ${inHours}
      UNION ALL SELECT "timestamp" AS t, ${s.column} AS v FROM calls WHERE ${edges} AND ${s.column} IS NOT NULL`;
  };
  // Every hour row and edge call has calls ≥ 1, so the buckets of `parts` are those with calls, as in a calls query.
  if (!spec.interval) {
    const select = [
      // As the calls query sums them: counts of a kind (errors) are null over no calls, token sums 0.
      ...sums.map(
        (m) => (m === 'calls' || m.endsWith('_tokens') ? `COALESCE(SUM(p.${m}), 0)` : `SUM(p.${m})`) + ` AS ${m}`,
      ),
      ...sets.map((m) => `(SELECT COUNT(DISTINCT v) FROM (${members(m)}) AS s) AS ${m}`),
    ];
    return { sql: `SELECT ${select.join(', ')} FROM (${parts}) AS p`, params };
  }
  const bucket = (col: string) => d.timeBucket(col, spec.interval!, tz);
  const withs = [
    `p AS (SELECT ${bucket('t')} AS b${sums.map((m) => `, SUM(${m}) AS ${m}`).join('')} FROM (${parts}) AS x GROUP BY 1)`,
    ...sets.map(
      (m) => `${m} AS (SELECT ${bucket('t')} AS b, COUNT(DISTINCT v) AS n FROM (${members(m)}) AS x GROUP BY 1)`,
    ),
  ];
  const select = [
    `${d.toEpochMs('p.b')} AS bucket`,
    ...sums.map((m) => `p.${m} AS ${m}`),
    ...sets.map((m) => `COALESCE(${m}.n, 0) AS ${m}`),
  ];
  const joins = sets.map((m) => ` LEFT JOIN ${m} ON ${m}.b = p.b`).join('');
  return { sql: `WITH ${withs.join(', ')} SELECT ${select.join(', ')} FROM p${joins} ORDER BY p.b`, params };
}
