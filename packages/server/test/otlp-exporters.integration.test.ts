import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';
import {
  DAY,
  HOUR,
  NESTED_EXPECTED,
  PYDANTIC_SCOPE,
  aliceRuns,
  assistantTrace,
  expectedPydanticCalls,
  nestedTraces,
  pydanticRun,
} from './otlp-fixtures.js';
import {
  exportSpans,
  newProject,
  otlpExporter,
  recordSpans,
  seededRandom,
  traceTo,
  type Encoding,
  type SpanIds,
} from './otlp-sdk.js';
import { expectSameAnalytics, expectedUserAnalytics } from './otlp-expected.js';

/**
 * OTLP/HTTP trace ingest end to end: the OpenTelemetry JS SDK and its real JSON and protobuf exporters send GenAI
 * and pydantic-ai spans to a running Tally, and what arrived is read back through the analytics API.
 */

const NOW = Date.now();
const TODAY = Math.floor(NOW / DAY) * DAY;
const TOMORROW = TODAY + DAY;
const RESOURCE = { 'service.name': 'support-bot', 'deployment.environment.name': 'production' };
const APP_SCOPE = { name: 'support-bot-tracing', version: '0.3.0' };

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
});

const get = async (path: string, key: string) => {
  const r = await s.call('GET', path, { key });
  expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body;
};
const range = `from=${new Date(TODAY - 7 * DAY).toISOString()}&to=${new Date(NOW + HOUR).toISOString()}`;

/** Every stored call of the project, by id. */
async function storedCalls(key: string): Promise<Map<string, any>> {
  const out = new Map<string, any>();
  let cursor: string | null = null;
  do {
    const page: any = await get(
      `/api/v1/analytics/events?${range}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      key,
    );
    for (const e of page.events) out.set(e.id, e);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

const summary = async (key: string, filter = '') =>
  (await get(`/api/v1/analytics/summary?${range}${filter}`, key)).metrics;

const spanOf = (ids: SpanIds, key: string) => {
  const id = ids.get(key);
  if (!id) throw new Error(`no span ${key}`);
  return id;
};

const sumOf = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);

describe('the OpenTelemetry SDK exporting GenAI spans', () => {
  const cases: { encoding: Encoding; header: 'x-tally-key' | 'authorization' }[] = [
    { encoding: 'json', header: 'x-tally-key' },
    { encoding: 'proto', header: 'authorization' },
  ];
  for (const { encoding, header } of cases) {
    it(`stores inference spans as calls over ${encoding}, with the key in ${header}; the agent span is no call`, async () => {
      const keys = await newProject(s, `genai-${encoding}`);
      const headers = { [header]: header === 'authorization' ? `Bearer ${keys.ingest}` : keys.ingest };
      const t0 = NOW - 30 * 60_000;
      const ids = await traceTo(
        otlpExporter(encoding, s.url, headers),
        RESOURCE,
        APP_SCOPE,
        assistantTrace(t0, 'conv-1'),
      );

      const calls = await storedCalls(keys.read);
      const expectedIds = ['gpt-4o', 'claude', 'o3-mini', 'solo'].map((k) => spanOf(ids, k).spanId);
      expect([...calls.keys()].sort()).toEqual([...expectedIds].sort());
      const agent = spanOf(ids, 'agent');
      expect(calls.has(agent.spanId)).toBe(false);
      expect(calls.has(spanOf(ids, 'lookup').spanId)).toBe(false);

      const inherited = {
        agent_name: 'support_agent',
        agent_version: '2.1.0',
        user_id: 'u-otel',
        session_id: 'conv-1',
        trace_id: agent.traceId,
        parent_span_id: agent.spanId,
        app_name: 'support-bot',
        environment: 'production',
        ingest_source: 'otlp',
        status: 'success',
      };
      expect(calls.get(spanOf(ids, 'gpt-4o').spanId)).toMatchObject({
        ...inherited,
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        operation: 'chat',
        timestamp: t0 + 100,
        duration_ms: 1_500,
        ttft_ms: 250,
        stream: true,
        temperature: 0.2,
        max_tokens: 1024,
        input_tokens: 1_200,
        output_tokens: 300,
        total_tokens: 1_500,
        cache_read_tokens: 200,
      });
      expect(calls.get(spanOf(ids, 'claude').spanId)).toMatchObject({
        ...inherited,
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        duration_ms: 3_000,
        ttft_ms: 800,
        input_tokens: 5_200,
        output_tokens: 700,
        cache_read_tokens: 4_000,
        cache_write_tokens: 300,
        reasoning_tokens: 120,
      });
      // No conversation id of its own: the agent span's.
      expect(calls.get(spanOf(ids, 'o3-mini').spanId)).toMatchObject({
        ...inherited,
        model: 'o3-mini',
        stream: false,
        input_tokens: 800,
        output_tokens: 1_500,
        reasoning_tokens: 1_024,
      });
      const solo = calls.get(spanOf(ids, 'solo').spanId);
      expect(solo).toMatchObject({ user_id: 'u-solo', session_id: 'conv-solo', input_tokens: 100, output_tokens: 20 });
      expect(solo.agent_name ?? null).toBeNull();
      expect(solo.parent_span_id ?? null).toBeNull();

      // One call read by id is the same record as in the list.
      const one = await get(`/api/v1/events/${spanOf(ids, 'claude').spanId}`, keys.read);
      expect(one).toEqual(calls.get(spanOf(ids, 'claude').spanId));

      expect(await summary(keys.read)).toMatchObject({
        calls: 4,
        errors: 0,
        input_tokens: 7_300,
        output_tokens: 2_520,
        cache_read_tokens: 4_200,
        cache_write_tokens: 300,
        reasoning_tokens: 1_144,
        users: 2,
        sessions: 2,
      });
      const byAgent = await get(`/api/v1/analytics/breakdown?by=agent_name&${range}`, keys.read);
      expect(byAgent.rows.map((r: any) => [r.value, r.calls])).toEqual([
        ['support_agent', 3],
        [null, 1],
      ]);
    });
  }

  it('refuses spans sent with a wrong key or none, and stores none of them', async () => {
    for (const [encoding, headers] of [
      ['json', { 'x-tally-key': 'tally_not_a_key_0123456789' }],
      ['proto', {}],
    ] as const) {
      const exporter = otlpExporter(encoding, s.url, headers);
      await expect(traceTo(exporter, RESOURCE, APP_SCOPE, assistantTrace(NOW - HOUR, 'conv-x'))).rejects.toMatchObject({
        name: 'OTLPExporterError',
        code: 401,
      });
    }
    // Not in the default project either, where a server without keys would have put them.
    expect((await storedCalls(ADMIN)).size).toBe(0);
  });
});

describe('pydantic-ai agent runs through seed 001', () => {
  it('gives exactly the runs, outcomes, durations, costs and conversations of the spans sent', async () => {
    const keys = await newProject(s, 'pydantic');
    const { runs, resourceUser, bob } = aliceRuns(TODAY);
    const exporter = () => otlpExporter('proto', s.url, { authorization: `Bearer ${keys.ingest}` });
    const resource = { 'service.name': 'support-api', 'telemetry.sdk.language': 'python' };
    const ids = await traceTo(exporter(), resource, PYDANTIC_SCOPE, [...runs, ...bob].map(pydanticRun));
    for (const [k, v] of await traceTo(
      exporter(),
      { ...resource, 'user.id': 'u-alice' },
      PYDANTIC_SCOPE,
      resourceUser.map(pydanticRun),
    ))
      ids.set(k, v);

    const alice = [...runs, ...resourceUser];
    const calls = expectedPydanticCalls(alice, 'u-alice');
    expect(calls).toHaveLength(8);
    const body = await get('/api/v1/analytics/user/u-alice', keys.read);
    const expected = expectedUserAnalytics(
      TOMORROW,
      'u-alice',
      alice.map((r) => ({ start: r.start, ms: r.ms, failed: r.error !== undefined })),
      calls,
    );
    expectSameAnalytics(body, expected);
    // The figures themselves, so that a mistake shared by the code and the computation above still shows.
    expect(body.summary.total_agent_runs).toBe(4);
    expect(body.agent_runs_by_outcome).toEqual({ success: 3, error: 1 });
    expect(body.summary.success_rate).toBe(0.75);
    expect(body.summary.avg_duration_ms).toBe(3_650);
    expect(body.summary.total_cost).toBeCloseTo(0.053283, 6);
    expect(body.daily_costs.filter((d: any) => d.run_count > 0).map((d: any) => d.run_count)).toEqual([2, 2]);
    expect(body.conversation_stats.map((d: any) => [d.count, d.avg_messages])).toEqual([
      [1, 3],
      [2, 2.5],
    ]);

    // Calls: tokens from the model requests only (never the runs' aggregates), the failure with its exception.
    const stored = await storedCalls(keys.read);
    expect(stored.size).toBe(9);
    const mine = [...stored.values()].filter((e) => e.user_id === 'u-alice');
    expect(mine.map((e) => e.id).sort()).toEqual(calls.map((c) => spanOf(ids, c.key).spanId).sort());
    for (const c of calls) {
      const e = stored.get(spanOf(ids, c.key).spanId);
      expect(e, c.key).toMatchObject({
        timestamp: c.at,
        session_id: c.session,
        agent_name: 'support_agent',
        status: c.failed ? 'error' : 'success',
      });
      expect(e.input_tokens ?? 0, c.key).toBe(c.input);
      if (c.cost !== null) expect(e, c.key).toMatchObject({ cost_usd: c.cost, cost_source: 'reported' });
    }
    expect(stored.get(spanOf(ids, 'run3-b').spanId)).toMatchObject({
      status: 'error',
      error_type: 'ModelHTTPError',
      error_message: expect.stringContaining('status_code: 429'),
    });
    expect(stored.get(spanOf(ids, 'run1-a').spanId)).toMatchObject({ cache_read_tokens: 1_024 });
    expect(await summary(keys.read, '&user_id=u-alice')).toMatchObject({
      calls: 8,
      errors: 1,
      input_tokens: sumOf(calls, (c) => c.input),
      output_tokens: sumOf(calls, (c) => c.output),
    });

    // Bob's run is his alone.
    const theirs = await get('/api/v1/analytics/user/u-bob', keys.read);
    expect(theirs.summary).toEqual({ total_cost: 0.5, total_agent_runs: 1, avg_duration_ms: 3_000, success_rate: 1 });
  });
});

describe('spans of one trace delivered in any order and grouping', () => {
  const T = TODAY - 5 * HOUR;
  let spans: ReadableSpan[];
  let ids: SpanIds;

  beforeAll(async () => {
    ({ spans, ids } = await recordSpans(RESOURCE, APP_SCOPE, nestedTraces(T)));
  });

  const startMs = (x: ReadableSpan) => x.startTime[0] * 1e3 + x.startTime[1] / 1e6;
  const byKey = (key: string) => spans.find((x) => x.spanContext().spanId === spanOf(ids, key).spanId)!;
  const keysOf = (list: ReadableSpan[]) =>
    list.map((x) => [...ids].find(([, v]) => v.spanId === x.spanContext().spanId)![0]);

  /** Requests, each a list of span keys, sent one after another. */
  function deliveries(): Record<string, { encoding: Encoding; requests: string[][] }> {
    const sorted = keysOf([...spans].sort((a, b) => startMs(a) - startMs(b)));
    const shuffled = (seed: number) => {
      const random = seededRandom(seed);
      const list = [...sorted];
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      // The outer agent last of all, after the inner one.
      return [...list.filter((k) => k !== 'outer'), 'outer'];
    };
    const chunks = (list: string[], sizes: number[]) =>
      sizes.map((n, i) =>
        list.slice(
          sumOf(sizes.slice(0, i), (x) => x),
          sumOf(sizes.slice(0, i + 1), (x) => x),
        ),
      );
    const one = shuffled(7);
    const two = shuffled(11);
    return {
      'in order, one request': { encoding: 'proto', requests: [sorted] },
      'one span per request, newest first': { encoding: 'json', requests: [...sorted].reverse().map((k) => [k]) },
      'children before parents, outer agent last': {
        encoding: 'proto',
        requests: [['C', 'B', 'D'], ['search', 'inner'], ['H', 'F', 'A', 'G', 'delegate'], ['summarizer'], ['outer']],
      },
      'shuffled, four requests': { encoding: 'proto', requests: chunks(one, [3, 4, 5, one.length - 12]) },
      'shuffled, two requests': { encoding: 'json', requests: chunks(two, [6, two.length - 6]) },
    };
  }

  it('stores the same calls and runs whichever order the spans arrive in', async () => {
    const plans = Object.entries(deliveries());
    const answers: { plan: string; calls: any[]; user: any }[] = [];
    for (const [i, [plan, { encoding, requests }]] of plans.entries()) {
      expect(requests.flat().sort(), plan).toEqual(keysOf(spans).sort());
      const keys = await newProject(s, `order-${i}`);
      const exporter = otlpExporter(encoding, s.url, { 'x-tally-key': keys.ingest });
      for (const request of requests) await exportSpans(exporter, request.map(byKey));
      await exporter.shutdown();
      const stored = await storedCalls(keys.read);
      const calls = [...stored.values()]
        .map((e) => ({
          id: e.id,
          agent_name: e.agent_name,
          agent_version: e.agent_version,
          session_id: e.session_id,
          user_id: e.user_id,
          trace_id: e.trace_id,
          parent_span_id: e.parent_span_id,
          status: e.status,
          input_tokens: e.input_tokens,
          cost_usd: e.cost_usd,
        }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      answers.push({ plan, calls, user: await get('/api/v1/analytics/user/u-ooo', keys.read) });

      // Each call under the innermost agent above it; a call's own agent kept.
      for (const [key, [agent, version, conversation]] of Object.entries(NESTED_EXPECTED)) {
        const id = spanOf(ids, key);
        expect(stored.get(id.spanId), `${plan}: ${key}`).toMatchObject({
          agent_name: agent,
          agent_version: version,
          session_id: conversation,
          user_id: 'u-ooo',
          trace_id: id.traceId,
          parent_span_id: id.parentSpanId,
        });
      }
      expect(stored.size, plan).toBe(Object.keys(NESTED_EXPECTED).length);
    }

    const [first, ...rest] = answers;
    for (const other of rest) {
      expect(other.calls, `${other.plan} vs ${first!.plan}`).toEqual(first!.calls);
      expect(other.user, `${other.plan} vs ${first!.plan}`).toEqual(first!.user);
    }
    // Three runs (planner, researcher, the failed summarizer), the costs of the seven calls.
    const runs = [
      { start: T, ms: 10_000, failed: false },
      { start: T + 1_100, ms: 6_500, failed: false },
      { start: T + 60_000, ms: 3_000, failed: true },
    ];
    const calls = Object.entries(NESTED_EXPECTED).map(([key, [agent, , session]]) => {
      const span = byKey(key);
      return {
        key,
        at: startMs(span),
        cost: Number(span.attributes['operation.cost']),
        input: Number(span.attributes['gen_ai.usage.input_tokens']),
        output: 0,
        failed: false,
        session,
        agent,
        user: 'u-ooo',
      };
    });
    expectSameAnalytics(first!.user, expectedUserAnalytics(TOMORROW, 'u-ooo', runs, calls));
    expect(first!.user.summary).toMatchObject({ total_agent_runs: 3, avg_duration_ms: 6_500, success_rate: 0.6667 });
    expect(first!.user.summary.total_cost).toBeCloseTo(0.28, 6);
  });
});

describe('malformed OTLP requests', () => {
  it('answers 400 to a broken protobuf or JSON body and keeps what was stored before', async () => {
    const keys = await newProject(s, 'malformed');
    const { runs } = aliceRuns(TODAY);
    const exporter = otlpExporter('proto', s.url, { authorization: `Bearer ${keys.ingest}` });
    await traceTo(exporter, RESOURCE, PYDANTIC_SCOPE, runs.map(pydanticRun));
    const before = {
      calls: await storedCalls(keys.read),
      summary: await summary(keys.read),
      user: await get('/api/v1/analytics/user/u-alice', keys.read),
    };
    expect(before.calls.size).toBe(5);
    expect(before.user.summary.total_agent_runs).toBe(3);

    const { spans } = await recordSpans(RESOURCE, PYDANTIC_SCOPE, [
      pydanticRun({ ...runs[0]!, key: 'late', start: NOW - HOUR }),
    ]);
    const whole = ProtobufTraceSerializer.serializeRequest(spans)!;
    const bad: [string, string, Uint8Array | string][] = [
      ['a protobuf body cut in half', 'application/x-protobuf', whole.subarray(0, Math.floor(whole.length / 2))],
      [
        'a length prefix far past the end',
        'application/x-protobuf',
        Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
      ],
      ['an invalid wire type', 'application/x-protobuf', Uint8Array.from([0x0f, 0x01, 0x02])],
      [
        'JSON cut short',
        'application/json',
        '{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[',
      ],
      ['not JSON at all', 'application/json', 'resourceSpans = []'],
    ];
    for (const [what, type, body] of bad) {
      const r = await fetch(`${s.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${keys.ingest}` },
        body,
      });
      expect(r.status, `${what}: ${await r.text()}`).toBe(400);
    }

    expect(await storedCalls(keys.read)).toEqual(before.calls);
    expect(await summary(keys.read)).toEqual(before.summary);
    expect(await get('/api/v1/analytics/user/u-alice', keys.read)).toEqual(before.user);

    // The very spans, sent whole, are stored and counted beside the earlier ones.
    await exportSpans(exporter, spans);
    const after = await storedCalls(keys.read);
    expect(after.size).toBe(7);
    for (const [id, e] of before.calls) expect(after.get(id)).toEqual(e);
    const user = await get('/api/v1/analytics/user/u-alice', keys.read);
    expect(user.summary.total_agent_runs).toBe(4);
    expect(user.summary.total_cost).toBeCloseTo(before.user.summary.total_cost + 0.0091 + 0.00895, 6);
  });
});
