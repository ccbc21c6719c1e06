import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DIMENSIONS, NUMERIC_METRICS } from '@tally/core';
import { Agent, fetch as streamFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { generateCalls, ingest, ms, type RawCall } from './dataset.js';
import { ADMIN, startTestServerOn, tempDir, type TestServer } from './helpers.js';
import { aliceRuns, nestedTraces, pydanticRun, PYDANTIC_SCOPE } from './otlp-fixtures.js';
import { exportSpans, otlpExporter, recordSpans } from './otlp-sdk.js';

/**
 * The same calls, sent through the HTTP API to a Tally server on DuckDB and to one on PostgreSQL, must give the
 * same answers on every analytics route, byte for byte where the answer is a file. The routes come from the
 * OpenAPI document: a new analytics route fails here until it has parameter sets below.
 *
 * The clock of this process (where both servers run) stands still at NOW while they ingest and answer, so that
 * `ingested_at` and every range that ends "now" are the same instant on both.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Math.floor(Date.now() / 1000) * 1000;
const iso = (t: number) => new Date(t).toISOString();
const NY = 'America/New_York';
/** Half-hour offset: local days and hours that are not whole UTC hours. */
const KOLKATA = 'Asia/Kolkata';

/**
 * Fields that are allowed to differ, and why. Nothing else in a body is ignored (times such as `generated_at` need
 * not be: the clock stands still). Of the headers, only the type of the answer and a file's name are compared.
 * - `backend_type` (seed 003's /analytics/stats): the name of the store, `duckdb` or `postgres`;
 * - `request_id` (error answers): a new id for every request.
 */
const IGNORED_FIELDS = ['backend_type', 'request_id'] as const;

/** The analytics routes of the OpenAPI document: every GET under the analytics, seed and export paths or tags. */
const spec = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { tags?: string[] }>>;
};
const ANALYTICS_ROUTES = Object.entries(spec.paths)
  .filter(([path, ops]) => {
    const get = ops['get'];
    if (!get) return false;
    const tags = get.tags ?? [];
    return (
      path.startsWith('/api/v1/analytics') ||
      path.startsWith('/analytics') ||
      tags.some((t) => t.startsWith('seed-') || t === 'analytics' || t === 'export')
    );
  })
  .map(([path]) => path);

// ---------------------------------------------------------------------------------------------------------------
// The data set: the analytics correctness calls of dataset.ts, and a few that make edges of their own.

const calls: RawCall[] = [
  ...generateCalls(NOW, { count: 900, days: 40, seed: 23, idPrefix: 'eq-' }),
  // Two calls at one instant: every order must break the tie by id the same way.
  { id: 'tie-b', timestamp: iso(NOW - 5 * HOUR), model: 'gpt-4o', session_id: 'session-tie', user_id: 'user-1' },
  { id: 'tie-a', timestamp: iso(NOW - 5 * HOUR), model: 'gpt-4o', session_id: 'session-tie', user_id: 'user-1' },
  // Text that sorts differently by byte and by language rules, and needs quoting in CSV.
  {
    id: 'text-1',
    timestamp: iso(NOW - 7 * HOUR),
    model: 'Zeta-Model',
    provider: 'openai',
    agent_name: 'agent_Under score',
    user_id: 'User-Upper',
    session_id: 'session-Z',
    status: 'error',
    error_type: 'APIError',
    error_message: 'he said "hi", then\nleft, and a CR LF\r\nfollowed; id 0123456789abcdef0123',
    tags: ['x,y', 'q"t', 'Ünïcödé'],
    input_text: 'a, "b"\nc',
    output_text: 'ok 👍 done',
    team: 'Search',
  },
  {
    id: 'text-2',
    timestamp: iso(NOW - 8 * HOUR),
    model: 'alpha-model',
    provider: 'openai',
    agent_name: 'agent-dash',
    user_id: 'user-lower',
    session_id: 'session-a',
    team: 'search',
    cost_usd: 0.000001,
  },
];
const otherCalls = generateCalls(NOW, { count: 150, days: 40, seed: 99, idPrefix: 'ot-' });
const logs = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'INFO', 'ERROR'].map((level, i) => ({
  id: `log-${i}`,
  timestamp: iso(NOW - (i + 1) * 37 * 60_000),
  level,
  message: `message ${i}`,
  ...(i % 2 === 0 ? { attributes: { attempt: i } } : {}),
}));

/**
 * Agent runs with the model calls beneath them, as OpenTelemetry traces: the calls take their agent, session and
 * user from the run. Made once, so that both servers get the very same spans.
 */
async function agentTraces(): Promise<ReadableSpan[]> {
  const { runs, bob } = aliceRuns(NOW);
  const pydantic = await recordSpans(
    { 'service.name': 'eq-agents' },
    PYDANTIC_SCOPE,
    [...runs, ...bob].map(pydanticRun),
  );
  const nested = await recordSpans({ 'service.name': 'eq-nested' }, { name: 'eq-app' }, nestedTraces(NOW - 2 * DAY));
  return [...pydantic.spans, ...nested.spans];
}

/** Sends the data set to one server. */
async function load(s: TestServer, spans: readonly ReadableSpan[]): Promise<void> {
  expect((await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id: 'other', name: 'Other' } })).status).toBe(
    201,
  );
  await ingest(s.call, calls, { key: ADMIN, project: 'default' });
  await ingest(s.call, otherCalls, { key: ADMIN, project: 'other' });
  const logged = await s.call('POST', '/api/v1/ingest/app', { key: ADMIN, body: { logs } });
  expect(logged.body.accepted).toBe(logs.length);
  await exportSpans(
    otlpExporter('json', s.url, { authorization: `Bearer ${ADMIN}`, 'x-tally-project': 'default' }),
    spans,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// What is asked: parameter sets for every analytics route, keyed by the OpenAPI path.

/** One request: a path with its query, to the default project unless another is named. */
type Ask = string | { path: string; project: string };

const FROM = NOW - 14 * DAY;
const range = `from=${iso(FROM)}&to=${iso(NOW)}`;
const wide = `from=${iso(NOW - 45 * DAY)}&to=${iso(NOW)}`;
const byDay = (t: number) => `from=${iso(t)}&to=${iso(t + DAY)}`;
const filters = [
  '',
  'model=gpt-4o,claude-sonnet-4-5',
  'agent_name=!Calculator%20Bot',
  'tag=eu',
  'metadata.team=search&status=error',
  'provider=openai&status=success,timeout',
  'user_id=!user-1,user-2&session_id=!session-3',
];
const withQuery = (path: string, ...parts: string[]) => {
  const q = parts.filter(Boolean).join('&');
  return q ? `${path}?${q}` : path;
};
const seconds = (t: number) => Math.floor(t / 1000);
const agents = [
  'agent_name=Calculator%20Bot&agent_version=1.0.0',
  'agent_name=Calculator%20Bot&agent_version=2.0.0',
  'agent_name=Customer%20Support%20Agent&agent_version=1.0.0',
  // From the agent traces: calls that inherit their agent from the run above them.
  'agent_name=planner&agent_version=1.0.0',
];
/** Every allowed number of days for each agent, half of them in New York, and an agent with no calls (404). */
const seed000 = (path: string, withLimit = false) => [
  ...agents.flatMap((agent, i) =>
    [1, 2, 7, 15, 20].map((days) =>
      withQuery(path, agent, `days=${days}`, i % 2 ? `tz=${NY}` : '', withLimit && days === 7 ? 'limit=5' : ''),
    ),
  ),
  withQuery(path, 'agent_name=Nobody&agent_version=0.0.0&days=7'),
];

const CASES: Record<string, Ask[]> = {
  '/api/v1/analytics/summary': [
    ...filters.map((f) => withQuery('/api/v1/analytics/summary', range, 'compare=previous', f)),
    withQuery('/api/v1/analytics/summary', `hours=48&to=${iso(NOW - 3 * DAY)}`, `tz=${NY}`),
    withQuery('/api/v1/analytics/summary', wide),
    withQuery('/api/v1/analytics/summary', byDay(NOW - 400 * DAY), 'compare=previous'),
    { path: withQuery('/api/v1/analytics/summary', range, 'compare=previous'), project: 'other' },
  ],
  '/api/v1/analytics/timeseries': [
    ...(['hour', 'day', 'week', 'month'] as const).flatMap((interval) =>
      ['UTC', NY, KOLKATA].map((tz) =>
        withQuery(
          '/api/v1/analytics/timeseries',
          interval === 'hour' ? `from=${iso(NOW - 3 * DAY)}&to=${iso(NOW)}` : wide,
          `interval=${interval}`,
          `tz=${tz}`,
          `metrics=${NUMERIC_METRICS.join(',')}`,
        ),
      ),
    ),
    ...['model', 'provider', 'agent_name', 'user_id', 'status_code', 'api_key_label'].map((by, i) =>
      withQuery(
        '/api/v1/analytics/timeseries',
        range,
        'interval=day',
        `tz=${i % 2 ? NY : 'UTC'}`,
        `by=${by}`,
        filters[i]!,
      ),
    ),
    withQuery('/api/v1/analytics/timeseries', range, 'by=model&limit=2&metrics=calls,cost_usd,p95_duration_ms'),
    withQuery('/api/v1/analytics/timeseries', `hours=30&to=${iso(NOW)}`),
    withQuery('/api/v1/analytics/timeseries', range, 'tag=beta&metadata.team=ads'),
  ],
  '/api/v1/analytics/breakdown': [
    ...DIMENSIONS.map((by, i) =>
      withQuery(
        '/api/v1/analytics/breakdown',
        wide,
        `by=${by}`,
        i % 3 === 0 ? `metrics=${NUMERIC_METRICS.join(',')}` : '',
      ),
    ),
    withQuery('/api/v1/analytics/breakdown', range, 'by=model&order=cost_usd&direction=asc&limit=3'),
    withQuery('/api/v1/analytics/breakdown', range, 'by=user_id&order=p95_duration_ms&limit=4&metrics=calls,users'),
    withQuery('/api/v1/analytics/breakdown', range, 'by=session_id&order=total_tokens&direction=desc&limit=1000'),
    withQuery('/api/v1/analytics/breakdown', range, 'by=agent_name&tag=eu'),
    withQuery('/api/v1/analytics/breakdown', range, 'by=provider&metadata.team=search'),
    withQuery('/api/v1/analytics/breakdown', range, 'by=error_type&status=!success'),
    withQuery('/api/v1/analytics/breakdown', range, 'by=model&limit=2&order=errors'),
    { path: withQuery('/api/v1/analytics/breakdown', wide, 'by=user_id'), project: 'other' },
  ],
  '/api/v1/analytics/latency': [
    withQuery('/api/v1/analytics/latency', range),
    withQuery('/api/v1/analytics/latency', range, 'by=agent_name&interval=day', `tz=${NY}`),
    withQuery('/api/v1/analytics/latency', `from=${iso(NOW - 2 * DAY)}&to=${iso(NOW)}`, 'by=provider&interval=hour'),
    withQuery('/api/v1/analytics/latency', wide, 'by=user_id&interval=week&limit=3', `tz=${KOLKATA}`),
    withQuery('/api/v1/analytics/latency', range, 'by=model&interval=month&tag=beta'),
  ],
  '/api/v1/analytics/errors': [
    withQuery('/api/v1/analytics/errors', wide),
    withQuery('/api/v1/analytics/errors', range, 'limit=3', `tz=${NY}`),
    withQuery('/api/v1/analytics/errors', range, 'model=gpt-4o&tag=beta'),
    withQuery('/api/v1/analytics/errors', `hours=24&to=${iso(NOW)}`),
  ],
  '/api/v1/analytics/events': [
    withQuery('/api/v1/analytics/events', 'from=0', 'limit=137'),
    withQuery('/api/v1/analytics/events', range, 'limit=50', 'model=gpt-4o,Zeta-Model'),
    withQuery('/api/v1/analytics/events', range, 'limit=25', 'tag=eu&metadata.team=search'),
    withQuery('/api/v1/analytics/events', 'limit=1000', 'status=!success'),
    withQuery('/api/v1/analytics/events', 'cursor=nonsense'),
    { path: withQuery('/api/v1/analytics/events', 'from=0', 'limit=60'), project: 'other' },
  ],
  '/api/v1/events/{id}': ['eq-00000', 'eq-00421', 'tie-a', 'text-1', 'text-2', 'no-such-call'].map(
    (id) => `/api/v1/events/${id}`,
  ),
  '/api/v1/analytics/sessions/{id}': [
    '/api/v1/analytics/sessions/session-3',
    '/api/v1/analytics/sessions/session-7?limit=4',
    '/api/v1/analytics/sessions/session-tie?limit=1',
    '/api/v1/analytics/sessions/session-Z',
    '/api/v1/analytics/sessions/c-1',
    '/api/v1/analytics/sessions/conv-plan?limit=2',
    '/api/v1/analytics/sessions/no-such-session',
  ],
  '/api/v1/analytics/users/{id}': [
    withQuery('/api/v1/analytics/users/user-1', range),
    withQuery('/api/v1/analytics/users/user-4', wide, `tz=${NY}`),
    withQuery('/api/v1/analytics/users/User-Upper', range, `tz=${KOLKATA}`),
    withQuery('/api/v1/analytics/users/u-alice', range, `tz=${NY}`),
    withQuery('/api/v1/analytics/users/u-ooo', range),
    withQuery('/api/v1/analytics/users/no-such-user', range),
  ],
  '/api/v1/export': [
    ...(['csv', 'json', 'ndjson', 'parquet'] as const).flatMap((format) => [
      `/api/v1/export?format=${format}`,
      withQuery('/api/v1/export', `format=${format}`, range, 'tag=beta'),
    ]),
    withQuery('/api/v1/export', 'format=csv&header=false', 'model=gpt-4o'),
    withQuery('/api/v1/export', 'format=ndjson', `after=${NOW - 5 * HOUR},tie-a`),
    withQuery('/api/v1/export', 'format=json', 'metadata.team=search&status=error'),
    { path: '/api/v1/export?format=csv', project: 'other' },
  ],
  '/api/v1/live': [withQuery('/api/v1/live', 'model=gpt-4o'), '/api/v1/live'],
  // Seed 000: agent analytics over the last N days, ending now.
  '/analytics/agent': seed000('/analytics/agent'),
  '/activitytimeline': seed000('/activitytimeline'),
  '/tokens-usage': seed000('/tokens-usage'),
  '/total-tokens': seed000('/total-tokens'),
  '/detailed-usage': seed000('/detailed-usage', true),
  '/recentmessages': seed000('/recentmessages', true),
  // Seed 001: per-user analytics.
  '/api/v1/analytics/user/{user_id}': ['user-1', 'user-5', 'User-Upper', 'u-alice', 'nobody'].flatMap((u) => [
    `/api/v1/analytics/user/${u}`,
    `/api/v1/analytics/user/${u}?days=7`,
  ]),
  '/api/v1/analytics/user/{user_id}/raw': ['user-1', 'user-5', 'nobody'].flatMap((u) => [
    `/api/v1/analytics/user/${u}/raw`,
    `/api/v1/analytics/user/${u}/raw?days=30&limit=40`,
  ]),
  // Seed 003: the gateway's analytics API, in Unix seconds.
  '/analytics/stats': ['/analytics/stats', { path: '/analytics/stats', project: 'other' }],
  '/analytics/events': [
    '/analytics/events',
    `/analytics/events?start=${seconds(NOW - 50 * HOUR)}&end=${seconds(NOW)}&limit=20`,
    `/analytics/events?start=${seconds(NOW - 40 * DAY)}&limit=10000`,
  ],
  '/analytics/aggregate': [
    '/analytics/aggregate',
    `/analytics/aggregate?start=${seconds(NOW - 50 * HOUR)}&end=${seconds(NOW)}`,
    `/analytics/aggregate?start=${seconds(NOW - 40 * DAY)}`,
  ],
  '/analytics/export': [
    '/analytics/export',
    `/analytics/export?start=${seconds(NOW - 3 * DAY)}&format=csv`,
    `/analytics/export?start=${seconds(NOW - 40 * DAY)}&end=${seconds(NOW - DAY)}&format=json`,
  ],
  // Seed 004: the dashboard's analytics.
  '/api/v1/analytics/dashboard': [
    '/api/v1/analytics/dashboard',
    withQuery('/api/v1/analytics/dashboard', range),
    withQuery('/api/v1/analytics/dashboard', 'hours=72', 'model=gpt-4o-mini'),
    withQuery('/api/v1/analytics/dashboard', byDay(NOW - 400 * DAY)),
  ],
  '/api/v1/analytics/requests/timeseries': [
    '/api/v1/analytics/requests/timeseries',
    withQuery('/api/v1/analytics/requests/timeseries', 'hours=48', `tz=${NY}`),
    withQuery('/api/v1/analytics/requests/timeseries', range, 'interval=day', `tz=${KOLKATA}`),
    withQuery('/api/v1/analytics/requests/timeseries', range, 'interval=hour', 'tag=eu'),
  ],
  '/api/v1/analytics/providers': [
    '/api/v1/analytics/providers',
    withQuery('/api/v1/analytics/providers', wide),
    withQuery('/api/v1/analytics/providers', range, 'status=error'),
  ],
  '/api/v1/analytics/logs/recent': [
    '/api/v1/analytics/logs/recent',
    '/api/v1/analytics/logs/recent?limit=3',
    '/api/v1/analytics/logs/recent?level=ERROR',
    '/api/v1/analytics/logs/recent?hours=2',
  ],
};

// ---------------------------------------------------------------------------------------------------------------
// Asking both servers.

let duck: TestServer;
let pg: TestServer;

interface Answer {
  status: number;
  /** The headers a client acts on: the type of the answer and the name of a file. */
  headers: { 'content-type': string | null; 'content-disposition': string | null };
  body: Buffer;
}

async function ask(s: TestServer, ask: Ask): Promise<Answer> {
  const { path, project } = typeof ask === 'string' ? { path: ask, project: 'default' } : ask;
  const r = await fetch(`${s.url}${path}`, {
    headers: { authorization: `Bearer ${ADMIN}`, 'x-tally-project': project },
  });
  return {
    status: r.status,
    headers: {
      'content-type': r.headers.get('content-type'),
      'content-disposition': r.headers.get('content-disposition'),
    },
    body: Buffer.from(await r.arrayBuffer()),
  };
}

/** A JSON answer with the fields in IGNORED_FIELDS removed, wherever they are. */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !(IGNORED_FIELDS as readonly string[]).includes(k))
        .map(([k, v]) => [k, comparable(v)]),
    );
  }
  return value;
}

/** The columns (names and types) and rows of a Parquet file, as DuckDB reads them (64-bit integers as text). */
async function parquetRows(body: Buffer): Promise<{ columns: unknown[]; rows: unknown[] }> {
  const path = join(tempDir('tally-eq-'), 'calls.parquet');
  writeFileSync(path, body);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const file = `read_parquet('${path.replace(/'/g, "''")}')`;
    const columns = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${file}`)).getRowObjectsJson();
    const rows = (await conn.runAndReadAll(`SELECT * FROM ${file}`)).getRowObjectsJson();
    return { columns, rows };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Routes whose answers are files: a JSON file must be the same bytes, not only the same values. */
const FILE_ROUTES = ['/api/v1/export', '/analytics/export'];

/** Asks both servers the same question and expects the same answer. */
async function expectSameAnswer(question: Ask): Promise<Answer> {
  const [a, b] = await Promise.all([ask(duck, question), ask(pg, question)]);
  const label = typeof question === 'string' ? question : `${question.path} (project ${question.project})`;
  expect({ status: b.status, headers: b.headers }, label).toEqual({ status: a.status, headers: a.headers });
  const type = a.headers['content-type'] ?? '';
  const file = FILE_ROUTES.includes((typeof question === 'string' ? question : question.path).split('?')[0]!);
  if (type.startsWith('application/json') && !(file && a.status === 200)) {
    expect(comparable(JSON.parse(b.body.toString('utf8'))), label).toEqual(
      comparable(JSON.parse(a.body.toString('utf8'))),
    );
  } else if (type.startsWith('application/vnd.apache.parquet')) {
    expect(await parquetRows(b.body), label).toEqual(await parquetRows(a.body));
  } else {
    // CSV, NDJSON and JSON files, and any other text: the very same bytes.
    expect(b.body.toString('utf8'), label).toBe(a.body.toString('utf8'));
    expect(b.body.equals(a.body), label).toBe(true);
  }
  return a;
}

/** Follows `next_cursor` from a first page to the last, on both servers, comparing every page; the first answer. */
async function expectSamePages(first: Ask): Promise<Answer> {
  const { path, project } = typeof first === 'string' ? { path: first, project: 'default' } : first;
  const firstAnswer = await expectSameAnswer(first);
  let answer = firstAnswer;
  for (;;) {
    const next = answer.status === 200 ? (JSON.parse(answer.body.toString('utf8')).next_cursor as string | null) : null;
    if (!next) return firstAnswer;
    const url = new URL(path, 'http://tally.invalid');
    url.searchParams.set('cursor', next);
    answer = await expectSameAnswer({ path: `${url.pathname}${url.search}`, project });
  }
}

/**
 * A live stream opened on both servers: each gets the same new call (and one the filter drops), and the first
 * frames they send, up to that call, must be the same.
 */
async function expectSameLive(question: Ask): Promise<string[]> {
  const path = typeof question === 'string' ? question : question.path;
  const id = `live-${path.length}-${path.includes('?') ? 'f' : 'a'}`;
  const frames = await Promise.all(
    [duck, pg].map(async (s) => {
      const controller = new AbortController();
      // A connection of its own, closed with the stream: an aborted stream must not stay in a shared pool, where
      // it would hold the server's shutdown.
      const dispatcher = new Agent({ connections: 1 });
      const r = await streamFetch(`${s.url}${path}`, {
        headers: { authorization: `Bearer ${ADMIN}`, 'x-tally-project': 'live' },
        signal: controller.signal,
        dispatcher,
      });
      expect(r.status).toBe(200);
      const reader = r.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const read = async (until: string) => {
        while (!text.includes(until)) {
          const chunk = await reader.read();
          if (chunk.done) throw new Error(`the live stream ended before ${until}`);
          text += decoder.decode(chunk.value, { stream: true });
        }
      };
      await read('event: ready');
      await ingest(
        s.call,
        [
          { id: `${id}-skipped`, timestamp: iso(NOW - 60_000), model: 'claude-sonnet-4-5', input_tokens: 3 },
          { id, timestamp: iso(NOW - 30_000), model: 'gpt-4o', input_tokens: 5, output_tokens: 7, tags: ['live'] },
        ],
        { key: ADMIN, project: 'live' },
      );
      await read(`id: ${id}\n`);
      await read('\n\n');
      controller.abort();
      await dispatcher.destroy();
      // Keep-alive comments come on a timer; only events count.
      return text
        .split('\n\n')
        .filter((block) => block && !block.startsWith(':'))
        .map((block) => block.replace(/^:.*\n/gm, ''));
    }),
  );
  expect(frames[1], path).toEqual(frames[0]);
  return frames[0]!;
}

beforeAll(async () => {
  const spans = await agentTraces();
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
  // Every answer comes from the store: the query cache is off.
  const env = { TALLY_QUERY_CACHE_SECONDS: '0' };
  [duck, pg] = await Promise.all([startTestServerOn('duckdb', env), startTestServerOn('postgres', env)]);
  await Promise.all([load(duck, spans), load(pg, spans)]);
  for (const s of [duck, pg]) {
    expect((await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id: 'live', name: 'Live' } })).status).toBe(
      201,
    );
  }
}, 180_000);
afterAll(async () => {
  vi.useRealTimers();
  await Promise.all([duck?.stop(), pg?.stop()]);
});

describe('DuckDB and PostgreSQL give the same answers', () => {
  it('runs on the two backends, with the whole data set in each', async () => {
    const [a, b] = await Promise.all([duck.call('GET', '/api/v1/status'), pg.call('GET', '/api/v1/status')]);
    expect([a.body.store.kind, b.body.store.kind]).toEqual(['duckdb', 'postgres']);
    expect(await pg.ctx.store.stats('default')).toEqual(await duck.ctx.store.stats('default'));
    // The generated calls and the model calls of the agent traces.
    expect((await duck.ctx.store.stats('default')).calls).toBeGreaterThan(calls.length);
    expect(calls.some((c) => ms(c) < NOW - 30 * DAY)).toBe(true);
  });

  it('has parameter sets for every analytics, seed and export route of the OpenAPI document', () => {
    const missing = ANALYTICS_ROUTES.filter((r) => !(CASES[r]?.length ?? 0));
    expect(missing, 'add parameter sets for these routes to CASES').toEqual([]);
    const unknown = Object.keys(CASES).filter((r) => !ANALYTICS_ROUTES.includes(r));
    expect(unknown, 'these CASES name no analytics route of openapi.json').toEqual([]);
  });

  for (const route of ANALYTICS_ROUTES) {
    it(`GET ${route}`, async () => {
      const questions = CASES[route] ?? [];
      expect(questions.length, `GET ${route} has no parameter set in CASES`).toBeGreaterThan(0);
      let answered = 0;
      for (const question of questions) {
        if (route === '/api/v1/live') {
          if ((await expectSameLive(question)).some((f) => f.includes('event: call'))) answered++;
          continue;
        }
        const paged = route === '/api/v1/analytics/events' || route === '/api/v1/analytics/sessions/{id}';
        const a = paged ? await expectSamePages(question) : await expectSameAnswer(question);
        if (a.status === 200 && a.body.length > 0) answered++;
      }
      // Equal answers prove little if they are all errors: most questions have data to answer with.
      expect(answered, `GET ${route}: questions answered with data`).toBeGreaterThan(questions.length / 2);
    }, 120_000);
  }
});
