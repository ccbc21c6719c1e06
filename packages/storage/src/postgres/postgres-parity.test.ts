import { DuckDBInstance } from '@duckdb/node-api';
import type { CallEvent, QuerySpec } from '@tally/core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../duckdb/duckdb-store.js';
import type { EventStore, ExportFormat, ExportOptions, ExportSelection } from '../event-store.js';
import { makeCall } from '../test-events.js';
import { PostgresStore } from './postgres-store.js';
import { createTestDatabase, type TestDatabase } from './test/test-database.js';

const HOUR = 3_600_000;
const base = Date.UTC(2026, 2, 28, 22, 15, 30, 123); // Europe leaves winter time on 2026-03-29

/** Calls with every kind of value an export must write the same way: awkward text, numbers and times. */
function dataset(p: string): CallEvent[] {
  const texts = ['plain', '', 'a,b', 'say "hi"', 'line1\nline2', 'cr\rlf', '#hash', ' lead', 'tab\there', 'é日本😀'];
  const weird = ['\u0001ctl\u001b', 'back\\slash', '\u2028sep', 'semi;colon', "it's", 'NULL', '\\u001b as text'];
  const doubles = [0.1, 2, 1e-5, 1.5e-7, 0.000123, 123456.789, 1e16, 1e21, 0.30000000000000004, 99.5];
  // Durations stay small enough for end_time (start + duration) to be a time both engines can store.
  const durations = [0.1, 2, 1e-5, 1.5e-7, 0.000123, 123456.789, 0.30000000000000004, 99.5];
  const calls: CallEvent[] = [];
  for (let i = 0; i < 60; i++) {
    const text = [...texts, ...weird][i % (texts.length + weird.length)]!;
    calls.push(
      makeCall(p, {
        id: `c${String(i).padStart(2, '0')}${i % 7 === 0 ? 'Z' : 'a'}`,
        timestamp: base + Math.floor(i / 3) * 37 * 60_000 + (i % 3),
        model: ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'mystery-model-x'][i % 4],
        provider: i % 4 === 2 ? 'anthropic' : 'openai',
        input_tokens: 100 + i,
        output_tokens: i % 5 === 0 ? undefined : 10 + i,
        duration_ms: i % 11 === 0 ? undefined : durations[i % durations.length]! * (i + 1),
        ttft_ms: i % 2 === 0 ? doubles[(i + 3) % doubles.length] : undefined,
        temperature: i % 3 === 0 ? [0.1, 2, 1e-5, 1.5e-7, 0.000123][i % 5] : undefined,
        cost_usd: i % 6 === 0 ? doubles[(i + 5) % doubles.length]! / 1000 : undefined,
        stream: i % 3 === 0 ? true : i % 3 === 1 ? false : undefined,
        status: i % 8 === 0 ? 'error' : 'success',
        error_message: i % 8 === 0 ? `failed at ${text} after ${i}s (req 0x${(i * 7919).toString(16)})` : undefined,
        user_id: i % 5 === 4 ? undefined : `u${i % 5}`,
        session_id: `s${i % 4}`,
        agent_name: i % 2 === 0 ? 'Bot, "the" agent' : undefined,
        app_name: text,
        user_agent: weird[i % weird.length],
        input_text: i % 4 === 0 ? `${text}\n${text}` : undefined,
        tags: i % 3 === 0 ? [text, 'x,y', 'q"z', '\u0002'] : i % 3 === 1 ? ['eu'] : [],
        metadata: {
          zeta: i,
          alpha: text,
          10: 'ten',
          nested: { list: [1, 'two', null, 1e-7], big: 12345678901234567000, huge: 1e21 * (i + 1), b: -1e20 },
          'e+1': 'e+1 \u001b',
        },
      }),
    );
  }
  return calls;
}

async function bytes(store: EventStore, sel: ExportSelection, format: ExportFormat, options?: ExportOptions) {
  const exp = await store.exportCalls(sel, format, options);
  const parts: Buffer[] = [];
  for await (const b of exp.body) parts.push(b);
  return { rows: exp.rows, body: Buffer.concat(parts) };
}

describe('PostgreSQL and DuckDB give the same answers on the same data', () => {
  let database: TestDatabase;
  let pg: PostgresStore;
  let duck: DuckDbStore;
  const p = 'parity';
  const calls = dataset(p);

  beforeAll(async () => {
    database = await createTestDatabase();
    pg = new PostgresStore({ url: database.url, poolSize: 3 });
    duck = new DuckDbStore({ path: ':memory:' });
    await Promise.all([pg.init(), duck.init()]);
    const other = [makeCall('elsewhere', { timestamp: base })];
    for (const store of [pg, duck]) await store.write({ calls: [...[...calls].reverse(), ...other] });
  });
  afterAll(async () => {
    await Promise.all([pg?.close(), duck?.close()]);
    await database?.drop();
  });

  it('exports CSV and NDJSON byte for byte alike, in chunks, resumed, and empty', async () => {
    const cut = [...calls].sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : 1))[17]!;
    const cases: [ExportSelection, ExportFormat, ExportOptions?][] = [
      [{ projectId: p }, 'csv'],
      [{ projectId: p }, 'ndjson', { chunkRows: 7 }],
      [{ projectId: p, after: { timestamp: cut.timestamp, id: cut.id } }, 'csv', { header: false, chunkRows: 4 }],
      [{ projectId: p, from: base + HOUR, to: base + 5 * HOUR }, 'ndjson'],
      [{ projectId: p, filters: [{ field: 'tag', op: 'eq', values: ['x,y'] }] }, 'csv', { chunkRows: 3 }],
      [{ projectId: p, filters: [{ field: 'model', op: 'eq', values: ['none'] }] }, 'csv'],
      [{ projectId: p, filters: [{ field: 'model', op: 'eq', values: ['none'] }] }, 'ndjson'],
    ];
    for (const [sel, format, options] of cases) {
      const [a, b] = await Promise.all([bytes(pg, sel, format, options), bytes(duck, sel, format, options)]);
      expect(a.rows).toBe(b.rows);
      expect(a.body.toString('utf8'), `${format} ${JSON.stringify(sel)}`).toBe(b.body.toString('utf8'));
    }
  });

  it('exports Parquet files that read back as the same rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-parity-'));
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const read = async (store: EventStore, name: string) => {
        const { rows, body } = await bytes(store, { projectId: p, from: base, to: base + 10 * HOUR }, 'parquet');
        const path = join(dir, name);
        await writeFile(path, body);
        const table = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS();
        return { rows, table };
      };
      const [a, b] = [await read(pg, 'pg.parquet'), await read(duck, 'duck.parquet')];
      expect(a.rows).toBe(b.rows);
      expect(a.table.length).toBe(b.rows);
      expect(a.table).toEqual(b.table);
    } finally {
      conn.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers the same analytics questions with the same numbers', async () => {
    const range = { projectId: p, from: base - 24 * HOUR, to: base + 48 * HOUR };
    const specs: QuerySpec[] = [
      {
        ...range,
        groupBy: ['model', 'agent_name'],
        metrics: ['calls', 'errors', 'error_rate', 'input_tokens', 'output_tokens', 'cost_usd', 'users', 'sessions'],
      },
      { ...range, interval: 'hour', tz: 'Europe/Paris', metrics: ['calls', 'p50_duration_ms', 'p95_ttft_ms'] },
      { ...range, interval: 'day', tz: 'Asia/Kolkata', groupBy: ['provider'], metrics: ['calls', 'avg_duration_ms'] },
      { ...range, interval: 'week', metrics: ['calls', 'p99_duration_ms', 'p90_duration_ms'] },
      { ...range, groupBy: ['user_id'], metrics: ['calls'], orderBy: { metric: 'p95_duration_ms', direction: 'desc' } },
      { ...range, groupBy: ['session_id'], metrics: ['calls'], orderBy: { metric: 'error_rate', direction: 'desc' } },
      {
        ...range,
        filters: [{ field: 'status', op: 'neq', values: ['success'] }],
        groupBy: ['error_pattern'],
        metrics: ['calls', 'first_seen', 'last_seen', 'sample_ids'],
        orderBy: { metric: 'calls', direction: 'desc' },
      },
      { ...range, filters: [{ field: 'metadata.alpha', op: 'in', values: ['a,b', 'plain'] }], metrics: ['calls'] },
      { ...range, filters: [{ field: 'tag', op: 'absent', values: [] }], metrics: ['calls', 'total_tokens'] },
      { ...range, filters: [{ field: 'input_text', op: 'present', values: [] }], metrics: ['calls'] },
      { ...range, groupBy: ['app_name'], metrics: ['calls'], limit: 5 },
    ];
    for (const spec of specs) {
      expect(await pg.query(spec), JSON.stringify(spec)).toEqual(await duck.query(spec));
    }
    for (const tz of ['UTC', 'Europe/Paris', 'America/St_Johns']) {
      expect(await pg.buckets(base - 3 * HOUR, base + 30 * HOUR, 'hour', tz)).toEqual(
        await duck.buckets(base - 3 * HOUR, base + 30 * HOUR, 'hour', tz),
      );
    }
    const page = {
      projectId: p,
      limit: 9,
      filters: [{ field: 'provider' as const, op: 'eq' as const, values: ['openai'] }],
    };
    expect(await pg.events(page)).toEqual(await duck.events(page));
  });
});
