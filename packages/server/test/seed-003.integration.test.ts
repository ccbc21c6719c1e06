import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';
import { generateCalls, ingest, ms, sum, type RawCall } from './dataset.js';

/**
 * Seed 003's analytics API (/analytics/events, /aggregate, /export) against numbers computed here from the raw
 * calls. The data ends just before now, because the seed's default ranges end now.
 */
const HOUR = 3_600_000;
const NOW = Date.now();
const START = Math.floor((NOW - 50 * HOUR) / 1000);
const END = Math.floor(NOW / 1000);
const range = `start=${START}&end=${END}`;
const inRange = (c: RawCall) => ms(c) >= START * 1000 && ms(c) < END * 1000;
const newestFirst = (a: RawCall, b: RawCall) => ms(b) - ms(a) || (a.id < b.id ? 1 : -1);

/** A call a gateway recorded with everything seed 003 knows, including fields Tally keeps in metadata. */
const gateway = {
  id: 'gw-1',
  timestamp: new Date(NOW - 5 * 60_000 + 250).toISOString(),
  provider: 'openai',
  model: 'gpt-4o',
  endpoint: '/v1/chat/completions,"beta"',
  method: 'POST',
  stream: true,
  request_bytes: 256,
  response_bytes: 512,
  message_count: 3,
  input_tokens: 42,
  output_tokens: 128,
  user_agent: 'curl/7.64.1',
  client_ip: '192.168.1.100',
  status: 'success',
  status_code: 200,
  duration_ms: 1247,
  ttft_ms: 80,
  upstream_ms: 1200,
  api_key_id: 'key_abc123',
  api_key_label: 'production-key',
  backend: 'openai',
  upstream_mode: 'chat',
  metadata: { auth_method: 'bearer', mcp_enabled: true, mcp_servers: ['files', 'search'], system_prompt_applied: true },
};
/** A failed call that says nothing about the gateway. */
const bare = {
  id: 'bare-1',
  timestamp: new Date(NOW - 4 * 60_000).toISOString(),
  model: 'gpt-4o-mini',
  status: 'error',
  error_message: 'upstream said no',
};

let s: TestServer;
let calls: RawCall[];

/** An RFC 4180 reader written for this test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += ch;
    }
  }
  return rows;
}

const get = (path: string, project?: string) =>
  s.call('GET', path, project ? { headers: { 'x-tally-project': project } } : {});

beforeAll(async () => {
  s = await startTestServer();
  calls = generateCalls(NOW, { count: 500, days: 3, idPrefix: 's3-' });
  await ingest(s.call, calls);
  for (const body of [gateway, bare]) expect((await s.call('POST', '/api/v1/ingest/llm', { body })).status).toBe(201);
  calls.push(gateway as RawCall, bare as RawCall);
  for (const id of ['other', 'big']) {
    expect((await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } })).status).toBe(201);
  }
  await ingest(s.call, generateCalls(NOW, { count: 300, days: 3, seed: 3, idPrefix: 'o-' }), { project: 'other' });
});
afterAll(async () => {
  await s.stop();
});

describe('GET /analytics/events', () => {
  it('lists the calls of a range newest first, with count, start and end', async () => {
    const r = await get(`/analytics/events?${range}&limit=10000`);
    expect(r.status).toBe(200);
    const expected = calls.filter(inRange).sort(newestFirst);
    expect(r.body.count).toBe(expected.length);
    expect(r.body.events.map((e: any) => e.id)).toEqual(expected.map((c) => c.id));
    expect(r.body.start).toBe(START);
    expect(r.body.end).toBe(END);
    const limited = await get(`/analytics/events?${range}&limit=7`);
    expect(limited.body.events.map((e: any) => e.id)).toEqual(expected.slice(0, 7).map((c) => c.id));
    expect(limited.body.count).toBe(7);
  });

  it('defaults to the last hour and 1000 events', async () => {
    const r = await get('/analytics/events');
    expect(r.body.end - r.body.start).toBe(3600);
    expect(Math.abs(r.body.end * 1000 - Date.now())).toBeLessThan(60_000);
    const expected = calls.filter((c) => ms(c) >= r.body.start * 1000 && ms(c) < r.body.end * 1000);
    expect(r.body.count).toBe(Math.min(1000, expected.length));
    expect(r.body.events.map((e: any) => e.id).sort()).toEqual(expected.map((c) => c.id).sort());
  });

  it("renders a call in the seed's nested shape, gateway fields from metadata", async () => {
    const r = await get(`/analytics/events?${range}`);
    expect(r.body.events.find((e: any) => e.id === 'gw-1')).toEqual({
      id: 'gw-1',
      timestamp: Math.floor(ms(gateway as RawCall) / 1000),
      request: {
        endpoint: '/v1/chat/completions,"beta"',
        method: 'POST',
        model: 'gpt-4o',
        stream: true,
        size_bytes: 256,
        message_count: 3,
        input_tokens: 42,
        user_agent: 'curl/7.64.1',
        client_ip: '192.168.1.100',
      },
      response: { status_code: 200, size_bytes: 512, output_tokens: 128, success: true, error_message: null },
      performance: { duration_ms: 1247, ttfb_ms: 80, upstream_duration_ms: 1200 },
      auth: { authenticated: true, api_key_id: 'key_abc123', api_key_label: 'production-key', auth_method: 'bearer' },
      routing: {
        backend: 'openai',
        upstream_mode: 'chat',
        mcp_enabled: true,
        mcp_servers: ['files', 'search'],
        system_prompt_applied: true,
      },
    });
  });

  it('gives neutral values for what a call did not record', async () => {
    const r = await get(`/analytics/events?${range}`);
    const e = r.body.events.find((x: any) => x.id === 'bare-1');
    expect(e.request).toEqual({
      endpoint: null,
      method: null,
      model: 'gpt-4o-mini',
      stream: false,
      size_bytes: null,
      message_count: null,
      input_tokens: null,
      user_agent: null,
      client_ip: null,
    });
    expect(e.response).toEqual({
      status_code: null,
      size_bytes: null,
      output_tokens: null,
      success: false,
      error_message: 'upstream said no',
    });
    expect(e.auth).toEqual({ authenticated: false, api_key_id: null, api_key_label: null, auth_method: null });
    expect(e.routing).toEqual({
      backend: null,
      upstream_mode: null,
      mcp_enabled: false,
      mcp_servers: [],
      system_prompt_applied: false,
    });
  });
});

describe('GET /analytics/aggregate', () => {
  it('totals a range and counts calls per model, endpoint and backend', async () => {
    const r = await get(`/analytics/aggregate?${range}`);
    expect(r.status).toBe(200);
    const xs = calls.filter(inRange);
    const failed = xs.filter((c) => c.status !== 'success').length;
    const durations = xs.map((c) => c.duration_ms).filter((d): d is number => d !== undefined);
    const countBy = (key: 'model' | 'endpoint' | 'backend') => {
      const out: Record<string, number> = {};
      for (const c of xs) if (c[key] !== undefined) out[c[key]!] = (out[c[key]!] ?? 0) + 1;
      return out;
    };
    expect(Object.keys(r.body)).toEqual([
      'total_requests',
      'successful_requests',
      'failed_requests',
      'total_input_tokens',
      'total_output_tokens',
      'avg_duration_ms',
      'models_used',
      'endpoints_hit',
      'backends_used',
      'period_start',
      'period_end',
    ]);
    expect(r.body).toMatchObject({
      total_requests: xs.length,
      successful_requests: xs.length - failed,
      failed_requests: failed,
      total_input_tokens: sum(xs, (c) => c.input_tokens),
      total_output_tokens: sum(xs, (c) => c.output_tokens),
      models_used: countBy('model'),
      endpoints_hit: countBy('endpoint'),
      backends_used: countBy('backend'),
      period_start: START,
      period_end: END,
    });
    expect(r.body.avg_duration_ms).toBeCloseTo(durations.reduce((a, b) => a + b, 0) / durations.length, 4);
  });

  it("counts only the caller's project", async () => {
    const r = await get(`/analytics/aggregate?${range}`, 'nobody');
    expect(r.body).toMatchObject({ total_requests: 0, models_used: {}, avg_duration_ms: 0 });
    const other = await get(`/analytics/aggregate?${range}`, 'other');
    const theirs = generateCalls(NOW, { count: 300, days: 3, seed: 3, idPrefix: 'o-' }).filter(inRange);
    expect(other.body.total_requests).toBe(theirs.length);
  });
});

describe('GET /analytics/export', () => {
  it('streams CSV with the seed columns, a header row and RFC 4180 quoting', async () => {
    const res = await fetch(`${s.url}/analytics/export?${range}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="tally-analytics-${START}-${END}.csv"`);
    const text = await res.text();
    expect(text.split('\r\n')[0]).toBe(
      'id,timestamp,endpoint,method,model,stream,status_code,success,duration_ms,input_tokens,output_tokens,backend,upstream_mode',
    );
    expect(text).toContain('"/v1/chat/completions,""beta"""');
    const rows = parseCsv(text);
    const expected = calls.filter(inRange).sort((a, b) => -newestFirst(a, b));
    expect(rows.slice(1).map((r) => r[0])).toEqual(expected.map((c) => c.id));
    const row = (id: string) => rows.find((r) => r[0] === id);
    expect(row('gw-1')).toEqual([
      'gw-1',
      String(Math.floor(ms(gateway as RawCall) / 1000)),
      '/v1/chat/completions,"beta"',
      'POST',
      'gpt-4o',
      'true',
      '200',
      'true',
      '1247',
      '42',
      '128',
      'openai',
      'chat',
    ]);
    const c = expected.find((x) => x.endpoint !== undefined && x.duration_ms !== undefined && x.status !== 'success')!;
    expect(row(c.id)).toEqual(
      [
        c.id,
        Math.floor(ms(c) / 1000),
        c.endpoint,
        c.method,
        c.model,
        c.stream ?? false,
        c.status_code,
        false,
        c.duration_ms,
        c.input_tokens,
        c.output_tokens,
        c.backend,
        c.upstream_mode,
      ].map((v) => (v === undefined ? '' : String(v))),
    );
    expect(row('bare-1')).toEqual([
      'bare-1',
      String(Math.floor(ms(bare as RawCall) / 1000)),
      '',
      '',
      'gpt-4o-mini',
      'false',
      '',
      'false',
      '',
      '',
      '',
      '',
      '',
    ]);
  });

  it('exports JSON by default: an array of events in the nested shape, oldest first', async () => {
    const res = await fetch(`${s.url}/analytics/export?${range}`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="tally-analytics-${START}-${END}.json"`);
    const body = (await res.json()) as any[];
    const expected = calls.filter(inRange).sort((a, b) => -newestFirst(a, b));
    expect(body.map((e) => e.id)).toEqual(expected.map((c) => c.id));
    const listed = await get(`/analytics/events?${range}&limit=10000`);
    expect(body.find((e) => e.id === 'gw-1')).toEqual(listed.body.events.find((e: any) => e.id === 'gw-1'));
  });

  it('defaults to the last 24 hours and pages through more calls than one store page holds', async () => {
    const big = generateCalls(NOW, { count: 5600, days: 0.9, seed: 11, idPrefix: 'big-' });
    await ingest(s.call, big, { project: 'big' });
    const res = await fetch(`${s.url}/analytics/export?format=csv`, { headers: { 'x-tally-project': 'big' } });
    const [, start, end] = /tally-analytics-(\d+)-(\d+)\.csv/.exec(res.headers.get('content-disposition') ?? '')!;
    expect(Number(end) - Number(start)).toBe(24 * 3600);
    const expected = big.filter((c) => ms(c) >= Number(start) * 1000 && ms(c) < Number(end) * 1000);
    expect(expected.length).toBeGreaterThan(5000);
    const rows = parseCsv(await res.text()).slice(1);
    expect(rows.map((r) => r[0]).sort()).toEqual(expected.map((c) => c.id).sort());
    expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length);
    const json = await fetch(`${s.url}/analytics/export?start=${start}&end=${end}`, {
      headers: { 'x-tally-project': 'big' },
    });
    expect(((await json.json()) as unknown[]).length).toBe(expected.length);
    const empty = await fetch(`${s.url}/analytics/export?${range}`, { headers: { 'x-tally-project': 'nobody' } });
    expect(await empty.json()).toEqual([]);
  });
});

describe('bad parameters', () => {
  it.each([
    ['/analytics/events?start=yesterday', 'start'],
    [`/analytics/events?start=${END}&end=${START}`, 'start must be before end'],
    [`/analytics/events?start=${START}&end=${START}`, 'start must be before end'],
    ['/analytics/events?limit=0', 'limit must be a whole number from 1 to 10000; got 0'],
    ['/analytics/events?limit=10001', 'limit must be a whole number from 1 to 10000; got 10001'],
    ['/analytics/events?limit=ten', 'limit'],
    ['/analytics/aggregate?end=soon', 'end'],
    ['/analytics/export?format=xml', 'format must be one of json, csv; got xml'],
  ])('%s → 422', async (path, message) => {
    const r = await get(path);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('validation_failed');
    expect(r.body.error.message).toContain(message);
  });
});
