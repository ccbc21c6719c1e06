import { INHERITED_FIELDS } from '@tally/core';
import type { LinkScope } from '../duckdb/duckdb-links.js';
import type { Tx } from './postgres-pool.js';
import { postgresDialect as d } from './postgres-dialect.js';

export { linkScope } from '../duckdb/duckdb-links.js';

const ms = (n: number) => d.fromEpochMs(d.param(n));

/**
 * Gives the calls of the batch's traces the agent, version, conversation and user of the agent run above them,
 * where the call has none of its own — the same rule as the DuckDB store (duckdb-links.ts): the run above a call
 * is its parent span when that is a run, otherwise the innermost run of the trace (latest start) whose time span
 * holds the call's start. Each batch recomputes its traces' links from everything stored, so runs and calls may
 * arrive in any order; a value a call inherited (its bit in `inherited`) is replaced when a better-placed run
 * arrives, a call's own values never. Runs inside the write transaction, so the links are there when the write
 * is acknowledged. Rows whose values would not change are left alone (an UPDATE writes a new row version).
 */
export async function linkAgentRuns(tx: Tx, scope: LinkScope): Promise<void> {
  // $1 projects, $2 traces, $3..$6 the windows of calls and runs.
  const params = [scope.projects, scope.traces, scope.callFrom, scope.callTo, scope.runFrom, scope.runTo].map((v) =>
    typeof v === 'number' ? Math.round(v) : v,
  );
  if (!scope.hasRuns) {
    // The common case for traces without agents: no run stored near these calls, nothing to link.
    const found = await tx.rows(
      `SELECT 1 FROM agent_runs WHERE project_id = ANY(CAST($1 AS text[])) AND trace_id = ANY(CAST($2 AS text[]))
         AND "timestamp" BETWEEN ${ms(3)} AND ${ms(4)} LIMIT 1`,
      [params[0], params[1], params[4], params[5]],
    );
    if (found.length === 0) return;
  }
  const value: string[] = [];
  const bits: string[] = [];
  INHERITED_FIELDS.forEach((field, i) => {
    const bit = 1 << i;
    const col = d.ident(field);
    const open = `((calls.inherited & ${bit}) <> 0 OR calls.${col} IS NULL)`;
    value.push(`CASE WHEN ${open} THEN pick.${col} ELSE calls.${col} END`);
    bits.push(`CASE WHEN ${open} AND pick.${col} IS NOT NULL THEN ${bit} ELSE 0 END`);
  });
  const inherited = `CAST(${bits.join(' + ')} AS smallint)`;
  const sets = INHERITED_FIELDS.map((f, i) => `${d.ident(f)} = ${value[i]}`);
  const changed = [
    ...INHERITED_FIELDS.map((f, i) => `calls.${d.ident(f)} IS DISTINCT FROM ${value[i]}`),
    `calls.inherited IS DISTINCT FROM ${inherited}`,
  ];
  const runCols = INHERITED_FIELDS.map((f) => `r.${d.ident(f)}`).join(', ');
  await tx.run(
    `UPDATE calls SET ${sets.join(', ')}, inherited = ${inherited}
     FROM (
       SELECT DISTINCT ON (c.project_id, c.id, c."timestamp") c.project_id, c.id, c."timestamp" AS ts, ${runCols}
       FROM calls AS c JOIN agent_runs AS r
         ON r.project_id = c.project_id AND r.trace_id = c.trace_id
        AND (r.id = c.parent_span_id OR c."timestamp" BETWEEN r."timestamp" AND COALESCE(r.end_time, r."timestamp"))
       WHERE c."timestamp" BETWEEN ${ms(3)} AND ${ms(4)}
         AND c.project_id = ANY(CAST($1 AS text[])) AND c.trace_id = ANY(CAST($2 AS text[]))
         AND r."timestamp" BETWEEN ${ms(5)} AND ${ms(6)}
         AND r.project_id = ANY(CAST($1 AS text[])) AND r.trace_id = ANY(CAST($2 AS text[]))
       ORDER BY c.project_id, c.id, c."timestamp",
         (r.id = c.parent_span_id) DESC NULLS LAST, r."timestamp" DESC, r.id DESC
     ) AS pick
     WHERE calls.project_id = pick.project_id AND calls.id = pick.id AND calls."timestamp" = pick.ts
       AND (${changed.join(' OR ')})`,
    params,
  );
}
