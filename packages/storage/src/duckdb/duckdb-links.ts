import { writeFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { INHERITED_FIELDS, type AgentRun, type CallEvent } from '@tally/core';
import { duckdbDialect as d } from './duckdb-dialect.js';

/** How far before a call its agent run may have started: runs longer than this do not reach late calls. */
export const RUN_LOOKBACK_MS = 24 * 60 * 60 * 1000;
/** Clock skew allowed between a run and the calls beneath it (they may come from different hosts). */
const SKEW_MS = 60_000;

export interface LinkScope {
  /** Distinct trace ids of the batch's calls and runs. */
  traces: string[];
  /** Time window of the calls that may need linking, epoch ms. */
  callFrom: number;
  callTo: number;
  /** Time window of the runs that may be linked to them. */
  runFrom: number;
  runTo: number;
  projects: string[];
  hasRuns: boolean;
}

/** Which calls and runs a batch could link, or null when it holds nothing that can (no trace ids). */
export function linkScope(calls: readonly CallEvent[], runs: readonly AgentRun[]): LinkScope | null {
  const traces = new Set<string>();
  const projects = new Set<string>();
  let callFrom = Infinity;
  let callTo = -Infinity;
  for (const c of calls) {
    if (c.trace_id === null) continue;
    traces.add(c.trace_id);
    projects.add(c.project_id);
    callFrom = Math.min(callFrom, c.timestamp);
    callTo = Math.max(callTo, c.timestamp);
  }
  for (const r of runs) {
    traces.add(r.trace_id);
    projects.add(r.project_id);
    callFrom = Math.min(callFrom, r.timestamp - SKEW_MS);
    callTo = Math.max(callTo, Math.max(r.end_time ?? r.timestamp, r.timestamp) + SKEW_MS);
  }
  // Any run that may hold one of those calls: started up to a day before the earliest, and not after the latest.
  const runFrom = callFrom - RUN_LOOKBACK_MS;
  const runTo = callTo;
  if (traces.size === 0) return null;
  return { traces: [...traces], callFrom, callTo, runFrom, runTo, projects: [...projects], hasRuns: runs.length > 0 };
}

const ms = (v: number) => `epoch_ms(CAST(${d.literal(Math.round(v))} AS BIGINT))`;

/**
 * Gives the calls of the batch's traces the agent, version, conversation and user of the agent run above them,
 * where the call has none of its own. The run above a call is its parent span when that is a run; otherwise the
 * innermost run of the trace (latest start) whose time span holds the call's start. Runs and calls may arrive in
 * any order and in any number of batches: each batch recomputes its traces' links from everything stored, and a
 * value a call inherited (marked in `inherited`) is replaced when a better-placed run arrives, while a call's own
 * values are never touched. Runs inside the same transaction as the batch's inserts, so the links are there when
 * the write is acknowledged.
 */
export async function linkAgentRuns(conn: DuckDBConnection, scope: LinkScope, tracesFile: string): Promise<void> {
  const projects = scope.projects.map((p) => d.literal(p)).join(', ');
  if (!scope.hasRuns) {
    // The common case for traces without agents: no run stored near these calls, nothing to link.
    const reader = await conn.runAndReadAll(
      `SELECT 1 FROM agent_runs WHERE timestamp BETWEEN ${ms(scope.runFrom)} AND ${ms(scope.runTo)}
         AND project_id IN (${projects}) LIMIT 1`,
    );
    if (reader.getRows().length === 0) return;
  }
  await writeFile(tracesFile, JSON.stringify(scope.traces.map((t) => ({ t }))));
  const traces = `SELECT DISTINCT t FROM read_json(${d.literal(tracesFile)}, format = 'array', columns = {t: 'VARCHAR'})`;
  const sets: string[] = [];
  const bits: string[] = [];
  INHERITED_FIELDS.forEach((field, i) => {
    const bit = 1 << i;
    const col = d.ident(field);
    const open = `((COALESCE(calls.inherited, 0) & ${bit}) <> 0 OR calls.${col} IS NULL)`;
    sets.push(`${col} = CASE WHEN ${open} THEN pick.${col} ELSE calls.${col} END`);
    bits.push(`CASE WHEN ${open} AND pick.${col} IS NOT NULL THEN ${bit} ELSE 0 END`);
  });
  const runCols = INHERITED_FIELDS.map((f) => `r.${d.ident(f)}`).join(', ');
  await conn.run(
    `UPDATE calls SET ${sets.join(', ')}, inherited = ${bits.join(' + ')}
     FROM (
       SELECT c.rowid AS rid, ${runCols}
       FROM calls AS c JOIN agent_runs AS r
         ON r.project_id = c.project_id AND r.trace_id = c.trace_id
        AND (r.id = c.parent_span_id OR c.timestamp BETWEEN r.timestamp AND COALESCE(r.end_time, r.timestamp))
       WHERE c.timestamp BETWEEN ${ms(scope.callFrom)} AND ${ms(scope.callTo)}
         AND c.project_id IN (${projects}) AND c.trace_id IN (${traces})
         AND r.timestamp BETWEEN ${ms(scope.runFrom)} AND ${ms(scope.runTo)}
         AND r.project_id IN (${projects}) AND r.trace_id IN (${traces})
       QUALIFY row_number() OVER (PARTITION BY c.rowid
         ORDER BY (r.id = c.parent_span_id) DESC NULLS LAST, r.timestamp DESC, r.id DESC) = 1
     ) AS pick
     WHERE calls.rowid = pick.rid`,
  );
}
