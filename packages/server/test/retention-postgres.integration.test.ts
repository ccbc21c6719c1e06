import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionJob } from '../src/lifecycle/retention-job.js';
import { ms, type RawCall } from './dataset.js';
import { ADMIN, startTestServerOn, testDatabase, type TestServer } from './helpers.js';

/**
 * Retention on PostgreSQL: a sweep drops the monthly partitions whose rows have all expired, deletes the expired
 * rows of the partitions it keeps, and counts both. The sweep runs at a fixed instant, the 20th of last month at
 * noon UTC, so that the months on either side of the cut are the same whatever day the test runs.
 */
const DAY = 86_400_000;
const today = new Date();
const NOW = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 20, 12);
const RETENTION_DAYS = 60;
/** Data of `short` before this instant expires: around the 20th of the month two before NOW's. */
const CUT = NOW - RETENTION_DAYS * DAY;
/** The first instant of the UTC month `k` months before NOW's. */
const month = (k: number) => Date.UTC(new Date(NOW).getUTCFullYear(), new Date(NOW).getUTCMonth() - k, 1);
const iso = (t: number) => new Date(t).toISOString();
/** `calls_p2026_07` for the calls of July 2026, as Tally names the partitions. */
const partition = (table: string, t: number) =>
  `${table}_p${new Date(t).getUTCFullYear()}_${String(new Date(t).getUTCMonth() + 1).padStart(2, '0')}`;

/** Ten calls in each of the six months up to NOW's, and calls on both sides of the cut. */
const shortCalls: RawCall[] = [
  ...[5, 4, 3, 2, 1, 0].flatMap((k) =>
    Array.from({ length: 10 }, (_, i) => ({
      id: `s-${k}-${i}`,
      timestamp: iso(Math.min(month(k) + (1 + 3 * i) * DAY + i * 3_600_000, NOW - DAY)),
      model: 'gpt-4o',
      input_tokens: 100,
      output_tokens: 10,
    })),
  ),
  { id: 's-cut-before', timestamp: iso(CUT - 1), model: 'gpt-4o', input_tokens: 1 },
  { id: 's-cut-on', timestamp: iso(CUT), model: 'gpt-4o', input_tokens: 1 },
];
/** A project that keeps everything, with one call in an old month: that month's partition must stay. */
const keepCalls: RawCall[] = [
  { id: 'k-old', timestamp: iso(month(4) + 12 * DAY), model: 'gpt-4o', input_tokens: 7 },
  { id: 'k-new', timestamp: iso(NOW - 5 * DAY), model: 'gpt-4o', input_tokens: 7 },
];
const oldLog = { id: 'log-old', timestamp: iso(month(4) + 5 * DAY), message: 'old' };
const newLog = { id: 'log-new', timestamp: iso(month(1) + 5 * DAY), message: 'new' };
const oldMetric = { id: 'm-old', timestamp: iso(month(4) + 5 * DAY), name: 'queue', value: 1 };
const newMetric = { id: 'm-new', timestamp: iso(month(1) + 5 * DAY), name: 'queue', value: 2 };

/** The tests run every sweep themselves, at NOW; the server's own first sweep is an hour away. */
const NO_TIMED_SWEEP = { retention: { firstRunMs: 3_600_000 } };

let s: TestServer;
let db: pg.Client;
const logged: string[] = [];

const admin = (project: string) => ({ key: ADMIN, headers: { 'x-tally-project': project } });

async function send(path: string, project: string, body: unknown): Promise<void> {
  const r = await s.call('POST', path, { ...admin(project), body });
  if (r.status >= 300) throw new Error(`POST ${path} failed: ${r.status} ${JSON.stringify(r.body)}`);
}

/** The partitions of Tally's event tables that exist now. */
async function partitions(): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname IN ('calls', 'app_logs', 'metric_points', 'agent_runs') ORDER BY 1`,
  );
  return r.rows.map((row) => row.name);
}

async function storedIds(project: string): Promise<string[]> {
  const r = await s.call('GET', '/api/v1/analytics/events?from=0&limit=1000', admin(project));
  expect(r.status).toBe(200);
  return (r.body.events as { id: string }[]).map((e) => e.id).sort();
}

const summaryCalls = async (project: string) =>
  (await s.call('GET', `/api/v1/analytics/summary?from=0&to=${iso(NOW)}`, admin(project))).body.metrics.calls;

beforeAll(async () => {
  s = await startTestServerOn('postgres', {}, undefined, NO_TIMED_SWEEP);
  db = new pg.Client({ connectionString: (await testDatabase(s.dataDir)).url });
  await db.connect();
  await send('/api/v1/projects', 'default', { id: 'short', name: 'Short', retention_days: RETENTION_DAYS });
  await send('/api/v1/projects', 'default', { id: 'keep', name: 'Keep' });
  await send('/api/v1/ingest/llm/bulk', 'short', { events: shortCalls });
  await send('/api/v1/ingest/llm/bulk', 'keep', { events: keepCalls });
  await send('/api/v1/ingest/app', 'short', { logs: [oldLog, newLog] });
  await send('/api/v1/ingest/metrics', 'short', { metrics: [oldMetric, newMetric] });
});
afterAll(async () => {
  await db?.end();
  await s?.stop();
});

describe('retention on PostgreSQL', () => {
  it('drops the months that hold only expired rows, deletes the rest row by row, and counts both', async () => {
    expect(await partitions()).toEqual(
      expect.arrayContaining([0, 1, 2, 3, 4, 5].map((k) => partition('calls', month(k)))),
    );
    // Read before the sweep, so that an answer cached from before would show afterwards.
    expect(await summaryCalls('short')).toBe(shortCalls.length);

    const job = new RetentionJob({
      store: s.ctx.store,
      projects: s.ctx.projects,
      analytics: s.ctx.analytics,
      defaultDays: null,
      log: { info: (_f, message) => logged.push(message), error: (_f, message) => logged.push(message) },
    });
    const results = await job.run(NOW);

    const expired = shortCalls.filter((c) => ms(c) < CUT);
    expect(results).toEqual([{ project_id: 'short', expired: expired.length + 2, trimmed: 0 }]);

    // Months 5 and 3 held calls of `short` only, and month 4 its old log and metric point: all expired. Month 4's
    // calls stay for `keep`'s call; month 2 holds the cut.
    const dropped = [
      partition('calls', month(5)),
      partition('calls', month(3)),
      partition('app_logs', month(4)),
      partition('metric_points', month(4)),
    ];
    const now = await partitions();
    for (const p of dropped) expect(now).not.toContain(p);
    for (const k of [4, 2, 1, 0]) expect(now).toContain(partition('calls', month(k)));
    expect(now).toContain(partition('app_logs', month(1)));
    for (const p of dropped) expect(logged.some((line) => line.includes(`dropped partition ${p}`))).toBe(true);

    // Newer data, and everything of the project that keeps it all, is still there and counted.
    const kept = shortCalls.filter((c) => ms(c) >= CUT);
    expect(await storedIds('short')).toEqual(kept.map((c) => c.id).sort());
    expect(await storedIds('short')).toContain('s-cut-on');
    expect(await storedIds('keep')).toEqual(['k-new', 'k-old']);
    expect(await summaryCalls('short')).toBe(kept.length);
    expect(await s.ctx.store.stats('short')).toEqual({ calls: kept.length, logs: 1, metrics: 1 });
  });

  it('finds nothing more to remove in the next sweep', async () => {
    const before = await partitions();
    const job = new RetentionJob({
      store: s.ctx.store,
      projects: s.ctx.projects,
      analytics: s.ctx.analytics,
      defaultDays: null,
      log: { info: () => undefined, error: (_f, message) => logged.push(message) },
    });
    expect(await job.run(NOW)).toEqual([]);
    expect(await partitions()).toEqual(before);
  });

  it("applies TALLY_RETENTION_DAYS through the server's own sweep", async () => {
    await s.stop();
    s = await startTestServerOn('postgres', { TALLY_RETENTION_DAYS: '30' }, s.dataDir, NO_TIMED_SWEEP);
    const results = await s.retention.run(NOW);
    // `keep` has no retention of its own: the server's 30 days apply to it now, and its old call goes, with the
    // month that only it held any more.
    expect(results).toEqual([{ project_id: 'keep', expired: 1, trimmed: 0 }]);
    expect(await storedIds('keep')).toEqual(['k-new']);
    expect(await partitions()).not.toContain(partition('calls', month(4)));
  });
});
