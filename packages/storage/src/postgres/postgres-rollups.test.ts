import type { CallEvent, Metric, QuerySpec } from '@tally/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileQuery, finishRows } from '../query-compiler.js';
import { makeCall, makeRun } from '../test-events.js';
import { postgresDialect } from './postgres-dialect.js';
import { monthStart } from './postgres-partitions.js';
import { rollupQuery, wholeHourOffsets } from './postgres-rollups.js';
import { PostgresStore } from './postgres-store.js';
import { createTestDatabase, type TestDatabase } from './test/test-database.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const METRICS: Metric[] = [
  'calls',
  'errors',
  'error_rate',
  'unpriced_calls',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'reasoning_tokens',
  'sessions',
  'users',
];

/** A small deterministic generator, so a failure can be reproduced. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('PostgreSQL agent rollups', () => {
  let database: TestDatabase;
  let client: pg.Client;
  let store: PostgresStore;
  const now = Date.now();
  const r = random(20261123);
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!;
  let seq = 0;

  /** Calls of two agents, three versions, a dozen sessions and users, a few without agent or session, over `days`. */
  const calls = (n: number, projectId: string, from: number, span: number): CallEvent[] =>
    Array.from({ length: n }, () => {
      const noAgent = r() < 0.05;
      return makeCall(projectId, {
        id: `c${seq++}`,
        timestamp: Math.floor(from + r() * span),
        agent_name: noAgent ? undefined : pick(['support-bot', 'sql-assistant']),
        agent_version: noAgent ? undefined : pick(['1.0.0', '1.1.0', '2.0.0']),
        session_id: r() < 0.1 ? undefined : `s${Math.floor(r() * 12)}`,
        user_id: r() < 0.1 ? undefined : `u${Math.floor(r() * 8)}`,
        status: r() < 0.1 ? 'error' : 'success',
        model: r() < 0.1 ? 'some-unpriced-model' : 'gpt-4o-mini',
        input_tokens: Math.floor(r() * 5000),
        output_tokens: r() < 0.1 ? undefined : Math.floor(r() * 800),
        cache_read_tokens: r() < 0.5 ? Math.floor(r() * 100) : undefined,
        reasoning_tokens: r() < 0.2 ? Math.floor(r() * 300) : undefined,
      });
    });

  /** The same spec answered from the calls alone. */
  const fromCalls = async (spec: QuerySpec) => {
    const { sql, params } = compileQuery(spec, postgresDialect);
    return finishRows((await client.query(sql, params)).rows, spec);
  };

  /** Every rollup row, as the calls say it should be, and as it is. */
  const rollupTables = async () => {
    const hour = `date_bin(INTERVAL '1 hour', "timestamp", TIMESTAMPTZ '1970-01-01 00:00:00+00')`;
    const agent = `agent_name IS NOT NULL AND agent_version IS NOT NULL`;
    const q = async (sql: string) => (await client.query(sql)).rows.map((row) => JSON.stringify(row));
    const expected = {
      hours: await q(`SELECT project_id, agent_name, agent_version, ${hour} AS hour, count(*)::int AS calls,
        sum(COALESCE(input_tokens, 0))::int AS input_tokens, sum(CASE WHEN status <> 'success' THEN 1 ELSE 0 END)::int AS errors
        FROM calls WHERE ${agent} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`),
      sessions:
        await q(`SELECT project_id, agent_name, agent_version, ${hour} AS hour, session_id, count(*)::int AS calls
        FROM calls WHERE ${agent} AND session_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`),
      users: await q(`SELECT project_id, agent_name, agent_version, ${hour} AS hour, user_id, count(*)::int AS calls
        FROM calls WHERE ${agent} AND user_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`),
    };
    const actual = {
      hours: await q(`SELECT project_id, agent_name, agent_version, hour, calls::int, input_tokens::int, errors::int
        FROM agent_hours ORDER BY 1, 2, 3, 4`),
      sessions: await q(`SELECT project_id, agent_name, agent_version, hour, session_id, calls::int
        FROM agent_hour_sessions ORDER BY 1, 2, 3, 4, 5`),
      users: await q(`SELECT project_id, agent_name, agent_version, hour, user_id, calls::int
        FROM agent_hour_users ORDER BY 1, 2, 3, 4, 5`),
    };
    return { expected, actual };
  };

  /** Asks random agent questions both ways; the rollups must answer each, and the same. */
  const compare = async (projectId: string, rounds = 12) => {
    for (let i = 0; i < rounds; i++) {
      const to = now - Math.floor(r() * 2 * DAY);
      const from = to - Math.floor((0.1 + r() * 5) * DAY);
      const interval = pick([undefined, 'hour', 'day', 'day', 'week'] as const);
      const spec: QuerySpec = {
        projectId,
        from,
        to,
        filters: [
          { field: 'agent_name', op: 'eq', values: [pick(['support-bot', 'sql-assistant', 'nobody'])] },
          { field: 'agent_version', op: 'eq', values: [pick(['1.0.0', '1.1.0', '2.0.0'])] },
        ],
        metrics: METRICS.filter(() => r() < 0.6).concat('calls'),
        ...(interval ? { interval, tz: pick(['UTC', 'America/New_York', 'Europe/Berlin']) } : {}),
      };
      expect(rollupQuery(spec), JSON.stringify(spec)).not.toBeNull();
      expect(await store.query(spec), JSON.stringify(spec)).toEqual(await fromCalls(spec));
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresStore({ url: database.url, poolSize: 3 });
    await store.init();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await store?.close();
    await client?.end();
    await database?.drop();
  });

  it('keeps per-hour rollups equal to the calls through duplicates and late events, and answers agent questions from them', async () => {
    const first = calls(1500, 'p1', now - 8 * DAY, 8 * DAY);
    await store.write({ calls: first });
    await store.write({ calls: calls(300, 'p2', now - 3 * DAY, 3 * DAY) });
    // A batch repeating 200 stored calls (a retry) with 100 new ones, some of them a week late.
    const repeated = first.slice(0, 200);
    const late = calls(100, 'p1', now - 7 * DAY, DAY);
    const result = await store.write({ calls: [...repeated, ...late] });
    expect(result.calls).toBe(100);
    const { expected, actual } = await rollupTables();
    expect(actual.hours.length).toBeGreaterThan(50);
    expect(actual).toEqual(expected);
    await compare('p1');
    await compare('p2', 4);
  });

  it('follows agent fields linked from agent runs after the calls were stored', async () => {
    const t = now - 2 * DAY + 1000;
    const orphans = Array.from({ length: 20 }, (_, i) =>
      makeCall('p1', { id: `orphan${i}`, timestamp: t + i * 1000, trace_id: 'trace-late', session_id: undefined }),
    );
    await store.write({ calls: orphans });
    const spec: QuerySpec = {
      projectId: 'p1',
      from: now - 3 * DAY,
      to: now,
      filters: [
        { field: 'agent_name', op: 'eq', values: ['late-agent'] },
        { field: 'agent_version', op: 'eq', values: ['9.0.0'] },
      ],
      metrics: ['calls', 'sessions', 'users'],
    };
    expect(await store.query(spec)).toEqual([{ calls: 0, sessions: 0, users: 0 }]);
    await store.write({
      runs: [
        makeRun('p1', {
          id: 'run-late',
          trace_id: 'trace-late',
          timestamp: t - 1000,
          end_time: t + 60_000,
          agent_name: 'late-agent',
          agent_version: '9.0.0',
          session_id: 'late-session',
        }),
      ],
    });
    const rows = await store.query(spec);
    expect(rows[0]!['calls']).toBe(20);
    expect(rows[0]!['sessions']).toBe(1);
    expect(rows).toEqual(await fromCalls(spec));
    const { expected, actual } = await rollupTables();
    expect(actual).toEqual(expected);
  });

  it('subtracts deleted calls: retention by row, trimming and project deletion', async () => {
    await store.deleteBefore('p1', now - 6 * DAY);
    await store.trimCalls('p2', 120);
    let tables = await rollupTables();
    expect(tables.actual).toEqual(tables.expected);
    await compare('p1', 6);
    await compare('p2', 4);
    await store.clear('p2');
    tables = await rollupTables();
    expect(tables.actual).toEqual(tables.expected);
    expect(tables.actual.hours.some((row) => row.includes('"p2"'))).toBe(false);
  });

  it('recomputes a month whose partition retention drops, keeping its rows in the DEFAULT partition', async () => {
    const old = monthStart(now, -3);
    await store.write({ calls: calls(200, 'p3', old + DAY, 10 * DAY) });
    // A month outside the partition window lands in the DEFAULT partition.
    const ancient = Date.UTC(2001, 4, 1);
    await store.write({ calls: calls(50, 'p3', ancient + DAY, 5 * DAY) });
    const dropped = await store.dropExpiredPartitions(new Map([['p3', monthStart(now, -2)]]));
    expect(dropped.filter((p) => p.table === 'calls').map((p) => p.rows)).toEqual([200]);
    const { expected, actual } = await rollupTables();
    expect(actual).toEqual(expected);
    expect(actual.hours.some((row) => row.includes('"p3"'))).toBe(true); // the 2001 rows still count
  });

  it('fills the rollups of calls stored before they existed', async () => {
    await client.query('TRUNCATE agent_hours, agent_hour_sessions, agent_hour_users');
    await client.query(`DELETE FROM tally_schema_migrations WHERE id = '0002_rollups'`);
    await client.query(`DROP TABLE agent_hours, agent_hour_sessions, agent_hour_users`);
    await client.query(`DROP FUNCTION tally_rollup_insert, tally_rollup_delete, tally_rollup_update CASCADE`);
    const again = new PostgresStore({ url: database.url, poolSize: 1 });
    await again.init();
    await again.close();
    const { expected, actual } = await rollupTables();
    expect(actual.hours.length).toBeGreaterThan(50);
    expect(actual).toEqual(expected);
  });

  it('leaves questions the rollups cannot answer exactly to the calls', () => {
    const base: QuerySpec = {
      projectId: 'p',
      from: now - 2 * DAY,
      to: now,
      filters: [
        { field: 'agent_name', op: 'eq', values: ['a'] },
        { field: 'agent_version', op: 'eq', values: ['1'] },
      ],
      metrics: ['calls', 'sessions'],
    };
    expect(rollupQuery(base)).not.toBeNull();
    expect(rollupQuery({ ...base, metrics: ['p50_duration_ms'] })).toBeNull();
    expect(rollupQuery({ ...base, metrics: ['cost_usd'] })).toBeNull();
    expect(rollupQuery({ ...base, groupBy: ['model'] })).toBeNull();
    expect(rollupQuery({ ...base, filters: base.filters!.slice(0, 1) })).toBeNull();
    expect(
      rollupQuery({ ...base, filters: [...base.filters!, { field: 'model', op: 'eq', values: ['x'] }] }),
    ).toBeNull();
    expect(rollupQuery({ ...base, from: now - HOUR / 2 })).toBeNull();
    expect(rollupQuery({ ...base, interval: 'day', tz: 'Asia/Kolkata' })).toBeNull();
    expect(rollupQuery({ ...base, interval: 'day', tz: 'Europe/Berlin' })).not.toBeNull();
    expect(wholeHourOffsets('Australia/Lord_Howe', Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31))).toBe(false);
    expect(wholeHourOffsets('America/New_York', Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31))).toBe(true);
  });
});
