import { gzipSync, deflateSync } from 'node:zlib';
import type { MetricPoint } from '@tally/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStatus, messageClass, type Signal } from '../src/otlp/otlp-codec.js';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';

/**
 * OTLP/HTTP on the main port, as an OpenTelemetry exporter uses it: protobuf and JSON bodies, gzip, the size limit,
 * bad bodies, and the keys an exporter sends in OTEL_EXPORTER_OTLP_HEADERS. Protobuf requests are encoded with the
 * same OpenTelemetry-generated code Tally decodes with.
 */

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const nanos = (minutesAgo: number) => `${BigInt(Date.now() - minutesAgo * 60_000) * 1_000_000n}`;
const hex = (s: string) => Buffer.from(s, 'hex');

let s: TestServer;
let ingestA: string;
let readA: string;
let ingestB: string;

beforeAll(async () => {
  // A 1 MiB limit keeps the size tests small.
  s = await startTestServer({ TALLY_BODY_LIMIT_MB: '1' });
  for (const id of ['otel-a', 'otel-b']) {
    expect((await s.call('POST', '/api/v1/projects', { body: { id, name: id }, key: ADMIN })).status).toBe(201);
  }
  const key = async (project: string, scope: string) =>
    (await s.call('POST', `/api/v1/projects/${project}/keys`, { body: { scope, name: scope }, key: ADMIN })).body
      .key as string;
  ingestA = await key('otel-a', 'ingest');
  readA = await key('otel-a', 'read');
  ingestB = await key('otel-b', 'ingest');
});
afterAll(async () => {
  await s.stop();
});

interface Sent {
  status: number;
  type: string;
  bytes: Buffer;
  json: any;
}

async function post(
  signal: Signal,
  body: Uint8Array | string,
  headers: Record<string, string> = { 'x-tally-key': ingestA },
): Promise<Sent> {
  const r = await fetch(`${s.url}/v1/${signal}`, { method: 'POST', headers, body });
  const bytes = Buffer.from(await r.arrayBuffer());
  const type = r.headers.get('content-type') ?? '';
  return { status: r.status, type, bytes, json: type.startsWith(JSON_TYPE) ? JSON.parse(bytes.toString()) : null };
}

const encode = (signal: Signal, request: unknown) => {
  const cls = messageClass(signal, 'request');
  return cls.encode(cls.fromObject(request)).finish();
};
const decodeResponse = (signal: Signal, bytes: Uint8Array) => {
  const cls = messageClass(signal, 'response');
  return cls.toObject(cls.decode(bytes), { longs: String, enums: Number, bytes: String, defaults: false });
};

const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] });

function logsRequest(records: unknown[], service = 'otel-test') {
  return {
    resourceLogs: [{ resource: resource(service), scopeLogs: [{ scope: { name: 'tests' }, logRecords: records }] }],
  };
}

function metricsRequest(metrics: unknown[]) {
  return {
    resourceMetrics: [{ resource: resource('otel-test'), scopeMetrics: [{ scope: { name: 'tests' }, metrics }] }],
  };
}

async function recentLogs(project = 'otel-a', key = readA) {
  const r = await s.call('GET', '/api/v1/analytics/logs/recent?limit=500', {
    key,
    headers: { 'x-tally-project': project },
  });
  expect(r.status).toBe(200);
  return r.body.logs as {
    message: string;
    level: string;
    service: string;
    logger: string;
    trace_id: string;
    attributes: Record<string, unknown>;
  }[];
}

async function storedMetrics(project: string): Promise<MetricPoint[]> {
  const store = s.ctx.store as unknown as { recent(t: string, p: string, n: number): Promise<MetricPoint[]> };
  return store.recent('metric_points', project, 500);
}

const stats = async (project: string) => s.ctx.store.stats(project);

describe('logs', () => {
  it('stores JSON log records sent with an x-tally-key header and answers {}', async () => {
    const r = await post(
      'logs',
      JSON.stringify(
        logsRequest([
          {
            timeUnixNano: nanos(2),
            severityNumber: 13,
            severityText: 'WARN',
            body: { stringValue: 'json: slow upstream' },
            traceId: '5B8EFFF798038103D269B633813FC60C',
            attributes: [{ key: 'attempt', value: { intValue: '3' } }],
          },
        ]),
      ),
      { 'content-type': JSON_TYPE, 'x-tally-key': ingestA },
    );
    expect(r).toMatchObject({ status: 200, json: {} });
    const log = (await recentLogs()).find((l) => l.message === 'json: slow upstream');
    expect(log).toMatchObject({
      level: 'WARNING',
      service: 'otel-test',
      logger: 'tests',
      trace_id: '5b8efff798038103d269b633813fc60c',
      attributes: { attempt: 3, severity_text: 'WARN', resource: { 'service.name': 'otel-test' } },
    });
  });

  it('stores protobuf log records sent with a Bearer key and answers an empty protobuf response', async () => {
    const body = encode(
      'logs',
      logsRequest([
        {
          timeUnixNano: nanos(1),
          severityNumber: 21,
          body: { kvlistValue: { values: [{ key: 'order', value: { intValue: 7 } }] } },
          traceId: hex('0af7651916cd43dd8448eb211c80319c'),
          spanId: hex('b7ad6b7169203331'),
        },
      ]),
    );
    const r = await post('logs', body, { 'content-type': PROTOBUF, authorization: `Bearer ${ingestA}` });
    expect(r.status).toBe(200);
    expect(r.type).toBe(PROTOBUF);
    expect(decodeResponse('logs', r.bytes)).toEqual({});
    const log = (await recentLogs()).find((l) => l.message === '{"order":7}');
    expect(log).toMatchObject({
      level: 'CRITICAL',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      attributes: { span_id: 'b7ad6b7169203331' },
    });
  });

  it('stores a gzip body once, however often an exporter retries it', async () => {
    const body = gzipSync(
      encode('logs', logsRequest([{ timeUnixNano: nanos(3), body: { stringValue: 'gzip: retried' } }])),
    );
    for (let i = 0; i < 2; i++) {
      const r = await post('logs', body, {
        'content-type': PROTOBUF,
        'content-encoding': 'gzip',
        'x-tally-key': ingestA,
      });
      expect(r.status).toBe(200);
    }
    expect((await recentLogs()).filter((l) => l.message === 'gzip: retried')).toHaveLength(1);
  });

  it('accepts deflate too', async () => {
    const body = deflateSync(
      JSON.stringify(logsRequest([{ timeUnixNano: nanos(3), body: { stringValue: 'deflated' } }])),
    );
    const r = await post('logs', body, {
      'content-type': JSON_TYPE,
      'content-encoding': 'deflate',
      'x-tally-key': ingestA,
    });
    expect(r.status).toBe(200);
    expect((await recentLogs()).some((l) => l.message === 'deflated')).toBe(true);
  });

  it('stores the usable records and counts the others in partialSuccess, in both encodings', async () => {
    const records = [
      { timeUnixNano: nanos(1), body: { stringValue: 'partial: kept' } },
      { timeUnixNano: '4000000000000000000', body: { stringValue: 'partial: from the future' } },
    ];
    const json = await post('logs', JSON.stringify(logsRequest(records)), {
      'content-type': JSON_TYPE,
      'x-tally-key': ingestA,
    });
    expect(json.status).toBe(200);
    expect(json.json).toEqual({
      partialSuccess: {
        rejectedLogRecords: 1,
        errorMessage: '1 log record was rejected: log record 1: timestamp lies more than a day in the future',
      },
    });
    const proto = await post('logs', encode('logs', logsRequest(records)), {
      'content-type': PROTOBUF,
      'x-tally-key': ingestA,
    });
    expect(decodeResponse('logs', proto.bytes)).toEqual({
      partialSuccess: {
        rejectedLogRecords: '1',
        errorMessage: '1 log record was rejected: log record 1: timestamp lies more than a day in the future',
      },
    });
    const messages = (await recentLogs()).map((l) => l.message);
    expect(messages.filter((m) => m === 'partial: kept')).toHaveLength(1);
    expect(messages).not.toContain('partial: from the future');
  });
});

describe('metrics', () => {
  it('stores JSON gauge, sum and histogram points', async () => {
    const r = await post(
      'metrics',
      JSON.stringify(
        metricsRequest([
          { name: 'json.queue', unit: '{item}', gauge: { dataPoints: [{ timeUnixNano: nanos(1), asInt: '12' }] } },
          {
            name: 'json.latency',
            unit: 's',
            histogram: {
              aggregationTemporality: 2,
              dataPoints: [
                {
                  timeUnixNano: nanos(1),
                  count: '4',
                  sum: 2.5,
                  attributes: [{ key: 'route', value: { stringValue: '/chat' } }],
                },
              ],
            },
          },
        ]),
      ),
      { 'content-type': JSON_TYPE, 'x-tally-key': ingestA },
    );
    expect(r).toMatchObject({ status: 200, json: {} });
    const points = (await storedMetrics('otel-a')).filter((m) => m.name.startsWith('json.'));
    const byName = Object.fromEntries(points.map((p) => [p.name, p]));
    expect(byName['json.queue']).toMatchObject({ value: 12, unit: '{item}', tags: { 'service.name': 'otel-test' } });
    expect(byName['json.latency.count']).toMatchObject({
      value: 4,
      tags: { route: '/chat', 'service.name': 'otel-test' },
    });
    expect(byName['json.latency.sum']).toMatchObject({ value: 2.5, unit: 's' });
  });

  it('stores gzip protobuf points sent with the x-api-key header', async () => {
    const body = gzipSync(
      encode(
        'metrics',
        metricsRequest([
          {
            name: 'proto.cost',
            unit: 'USD',
            sum: { isMonotonic: true, dataPoints: [{ timeUnixNano: nanos(1), asDouble: 0.25 }] },
          },
          { name: 'proto.empty', gauge: { dataPoints: [{ timeUnixNano: nanos(1) }] } },
        ]),
      ),
    );
    const r = await post('metrics', body, {
      'content-type': PROTOBUF,
      'content-encoding': 'gzip',
      'x-api-key': ingestA,
    });
    expect(r.status).toBe(200);
    expect(decodeResponse('metrics', r.bytes)).toEqual({
      partialSuccess: {
        rejectedDataPoints: '1',
        errorMessage: '1 data point was rejected: metric proto.empty: a data point has no value (asDouble or asInt)',
      },
    });
    const cost = (await storedMetrics('otel-a')).find((m) => m.name === 'proto.cost');
    expect(cost).toMatchObject({ value: 0.25, unit: 'USD', tags: { 'service.name': 'otel-test' } });
  });
});

describe('traces', () => {
  it('stores a chat span as a call with ingest source otlp', async () => {
    const body = encode('traces', {
      resourceSpans: [
        {
          resource: resource('otel-agent'),
          scopeSpans: [
            {
              scope: { name: 'tests' },
              spans: [
                {
                  traceId: hex('4bf92f3577b34da6a3ce929d0e0e4736'),
                  spanId: hex('00f067aa0ba902b7'),
                  name: 'chat gpt-4o-mini',
                  kind: 3,
                  startTimeUnixNano: nanos(2),
                  endTimeUnixNano: nanos(1),
                  attributes: [
                    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                    { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
                    { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
                    { key: 'gen_ai.usage.input_tokens', value: { intValue: 120 } },
                    { key: 'gen_ai.usage.output_tokens', value: { intValue: 30 } },
                  ],
                },
                {
                  traceId: hex('4bf92f3577b34da6a3ce929d0e0e4736'),
                  spanId: hex('00f067aa0ba902b8'),
                  name: 'GET /health',
                  startTimeUnixNano: nanos(2),
                },
              ],
            },
          ],
        },
      ],
    });
    const r = await post('traces', body, { 'content-type': PROTOBUF, 'x-tally-key': ingestA });
    expect(r.status).toBe(200);
    expect(decodeResponse('traces', r.bytes)).toEqual({});
    const events = await s.call('GET', '/api/v1/analytics/events?limit=100', { key: readA });
    expect(events.status).toBe(200);
    const call = (events.body.events as any[]).find((e) => e.trace_id === '4bf92f3577b34da6a3ce929d0e0e4736');
    expect(call).toMatchObject({
      span_id: '00f067aa0ba902b7',
      model: 'gpt-4o-mini',
      input_tokens: 120,
      output_tokens: 30,
      ingest_source: 'otlp',
    });
    expect((events.body.events as any[]).filter((e) => e.trace_id === '4bf92f3577b34da6a3ce929d0e0e4736')).toHaveLength(
      1,
    );
  });
});

describe('bad requests', () => {
  it('answers malformed protobuf with 400 and a google.rpc.Status, and stores nothing', async () => {
    const before = await stats('otel-a');
    const r = await post('logs', Buffer.from([0x0a, 0x50, 0x01, 0x02]), {
      'content-type': PROTOBUF,
      'x-tally-key': ingestA,
    });
    expect(r.status).toBe(400);
    expect(r.type).toBe(PROTOBUF);
    const status = decodeStatus(r.bytes);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^the body is not a valid protobuf ExportLogsServiceRequest: /);
    expect(await stats('otel-a')).toEqual(before);
  });

  it('answers malformed JSON with 400, a Status code and message, and stores nothing', async () => {
    const before = await stats('otel-a');
    for (const body of ['{"resourceLogs": [', '[]', '{"resourceLogs": 5}', '', '{"__proto__": {"x": 1}}']) {
      const r = await post('logs', body, { 'content-type': JSON_TYPE, 'x-tally-key': ingestA });
      expect(r.status, body).toBe(400);
      expect(r.json.code).toBe(3);
      expect(r.json.error.code).toBe('malformed_json');
      expect(r.json.message).toBe(r.json.error.message);
    }
    const message = async (body: string) =>
      (await post('logs', body, { 'content-type': JSON_TYPE, 'x-tally-key': ingestA })).json.message;
    expect(await message('{"resourceLogs": 5}')).toBe('resourceLogs must be an array');
    expect(await message('{"resourceLogs": [')).toMatch(/^the body is not valid JSON: .*JSON/);
    expect(await stats('otel-a')).toEqual(before);
  });

  it('answers a wrong Content-Type or Content-Encoding with 415', async () => {
    const text = await post('logs', 'hello', { 'content-type': 'text/plain', 'x-tally-key': ingestA });
    expect(text.status).toBe(415);
    expect(text.json.message).toBe(
      'OTLP accepts Content-Type application/x-protobuf or application/json; got text/plain',
    );
    const brotli = await post('metrics', '{}', {
      'content-type': JSON_TYPE,
      'content-encoding': 'br',
      'x-tally-key': ingestA,
    });
    expect(brotli.status).toBe(415);
    expect(brotli.json.message).toContain('Content-Encoding br is not supported');
  });

  it('answers 413 for a body over the limit, and for a small gzip body that inflates past it', async () => {
    const big = JSON.stringify(logsRequest([{ body: { stringValue: 'x'.repeat(1_200_000) } }]));
    const plain = await post('logs', big, { 'content-type': JSON_TYPE, 'x-tally-key': ingestA });
    expect(plain.status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(50_000);
    const r = await post('logs', bomb, {
      'content-type': PROTOBUF,
      'content-encoding': 'gzip',
      'x-tally-key': ingestA,
    });
    expect(r.status).toBe(413);
    expect(decodeStatus(r.bytes).message).toContain('once decompressed');
  });

  it('answers invalid gzip with 400', async () => {
    const r = await post('logs', 'not gzip at all', {
      'content-type': JSON_TYPE,
      'content-encoding': 'gzip',
      'x-tally-key': ingestA,
    });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/^the body is not valid gzip data/);
  });
});

describe('auth', () => {
  const at = nanos(1);
  const body = () => encode('logs', logsRequest([{ timeUnixNano: at, body: { stringValue: 'auth: project b' } }]));

  it('refuses an exporter without a key, with a protobuf Status', async () => {
    const r = await post('logs', body(), { 'content-type': PROTOBUF });
    expect(r.status).toBe(401);
    expect(decodeStatus(r.bytes).code).toBe(16);
  });

  it('lets a key write its own project only', async () => {
    const cross = await post('logs', body(), {
      'content-type': PROTOBUF,
      'x-tally-key': ingestB,
      'x-tally-project': 'otel-a',
    });
    expect(cross.status).toBe(403);
    expect(decodeStatus(cross.bytes).message).toBe(
      'this key belongs to project otel-b and cannot act on project otel-a',
    );
    const own = await post('logs', body(), { 'content-type': PROTOBUF, 'x-tally-key': ingestB });
    expect(own.status).toBe(200);
    expect((await stats('otel-b')).logs).toBe(1);
    expect((await recentLogs()).map((l) => l.message)).not.toContain('auth: project b');
  });

  it('lets the admin name the project with x-tally-project', async () => {
    const r = await post('logs', body(), {
      'content-type': PROTOBUF,
      authorization: `Bearer ${ADMIN}`,
      'x-tally-project': 'otel-b',
    });
    expect(r.status).toBe(200);
    expect((await stats('otel-b')).logs).toBe(1); // the same record again: stored once
  });
});

describe('the rest of the API', () => {
  it('keeps its own body parsers: protobuf is refused on a REST route', async () => {
    const r = await s.call('POST', '/api/v1/ingest/app', {
      raw: 'hello',
      key: ingestA,
      headers: { 'content-type': PROTOBUF },
    });
    expect(r.status).toBe(415);
    expect(r.body.error.message).toBe('send the body as Content-Type: application/json');
  });
});
