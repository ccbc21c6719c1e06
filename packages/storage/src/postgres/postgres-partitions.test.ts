import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCall } from '../test-events.js';
import { monthStart, partitionName } from './postgres-partitions.js';
import { PostgresStore } from './postgres-store.js';
import { createTestDatabase, type TestDatabase } from './test/test-database.js';

const DAY = 86_400_000;

describe('PostgreSQL monthly partitions', () => {
  let database: TestDatabase;
  let client: pg.Client;
  let store: PostgresStore;
  const now = Date.now();
  const months = [monthStart(now, -2), monthStart(now, -1), monthStart(now)];
  const open = async () => {
    const s = new PostgresStore({ url: database.url, poolSize: 2 });
    await s.init();
    return s;
  };
  /** Rows of a project per partition, by partition name. */
  const placement = async (table: string, projectId: string) =>
    Object.fromEntries(
      (
        await client.query(
          `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM ${table} WHERE project_id = $1 GROUP BY 1`,
          [projectId],
        )
      ).rows.map((r) => [r.part, r.n]),
    );
  const total = async (projectId: string) =>
    (await store.query({ projectId, from: 0, to: now + DAY, metrics: ['calls', 'input_tokens'] }))[0];

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await open();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await store?.close();
    await client?.end();
    await database?.drop();
  });

  it('puts the rows of three months in three partitions, and very old rows in the DEFAULT one', async () => {
    const times = [months[0]! + 5 * DAY, months[1]! + 15 * DAY, Math.min(now, months[2]! + 1000)];
    const ancient = Date.UTC(2001, 0, 1);
    await store.write({
      calls: [...times, ancient].map((timestamp, i) => makeCall('p', { id: `p${i}`, timestamp })),
      logs: [
        {
          id: 'l0',
          project_id: 'p',
          timestamp: times[0]!,
          level: 'INFO',
          message: 'old',
          logger: null,
          service: null,
          trace_id: null,
          attributes: {},
          ingested_at: now,
        },
      ],
    });
    expect(await placement('calls', 'p')).toEqual({
      [partitionName('calls', months[0]!)]: 1,
      [partitionName('calls', months[1]!)]: 1,
      [partitionName('calls', months[2]!)]: 1,
      calls_default: 1,
    });
    expect(await placement('app_logs', 'p')).toEqual({ [partitionName('app_logs', months[0]!)]: 1 });
    expect(await total('p')).toEqual({ calls: 4, input_tokens: 400 });
  });

  it('drops a partition only when every project with rows in it has expired there', async () => {
    await store.write({
      calls: [
        makeCall('q', { id: 'q0', timestamp: months[0]! + DAY }),
        makeCall('r', { id: 'r0', timestamp: months[1]! + DAY }),
      ],
    });
    const cuts = new Map([
      ['p', months[1]! + 10 * DAY],
      ['q', months[1]!],
    ]);
    // The oldest month holds only p and q, both expired there; the next one holds r, which keeps everything.
    const dropped = await store.dropExpiredPartitions(cuts);
    expect(dropped.sort((a, b) => a.partition.localeCompare(b.partition))).toEqual([
      { table: 'app_logs', partition: partitionName('app_logs', months[0]!), rows: 1, projects: { p: 1 } },
      { table: 'calls', partition: partitionName('calls', months[0]!), rows: 2, projects: { p: 1, q: 1 } },
    ]);
    expect(await placement('calls', 'p')).toEqual({
      [partitionName('calls', months[1]!)]: 1,
      [partitionName('calls', months[2]!)]: 1,
      calls_default: 1,
    });
    // What is left over the cut is deleted row by row, as on every backend; newer data and its numbers stay.
    expect(await store.deleteBefore('p', cuts.get('p')!)).toBe(1);
    expect(await total('p')).toEqual({ calls: 2, input_tokens: 200 });
    expect(await total('r')).toEqual({ calls: 1, input_tokens: 100 });
    expect(await store.stats('p')).toEqual({ calls: 2, logs: 0, metrics: 0 });
    expect(await store.dropExpiredPartitions(cuts)).toEqual([]);
  });

  it('recreates a dropped month when late rows arrive, and keeps rows a replica wrote meanwhile', async () => {
    await store.dropExpiredPartitions(new Map([['r', months[1]!]])); // nothing left in the oldest month
    await store.write({ calls: [makeCall('late', { id: 'a', timestamp: months[0]! + 2 * DAY })] });
    expect(await placement('calls', 'late')).toEqual({ [partitionName('calls', months[0]!)]: 1 });

    // A replica that saw the partition still believes in it after this store drops it: its rows land in DEFAULT,
    // and so do this store's, since the month can no longer get a partition of its own.
    const replica = await open();
    try {
      await store.dropExpiredPartitions(new Map([['late', months[1]!]]));
      await replica.write({ calls: [makeCall('late', { id: 'b', timestamp: months[0]! + 3 * DAY })] });
      await store.write({ calls: [makeCall('late', { id: 'c', timestamp: months[0]! + 4 * DAY })] });
      expect(await placement('calls', 'late')).toEqual({ calls_default: 2 });
      expect((await store.events({ projectId: 'late', order: 'asc' })).events.map((e) => e.id)).toEqual(['b', 'c']);
    } finally {
      await replica.close();
    }
  });
});
