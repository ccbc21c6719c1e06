import { describe, expect, it } from 'vitest';
import type { CallItem } from '../../api/types.js';
import { emptyFeed, feedReducer, MAX_KEPT, type Feed, type FeedAction } from './feed.js';

const call = (id: string, fields: Partial<CallItem> = {}): CallItem => ({
  id,
  timestamp: Date.parse('2026-11-23T10:00:00.000Z'),
  provider: 'openai',
  model: 'gpt-4o',
  status: 'success',
  input_tokens: 10,
  output_tokens: 5,
  total_tokens: 15,
  cost_usd: 0.5,
  ...fields,
});

const run = (...actions: FeedAction[]): Feed => actions.reduce(feedReducer, emptyFeed());

describe('the live feed', () => {
  it('shows the newest first and adds up what arrived', () => {
    const f = run(
      { type: 'calls', calls: [call('a'), call('b', { status: 'error', cost_usd: null })] },
      { type: 'calls', calls: [call('c', { total_tokens: null })] },
    );
    expect(f.shown.map((c) => c.id)).toEqual(['c', 'b', 'a']);
    expect(f.totals).toEqual({ calls: 3, tokens: 45, cost: 1, errors: 1, unpriced: 1 });
  });

  it('holds calls back while paused, counts them, and shows them on resume', () => {
    const paused = run(
      { type: 'calls', calls: [call('a')] },
      { type: 'pause' },
      { type: 'calls', calls: [call('b'), call('c')] },
    );
    expect(paused.shown.map((c) => c.id)).toEqual(['a']);
    expect(paused.waitingCount).toBe(2);
    expect(paused.totals.calls).toBe(3);
    const resumed = feedReducer(paused, { type: 'resume' });
    expect(resumed.shown.map((c) => c.id)).toEqual(['c', 'b', 'a']);
    expect(resumed.waitingCount).toBe(0);
  });

  it('keeps the newest calls only, never the same call twice', () => {
    const many = Array.from({ length: MAX_KEPT + 20 }, (_, i) => call(`c${i}`));
    const f = run({ type: 'calls', calls: many }, { type: 'calls', calls: [call(`c${MAX_KEPT + 19}`)] });
    expect(f.shown).toHaveLength(MAX_KEPT);
    expect(f.shown[0]?.id).toBe(`c${MAX_KEPT + 19}`);
    expect(f.totals.calls).toBe(MAX_KEPT + 20);
  });

  it('starts a new count on reset, staying paused if it was', () => {
    const f = run(
      { type: 'calls', calls: [call('a')] },
      { type: 'pause' },
      { type: 'dropped', count: 3 },
      { type: 'reset' },
    );
    expect(f.shown).toEqual([]);
    expect(f.totals.calls).toBe(0);
    expect(f.missed).toBe(0);
    expect(f.paused).toBe(true);
  });
});
