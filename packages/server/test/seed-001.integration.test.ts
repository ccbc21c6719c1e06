import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';
import { dayIn, generateCalls, ingest, ms, type RawCall, readStored } from './dataset.js';

/**
 * Seed 001's per-user analytics against numbers computed here from the raw records; costs are summed from the
 * stored events read back through the events route, since the server prices the calls.
 */
const MINUTE = 60_000;
const DAY = 86_400_000;
const NOW = Date.now();
const TOMORROW = (Math.floor(NOW / DAY) + 1) * DAY;
/** Yesterday's UTC midnight: calls ten minutes either side of it fall on two dates. */
const MIDNIGHT = TOMORROW - 2 * DAY;
const at = (t: number) => new Date(t).toISOString();
const edge = (id: string, t: number, extra: Partial<RawCall> = {}): RawCall => ({
  id,
  timestamp: at(t),
  model: 'gpt-4o',
  input_tokens: 1000,
  output_tokens: 100,
  user_id: 'edge-user',
  ...extra,
});
const EDGE: RawCall[] = [
  edge('e1', MIDNIGHT - 10 * MINUTE, { session_id: 'conv-1', cost_usd: 0.25, duration_ms: 1000 }),
  edge('e2', MIDNIGHT + 10 * MINUTE, { session_id: 'conv-1', cost_usd: 0.5, duration_ms: 3000 }),
  edge('e3', MIDNIGHT + 20 * MINUTE, { session_id: 'conv-2', status: 'timeout', model: 'acme-unpriced-model' }),
  edge('e4', MIDNIGHT + 30 * MINUTE, { status: 'error', error_message: 'boom', cost_usd: 0.125 }),
  edge('e5', MIDNIGHT - 10 * DAY, { session_id: 'conv-0', cost_usd: 1 }),
];

let s: TestServer;
let calls: RawCall[];
let readKey: string;
let ingestKey: string;
const stored = new Map<string, any>();

async function project(id: string): Promise<Record<'read' | 'ingest', string>> {
  expect((await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } })).status).toBe(201);
  const key = async (scope: string) =>
    (await s.call('POST', `/api/v1/projects/${id}/keys`, { key: ADMIN, body: { scope, name: scope } })).body
      .key as string;
  return { read: await key('read'), ingest: await key('ingest') };
}

beforeAll(async () => {
  s = await startTestServer();
  const alpha = await project('alpha');
  const beta = await project('beta');
  readKey = alpha.read;
  ingestKey = alpha.ingest;
  calls = [...generateCalls(NOW, { count: 500, days: 35, seed: 5 }), ...EDGE];
  await ingest(s.call, calls, { key: ingestKey });
  // Another project with the same user ids: never counted.
  const foreign = generateCalls(NOW, { count: 200, days: 35, seed: 99 });
  await ingest(s.call, [...foreign, edge('b1', MIDNIGHT, { cost_usd: 9 })], { key: beta.ingest });
  for (const [id, e] of await readStored(s.call, readKey)) stored.set(id, e);
  expect(stored.size).toBe(calls.length);
});
afterAll(async () => {
  await s.stop();
});

const get = (path: string, key: string | null = readKey) => s.call('GET', path, { key });
const cost = (c: RawCall): number => stored.get(c.id).cost_usd ?? 0;
const total = (xs: RawCall[], f: (c: RawCall) => number) => xs.reduce((a, c) => a + f(c), 0);

function expected(userId: string, days: number) {
  const from = TOMORROW - days * DAY;
  const xs = calls.filter((c) => c.user_id === userId && ms(c) >= from && ms(c) < TOMORROW);
  const durations = xs.map((c) => c.duration_ms).filter((d): d is number => d !== undefined);
  const outcomes: Record<string, number> = { success: 0, error: 0 };
  for (const c of xs) outcomes[c.status ?? 'success'] = (outcomes[c.status ?? 'success'] ?? 0) + 1;
  const dates = Array.from({ length: days }, (_, i) => dayIn(from + i * DAY));
  const onDate = (date: string, ys: RawCall[]) => ys.filter((c) => dayIn(ms(c)) === date);
  const inSession = xs.filter((c) => c.session_id);
  return {
    period: { start: `${at(from).slice(0, 19)}Z`, end: `${at(TOMORROW).slice(0, 19)}Z`, days },
    runs: xs.length,
    cost: total(xs, cost),
    avgDuration: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : 0,
    successRate: xs.length ? (outcomes['success'] ?? 0) / xs.length : 0,
    outcomes,
    daily: dates.map((date) => ({ date, cost: total(onDate(date, xs), cost), run_count: onDate(date, xs).length })),
    conversations: dates
      .map((date) => {
        const ys = onDate(date, inSession);
        const count = new Set(ys.map((c) => c.session_id)).size;
        return { date, count, avg_messages: count ? ys.length / count : 0 };
      })
      .filter((d) => d.count > 0),
  };
}

/** A cost rounded to 6 decimals, as the seed shows them, from the exact sum. */
function expectCost(actual: number, exact: number, what: string) {
  expect(Math.abs(actual - exact), what).toBeLessThanOrEqual(5.000001e-7);
  expect(Math.abs(actual * 1e6 - Math.round(actual * 1e6)), what).toBeLessThan(1e-6);
}

function expectAnalytics(body: any, userId: string, days: number) {
  const e = expected(userId, days);
  expect(body.user_id).toBe(userId);
  expect(body.period).toEqual(e.period);
  expect(body.summary.total_agent_runs).toBe(e.runs);
  expectCost(body.summary.total_cost, e.cost, 'total_cost');
  expect(body.summary.avg_duration_ms).toBeCloseTo(e.avgDuration, 2);
  expect(body.summary.success_rate).toBeCloseTo(e.successRate, 4);
  expect(body.agent_runs_by_outcome).toEqual(e.outcomes);
  expect(body.daily_costs.map((d: any) => d.date)).toEqual(e.daily.map((d) => d.date));
  for (const [i, d] of e.daily.entries()) {
    expect(body.daily_costs[i].run_count, d.date).toBe(d.run_count);
    expectCost(body.daily_costs[i].cost, d.cost, d.date);
  }
  expect(body.conversation_stats.map((d: any) => [d.date, d.count])).toEqual(
    e.conversations.map((d) => [d.date, d.count]),
  );
  for (const [i, d] of e.conversations.entries()) {
    expect(body.conversation_stats[i].avg_messages, d.date).toBeCloseTo(d.avg_messages, 2);
  }
  return e;
}

describe('seed 001 per-user analytics', () => {
  it('summarises a generated user over the default 30 days and over 7 days', async () => {
    for (const user of ['user-3', 'user-7']) {
      const month = await get(`/api/v1/analytics/user/${user}`);
      expect(month.status).toBe(200);
      const e = expectAnalytics(month.body, user, 30);
      expect(e.runs).toBeGreaterThan(20);
      const week = await get(`/api/v1/analytics/user/${user}?days=7`);
      expect(week.status).toBe(200);
      expectAnalytics(week.body, user, 7);
    }
    const all = await get(`/api/v1/analytics/user/user-5?days=90`);
    expect(all.status).toBe(200);
    expect(all.body.daily_costs).toHaveLength(90);
    expectAnalytics(all.body, 'user-5', 90);
  });

  it('counts runs, cost, outcomes and conversations of hand-made calls exactly', async () => {
    const r = await get('/api/v1/analytics/user/edge-user?days=7');
    expect(r.status).toBe(200);
    expectAnalytics(r.body, 'edge-user', 7);
    expect(r.body.summary).toEqual({
      total_cost: 0.875,
      total_agent_runs: 4,
      avg_duration_ms: 2000,
      success_rate: 0.5,
    });
    expect(r.body.agent_runs_by_outcome).toEqual({ success: 2, error: 1, timeout: 1 });
    const byDate = Object.fromEntries(r.body.daily_costs.map((d: any) => [d.date, d]));
    expect(byDate[dayIn(MIDNIGHT - DAY)]).toEqual({ date: dayIn(MIDNIGHT - DAY), cost: 0.25, run_count: 1 });
    expect(byDate[dayIn(MIDNIGHT)]).toEqual({ date: dayIn(MIDNIGHT), cost: 0.625, run_count: 3 });
    expect(r.body.daily_costs.filter((d: any) => d.run_count > 0)).toHaveLength(2);
    expect(r.body.conversation_stats).toEqual([
      { date: dayIn(MIDNIGHT - DAY), count: 1, avg_messages: 1 },
      { date: dayIn(MIDNIGHT), count: 2, avg_messages: 1 },
    ]);
    const month = await get('/api/v1/analytics/user/edge-user');
    expect(month.body.summary.total_agent_runs).toBe(5);
    expect(month.body.summary.total_cost).toBe(1.875);
  });

  it('answers a user without data with zeros and empty arrays', async () => {
    const r = await get('/api/v1/analytics/user/nobody?days=10');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      user_id: 'nobody',
      period: expected('nobody', 10).period,
      summary: { total_cost: 0, total_agent_runs: 0, avg_duration_ms: 0, success_rate: 0 },
      daily_costs: [],
      agent_runs_by_outcome: { success: 0, error: 0 },
      conversation_stats: [],
    });
  });

  it('/raw returns the stored calls of the user, newest first, as the events route does', async () => {
    const from = TOMORROW - 7 * DAY;
    const mine = [...stored.values()]
      .filter((e) => e.user_id === 'user-3' && e.timestamp >= from)
      .sort((a, b) => b.timestamp - a.timestamp || (a.id < b.id ? 1 : -1));
    const r = await get('/api/v1/analytics/user/user-3/raw');
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body)).toBe(true);
    expect(mine.length).toBeGreaterThan(3);
    expect(r.body).toEqual(mine.slice(0, 100));
    const three = await get('/api/v1/analytics/user/user-3/raw?days=30&limit=3');
    const month = [...stored.values()]
      .filter((e) => e.user_id === 'user-3' && e.timestamp >= TOMORROW - 30 * DAY)
      .sort((a, b) => b.timestamp - a.timestamp || (a.id < b.id ? 1 : -1));
    expect(three.body).toEqual(month.slice(0, 3));
    expect((await get('/api/v1/analytics/user/nobody/raw')).body).toEqual([]);
  });

  it('rejects out-of-range days and limit with 422', async () => {
    const cases: [string, string][] = [
      ['/api/v1/analytics/user/u?days=91', 'days must be a whole number from 1 to 90; got 91'],
      ['/api/v1/analytics/user/u?days=0', 'days must be a whole number from 1 to 90; got 0'],
      ['/api/v1/analytics/user/u?days=week', 'days must be a whole number from 1 to 90; got week'],
      ['/api/v1/analytics/user/u/raw?days=31', 'days must be a whole number from 1 to 30; got 31'],
      ['/api/v1/analytics/user/u/raw?limit=1001', 'limit must be a whole number from 1 to 1000; got 1001'],
    ];
    for (const [path, message] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(422);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.message).toBe(message);
    }
  });

  it('needs a read key: 401 without one, 403 for an ingest-only key', async () => {
    for (const path of ['/api/v1/analytics/user/user-3', '/api/v1/analytics/user/user-3/raw']) {
      expect((await get(path, null)).status, path).toBe(401);
      const r = await get(path, ingestKey);
      expect(r.status, path).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
  });
});
