// What the analytics benchmark asks, and how it times the answers. Every endpoint gets a few realistic variants
// (time ranges of 1, 7 and 30 days ending at the newest event; users, sessions and agents that exist in the data),
// one warm-up pass, then `requests` sequential requests over one keep-alive connection, timed from send to the
// last byte of the answer. An endpoint whose path the server does not know is "missing", not a failure.
import { DAY_MS } from './analytics-data.js';
import { request } from './http-client.js';

export const TARGET_P95_MS = 100;
const WINDOWS = [1, 7, 30];

/** The endpoints to measure, grouped as the table shows them, for a data set described by its marker. */
export function endpointPlan(data) {
  const end = data.newest_ms + 1;
  const iso = (ms) => new Date(ms).toISOString();
  const range = (days) => `from=${iso(end - days * DAY_MS)}&to=${iso(end)}`;
  const ranges = (path, extra = '') =>
    WINDOWS.map((d) => `${path}${path.includes('?') ? '&' : '?'}${range(d)}${extra}`);
  const unixRange = (days) => `start=${Math.floor((end - days * DAY_MS) / 1000)}&end=${Math.ceil(end / 1000)}`;
  const q = encodeURIComponent;
  const users = data.picks.users.map((u) => q(u.id));
  const sessions = data.picks.sessions.map((s) => q(s.id));
  const agents = data.picks.agents.map((a) => `agent_name=${q(a.agent_name)}&agent_version=${q(a.agent_version)}`);
  const agentModel = `model=gpt-4o-mini&agent_name=${q(data.picks.agents[0].agent_name)}`;
  const native = '/api/v1/analytics';
  const seed000 = (path) => ({ group: 'seed 000', name: path, variants: agents.map((a) => `${path}?${a}&days=7`) });

  return [
    { group: 'native', name: '/summary', variants: ranges(`${native}/summary`) },
    { group: 'native', name: '/summary compare=previous', variants: ranges(`${native}/summary?compare=previous`) },
    {
      group: 'native',
      name: '/timeseries hour, 1 day',
      variants: ['', `&${agentModel}`, '&provider=anthropic'].map(
        (f) => `${native}/timeseries?interval=hour&${range(1)}${f}`,
      ),
    },
    {
      group: 'native',
      name: '/timeseries day, 30 days, New York',
      variants: ['', `&${agentModel}`, '&provider=anthropic'].map(
        (f) => `${native}/timeseries?interval=day&tz=America%2FNew_York&${range(30)}${f}`,
      ),
    },
    { group: 'native', name: '/breakdown by=model', variants: ranges(`${native}/breakdown?by=model`) },
    { group: 'native', name: '/breakdown by=user_id', variants: ranges(`${native}/breakdown?by=user_id`) },
    { group: 'native', name: '/latency', variants: ranges(`${native}/latency`) },
    { group: 'native', name: '/errors', variants: ranges(`${native}/errors`) },
    { group: 'native', name: '/events, first page', variants: ranges(`${native}/events?limit=100`) },
    {
      group: 'native',
      name: '/events, page via cursor',
      // The second page of each first page: the cursors come from the server, so they are fetched first.
      variants: async (get) => {
        const paths = [];
        for (const first of ranges(`${native}/events?limit=100`)) {
          const r = await get(first);
          if (r.status !== 200) return [first]; // measured as it answers: missing, or the error it gives
          const cursor = JSON.parse(r.text).next_cursor;
          if (cursor) paths.push(`${first}&cursor=${q(cursor)}`);
        }
        return paths;
      },
    },
    { group: 'native', name: '/sessions/{id}', variants: sessions.map((s) => `${native}/sessions/${s}`) },
    { group: 'native', name: '/users/{id}', variants: users.map((u) => `${native}/users/${u}?${range(30)}`) },
    seed000('/analytics/agent'),
    seed000('/activitytimeline'),
    seed000('/tokens-usage'),
    seed000('/total-tokens'),
    seed000('/detailed-usage'),
    seed000('/recentmessages'),
    {
      group: 'seed 001',
      name: '/api/v1/analytics/user/{id}',
      variants: users.map((u) => `${native}/user/${u}?days=30`),
    },
    {
      group: 'seed 001',
      name: '/api/v1/analytics/user/{id}/raw',
      variants: users.map((u) => `${native}/user/${u}/raw?days=7&limit=100`),
    },
    { group: 'seed 003', name: '/analytics/stats', variants: ['/analytics/stats'] },
    {
      group: 'seed 003',
      name: '/analytics/events',
      variants: WINDOWS.map((d) => `/analytics/events?${unixRange(d)}&limit=100`),
    },
    {
      group: 'seed 003',
      name: '/analytics/aggregate',
      variants: WINDOWS.map((d) => `/analytics/aggregate?${unixRange(d)}`),
    },
    { group: 'seed 004', name: '/api/v1/analytics/dashboard', variants: ranges(`${native}/dashboard`) },
    {
      group: 'seed 004',
      name: '/api/v1/analytics/requests/timeseries',
      variants: ranges(`${native}/requests/timeseries`),
    },
    { group: 'seed 004', name: '/api/v1/analytics/providers', variants: ranges(`${native}/providers`) },
    { group: 'seed 004', name: '/api/v1/analytics/logs/recent', variants: [`${native}/logs/recent?limit=100`] },
    {
      group: 'seed 004',
      name: '/api/v1/analytics/errors hours=',
      variants: [24, 168, 720].map((h) => `${native}/errors?hours=${h}`),
    },
  ];
}

/** True for the server's answer to a path it has no route for (as opposed to a route's own 404, e.g. no such session). */
export function isNoRoute(status, text) {
  return status === 404 && /there is no route|Route \w+:\S+ not found/.test(text);
}

/** Nearest-rank percentile of ascending numbers. */
export function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Times one endpoint: `requests` requests cycling through its variants, after one warm-up request per variant
 * (at most three). Resolves to `{ state: 'ok' | 'missing' | 'failed', p50_ms, p95_ms, max_ms, bytes, … }`.
 */
export async function measureEndpoint({ agent, baseUrl, endpoint, requests }) {
  const get = (path) => request(agent, baseUrl, 'GET', path);
  const base = { group: endpoint.group, name: endpoint.name };
  const variants = typeof endpoint.variants === 'function' ? await endpoint.variants(get) : endpoint.variants;
  if (variants.length === 0) return { ...base, state: 'failed', detail: 'no variant to ask (no data in range?)' };
  const warm = await get(variants[0]);
  if (isNoRoute(warm.status, warm.text)) return { ...base, state: 'missing', example: variants[0] };
  for (const path of variants.slice(1, 3)) await get(path);

  const times = [];
  const sizes = [];
  const failures = [];
  for (let k = 0; k < requests; k++) {
    const path = variants[k % variants.length];
    const t0 = performance.now();
    const r = await get(path);
    times.push(performance.now() - t0);
    sizes.push(Buffer.byteLength(r.text));
    if (r.status !== 200) failures.push(`${r.status} ${path}: ${r.text.slice(0, 300)}`);
  }
  times.sort((a, b) => a - b);
  sizes.sort((a, b) => a - b);
  return {
    ...base,
    state: failures.length === 0 ? 'ok' : 'failed',
    requests,
    variants: variants.length,
    example: variants[0],
    p50_ms: percentile(times, 50),
    p95_ms: percentile(times, 95),
    max_ms: times[times.length - 1],
    bytes: percentile(sizes, 50),
    failed_requests: failures.length,
    ...(failures.length > 0 ? { detail: failures[0] } : {}),
  };
}
