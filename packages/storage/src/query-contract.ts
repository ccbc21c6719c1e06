import { randomUUID } from 'node:crypto';
import { nearestRank, type CallEvent } from '@tally/core';
import { describe, expect, it } from 'vitest';
import type { EventStore } from './event-store.js';
import { makeCall } from './test-events.js';

const HOUR = 3_600_000;

/** Local `YYYY-MM-DD` by Intl, and the instant that local day starts found by stepping back a quarter hour at a time. */
function expectedDayStart(ms: number, tz: string): number {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: tz });
  const day = (t: number) => f.format(new Date(t));
  const d = day(ms);
  let t = Math.floor(ms / 900_000) * 900_000;
  while (day(t - 900_000) === d) t -= 900_000;
  return t;
}

/**
 * The analytics questions every backend must answer identically. The expected numbers are computed here from the
 * raw events, never by the code under test.
 */
export function queryContract(getStore: () => EventStore): void {
  describe('query', () => {
    const project = () => `q-${randomUUID()}`;
    const base = Date.UTC(2026, 9, 31, 12); // 2026-10-31 12:00Z; New York leaves DST on 2026-11-01

    function dataset(p: string): CallEvent[] {
      const calls: CallEvent[] = [];
      const models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'mystery-model-x'];
      for (let i = 0; i < 120; i++) {
        const failed = i % 9 === 0;
        calls.push(
          makeCall(p, {
            id: `c${i}`,
            timestamp: base + i * 47 * 60_000,
            model: models[i % 4],
            provider: i % 4 === 2 ? 'anthropic' : i % 4 === 3 ? 'acme' : 'openai',
            input_tokens: 100 + i,
            output_tokens: 10 + (i % 7),
            cache_read_tokens: i % 3 === 0 ? 50 : undefined,
            reasoning_tokens: i % 5 === 0 ? 4 : undefined,
            duration_ms: i % 11 === 0 ? undefined : 200 + ((i * 37) % 1000),
            ttft_ms: i % 2 === 0 ? 50 + (i % 13) : undefined,
            status: failed ? (i % 2 === 0 ? 'error' : 'timeout') : 'success',
            error_type: failed ? 'RateLimitError' : undefined,
            error_message: failed ? `rate limited on request ${1000 + i}, retry after ${i % 4}s` : undefined,
            user_id: i % 6 === 5 ? undefined : `u${i % 6}`,
            session_id: `s${i % 10}`,
            agent_name: i % 2 === 0 ? 'Calculator Bot' : undefined,
            tags: i % 3 === 0 ? ['beta', 'eu'] : ['eu'],
            team: i % 2 === 0 ? 'search' : 'ads',
          }),
        );
      }
      return calls;
    }

    it('counts, sums, distinct counts and costs per group match the raw events', async () => {
      const store = getStore();
      const p = project();
      const calls = dataset(p);
      await store.write({ calls });
      await store.write({ calls: [makeCall(project(), { timestamp: base })] }); // another project, never counted
      const rows = await store.query({
        projectId: p,
        from: base - HOUR,
        to: base + 200 * HOUR,
        groupBy: ['model'],
        metrics: [
          'calls',
          'errors',
          'error_rate',
          'input_tokens',
          'output_tokens',
          'total_tokens',
          'cache_read_tokens',
          'reasoning_tokens',
          'cost_usd',
          'unpriced_calls',
          'avg_duration_ms',
          'users',
          'sessions',
        ],
        orderBy: { metric: 'calls', direction: 'desc' },
      });
      expect(rows).toHaveLength(4);
      for (const row of rows) {
        const mine = calls.filter((c) => c.model === row['model']);
        const sum = (f: (c: CallEvent) => number | null | undefined) => mine.reduce((a, c) => a + (f(c) ?? 0), 0);
        const durations = mine.map((c) => c.duration_ms).filter((d): d is number => d != null);
        expect(row).toEqual({
          model: row['model'],
          calls: mine.length,
          errors: mine.filter((c) => c.status !== 'success').length,
          error_rate: mine.filter((c) => c.status !== 'success').length / mine.length,
          input_tokens: sum((c) => c.input_tokens),
          output_tokens: sum((c) => c.output_tokens),
          total_tokens: sum((c) => c.total_tokens),
          cache_read_tokens: sum((c) => c.cache_read_tokens),
          reasoning_tokens: sum((c) => c.reasoning_tokens),
          cost_usd: mine.some((c) => c.cost_usd != null)
            ? expect.closeTo(
                sum((c) => c.cost_usd),
                9,
              )
            : 0,
          unpriced_calls: mine.filter((c) => c.cost_source === 'unpriced').length,
          avg_duration_ms: expect.closeTo(durations.reduce((a, b) => a + b, 0) / durations.length, 5),
          users: new Set(mine.map((c) => c.user_id).filter(Boolean)).size,
          sessions: new Set(mine.map((c) => c.session_id).filter(Boolean)).size,
        });
      }
      expect(rows.find((r) => r['model'] === 'mystery-model-x')?.['unpriced_calls']).toBe(30);
    });

    it('computes nearest-rank percentiles', async () => {
      const store = getStore();
      const p = project();
      const calls = dataset(p);
      await store.write({ calls });
      for (const n of [1, 2, 7, 20, 120]) {
        const subset = calls.slice(0, n);
        const [row] = await store.query({
          projectId: p,
          from: subset[0]!.timestamp,
          to: subset[n - 1]!.timestamp + 1,
          metrics: ['p50_duration_ms', 'p90_duration_ms', 'p95_duration_ms', 'p99_duration_ms', 'p95_ttft_ms'],
        });
        const d = subset.map((c) => c.duration_ms).filter((x): x is number => x != null);
        const t = subset.map((c) => c.ttft_ms).filter((x): x is number => x != null);
        expect(row).toEqual({
          p50_duration_ms: nearestRank(d, 0.5),
          p90_duration_ms: nearestRank(d, 0.9),
          p95_duration_ms: nearestRank(d, 0.95),
          p99_duration_ms: nearestRank(d, 0.99),
          p95_ttft_ms: nearestRank(t, 0.95),
        });
      }
    });

    it('buckets by local day across a DST change and by hour, and lists every bucket for gap filling', async () => {
      const store = getStore();
      const p = project();
      const calls = dataset(p);
      await store.write({ calls });
      for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
        const rows = await store.query({
          projectId: p,
          from: base - 48 * HOUR,
          to: base + 200 * HOUR,
          interval: 'day',
          tz,
          metrics: ['calls', 'output_tokens'],
        });
        const expected = new Map<number, { calls: number; output_tokens: number }>();
        for (const c of calls) {
          const b = expectedDayStart(c.timestamp, tz);
          const e = expected.get(b) ?? { calls: 0, output_tokens: 0 };
          e.calls += 1;
          e.output_tokens += c.output_tokens ?? 0;
          expected.set(b, e);
        }
        expect(rows).toEqual([...expected].sort((a, b) => a[0] - b[0]).map(([bucket, e]) => ({ bucket, ...e })));
        const buckets = await store.buckets(base - 48 * HOUR, base + 200 * HOUR, 'day', tz);
        for (const b of expected.keys()) expect(buckets).toContain(b);
        expect(buckets[0]).toBe(expectedDayStart(base - 48 * HOUR, tz));
        expect(buckets.at(-1)).toBe(expectedDayStart(base + 200 * HOUR - 1, tz));
        expect(new Set(buckets).size).toBe(buckets.length);
      }
      // The local day of 2026-11-01 in New York has 25 hours.
      const ny = await store.buckets(Date.UTC(2026, 10, 1, 12), Date.UTC(2026, 10, 3, 12), 'day', 'America/New_York');
      expect(ny).toEqual([Date.UTC(2026, 10, 1, 4), Date.UTC(2026, 10, 2, 5), Date.UTC(2026, 10, 3, 5)]);
      const hours = await store.query({
        projectId: p,
        from: base,
        to: base + 3 * HOUR,
        interval: 'hour',
        metrics: ['calls'],
      });
      expect(hours.map((r) => r['bucket'])).toEqual([base, base + HOUR, base + 2 * HOUR]);
      expect(hours.reduce((a, r) => a + Number(r['calls']), 0)).toBe(
        calls.filter((c) => c.timestamp < base + 3 * HOUR).length,
      );
    });

    it('filters on dimensions, tags and metadata keys', async () => {
      const store = getStore();
      const p = project();
      const calls = dataset(p);
      await store.write({ calls });
      const count = async (filters: Parameters<EventStore['query']>[0]['filters']) =>
        (await store.query({ projectId: p, from: 0, to: base + 1000 * HOUR, filters, metrics: ['calls'] }))[0]?.[
          'calls'
        ];
      expect(await count([{ field: 'model', op: 'eq', values: ['gpt-4o'] }])).toBe(30);
      expect(await count([{ field: 'model', op: 'in', values: ['gpt-4o', 'gpt-4o-mini'] }])).toBe(60);
      expect(await count([{ field: 'agent_name', op: 'neq', values: ['Calculator Bot'] }])).toBe(60);
      expect(await count([{ field: 'user_id', op: 'absent', values: [] }])).toBe(
        calls.filter((c) => !c.user_id).length,
      );
      expect(await count([{ field: 'user_id', op: 'not_in', values: ['u1', 'u2'] }])).toBe(
        calls.filter((c) => c.user_id !== 'u1' && c.user_id !== 'u2').length,
      );
      expect(await count([{ field: 'tag', op: 'eq', values: ['beta'] }])).toBe(40);
      expect(await count([{ field: 'tag', op: 'not_in', values: ['beta'] }])).toBe(80);
      expect(await count([{ field: 'metadata.team', op: 'eq', values: ['search'] }])).toBe(60);
      expect(await count([{ field: 'status_code', op: 'eq', values: ['200'] }])).toBe(0);
      expect(await count([{ field: 'model', op: 'eq', values: ["x' OR '1'='1"] }])).toBe(0);
    });

    it('groups errors by pattern with first and last seen and sample ids', async () => {
      const store = getStore();
      const p = project();
      const calls = dataset(p);
      await store.write({ calls });
      const rows = await store.query({
        projectId: p,
        from: 0,
        to: base + 1000 * HOUR,
        filters: [{ field: 'status', op: 'neq', values: ['success'] }],
        groupBy: ['error_type', 'error_pattern'],
        metrics: ['calls', 'first_seen', 'last_seen', 'sample_ids'],
        orderBy: { metric: 'calls', direction: 'desc' },
      });
      const failed = calls.filter((c) => c.status !== 'success');
      expect(rows).toEqual([
        {
          error_type: 'RateLimitError',
          error_pattern: 'rate limited on request <n>, retry after <n>s',
          calls: failed.length,
          first_seen: failed[0]!.timestamp,
          last_seen: failed.at(-1)!.timestamp,
          sample_ids: failed
            .slice(-5)
            .reverse()
            .map((c) => c.id),
        },
      ]);
    });

    it('pages oldest first through filtered events', async () => {
      const store = getStore();
      const p = project();
      const calls = dataset(p);
      await store.write({ calls });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.events({
          projectId: p,
          order: 'asc',
          filters: [{ field: 'session_id', op: 'eq', values: ['s3'] }],
          limit: 4,
          cursor,
        });
        seen.push(...page.events.map((e) => e.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(calls.filter((c) => c.session_id === 's3').map((c) => c.id));
    });
  });
}
