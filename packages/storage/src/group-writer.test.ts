import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from './duckdb/duckdb-store.js';
import { GroupWriter } from './group-writer.js';
import { makeCall } from './test-events.js';

describe('GroupWriter', () => {
  const store = new DuckDbStore({ path: ':memory:' });
  beforeAll(() => store.init());
  afterAll(() => store.close());

  it('tells each request of a shared transaction which of its calls were stored before', async () => {
    // One transaction in flight at a time: the second and third requests wait and are committed together.
    const writer = new GroupWriter(store, 50_000, 1);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => makeCall('group-writer', { id }));
    const results = await Promise.all([
      writer.write({ calls: [a!, b!] }),
      writer.write({ calls: [b!, c!] }),
      writer.write({ calls: [d!, c!, a!] }),
    ]);
    expect(results.map((r) => r.duplicateCalls)).toEqual([[], [0], [1, 2]]);
    expect(results.map((r) => r.calls)).toEqual([2, 1, 1]);
    expect((await store.stats('group-writer')).calls).toBe(4);
    await writer.close();
  });
});
