import { randomBytes } from 'node:crypto';
import { prepareCallEvent, type CallEvent, type QuerySpec } from '@tally/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analytics } from '../src/analytics/analytics.js';
import { SharedAnswers } from '../src/cache/shared-answers.js';
import { loadConfig } from '../src/config.js';
import { RedisKeys } from '../src/queue/redis-client.js';
import { openTally, type OpenTally } from '../src/tally.js';
import { ADMIN } from './helpers.js';

// The analytics cache shared through a real Redis by two Analytics instances, as two replicas hold them.
const REDIS_URL = process.env['TALLY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `tally-test-${randomBytes(6).toString('hex')}:`;

let admin: Redis;
const clients: Redis[] = [];
let opened: OpenTally;

beforeAll(async () => {
  admin = new Redis(REDIS_URL);
  opened = await openTally(loadConfig({ TALLY_STORE: ':memory:', TALLY_ADMIN_TOKEN: ADMIN }));
});

afterAll(async () => {
  await opened?.close();
  for (const c of clients) c.disconnect();
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

/** One replica's analytics: its own Redis connection, the same store and Redis keys as the others. */
function replica(): Analytics {
  const client = new Redis(REDIS_URL);
  clients.push(client);
  const analytics = new Analytics(opened.ctx.store, 60_000);
  analytics.useShared(new SharedAnswers(client, new RedisKeys(prefix)));
  return analytics;
}

let counter = 0;
async function store(n: number): Promise<void> {
  const calls: CallEvent[] = [];
  for (let i = 0; i < n; i++) {
    const p = prepareCallEvent(
      {
        id: `cache-${counter++}`,
        timestamp: Date.now() - 60_000,
        model: 'gpt-4o',
        input_tokens: 100,
        output_tokens: 20,
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
    calls.push(p.value);
  }
  await opened.ctx.store.write({ calls });
}

const spec: QuerySpec = {
  projectId: 'default',
  from: Date.now() - 3_600_000,
  to: Date.now() + 3_600_000,
  metrics: ['calls', 'total_tokens'],
};

describe('the analytics cache shared through Redis', () => {
  it('answers one replica from what another computed, and recomputes on both once one invalidates', async () => {
    const a = replica();
    const b = replica();
    await store(5);

    const first = await a.query(spec);
    expect(first[0]).toMatchObject({ calls: 5, total_tokens: 600 });
    expect(a.misses).toBe(1);
    // B never asked before: its answer is A's, from Redis, identical.
    expect(await b.query(spec)).toEqual(first);
    expect(b.hits).toBe(1);
    expect(b.misses).toBe(0);

    // Data changed behind the cache's back: both still answer from Redis until someone invalidates.
    await store(3);
    expect((await b.query(spec))[0]).toMatchObject({ calls: 5 });

    // A commit seen by A (a worker's commit listener does this) moves the project's generation for everyone.
    await a.invalidate('default');
    expect((await b.query(spec))[0]).toMatchObject({ calls: 8, total_tokens: 960 });
    expect(b.misses).toBe(1);
    expect((await a.query(spec))[0]).toMatchObject({ calls: 8 });
    expect(a.hits).toBe(1);
  });

  it('keeps event pages as they were computed', async () => {
    const a = replica();
    const b = replica();
    const filter = { projectId: 'default', limit: 3 };
    const page = await a.events(filter);
    expect(page.events).toHaveLength(3);
    expect(await b.events(filter)).toEqual(page);
    expect(b.hits).toBe(1);
  });

  it('answers from the store when Redis cannot be reached', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    dead.on('error', () => undefined);
    clients.push(dead);
    const analytics = new Analytics(opened.ctx.store, 60_000);
    analytics.useShared(new SharedAnswers(dead, new RedisKeys(prefix)));
    expect((await analytics.query(spec))[0]).toMatchObject({ calls: 8 });
    await analytics.invalidate('default');
  });
});
