import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCall } from '../test-events.js';
import { PostgresStore } from './postgres-store.js';
import { createTestDatabase, type TestDatabase } from './test/test-database.js';

describe('PostgreSQL writes', () => {
  let database: TestDatabase;
  let store: PostgresStore;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresStore({ url: database.url, poolSize: 8 });
    await store.init();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('stores each call once when several writers send overlapping batches at the same time', async () => {
    const p = 'concurrent';
    const t0 = Date.now() - 3_600_000;
    const calls = Array.from({ length: 300 }, (_, i) => makeCall(p, { id: `k${i}`, timestamp: t0 + (i % 17) * 1000 }));
    // Each writer sends the calls in another order, so their inserts meet in different orders.
    const batches = Array.from({ length: 8 }, (_, w) =>
      calls.map((_, i) => calls[(i * (2 * w + 1) + w * 37) % calls.length]!),
    );
    const results = await Promise.all(batches.map((b) => store.write({ calls: b })));
    expect(results.reduce((n, r) => n + r.calls, 0)).toBe(300);
    results.forEach((r) => expect(r.duplicateCalls.length).toBe(300 - r.calls));
    expect((await store.stats(p)).calls).toBe(300);
  });

  it('keeps a call whose text PostgreSQL cannot hold as is, instead of failing the batch', async () => {
    const p = 'odd-text';
    await store.write({
      calls: [
        makeCall(p, {
          id: 'nul',
          error_message: 'before\u0000after',
          tags: ['t\u0000ag'],
          metadata: { lone: 'x\ud800y', pair: '😀', nul: 'a\u0000b' },
        }),
        makeCall(p, { id: 'fine' }),
      ],
    });
    const odd = await store.getEvent(p, 'nul');
    expect(odd?.error_message).toBe('before\uFFFDafter');
    expect(odd?.tags).toEqual(['t\uFFFDag']);
    expect(odd?.metadata).toEqual({ lone: 'x\uFFFDy', pair: '😀', nul: 'a\u0000b' });
    expect((await store.stats(p)).calls).toBe(2);
  });
});
