import { randomBytes } from 'node:crypto';
import { prepareCallEvent, type CallEvent } from '@tally/core';
import { GroupWriter, createStore, type WriteBatch } from '@tally/storage';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { encodeBatch } from '../src/queue/record-codec.js';
import type { RecordSink } from '../src/queue/record-sink.js';
import { WorkerPool } from '../src/queue/worker-pool.js';
import { openTally, type OpenTally } from '../src/tally.js';
import { ADMIN, startTestServer } from './helpers.js';

// The ingest queue on its own: a real Redis (TALLY_TEST_REDIS_URL), a real DuckDB store, real workers.
const REDIS_URL = process.env['TALLY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `tally-test-${randomBytes(6).toString('hex')}:`;
const stream = `${prefix}ingest`;
const dead = `${prefix}ingest:dead`;

let redis: Redis;
let opened: OpenTally;
let sink: RecordSink;
const pools: WorkerPool[] = [];

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const config = loadConfig({
    TALLY_STORE: ':memory:',
    TALLY_ADMIN_TOKEN: ADMIN,
    TALLY_REDIS_URL: REDIS_URL,
    TALLY_REDIS_PREFIX: prefix,
    TALLY_WORKER_CLAIM_IDLE_MS: '300',
    TALLY_WORKER_MAX_DELIVERIES: '2',
  });
  opened = await openTally(config);
  sink = opened.ctx.sink;
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await opened?.close();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
});

/** A worker pool on the test's store, with short waits so that the tests run in seconds. */
function startWorkers(consumer: string, ctx: Parameters<typeof WorkerPool.start>[1] = opened.ctx): WorkerPool {
  const pool = WorkerPool.start(opened.ctx.redis!, ctx, silent, {
    consumer,
    blockMs: 100,
    retryMs: 50,
    trimEveryMs: 50,
  });
  pools.push(pool);
  return pool;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let counter = 0;
function calls(n: number, tag: string): CallEvent[] {
  const out: CallEvent[] = [];
  for (let i = 0; i < n; i++) {
    const p = prepareCallEvent(
      {
        id: `${tag}-${counter++}`,
        timestamp: Date.now() - 60_000,
        model: 'gpt-4o-mini',
        input_tokens: 10,
        output_tokens: 5,
        tags: [tag],
      },
      {
        projectId: 'default',
        now: Date.now(),
        ingestSource: 'api',
        capturePolicy: 'full',
        priceBook: opened.ctx.projects.priceBook('default'),
      },
    );
    if (!p.ok) throw new Error(JSON.stringify(p.errors));
    out.push(p.value);
  }
  return out;
}

async function storedIds(tag: string): Promise<string[]> {
  const page = await opened.ctx.store.events({
    projectId: 'default',
    filters: [{ field: 'tag', op: 'eq', values: [tag] }],
    limit: 10_000,
  });
  return page.events.map((e) => e.id).sort();
}

async function pendingCount(consumer?: string): Promise<number> {
  const summary = (await redis.xpending(stream, 'workers')) as [number, string, string, [string, string][] | null];
  if (consumer === undefined) return Number(summary[0]);
  return Number(summary[3]?.find(([c]) => c === consumer)?.[1] ?? 0);
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the Redis ingest queue', () => {
  it('is what the sink writes to: nothing reaches the store until a worker stores it, then every record once', async () => {
    expect(sink.storesAtOnce).toBe(false);
    const batch = calls(30, 'consume');
    // Three messages, one of them sent twice (a client retry): the store keeps each call once.
    await sink.write({ calls: batch.slice(0, 10) });
    await sink.write({ calls: batch.slice(10) });
    const answer = await sink.write({ calls: batch.slice(0, 10) });
    expect(answer.duplicateCalls).toEqual([]);
    expect(await storedIds('consume')).toEqual([]);

    startWorkers('consume-worker');
    await waitFor('the calls stored', async () => (await storedIds('consume')).length === 30);
    expect(await storedIds('consume')).toEqual(batch.map((c) => c.id).sort());
    await waitFor('every message acknowledged', async () => (await pendingCount()) === 0);
    // Acknowledged entries are trimmed from the stream.
    await waitFor('the stream trimmed', async () => (await redis.xlen(stream)) === 0);
  });

  it('acknowledges only what the store committed: a worker whose store is down holds its messages', async () => {
    const down = createStore({ kind: 'duckdb', path: ':memory:' });
    await down.init();
    await down.close();
    const batch = calls(12, 'held');
    for (let i = 0; i < 12; i += 4) await sink.write({ calls: batch.slice(i, i + 4) });

    const stuck = startWorkers('stuck-worker', { writer: new GroupWriter(down), store: down });
    await waitFor('the stuck worker holding the messages', async () => (await pendingCount('stuck-worker')) === 3);
    await stuck.stop();
    expect(await pendingCount('stuck-worker')).toBe(3);
    expect(await storedIds('held')).toEqual([]);

    // A worker with a store that answers takes them over once they have been idle long enough.
    const rescuer = startWorkers('rescuer');
    await waitFor('the held calls stored', async () => (await storedIds('held')).length === 12);
    await waitFor('every message acknowledged', async () => (await pendingCount()) === 0);
    expect(rescuer.stats.claimed).toBe(3);
  });

  it('takes over the messages of a consumer that died holding them', async () => {
    const batch = calls(8, 'orphan');
    await sink.write({ calls: batch.slice(0, 4) });
    await sink.write({ calls: batch.slice(4) });
    // A consumer reads both messages and dies before writing them: they stay pending under its name.
    const read = await redis.xreadgroup('GROUP', 'workers', 'died', 'COUNT', 10, 'STREAMS', stream, '>');
    expect((read as [string, unknown[]][])[0]![1]).toHaveLength(2);
    expect(await pendingCount('died')).toBe(2);

    startWorkers('survivor');
    await waitFor('the orphaned calls stored', async () => (await storedIds('orphan')).length === 8);
    await waitFor('every message acknowledged', async () => (await pendingCount()) === 0);
    expect(await storedIds('orphan')).toEqual(batch.map((c) => c.id).sort());
  });

  it('moves a message it cannot decode, or that the store rejects, to the dead-letter stream after its deliveries', async () => {
    const good = calls(3, 'beside-poison');
    const [rejected] = calls(1, 'poison');
    await sink.write({ calls: good.slice(0, 1) });
    const garbled = (await redis.xadd(stream, '*', 'v', '1', 'b', '{"calls": [not json'))!;
    // Valid JSON the store refuses: a token count that is not a number.
    const refused = (await redis.xadd(
      stream,
      '*',
      ...encodeBatch({ calls: [{ ...rejected!, input_tokens: 'many' }] } as unknown as WriteBatch),
    ))!;
    // In one message with a good call: the good call is stored, the message as a whole is refused.
    await sink.write({ calls: good.slice(1) });

    startWorkers('poison-worker');
    await waitFor('two dead letters', async () => (await redis.xlen(dead)) === 2, 20_000);
    await waitFor('every message acknowledged', async () => (await pendingCount()) === 0);
    expect(await storedIds('beside-poison')).toEqual(good.map((c) => c.id).sort());
    expect(await storedIds('poison')).toEqual([]);

    const letters = (await redis.xrange(dead, '-', '+')).map(([, fields]) => {
      const m = new Map<string, string>();
      for (let i = 0; i < fields.length; i += 2) m.set(fields[i]!, fields[i + 1]!);
      return m;
    });
    const byId = new Map(letters.map((m) => [m.get('id'), m]));
    expect(byId.get(garbled)?.get('reason')).toContain('not valid JSON');
    expect(byId.get(garbled)?.get('deliveries')).toBe('2');
    expect(byId.get(refused)?.get('reason')).toContain('the store rejected the batch');
    // The message is kept whole for inspection and replay.
    expect(JSON.parse(byId.get(refused)!.get('fields')!)).toContain('v');
    expect(byId.get(refused)!.get('fields')).toContain(rejected!.id);
  });
});

describe('Redis settings', () => {
  it('refuses a URL that is not Redis, naming the setting but never the password', () => {
    expect(() => loadConfig({ TALLY_REDIS_URL: 'http://user:hunter22@redis:6379' })).toThrow(
      /TALLY_REDIS_URL must be a URL such as redis:\/\/.*got http:\/\/user:\*\*\*@redis:6379/,
    );
    expect(() => loadConfig({ TALLY_REDIS_URL: 'http://user:hunter22@redis:6379' })).not.toThrow(/hunter22/);
    expect(() => loadConfig({ TALLY_REDIS_URL: REDIS_URL, TALLY_WORKER_CLAIM_IDLE_MS: 'soon' })).toThrow(
      /TALLY_WORKER_CLAIM_IDLE_MS must be a whole number from 100 to 86400000; got soon/,
    );
  });

  it('does not start when Redis cannot be reached, and says so without the password', async () => {
    const config = loadConfig({
      TALLY_STORE: ':memory:',
      TALLY_ADMIN_TOKEN: ADMIN,
      TALLY_REDIS_URL: 'redis://:hunter22@127.0.0.1:1',
    });
    const failure = await openTally(config).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(failure?.message).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 \(TALLY_REDIS_URL\)/);
    expect(failure?.message).not.toContain('hunter22');
  });
});

describe('a server with TALLY_REDIS_URL', () => {
  it('queues what every ingest path accepted, and its --worker stores it', async () => {
    const serverPrefix = `${prefix}server:`;
    const server = await startTestServer(
      { TALLY_STORE: ':memory:', TALLY_REDIS_URL: REDIS_URL, TALLY_REDIS_PREFIX: serverPrefix },
      undefined,
      { worker: { blockMs: 100, trimEveryMs: 50 } },
    );
    try {
      const at = new Date(Date.now() - 60_000).toISOString();
      const call = await server.call('POST', '/api/v1/ingest/llm', {
        body: { id: 'queued-call', timestamp: at, model: 'gpt-4o', input_tokens: 7 },
      });
      expect(call).toMatchObject({ status: 201, body: { id: 'queued-call', status: 'created' } });
      const bulk = await server.call('POST', '/api/v1/ingest/llm/bulk', {
        body: { events: [{ id: 'queued-call', timestamp: at, model: 'gpt-4o', input_tokens: 7 }] },
      });
      // The queue answers before the store has seen the call: no duplicate can be reported.
      expect(bulk.body).toMatchObject({ accepted: 1, duplicates: 0, results: [{ status: 201 }] });
      expect(bulk.body.results[0].duplicate).toBeUndefined();
      expect(
        (await server.call('POST', '/api/v1/ingest/app', { body: { timestamp: at, level: 'info', message: 'queued' } }))
          .status,
      ).toBe(201);
      expect(
        (
          await server.call('POST', '/api/v1/ingest/metrics', {
            body: { timestamp: at, name: 'queue_depth', value: 3 },
          })
        ).status,
      ).toBe(201);
      const nanos = `${BigInt(Date.now() - 60_000) * 1_000_000n}`;
      const otlp = await server.call('POST', '/v1/logs', {
        body: {
          resourceLogs: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'queued-service' } }] },
              scopeLogs: [
                { logRecords: [{ timeUnixNano: nanos, severityText: 'INFO', body: { stringValue: 'otlp' } }] },
              ],
            },
          ],
        },
      });
      expect(otlp.status).toBe(200);
      const added = (await redis.xinfo('STREAM', `${serverPrefix}ingest`)) as unknown[];
      expect(Number(added[added.indexOf('entries-added') + 1])).toBe(5);

      const { store } = server.ctx;
      await waitFor('the queued records stored', async () => {
        const logs = await store.logs({ projectId: 'default', limit: 100 });
        return logs.length === 2 && (await store.getEvent('default', 'queued-call')) !== null;
      });
      const page = await server.call('GET', '/api/v1/analytics/events');
      expect(page.body.events.map((e: { id: string }) => e.id)).toEqual(['queued-call']);
      expect((await store.logs({ projectId: 'default', limit: 100 })).map((l) => l.message).sort()).toEqual([
        'otlp',
        'queued',
      ]);
    } finally {
      await server.stop();
    }
  });
});
