import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configure, flush, logCall, shutdown, stats, track } from '@tally/sdk';
import { ADMIN, startTestServer, tempDir, type TestServer } from './helpers.js';

// Short waits so an outage is noticed and a replay attempted within a test's time.
const FAST = { batchSize: 10, flushIntervalMs: 20, replayIntervalMs: 100, maxRetries: 2, baseDelayMs: 10 };

const servers: TestServer[] = [];
async function server(env: Record<string, string> = {}, dataDir?: string): Promise<TestServer> {
  const s = await startTestServer(env, dataDir);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await shutdown();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function storedEvents(s: TestServer, key?: string): Promise<Record<string, any>[]> {
  const r = await s.call('GET', '/api/v1/analytics/events?limit=1000', key ? { key } : {});
  expect(r.status).toBe(200);
  return r.body.events;
}

let n = 0;
function logSome(count: number, prefix: string): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${++n}`;
    ids.push(id);
    logCall({ id, provider: 'openai', model: 'gpt-4o', input_tokens: 1000 + i, output_tokens: 100, user_id: 'u1' });
  }
  return ids;
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting for the SDK');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the SDK HTTP sink against a real Tally server', () => {
  it('delivers tracked calls in batches with their tokens, a computed cost and ingest_source sdk', async () => {
    const s = await server();
    const before = stats().written;
    configure({ url: s.url, dir: tempDir(), http: FAST });
    const ids = logSome(25, 'arrive');
    const answer = await track({ provider: 'openai', model: 'gpt-4o-mini', operation: 'chat_answer' }, async (call) => {
      call.updateTokens({ input_tokens: 50, output_tokens: 7 });
      return 'ok';
    });
    expect(answer).toBe('ok');
    await flush();
    expect(stats().written - before).toBe(26);
    const events = await storedEvents(s);
    expect(events).toHaveLength(26);
    expect(new Set(events.map((e) => e.id))).toEqual(
      new Set([...ids, ...events.filter((e) => e.model === 'gpt-4o-mini').map((e) => e.id)]),
    );
    const one = events.find((e) => e.id === ids[3])!;
    expect(one).toMatchObject({ provider: 'openai', model: 'gpt-4o', input_tokens: 1003, output_tokens: 100 });
    expect(one.cost_source).toBe('computed');
    expect(one.cost_usd).toBeGreaterThan(0);
    expect(one.ingest_source).toBe('sdk');
    expect(events.find((e) => e.model === 'gpt-4o-mini')).toMatchObject({ input_tokens: 50, output_tokens: 7 });
  });

  it('spills while the server is down and replays everything once it is back: none lost, none doubled', async () => {
    const dataDir = tempDir();
    const first = await server({}, dataDir);
    const port = new URL(first.url).port;
    const dir = tempDir();
    const spill = join(dir, 'tally-spill.jsonl');
    configure({ url: first.url, dir, http: FAST });
    const tracked = logSome(12, 'outage');
    await flush();
    const spilledBefore = stats().spilled ?? 0;
    // Calls tracked while the server shuts down: some may still be stored, the rest are spilled.
    const stopping = first.stop();
    tracked.push(...logSome(6, 'outage'));
    await stopping;

    // The host keeps running while the server is gone: tracking returns at once, the function's value comes back.
    expect(track({ model: 'gpt-4o', provider: 'openai' }, () => 42)).toBe(42);
    tracked.push(...logSome(14, 'outage'));
    await flush();
    const spilled = (stats().spilled ?? 0) - spilledBefore;
    expect(spilled).toBeGreaterThanOrEqual(15);
    expect(readFileSync(spill, 'utf8').trim().split('\n')).toHaveLength(spilled);

    const second = await server({ TALLY_PORT: port }, dataDir);
    tracked.push(...logSome(5, 'outage'));
    await until(() => !existsSync(spill) && !existsSync(`${spill}.replaying`));
    await flush();
    const events = await storedEvents(second);
    const ids = events.map((e) => e.id);
    expect(ids).toHaveLength(38);
    expect(new Set(ids).size).toBe(38);
    for (const id of tracked) expect(ids).toContain(id);
    expect(stats().replayed).toBeGreaterThanOrEqual(15);
  });

  it('reports a bad key (401) through stats and onError, spills the events and delivers them with a good key', async () => {
    const s = await server();
    const made = await s.call('POST', '/api/v1/projects/default/keys', { body: { scope: 'ingest' }, key: ADMIN });
    expect(made.status).toBe(201);
    const dir = tempDir();
    const errors: unknown[] = [];
    const before = stats();
    configure({ url: s.url, apiKey: 'tly_not-a-real-key', dir, http: FAST, onError: (e) => errors.push(e) });
    const ids = logSome(3, 'badkey');
    await flush();
    expect(stats().errors).toBeGreaterThan(before.errors);
    expect(String(errors[0])).toContain('401');
    expect(stats().dropped).toBe(before.dropped);
    expect(readFileSync(join(dir, 'tally-spill.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);

    // A new configuration with the right key replays what the bad one spilled.
    configure({ url: s.url, apiKey: made.body.key, dir, http: FAST });
    logSome(1, 'badkey');
    await until(
      () => !existsSync(join(dir, 'tally-spill.jsonl')) && !existsSync(join(dir, 'tally-spill.jsonl.replaying')),
    );
    await flush();
    const stored = (await storedEvents(s, ADMIN)).map((e) => e.id);
    for (const id of ids) expect(stored).toContain(id);
    expect(stored).toHaveLength(4);
  });

  it('sends to the server named by TALLY_URL without any URL in code', async () => {
    const s = await server();
    const dir = tempDir();
    process.env['TALLY_URL'] = s.url;
    try {
      configure({ dir, http: FAST });
      const ids = logSome(2, 'env');
      await flush();
      expect((await storedEvents(s)).map((e) => e.id).sort()).toEqual(ids.sort());
      expect(existsSync(join(dir, 'master_llm_calls.jsonl'))).toBe(false);
    } finally {
      delete process.env['TALLY_URL'];
    }
  });

  it('resolves flush and shutdown when nothing answers at the URL, with every event spilled', async () => {
    const gone = await startTestServer();
    const url = gone.url;
    await gone.stop();
    const dir = tempDir();
    configure({ url, dir, http: { ...FAST, replayIntervalMs: 60_000 } });
    logSome(4, 'nobody');
    await flush();
    await shutdown();
    expect(readFileSync(join(dir, 'tally-spill.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
  });
});
