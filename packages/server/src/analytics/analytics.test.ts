import { createStore, parseStoreLocation, type EventStore, type StoreLocation } from '@tally/storage';
import { PriceBook, prepareCallEvent, type CallEvent } from '@tally/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analytics } from './analytics.js';

const book = new PriceBook();
function makeCall(projectId: string, raw: Record<string, unknown>): CallEvent {
  const p = prepareCallEvent(
    { model: 'gpt-4o-mini', input_tokens: 10, ...raw },
    { projectId, now: Date.now(), ingestSource: 'api', capturePolicy: 'full', priceBook: book },
  );
  if (!p.ok) throw new Error('invalid test call');
  return p.value;
}

let store: EventStore;
beforeAll(async () => {
  store = createStore(parseStoreLocation(':memory:', '/tmp') as StoreLocation, { memoryLimit: '128MB' });
  await store.init();
  await store.write({
    calls: Array.from({ length: 30 }, (_, i) => makeCall('p', { id: `c${i}`, timestamp: Date.now() - 1000 * (i + 1) })),
  });
});
afterAll(async () => {
  await store.close();
});

describe('Analytics cache', () => {
  it('keeps at most maxRows rows of answers, dropping the oldest answers first', async () => {
    const a = new Analytics(store, 60_000, 100, 25);
    const now = Date.now();
    const page = (n: number) => a.events({ projectId: 'p', limit: 10, to: now - n });
    await page(0);
    await page(1);
    await page(0); // still cached: 20 rows
    expect([a.hits, a.misses]).toEqual([1, 2]);
    await page(2); // 30 rows > 25: the oldest answer goes
    await page(0);
    expect([a.hits, a.misses]).toEqual([1, 4]);
    await page(2);
    expect(a.hits).toBe(2);
  });

  it('answers again from the store after the project is invalidated, and not for other projects', async () => {
    const a = new Analytics(store, 60_000);
    const spec = { projectId: 'p', from: 0, to: Date.now(), metrics: ['calls' as const] };
    expect((await a.query(spec))[0]?.['calls']).toBe(30);
    a.invalidate('q');
    await a.query(spec);
    expect(a.hits).toBe(1);
    a.invalidate('p');
    await a.query(spec);
    expect(a.misses).toBe(2);
  });
});
