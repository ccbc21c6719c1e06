import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';
import { dayIn, generateCalls, ingest, ms, percentile, sum, type RawCall, readStored } from './dataset.js';

/**
 * Seed 004's dashboard analytics (/api/v1/analytics/dashboard, /requests/timeseries, /providers, /logs/recent,
 * /errors) against numbers computed here from the raw calls and, for what the server derives (cost, provider), from
 * the stored events read back. The data ends just before now, because the routes' default ranges end now.
 */
const HOUR = 3_600_000;
const NOW = Date.now();
const TO = Math.floor(NOW / 1000) * 1000;
const FROM = TO - 50 * HOUR - 17 * 60_000; // not on an hour: the first hour is partly in range
const range = `from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`;
const inRange = (c: RawCall) => ms(c) >= FROM && ms(c) < TO;

/** A project with a few calls in an eight-hour window: most of its hours are empty; one holds only an unpriced call. */
const sparseAt = (minutesBefore: number) => new Date(TO - minutesBefore * 60_000).toISOString();
const SPARSE = [
  { id: 'sp-1', timestamp: sparseAt(30), model: 'gpt-4o', input_tokens: 10, output_tokens: 5, duration_ms: 100 },
  { id: 'sp-2', timestamp: sparseAt(310), model: 'gpt-4o', input_tokens: 1, output_tokens: 1, duration_ms: 300 },
  { id: 'sp-3', timestamp: sparseAt(320), model: 'gpt-4o', input_tokens: 4, status: 'error', duration_ms: 500 },
  { id: 'sp-4', timestamp: sparseAt(200), model: 'acme-unpriced-model', input_tokens: 7, output_tokens: 3 },
] as RawCall[];

let s: TestServer;
let calls: RawCall[];
const stored = new Map<string, any>();
const cost = (c: RawCall): number | null => stored.get(c.id).cost_usd;
const provider = (c: RawCall): string | null => stored.get(c.id).provider;
const get = (path: string, project?: string) =>
  s.call('GET', path, project ? { headers: { 'x-tally-project': project } } : {});

/** Known cost of some calls: null when there are calls and none has a price. */
function knownCost(xs: RawCall[]): number | null {
  const priced = xs.filter((c) => cost(c) !== null);
  return xs.length > 0 && priced.length === 0 ? null : sum(priced, (c) => cost(c)!);
}
const durations = (xs: RawCall[]) => xs.map((c) => c.duration_ms).filter((d): d is number => d !== undefined);
const avg = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
const tokens = (xs: RawCall[]) => sum(xs, (c) => (c.input_tokens ?? 0) + (c.output_tokens ?? 0));
const failed = (xs: RawCall[]) => xs.filter((c) => c.status !== 'success');

function closeOrNull(actual: number | null, expected: number | null, digits = 6) {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(expected, digits);
}

beforeAll(async () => {
  s = await startTestServer();
  calls = generateCalls(NOW, { count: 700, days: 3, idPrefix: 's4-' });
  await ingest(s.call, calls);
  for (const id of ['other', 'sparse']) {
    expect((await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } })).status).toBe(201);
  }
  await ingest(s.call, generateCalls(NOW, { count: 200, days: 3, seed: 5, idPrefix: 'o-' }), { project: 'other' });
  await ingest(s.call, SPARSE, { project: 'sparse' });
  for (const [id, e] of await readStored(s.call)) stored.set(id, e);
  expect(stored.size).toBe(calls.length);
});
afterAll(async () => {
  await s.stop();
});

describe('GET /api/v1/analytics/dashboard', () => {
  it('totals the range: requests, rates, tokens, cost, latency, users, sessions, top models', async () => {
    const r = await get(`/api/v1/analytics/dashboard?${range}`);
    expect(r.status).toBe(200);
    const xs = calls.filter(inRange);
    const bad = failed(xs).length;
    expect(r.body).toMatchObject({
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
      total_requests: xs.length,
      successful_requests: xs.length - bad,
      failed_requests: bad,
      input_tokens: sum(xs, (c) => c.input_tokens),
      output_tokens: sum(xs, (c) => c.output_tokens),
      total_tokens: tokens(xs),
      unpriced_requests: xs.filter((c) => cost(c) === null).length,
      p95_latency_ms: percentile(durations(xs), 0.95),
      unique_users: new Set(xs.map((c) => c.user_id).filter(Boolean)).size,
      unique_sessions: new Set(xs.map((c) => c.session_id).filter(Boolean)).size,
    });
    expect(r.body.success_rate).toBeCloseTo((xs.length - bad) / xs.length, 9);
    expect(r.body.error_rate).toBeCloseTo(bad / xs.length, 9);
    closeOrNull(r.body.total_cost, knownCost(xs), 8);
    closeOrNull(r.body.avg_latency_ms, avg(durations(xs)), 4);
    const byModel = new Map<string, RawCall[]>();
    for (const c of xs) byModel.set(c.model, [...(byModel.get(c.model) ?? []), c]);
    const top = [...byModel].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).slice(0, 5);
    expect(r.body.top_models.map((m: any) => [m.model, m.requests, m.total_tokens])).toEqual(
      top.map(([model, ys]) => [model, ys.length, tokens(ys)]),
    );
    for (const m of r.body.top_models) closeOrNull(m.total_cost, knownCost(byModel.get(m.model)!), 8);
    expect(r.body.top_models.find((m: any) => m.model === 'acme-unpriced-model')?.total_cost).not.toBe(0);
  });

  it('defaults to the last 24 hours, takes hours=, and applies dimension filters', async () => {
    const r = await get('/api/v1/analytics/dashboard');
    const [from, to] = [Date.parse(r.body.from), Date.parse(r.body.to)];
    expect(to - from).toBe(24 * HOUR);
    expect(Math.abs(to - Date.now())).toBeLessThan(60_000);
    expect(r.body.total_requests).toBe(calls.filter((c) => ms(c) >= from && ms(c) < to).length);
    const six = await get(`/api/v1/analytics/dashboard?hours=6&to=${TO / 1000}`);
    expect(six.body.from).toBe(new Date(TO - 6 * HOUR).toISOString());
    expect(six.body.total_requests).toBe(calls.filter((c) => ms(c) >= TO - 6 * HOUR && ms(c) < TO).length);
    const gpt = await get(`/api/v1/analytics/dashboard?${range}&model=gpt-4o&status=!success`);
    expect(gpt.body.total_requests).toBe(failed(calls.filter(inRange)).filter((c) => c.model === 'gpt-4o').length);
  });

  it("counts only the caller's project", async () => {
    const theirs = generateCalls(NOW, { count: 200, days: 3, seed: 5, idPrefix: 'o-' }).filter(inRange);
    expect((await get(`/api/v1/analytics/dashboard?${range}`, 'other')).body.total_requests).toBe(theirs.length);
    const empty = await get(`/api/v1/analytics/dashboard?${range}`, 'nobody');
    expect(empty.body).toMatchObject({ total_requests: 0, total_cost: 0, avg_latency_ms: null, top_models: [] });
  });
});

describe('GET /api/v1/analytics/requests/timeseries', () => {
  it('gives one point per hour of the range, numbers per hour', async () => {
    const r = await get(`/api/v1/analytics/requests/timeseries?${range}&interval=hour`);
    expect(r.status).toBe(200);
    expect(r.body.interval).toBe('hour');
    const first = Math.floor(FROM / HOUR) * HOUR;
    const hours = Array.from({ length: Math.ceil((TO - first) / HOUR) }, (_, i) => first + i * HOUR);
    expect(r.body.points.map((p: any) => p.timestamp)).toEqual(hours.map((h) => new Date(h).toISOString()));
    for (const p of r.body.points) {
      const h = Date.parse(p.timestamp);
      const xs = calls.filter(inRange).filter((c) => ms(c) >= h && ms(c) < h + HOUR);
      expect([p.requests, p.errors, p.tokens]).toEqual([xs.length, failed(xs).length, tokens(xs)]);
      closeOrNull(p.cost, knownCost(xs), 8);
      closeOrNull(p.avg_latency_ms, avg(durations(xs)), 4);
    }
  });

  it('fills hours without calls with zeros', async () => {
    const r = await get(`/api/v1/analytics/requests/timeseries?hours=8&to=${TO / 1000}`, 'sparse');
    expect(r.body.interval).toBe('hour');
    const points = r.body.points as any[];
    expect(points).toHaveLength(TO % HOUR === 0 ? 8 : 9);
    expect(sum(points as any, (p: any) => p.requests)).toBe(4);
    const busy = points.filter((p) => p.requests > 0);
    for (const p of points.filter((x) => x.requests === 0)) {
      expect(p).toMatchObject({ errors: 0, tokens: 0, cost: 0, avg_latency_ms: null });
    }
    const hourOf = (m: number) => new Date(Math.floor((TO - m * 60_000) / HOUR) * HOUR).toISOString();
    if (hourOf(310) === hourOf(320)) {
      expect(busy.find((p) => p.timestamp === hourOf(320))).toMatchObject({ requests: 2, errors: 1, tokens: 6 });
      expect(busy.find((p) => p.timestamp === hourOf(320)).avg_latency_ms).toBe(400);
    }
    expect(busy.find((p) => p.timestamp === hourOf(30))).toMatchObject({ requests: 1, tokens: 15 });
    // An hour whose only call has no price has an unknown cost, not $0.
    expect(busy.find((p) => p.timestamp === hourOf(200))).toMatchObject({ requests: 1, tokens: 10, cost: null });
  });

  it('never shows an unknown cost as $0', async () => {
    const dash = await get(`/api/v1/analytics/dashboard?hours=8&to=${TO / 1000}`, 'sparse');
    expect(dash.body.unpriced_requests).toBe(1);
    expect(dash.body.top_models.find((m: any) => m.model === 'acme-unpriced-model').total_cost).toBeNull();
    const providers = await get(`/api/v1/analytics/providers?hours=8&to=${TO / 1000}`, 'sparse');
    const acme = providers.body.providers[0].models.find((m: any) => m.model === 'acme-unpriced-model');
    expect(acme).toMatchObject({ requests: 1, unpriced_requests: 1, total_cost: null, cost_per_1k_tokens: null });
  });

  it('counts days of the given time zone, by default for ranges over 48 hours', async () => {
    const tz = 'America/New_York';
    const r = await get(`/api/v1/analytics/requests/timeseries?${range}&tz=${tz}`);
    expect(r.body).toMatchObject({ interval: 'day', tz });
    const days = [...new Set([FROM, ...calls.filter(inRange).map(ms), TO - 1].map((t) => dayIn(t, tz)))].sort();
    expect(r.body.points.map((p: any) => dayIn(Date.parse(p.timestamp), tz))).toEqual(days);
    for (const p of r.body.points) {
      const xs = calls.filter(inRange).filter((c) => dayIn(ms(c), tz) === dayIn(Date.parse(p.timestamp), tz));
      expect(p.requests).toBe(xs.length);
      expect(dayIn(Date.parse(p.timestamp) - 1, tz)).not.toBe(dayIn(Date.parse(p.timestamp), tz));
    }
  });
});

describe('GET /api/v1/analytics/providers', () => {
  it('reports usage, cost and latency per provider and per model', async () => {
    const r = await get(`/api/v1/analytics/providers?${range}`);
    expect(r.status).toBe(200);
    const xs = calls.filter(inRange);
    const expectUsage = (row: any, ys: RawCall[]) => {
      const priced = ys.filter((c) => cost(c) !== null);
      expect(row).toMatchObject({
        requests: ys.length,
        errors: failed(ys).length,
        input_tokens: sum(ys, (c) => c.input_tokens),
        output_tokens: sum(ys, (c) => c.output_tokens),
        total_tokens: tokens(ys),
        unpriced_requests: ys.length - priced.length,
        p50_latency_ms: percentile(durations(ys), 0.5),
        p95_latency_ms: percentile(durations(ys), 0.95),
      });
      expect(row.error_rate).toBeCloseTo(failed(ys).length / ys.length, 9);
      closeOrNull(row.total_cost, knownCost(ys), 8);
      closeOrNull(row.avg_latency_ms, avg(durations(ys)), 4);
      const pricedTokens = tokens(priced);
      closeOrNull(row.cost_per_1k_tokens, pricedTokens ? (sum(priced, (c) => cost(c)!) / pricedTokens) * 1000 : null);
    };
    const providers = [...new Set(xs.map(provider))];
    expect(r.body.providers.map((p: any) => p.provider).sort()).toEqual(providers.sort());
    const requests = r.body.providers.map((p: any) => p.requests);
    expect(requests).toEqual([...requests].sort((a, b) => b - a));
    for (const p of r.body.providers) {
      const ys = xs.filter((c) => provider(c) === p.provider);
      expectUsage(p, ys);
      expect(p.models.map((m: any) => m.model).sort()).toEqual([...new Set(ys.map((c) => c.model))].sort());
      for (const m of p.models)
        expectUsage(
          m,
          ys.filter((c) => c.model === m.model),
        );
    }
    const acme = r.body.providers.find((p: any) => p.provider === 'acme');
    expect(acme.unpriced_requests).toBeGreaterThan(0);
  });
});

describe('GET /api/v1/analytics/logs/recent', () => {
  const at = (minutesBefore: number) => new Date(NOW - minutesBefore * 60_000).toISOString();
  const logs = [
    { id: 'log-1', timestamp: at(600), level: 'INFO', message: 'started', service: 'api' },
    { id: 'log-2', timestamp: at(50), level: 'error', message: 'retrieval timed out', attributes: { attempt: 3 } },
    { id: 'log-3', timestamp: at(40), level: 'WARNING', message: 'slow answer', logger: 'rag' },
    { id: 'log-4', timestamp: at(30), level: 'DEBUG', message: 'cache miss' },
    { id: 'log-5', timestamp: at(20), level: 'ERROR', message: 'model refused' },
    { id: 'log-6', timestamp: at(10), level: 'INFO', message: 'answered' },
  ];
  beforeAll(async () => {
    const own = await s.call('POST', '/api/v1/ingest/app', { body: { logs } });
    expect(own.body.accepted).toBe(logs.length);
    const theirs = { id: 'log-other', timestamp: at(1), level: 'ERROR', message: 'not yours' };
    expect(
      (await s.call('POST', '/api/v1/ingest/app', { body: theirs, headers: { 'x-tally-project': 'other' } })).status,
    ).toBe(201);
  });

  it('lists the newest logs first, up to limit', async () => {
    const r = await get('/api/v1/analytics/logs/recent');
    expect(r.status).toBe(200);
    expect(r.body.logs.map((l: any) => l.id)).toEqual(['log-6', 'log-5', 'log-4', 'log-3', 'log-2', 'log-1']);
    expect(r.body.count).toBe(6);
    expect(r.body.logs[4]).toEqual({
      id: 'log-2',
      timestamp: logs[1]!.timestamp,
      level: 'ERROR',
      message: 'retrieval timed out',
      logger: null,
      service: null,
      trace_id: null,
      attributes: { attempt: 3 },
    });
    const two = await get('/api/v1/analytics/logs/recent?limit=2');
    expect(two.body.logs.map((l: any) => l.id)).toEqual(['log-6', 'log-5']);
  });

  it('filters by level and by range', async () => {
    const errors = await get('/api/v1/analytics/logs/recent?level=error');
    expect(errors.body.logs.map((l: any) => l.id)).toEqual(['log-5', 'log-2']);
    const lastHour = await get('/api/v1/analytics/logs/recent?hours=1');
    expect(lastHour.body.logs.map((l: any) => l.id)).toEqual(['log-6', 'log-5', 'log-4', 'log-3', 'log-2']);
    const other = await get('/api/v1/analytics/logs/recent', 'other');
    expect(other.body.logs.map((l: any) => l.id)).toEqual(['log-other']);
  });
});

describe('GET /api/v1/analytics/errors', () => {
  it('counts errors by status, provider and model, and groups them by type and message pattern', async () => {
    const r = await get(`/api/v1/analytics/errors?${range}`);
    expect(r.status).toBe(200);
    const xs = calls.filter(inRange);
    const bad = failed(xs);
    expect(r.body).toMatchObject({ calls: xs.length, errors: bad.length });
    expect(r.body.error_rate).toBeCloseTo(bad.length / xs.length, 9);
    expect(r.body.by_status).toEqual({
      error: bad.filter((c) => c.status === 'error').length,
      timeout: bad.filter((c) => c.status === 'timeout').length,
    });
    const models = new Map<string, RawCall[]>();
    for (const c of bad)
      models.set(`${provider(c)}|${c.model}`, [...(models.get(`${provider(c)}|${c.model}`) ?? []), c]);
    expect(r.body.by_model).toHaveLength(models.size);
    for (const m of r.body.by_model) {
      const all = xs.filter((c) => provider(c) === m.provider && c.model === m.model);
      expect([m.calls, m.errors]).toEqual([all.length, models.get(`${m.provider}|${m.model}`)!.length]);
    }
    const groups = new Map<string, RawCall[]>();
    for (const c of bad) {
      const key = `${c.error_type}|${c.error_message!.replace(/[0-9]+/g, '<n>')}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    expect(r.body.groups).toHaveLength(groups.size);
    for (const g of r.body.groups) {
      const ys = groups.get(`${g.error_type}|${g.pattern}`)!;
      expect(g.count).toBe(ys.length);
      expect(g.first_seen).toBe(new Date(Math.min(...ys.map(ms))).toISOString());
      expect(g.last_seen).toBe(new Date(Math.max(...ys.map(ms))).toISOString());
      for (const id of g.sample_ids) expect(ys.map((c) => c.id)).toContain(id);
    }
  });

  it('takes hours=', async () => {
    const r = await get(`/api/v1/analytics/errors?hours=12&to=${TO / 1000}`);
    expect(r.body.errors).toBe(failed(calls.filter((c) => ms(c) >= TO - 12 * HOUR && ms(c) < TO)).length);
  });
});

describe('bad parameters', () => {
  it.each([
    ['/api/v1/analytics/dashboard?hours=0', 'hours must be a whole number from 1 to 8760; got 0'],
    ['/api/v1/analytics/dashboard?hours=8761', 'hours must be a whole number from 1 to 8760; got 8761'],
    ['/api/v1/analytics/dashboard?hours=2.5', 'hours must be a whole number'],
    [`/api/v1/analytics/dashboard?hours=2&${range}`, 'hours cannot be combined with from'],
    ['/api/v1/analytics/dashboard?model=', 'model needs at least one value'],
    ['/api/v1/analytics/requests/timeseries?interval=week', 'interval must be one of hour, day; got week'],
    ['/api/v1/analytics/requests/timeseries?tz=Mars/Olympus', 'tz must be an IANA time zone'],
    ['/api/v1/analytics/requests/timeseries?interval=hour&hours=8760', 'points'],
    ['/api/v1/analytics/providers?from=last-week', 'from must be an ISO 8601 date-time'],
    ['/api/v1/analytics/logs/recent?limit=501', 'limit must be a whole number from 1 to 500; got 501'],
    ['/api/v1/analytics/logs/recent?level=LOUD', 'level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL'],
    ['/api/v1/analytics/errors?limit=0', 'limit'],
  ])('%s → 422', async (path, message) => {
    const r = await get(path);
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain(message);
  });
});
