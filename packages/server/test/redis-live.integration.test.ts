import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../storage/src/postgres/test/test-database.js';
import { ADMIN, startTestServerOn, tempDir, type TestServer } from './helpers.js';

// Live streams across replicas: replica A only serves; replica B serves and runs the one worker
// (`tally serve --worker`), on one PostgreSQL database and a Redis key prefix of their own. Calls ingested through
// B are queued in Redis, stored by B's worker and published to every replica's live streams.
const REDIS_URL = process.env['TALLY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `tally-test-${randomBytes(6).toString('hex')}:`;
const channel = `${prefix}live`;
const suffix = randomBytes(4).toString('hex');
const P = `live-p-${suffix}`;
const Q = `live-q-${suffix}`;

let redis: Redis;
let db: TestDatabase;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  db = await createTestDatabase();
  const env = { TALLY_STORE: db.url, TALLY_REDIS_URL: REDIS_URL, TALLY_REDIS_PREFIX: prefix };
  a = await startTestServerOn('postgres', env);
  for (const id of [P, Q]) {
    const r = await a.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } });
    expect(r.status).toBe(201);
  }
  // Started after the projects exist, so that B knows them from its start.
  b = await startTestServerOn('postgres', env, tempDir(), { worker: { consumer: 'live-worker', blockMs: 100 } });
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await db?.drop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, 60_000);

interface Frame {
  event: string;
  id: string | null;
  data: any;
}

/** A live stream read in the background, as a browser's fetch reads it; `frames` grows as events arrive. */
interface LiveClient {
  frames: Frame[];
  calls(): Frame[];
  close(): void;
}

function parseFrame(block: string): Frame | null {
  const frame: Frame = { event: 'message', id: null, data: null };
  let isComment = true;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    isComment = false;
    const at = line.indexOf(': ');
    const [field, value] = at >= 0 ? [line.slice(0, at), line.slice(at + 2)] : [line, ''];
    if (field === 'event') frame.event = value;
    else if (field === 'id') frame.id = value;
    else if (field === 'data') frame.data = JSON.parse(value);
  }
  return isComment ? null : frame;
}

async function openLive(server: TestServer, project: string, query = ''): Promise<LiveClient> {
  const controller = new AbortController();
  // A connection of its own, gone when the client closes, so that it never holds a server's shutdown.
  const dispatcher = new Agent({ connections: 1 });
  const r = await fetch(`${server.url}/api/v1/live${query}`, {
    headers: { authorization: `Bearer ${ADMIN}`, 'x-tally-project': project },
    signal: controller.signal,
    dispatcher,
  });
  expect(r.status).toBe(200);
  const frames: Frame[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of r.body!) {
        buffered += decoder.decode(chunk, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const frame = parseFrame(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          if (frame) frames.push(frame);
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  await waitFor('the ready event', async () => frames[0]?.event === 'ready');
  return {
    frames,
    calls: () => frames.filter((f) => f.event === 'call'),
    close: () => {
      controller.abort();
      void dispatcher.destroy();
    },
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Live connections Redis counts on the channel: one per replica that has a live stream open. */
async function subscribed(): Promise<number> {
  const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
  return Number(count);
}

const minuteAgo = () => new Date(Date.now() - 60_000).toISOString();

async function ingest(server: TestServer, project: string, id: string, model = 'gpt-4o'): Promise<void> {
  const r = await server.call('POST', '/api/v1/ingest/llm/bulk', {
    key: ADMIN,
    headers: { 'x-tally-project': project },
    body: { events: [{ id, timestamp: minuteAgo(), model, input_tokens: 12, output_tokens: 3 }] },
  });
  expect(r.status).toBe(207);
  expect(r.body.rejected).toBe(0);
}

const ids = (frames: Frame[]) => frames.map((f) => f.id);

describe('live streams with Redis', () => {
  it('subscribes a replica to the live channel only while it holds a live stream', async () => {
    expect(await subscribed()).toBe(0);
    const first = await openLive(a, P);
    const second = await openLive(a, Q);
    await waitFor('replica A subscribed', async () => (await subscribed()) === 1);
    first.close();
    await waitFor('one stream left', async () => a.ctx.live.subscribers === 1);
    expect(await subscribed()).toBe(1);
    second.close();
    await waitFor('no stream left', async () => a.ctx.live.subscribers === 0);
    await waitFor('replica A unsubscribed', async () => (await subscribed()) === 0);
  });

  it("streams on replica A the calls ingested through replica B, to their own project's views only", async () => {
    const onA = await openLive(a, P);
    const filteredOnA = await openLive(a, P, '?model=gpt-4o-mini');
    const otherOnA = await openLive(a, Q);
    // B serves and works: its stream hears its worker's commits from its writer, and must not hear them again
    // from Redis.
    const onB = await openLive(b, P);
    try {
      // A worker asks Redis whether anybody listens at most once a second: until it has, calls go unpublished.
      // Send probes until one arrives.
      let probes = 0;
      await waitFor(
        'a first call on replica A',
        async () => {
          if (onA.calls().length > 0) return true;
          await ingest(b, P, `probe-${probes++}`);
          await new Promise((r) => setTimeout(r, 200));
          return onA.calls().length > 0;
        },
        60_000,
      );

      // A call of project Q and one of P that A's filtered view leaves out, then a call it keeps. A view hears
      // a call when the other views of its replica do (one message fans out to all of them), so once Q's view has
      // its call, P's views would have it too had it leaked.
      await ingest(b, Q, 'q-1', 'gpt-4o-mini');
      await ingest(b, P, 'p-1', 'gpt-4o');
      await waitFor('q-1 on the view of project Q', async () => ids(otherOnA.calls()).includes('q-1'));
      await waitFor('p-1 on replica A', async () => ids(onA.calls()).includes('p-1'));
      await ingest(b, P, 'p-2', 'gpt-4o-mini');
      await waitFor('p-2 on replica A', async () => ids(onA.calls()).includes('p-2'));
      await waitFor('p-2 on the filtered view', async () => ids(filteredOnA.calls()).includes('p-2'));

      // Each view got what a local commit gives it: its project's matching calls, in the order stored, as the
      // events API lists them.
      expect(onA.calls().every((f) => f.data.project_id === P)).toBe(true);
      expect(ids(onA.calls()).indexOf('p-1')).toBeLessThan(ids(onA.calls()).indexOf('p-2'));
      expect(ids(filteredOnA.calls())).toEqual(['p-2']);
      expect(ids(otherOnA.calls())).toEqual(['q-1']);
      const listed = await a.call('GET', '/api/v1/analytics/events?limit=1000', {
        key: ADMIN,
        headers: { 'x-tally-project': P },
      });
      const byId = new Map((listed.body.events as any[]).map((e) => [e.id, e]));
      for (const f of onA.calls()) expect(f.data).toEqual(byId.get(f.id!));

      // A last call: once B's stream has it, a copy of the earlier ones coming back through Redis would have too.
      await ingest(b, P, 'p-3');
      await waitFor('p-3 on replica A', async () => ids(onA.calls()).includes('p-3'));
      await waitFor('p-3 on replica B', async () => ids(onB.calls()).includes('p-3'));
      const onBIds = ids(onB.calls());
      expect(new Set(onBIds).size).toBe(onBIds.length);
      // B also saw the probes its worker stored before it published; everything A saw, B saw in the same order.
      expect(onBIds.filter((id) => ids(onA.calls()).includes(id))).toEqual(ids(onA.calls()));
    } finally {
      for (const live of [onA, filteredOnA, otherOnA, onB]) live.close();
    }
  }, 120_000);
});
