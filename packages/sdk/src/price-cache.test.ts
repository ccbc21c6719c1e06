import { calcPrice, waitForUpdate } from '@pydantic/genai-prices';
import type { MatchLogic } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { estimateCost } from './cost.js';

/** A model id its match rule accepts, or null for rules too loose to sample. */
const sample = (m: MatchLogic): string | null =>
  'equals' in m ? m.equals : 'starts_with' in m ? `${m.starts_with}x` : 'or' in m && m.or[0] ? sample(m.or[0]) : null;

describe('estimateCost', () => {
  it('gives the cost calcPrice gives, for every model in the book, at several times and token mixes', async () => {
    const times = ['2025-06-09T23:59:59Z', '2026-01-01T07:00:00Z', '2026-08-17T03:59:59Z', '2027-01-02T20:00:00Z'];
    const usages = [
      { input_tokens: 1234, output_tokens: 567 },
      {
        input_tokens: 5000,
        cache_read_tokens: 4000,
        cache_write_tokens: 500,
        output_tokens: 300,
        reasoning_tokens: 200,
      },
      { input_tokens: 300_000, cache_read_tokens: 100_000, output_tokens: 1000 },
    ];
    const mismatches: string[] = [];
    let compared = 0;
    for (const provider of (await waitForUpdate()) ?? []) {
      for (const model of provider.models) {
        const id = sample(model.match);
        if (id === null) continue;
        for (const time of times) {
          for (const u of usages) {
            const at = new Date(time);
            const { reasoning_tokens, ...rest } = u as typeof u & { reasoning_tokens?: number };
            const direct = calcPrice({ ...rest, output_reasoning_tokens: reasoning_tokens }, id, {
              providerId: provider.id,
              timestamp: at,
            });
            const r = estimateCost(provider.id, id, at, u);
            const sameModel = r.price_model_id === (direct && `${direct.provider.id}/${direct.model.id}`);
            // Equal after rounding to 10 decimals, bar a half-way tie where float summation order differs.
            const sameCost = direct ? Math.abs((r.cost_usd ?? NaN) - direct.total_price) <= 1e-10 : r.cost_usd === null;
            if (!sameModel || !sameCost) mismatches.push(`${provider.id}/${id} at ${time} ${JSON.stringify(u)}`);
            compared++;
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(10_000);
  });

  it('prices a model under an unknown provider id by the model alone, and leaves unknown models unpriced', () => {
    const at = new Date('2025-06-01T00:00:00Z');
    const tokens = { input_tokens: 1000, output_tokens: 100 };
    expect(estimateCost('gemini', 'gemini-2.0-flash', at, tokens)).toEqual(
      estimateCost(undefined, 'gemini-2.0-flash', at, tokens),
    );
    expect(estimateCost('gemini', 'gemini-2.0-flash', at, tokens).cost_source).toBe('computed');
    expect(estimateCost('acme', 'acme-router-v2', at, tokens)).toEqual({
      cost_usd: null,
      cost_source: 'unpriced',
      price_model_id: null,
    });
    expect(estimateCost('openai', 'gpt-4o', new Date(NaN), tokens).cost_source).toBe('unpriced');
    expect(estimateCost('openai', 'gpt-4o', at, tokens).cost_source).toBe('computed');
  });
});
