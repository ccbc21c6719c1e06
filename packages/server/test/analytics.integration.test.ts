import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';
import { dayIn, generateCalls, ingest, ms, percentile, sum, type RawCall, readStored } from './dataset.js';

/**
 * The native analytics API against numbers computed here from the raw events. The data spans New York's return to
 * standard time (2026-11-01) and many UTC and New York midnights.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ANCHOR = Date.UTC(2026, 10, 6, 12); // 2026-11-06 12:00Z
const FROM = ANCHOR - 10 * DAY;
const range = `from=${new Date(FROM).toISOString()}&to=${new Date(ANCHOR).toISOString()}`;

let s: TestServer;
let calls: RawCall[];
/** Stored events by id: cost and provider are derived by the server, so expectations read them from here. */
const stored = new Map<string, any>();
const cost = (c: RawCall) => stored.get(c.id).cost_usd as number | null;
const inRange = (c: RawCall) => ms(c) >= FROM && ms(c) < ANCHOR;

beforeAll(async () => {
  s = await startTestServer();
  calls = generateCalls(ANCHOR, { count: 600, days: 20 });
  await ingest(s.call, calls);
  const other = await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id: 'other', name: 'Other' } });
  expect(other.status).toBe(201);
  await ingest(s.call, generateCalls(ANCHOR, { count: 50, seed: 99 }), { project: 'other' });
  for (const [id, e] of await readStored(s.call)) stored.set(id, e);
  expect(stored.size).toBe(calls.length);
});
afterAll(async () => {
  await s.stop();
});

function expectedMetrics(xs: RawCall[]) {
  const failed = xs.filter((c) => c.status !== 'success');
  const durations = xs.map((c) => c.duration_ms).filter((d): d is number => d !== undefined);
  const ttfts = xs.map((c) => c.ttft_ms).filter((d): d is number => d !== undefined);
  const avg = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
  return {
    calls: xs.length,
    errors: failed.length,
    error_rate: xs.length ? failed.length / xs.length : 0,
    input_tokens: sum(xs, (c) => c.input_tokens),
    output_tokens: sum(xs, (c) => c.output_tokens),
    total_tokens: sum(xs, (c) => (c.input_tokens ?? 0) + (c.output_tokens ?? 0)),
    cache_read_tokens: sum(xs, (c) => c.cache_read_tokens),
    cache_write_tokens: sum(xs, (c) => c.cache_write_tokens),
    reasoning_tokens: sum(xs, (c) => c.reasoning_tokens),
    cost_usd: sum(xs, (c) => cost(c) ?? 0),
    unpriced_calls: xs.filter((c) => cost(c) === null).length,
    avg_duration_ms: avg(durations),
    p50_duration_ms: percentile(durations, 0.5),
    p90_duration_ms: percentile(durations, 0.9),
    p95_duration_ms: percentile(durations, 0.95),
    p99_duration_ms: percentile(durations, 0.99),
    avg_ttft_ms: avg(ttfts),
    p50_ttft_ms: percentile(ttfts, 0.5),
    p90_ttft_ms: percentile(ttfts, 0.9),
    p95_ttft_ms: percentile(ttfts, 0.95),
    p99_ttft_ms: percentile(ttfts, 0.99),
    users: new Set(xs.map((c) => c.user_id).filter(Boolean)).size,
    sessions: new Set(xs.map((c) => c.session_id).filter(Boolean)).size,
  };
}

/** Compares metric objects, allowing float rounding on averages and sums of costs only. */
function expectMetrics(actual: Record<string, number | null>, expected: Record<string, number | null>) {
  for (const [k, v] of Object.entries(expected)) {
    if (v !== null && (k.startsWith('avg_') || k === 'cost_usd' || k === 'error_rate')) {
      expect(actual[k], k).toBeCloseTo(v, 6);
    } else {
      expect(actual[k], k).toBe(v);
    }
  }
}

describe('native analytics', () => {
  it('summary equals the raw events, and compare=previous gives the period before with the change', async () => {
    const r = await s.call('GET', `/api/v1/analytics/summary?${range}&compare=previous`);
    expect(r.status).toBe(200);
    expect(r.body.from).toBe(new Date(FROM).toISOString());
    expectMetrics(r.body.metrics, expectedMetrics(calls.filter(inRange)));
    const before = calls.filter((c) => ms(c) >= FROM - 10 * DAY && ms(c) < FROM);
    expectMetrics(r.body.previous.metrics, expectedMetrics(before));
    expect(r.body.change.calls).toBeCloseTo(calls.filter(inRange).length / before.length - 1, 5);
  });

  it('hours=N is the N hours before to', async () => {
    const r = await s.call('GET', `/api/v1/analytics/summary?hours=48&to=${ANCHOR}`);
    expect(r.body.metrics.calls).toBe(calls.filter((c) => ms(c) >= ANCHOR - 48 * HOUR && ms(c) < ANCHOR).length);
  });

  it('summary applies dimension, exclusion, tag and metadata filters', async () => {
    const pick = (q: string, f: (c: RawCall) => boolean) =>
      s.call('GET', `/api/v1/analytics/summary?${range}&${q}`).then((r) => {
        expect(r.status).toBe(200);
        expectMetrics(r.body.metrics, expectedMetrics(calls.filter(inRange).filter(f)));
      });
    await pick('model=gpt-4o,claude-sonnet-4-5', (c) => c.model === 'gpt-4o' || c.model === 'claude-sonnet-4-5');
    await pick('agent_name=!Calculator%20Bot', (c) => c.agent_name !== 'Calculator Bot');
    await pick('tag=eu', (c) => !!c.tags?.includes('eu'));
    await pick('metadata.team=search&status=error', (c) => c.team === 'search' && c.status === 'error');
    await pick('provider=openai', (c) => stored.get(c.id).provider === 'openai');
  });

  it('timeseries has one point per New York day, across the DST change, zeros where nothing happened', async () => {
    const tz = 'America/New_York';
    const r = await s.call(
      'GET',
      `/api/v1/analytics/timeseries?${range}&interval=day&tz=${tz}&metrics=calls,output_tokens,cost_usd,p95_duration_ms&model=gpt-4o`,
    );
    expect(r.status).toBe(200);
    const mine = calls.filter(inRange).filter((c) => c.model === 'gpt-4o');
    const days = new Set<string>();
    for (let t = FROM; t < ANCHOR; t += HOUR) days.add(dayIn(t, tz));
    expect(r.body.points.map((p: any) => p.date)).toEqual([...days]);
    for (const p of r.body.points) {
      const xs = mine.filter((c) => dayIn(ms(c), tz) === p.date);
      expect(p.calls, p.date).toBe(xs.length);
      expect(p.output_tokens).toBe(sum(xs, (c) => c.output_tokens));
      expect(p.cost_usd).toBeCloseTo(
        sum(xs, (c) => cost(c) ?? 0),
        8,
      );
      expect(p.p95_duration_ms).toBe(
        percentile(
          xs.map((c) => c.duration_ms).filter((d): d is number => d !== undefined),
          0.95,
        ),
      );
    }
    // 2026-11-01 lasts 25 hours in New York.
    const nov1 = r.body.points.findIndex((p: any) => p.date === '2026-11-01');
    expect(r.body.points[nov1 + 1].bucket - r.body.points[nov1].bucket).toBe(25 * HOUR);
  });

  it('timeseries by hour fills empty hours with zeros and null latency', async () => {
    const from = ANCHOR - DAY;
    const r = await s.call(
      'GET',
      `/api/v1/analytics/timeseries?from=${from}&to=${ANCHOR}&interval=hour&metrics=calls,avg_duration_ms&user_id=user-3`,
    );
    expect(r.body.points).toHaveLength(24);
    for (const p of r.body.points) {
      const xs = calls.filter((c) => c.user_id === 'user-3' && ms(c) >= p.bucket && ms(c) < p.bucket + HOUR);
      expect(p.calls).toBe(xs.length);
      if (xs.length === 0) expect(p.avg_duration_ms).toBeNull();
    }
  });

  it('breakdown gives the top N, an other row with the rest, and the total', async () => {
    const r = await s.call(
      'GET',
      `/api/v1/analytics/breakdown?${range}&by=model&limit=2&metrics=calls,total_tokens,cost_usd`,
    );
    expect(r.status).toBe(200);
    const xs = calls.filter(inRange);
    const counts = new Map<string, number>();
    for (const c of xs) counts.set(c.model, (counts.get(c.model) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 2);
    expect(r.body.rows.map((x: any) => [x.value, x.calls])).toEqual(top);
    const rest = xs.filter((c) => !top.some(([m]) => m === c.model));
    expect(r.body.other.calls).toBe(rest.length);
    expect(r.body.other.total_tokens).toBe(sum(rest, (c) => (c.input_tokens ?? 0) + (c.output_tokens ?? 0)));
    expect(r.body.total.calls).toBe(xs.length);
    const users = await s.call('GET', `/api/v1/analytics/breakdown?${range}&by=user_id&limit=100&order=cost_usd`);
    expect(users.body.other).toBeNull();
    expect(users.body.rows.find((x: any) => x.value === null).calls).toBe(xs.filter((c) => !c.user_id).length);
  });

  it('latency reports nearest-rank percentiles overall and per model', async () => {
    const r = await s.call('GET', `/api/v1/analytics/latency?${range}&by=model`);
    const xs = calls.filter(inRange);
    const d = (ys: RawCall[]) => ys.map((c) => c.duration_ms).filter((v): v is number => v !== undefined);
    expect(r.body.duration_ms.p99).toBe(percentile(d(xs), 0.99));
    expect(r.body.ttft_ms.p50).toBe(
      percentile(
        xs.map((c) => c.ttft_ms).filter((v): v is number => v !== undefined),
        0.5,
      ),
    );
    for (const g of r.body.groups)
      expect(g.duration_ms.p90).toBe(percentile(d(xs.filter((c) => c.model === g.value)), 0.9));
  });

  it('errors are grouped by type and normalised message with sample ids', async () => {
    const r = await s.call('GET', `/api/v1/analytics/errors?${range}`);
    const failed = calls.filter(inRange).filter((c) => c.status !== 'success');
    expect(r.body.errors).toBe(failed.length);
    expect(r.body.by_status).toEqual({
      error: failed.filter((c) => c.status === 'error').length,
      timeout: failed.filter((c) => c.status === 'timeout').length,
    });
    const groups = new Map<string, RawCall[]>();
    for (const c of failed) {
      const key = `${c.error_type}|${c.error_message!.replace(/[0-9]+/g, '<n>')}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    expect(r.body.groups).toHaveLength(groups.size);
    expect(sum(r.body.by_model, (m: any) => m.errors)).toBe(failed.length);
    for (const m of r.body.by_model) {
      const xs = calls.filter(inRange).filter((c) => c.model === m.model && stored.get(c.id).provider === m.provider);
      expect([m.calls, m.errors]).toEqual([xs.length, xs.filter((c) => c.status !== 'success').length]);
    }
    for (const g of r.body.groups) {
      const xs = groups.get(`${g.error_type}|${g.pattern}`)!;
      expect(g.count).toBe(xs.length);
      expect(g.last_seen).toBe(new Date(Math.max(...xs.map(ms))).toISOString());
      expect(g.sample_ids.length).toBe(Math.min(5, xs.length));
      for (const id of g.sample_ids) expect(xs.map((c) => c.id)).toContain(id);
    }
  });

  it('a session lists its calls in order with totals; an unknown session is 404', async () => {
    const id = 'session-7';
    const r = await s.call('GET', `/api/v1/analytics/sessions/${id}`);
    const xs = calls.filter((c) => c.session_id === id).sort((a, b) => ms(a) - ms(b) || a.id.localeCompare(b.id));
    expect(r.body.calls.map((c: any) => c.id)).toEqual(xs.map((c) => c.id));
    expectMetrics(r.body.totals, expectedMetrics(xs));
    expect(r.body.first_seen).toBe(xs[0]!.timestamp);
    expect((await s.call('GET', '/api/v1/analytics/sessions/nope')).status).toBe(404);
  });

  it("a user's page has totals, every UTC day, models and sessions", async () => {
    const r = await s.call('GET', `/api/v1/analytics/users/user-4?${range}`);
    const xs = calls.filter(inRange).filter((c) => c.user_id === 'user-4');
    expectMetrics(r.body.totals, expectedMetrics(xs));
    // Noon to noon over ten days touches eleven UTC days.
    expect(r.body.daily.map((d: any) => d.date)).toEqual(Array.from({ length: 11 }, (_, i) => dayIn(FROM + i * DAY)));
    for (const d of r.body.daily) expect(d.calls).toBe(xs.filter((c) => dayIn(ms(c)) === d.date).length);
    expect(sum(r.body.models, (m: any) => m.calls)).toBe(xs.length);
  });

  it('rejects bad parameters with a message that says what to send', async () => {
    const bad = async (q: string, text: RegExp) => {
      const r = await s.call('GET', `/api/v1/analytics/${q}`);
      expect(r.status, q).toBe(422);
      expect(r.body.error.message).toMatch(text);
    };
    await bad('summary?tz=Mars/Olympus', /IANA time zone/);
    await bad('summary?from=yesterday', /ISO 8601/);
    await bad('summary?from=2026-11-02&to=2026-11-01', /before to/);
    await bad('breakdown?by=colour', /must be one of provider, model/);
    await bad('timeseries?interval=fortnight', /hour, day, week, month/);
    await bad('timeseries?metrics=calls,vibes', /unknown values vibes/);
    await bad('timeseries?from=2000-01-01&interval=hour', /at most 5000/);
  });
});

describe('CORS', () => {
  it('answers a browser preflight only for the configured origins', async () => {
    const c = await startTestServer({ TALLY_CORS_ORIGINS: 'https://dash.example.com' });
    try {
      const preflight = (origin: string) =>
        fetch(`${c.url}/analytics/agent`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        });
      const ok = await preflight('https://dash.example.com');
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
      expect((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await c.stop();
    }
    const off = await s.call('GET', '/api/v1/analytics/summary', { headers: { origin: 'https://dash.example.com' } });
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
  });
});
