import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/serve.js';
import { ADMIN } from './helpers.js';

// Issue 8's scale-out test: two API replicas and two `tally worker` processes sharing Redis and one PostgreSQL
// store. One worker is SIGKILLed while it holds unacknowledged messages; every event a replica acknowledged must
// end up stored exactly once.
const REDIS_URL = process.env['TALLY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PG_SERVER = process.env['TALLY_TEST_POSTGRES_URL'] || 'postgres://root@127.0.0.1:5432/test';
const suffix = randomBytes(6).toString('hex');
const prefix = `tally-test-${suffix}:`;
const database = `tally_redis_${suffix}`;
const storeUrl = (() => {
  const u = new URL(PG_SERVER);
  u.pathname = `/${database}`;
  return u.toString();
})();
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

const env = {
  TALLY_STORE: storeUrl,
  TALLY_REDIS_URL: REDIS_URL,
  TALLY_REDIS_PREFIX: prefix,
  TALLY_ADMIN_TOKEN: ADMIN,
  TALLY_LOG_LEVEL: 'silent',
  TALLY_WORKER_CLAIM_IDLE_MS: '1000',
  TALLY_WORKER_BATCH: '20',
  TALLY_QUERY_CACHE_SECONDS: '60',
};

let redis: Redis;
let db: pg.Client;
const replicas: RunningServer[] = [];
const workers = new Map<string, { child: ChildProcess; output: () => string }>();

async function onServer(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_SERVER });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  await onServer(`CREATE DATABASE "${database}"`);
  db = new pg.Client({ connectionString: storeUrl });
  await db.connect();
  // One after the other: the first creates the schema.
  for (let i = 0; i < 2; i++)
    replicas.push(await startServer(loadConfig({ ...env, TALLY_PORT: '0' }), () => undefined));
  await startWorker('worker-a');
  await startWorker('worker-b');
}, 120_000);

afterAll(async () => {
  for (const { child } of workers.values()) if (child.exitCode === null) child.kill('SIGKILL');
  for (const r of replicas) await r.stop();
  await db?.end();
  await onServer(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, 60_000);

/** `tally worker` from source in its own process, as an operator runs it; resolves once it reads the stream. */
async function startWorker(name: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--conditions=tally-source', '--import', 'tsx', cli, 'worker', '--consumer', name],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  workers.set(name, { child, output: () => output });
  await waitFor(`${name} to start`, async () => output.includes(`Tally worker ${name}`), 60_000);
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let sequence = 0;
const sent = new Map<string, number>();

/** One call through a replica's HTTP API, single or in a bulk of `n`; records what was acknowledged. */
async function ingest(replica: RunningServer, n: number): Promise<void> {
  const events = Array.from({ length: n }, () => {
    const id = `scale-${sequence++}`;
    const input = 1 + (sequence % 97);
    return {
      id,
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      model: 'gpt-4o-mini',
      input_tokens: input,
      output_tokens: 3,
    };
  });
  const bulk = n > 1;
  const res = await fetch(`${replica.url}/api/v1/ingest/llm${bulk ? '/bulk' : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(bulk ? { events } : events[0]),
  });
  const body = (await res.json()) as { duplicates?: number; accepted?: number };
  expect(res.status).toBe(bulk ? 207 : 201);
  if (bulk) expect(body).toMatchObject({ accepted: n, duplicates: 0 });
  for (const e of events) sent.set(e.id, e.input_tokens);
}

/** Many requests at once, alternating replicas, single calls and bulks of 10. */
async function traffic(requests: number): Promise<void> {
  await Promise.all(Array.from({ length: requests }, (_, i) => ingest(replicas[i % 2]!, i % 3 === 0 ? 10 : 1)));
}

async function pendingOf(consumer: string): Promise<number> {
  const summary = (await redis.xpending(`${prefix}ingest`, 'workers')) as [
    number,
    string,
    string,
    [string, string][] | null,
  ];
  return Number(summary[3]?.find(([c]) => c === consumer)?.[1] ?? 0);
}

async function pendingTotal(): Promise<number> {
  return Number(((await redis.xpending(`${prefix}ingest`, 'workers')) as [number])[0]);
}

async function stored(): Promise<{ rows: number; ids: number; tokens: number }> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids, coalesce(sum(input_tokens), 0)::int AS tokens
       FROM calls WHERE project_id = 'default'`,
  );
  return rows[0] as { rows: number; ids: number; tokens: number };
}

async function summaryCalls(replica: RunningServer): Promise<number> {
  const res = await fetch(
    `${replica.url}/api/v1/analytics/summary?from=${new Date(Date.now() - 3_600_000).toISOString()}`,
  );
  return Number(((await res.json()) as { metrics: { calls: number } }).metrics.calls);
}

it('stores every acknowledged event exactly once when a worker is killed mid-batch', async () => {
  await traffic(30);
  await waitFor('the first events stored', async () => (await stored()).rows === sent.size);
  // Both replicas answer from the shared cache, moved on by the workers' commits.
  expect(await summaryCalls(replicas[0]!)).toBe(sent.size);
  expect(await summaryCalls(replicas[1]!)).toBe(sent.size);

  // Hold the store's writes so that both workers are caught holding messages they have not acknowledged.
  await db.query('BEGIN');
  await db.query('LOCK TABLE calls IN EXCLUSIVE MODE');
  await traffic(60);
  await waitFor('worker-a holding unacknowledged messages', async () => (await pendingOf('worker-a')) > 0);
  const held = await pendingOf('worker-a');
  workers.get('worker-a')!.child.kill('SIGKILL');
  await new Promise((resolve) => workers.get('worker-a')!.child.once('exit', resolve));
  await db.query('ROLLBACK');

  // Traffic goes on while worker-b stores its own messages and takes over worker-a's.
  await traffic(30);
  await waitFor('every acknowledged event stored', async () => (await stored()).rows >= sent.size, 60_000);
  await waitFor('every message acknowledged', async () => (await pendingTotal()) === 0, 30_000);

  const totals = await stored();
  expect(held).toBeGreaterThan(0);
  expect(totals.rows).toBe(sent.size);
  expect(totals.ids).toBe(sent.size);
  expect(totals.tokens).toBe([...sent.values()].reduce((a, b) => a + b, 0));
  const { rows } = await db.query(`SELECT id FROM calls WHERE project_id = 'default'`);
  expect(new Set(rows.map((r: { id: string }) => r.id))).toEqual(new Set(sent.keys()));
  expect(await summaryCalls(replicas[1]!)).toBe(sent.size);
  expect(workers.get('worker-b')!.output()).toContain('took over');

  // SIGTERM: the surviving worker finishes and exits cleanly.
  const b = workers.get('worker-b')!;
  b.child.kill('SIGTERM');
  const code = await new Promise((resolve) => b.child.once('exit', resolve));
  expect(code).toBe(0);
  expect(b.output()).toContain('worker stopped');
}, 180_000);
