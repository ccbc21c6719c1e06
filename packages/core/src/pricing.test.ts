import { calcPrice, waitForUpdate, type MatchLogic } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { PriceBook, providerOfBaseUrl, type CostInput } from './pricing.js';

const at = (iso: string) => Date.parse(iso);
const NOW = at('2026-11-23T12:00:00Z');
const book = new PriceBook();
const cost = (input: Partial<CostInput>, b = book) => b.cost({ timestamp: NOW, ...input });
const M = 1_000_000;

describe('PriceBook with the bundled price book', () => {
  it('prices gpt-4o, charging cache reads at the cached rate', () => {
    const r = cost({
      provider: 'openai',
      model: 'gpt-4o',
      input_tokens: M,
      cache_read_tokens: 800_000,
      output_tokens: 100_000,
    });
    // 200k uncached × $2.50 + 800k cached × $1.25 + 100k output × $10, per 1M
    expect(r).toEqual({ cost_usd: 2.5, cost_source: 'computed', price_model_id: 'openai/gpt-4o' });
  });

  it("prices at the call's date: o3 before and after its 2025-06-10 price cut", () => {
    // gpt-4o has no dated price change in genai-prices 0.1.8; o3 went from $10/$40 to $2/$8.
    const call = { provider: 'openai', model: 'o3', input_tokens: M, output_tokens: M };
    expect(cost({ ...call, timestamp: at('2025-06-09T23:59:59Z') }).cost_usd).toBe(50);
    expect(cost({ ...call, timestamp: at('2025-06-10T00:00:00Z') }).cost_usd).toBe(10);
  });

  it('applies long-context tier prices by prompt size, at the date they applied', () => {
    const call = {
      provider: 'anthropic',
      model: 'claude-sonnet-4-6',
      output_tokens: M,
      timestamp: at('2026-01-01T00:00:00Z'),
    };
    expect(cost({ ...call, input_tokens: 200_000 }).cost_usd).toBe(15.6);
    expect(cost({ ...call, input_tokens: 200_001 }).cost_usd).toBe(23.700006); // every token at $6 / $22.50
    expect(cost({ ...call, input_tokens: 200_001, timestamp: NOW }).cost_usd).toBe(15.600003); // surcharge dropped 2026-03-13
  });

  it('applies time-of-day prices (DeepSeek off-peak)', () => {
    const call = { provider: 'deepseek', model: 'deepseek-chat', input_tokens: M, output_tokens: 0 };
    expect(cost({ ...call, timestamp: at('2026-11-23T00:29:59Z') }).cost_usd).toBe(0.135);
    expect(cost({ ...call, timestamp: at('2026-11-23T00:30:00Z') }).cost_usd).toBe(0.27);
  });

  it('never prices an unknown model as free', () => {
    const unpriced = { cost_usd: null, cost_source: 'unpriced', price_model_id: null };
    expect(cost({ provider: 'openai', model: 'my-finetune-xyz', input_tokens: 10, output_tokens: 5 })).toEqual(
      unpriced,
    );
    expect(cost({ provider: 'anthropic', model: 'gpt-4o', input_tokens: 10, output_tokens: 5 })).toEqual(unpriced);
  });

  it('retries without a provider id the book does not know', () => {
    const call = { model: 'gpt-4o', input_tokens: M, output_tokens: M };
    expect(cost({ ...call, provider: 'my-gateway' })).toMatchObject({
      cost_usd: 12.5,
      price_model_id: 'openai/gpt-4o',
    });
    expect(cost({ ...call, provider: 'azure' })).toMatchObject({ cost_usd: 12.5, price_model_id: 'azure/gpt-4o' });
    expect(cost({ ...call, provider: null })).toMatchObject({ cost_usd: 12.5, price_model_id: 'openai/gpt-4o' });
  });

  it('keeps a reported cost, including 0, and ignores one that is not a cost', () => {
    const call = { provider: 'openai', model: 'gpt-4o', input_tokens: M, output_tokens: 0 };
    expect(cost({ ...call, cost_usd: 0 })).toEqual({ cost_usd: 0, cost_source: 'reported', price_model_id: null });
    expect(cost({ ...call, cost_usd: 0.42 })).toMatchObject({ cost_usd: 0.42, cost_source: 'reported' });
    expect(cost({ ...call, cost_usd: -1 })).toMatchObject({ cost_usd: 2.5, cost_source: 'computed' });
    expect(cost({ ...call, cost_usd: Number.NaN })).toMatchObject({ cost_usd: 2.5, cost_source: 'computed' });
  });

  it('is unpriced without a model or without any token count, but zero tokens cost 0', () => {
    expect(cost({ model: null, input_tokens: 10 }).cost_source).toBe('unpriced');
    expect(cost({ model: '  ', input_tokens: 10 }).cost_source).toBe('unpriced');
    expect(cost({ provider: 'openai', model: 'gpt-4o' }).cost_source).toBe('unpriced');
    expect(cost({ provider: 'openai', model: 'gpt-4o', input_tokens: 0, output_tokens: 0 })).toMatchObject({
      cost_usd: 0,
      cost_source: 'computed',
    });
  });

  it('prices inconsistent counts instead of throwing (cache reads above the prompt)', () => {
    const r = cost({
      provider: 'openai',
      model: 'gpt-4o',
      input_tokens: 100,
      cache_read_tokens: 500,
      output_tokens: 10,
    });
    expect(r.cost_usd).toBe(0.000225); // the whole prompt at the cached rate
  });

  it('rounds to 10 decimal places', () => {
    expect(cost({ provider: 'openai', model: 'gpt-4o', input_tokens: 10, output_tokens: 5 }).cost_usd).toBe(0.000075);
    expect(cost({ provider: 'openai', model: 'gpt-4o-mini', input_tokens: 1 }).cost_usd).toBe(1.5e-7);
  });

  it('gives the same cost as calcPrice for every model in the book', async () => {
    const sample = (m: MatchLogic): string | null =>
      'equals' in m
        ? m.equals
        : 'starts_with' in m
          ? `${m.starts_with}x`
          : 'or' in m && m.or[0]
            ? sample(m.or[0])
            : null;
    const times = ['2025-06-09T23:59:59Z', '2026-01-01T07:00:00Z', '2026-08-17T03:59:59Z', '2027-01-02T20:00:00Z'].map(
      at,
    );
    const usages = [
      { input_tokens: 1234, output_tokens: 567 },
      {
        input_tokens: 5000,
        cache_read_tokens: 4000,
        cache_write_tokens: 500,
        output_tokens: 300,
        output_reasoning_tokens: 200,
      },
      { input_tokens: 300_000, cache_read_tokens: 100_000, output_tokens: 1000 },
    ];
    let compared = 0;
    const mismatches: string[] = [];
    for (const provider of (await waitForUpdate()) ?? []) {
      for (const model of provider.models) {
        const id = sample(model.match);
        if (id === null) continue;
        for (const timestamp of times) {
          for (const u of usages) {
            const direct = calcPrice(u, id, { providerId: provider.id, timestamp: new Date(timestamp) });
            const r = book.cost({
              ...u,
              reasoning_tokens: u.output_reasoning_tokens,
              provider: provider.id,
              model: id,
              timestamp,
            });
            const sameModel = r.price_model_id === (direct && `${provider.id}/${direct.model.id}`);
            // Equal after rounding, bar a half-way tie at the 10th decimal where float summation order differs.
            const sameCost = direct ? Math.abs((r.cost_usd ?? NaN) - direct.total_price) <= 1e-10 : r.cost_usd === null;
            if (!sameModel || !sameCost) mismatches.push(`${provider.id}/${id} ${JSON.stringify(u)}: ${r.cost_usd}`);
            compared++;
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(10_000);
  });
});

describe('PriceBook with per-project overrides', () => {
  const overrides = new PriceBook([
    { model: 'gpt-4o', effective_from: '2026-01-01T00:00:00Z', input_per_mtok: 1, output_per_mtok: 2 },
    { model: 'gpt-4o', effective_from: '2026-06-01T00:00:00Z', input_per_mtok: 3, output_per_mtok: 4 },
    {
      model: 'llama-3-70b',
      provider: 'ollama',
      effective_from: '2020-01-01',
      input_per_mtok: 0.5,
      output_per_mtok: 0.5,
    },
  ]);
  const call = { provider: 'openai', model: 'gpt-4o', input_tokens: M, output_tokens: M };

  it('applies the latest override in effect at the call, and the book before the first one', () => {
    expect(cost({ ...call, timestamp: at('2025-12-31T23:59:59Z') }, overrides)).toMatchObject({
      cost_usd: 12.5,
      price_model_id: 'openai/gpt-4o',
    });
    expect(cost({ ...call, timestamp: at('2026-05-31T23:59:59Z') }, overrides)).toEqual({
      cost_usd: 3,
      cost_source: 'computed',
      price_model_id: 'override:gpt-4o',
    });
    expect(cost({ ...call, timestamp: at('2026-06-01T00:00:00Z') }, overrides).cost_usd).toBe(7);
  });

  it('reads an effective_from without a zone as UTC', () => {
    const noZone = new PriceBook([
      { model: 'gpt-4o', effective_from: '2026-06-01T00:00:00', input_per_mtok: 1, output_per_mtok: 1 },
    ]);
    expect(cost({ ...call, timestamp: at('2026-05-31T23:59:59Z') }, noZone).price_model_id).toBe('openai/gpt-4o');
    expect(cost({ ...call, timestamp: at('2026-06-01T00:00:00Z') }, noZone).price_model_id).toBe('override:gpt-4o');
  });

  it('prices a model the book does not know, only for the provider the override names', () => {
    const llama = { model: 'llama-3-70b', input_tokens: M, output_tokens: M };
    expect(cost({ ...llama, provider: 'ollama' }, overrides)).toMatchObject({ cost_usd: 1, cost_source: 'computed' });
    expect(cost({ ...llama, provider: 'groq-proxy' }, overrides).cost_source).toBe('unpriced');
  });

  it('charges cache tokens at the input price unless the override gives cache prices', () => {
    const withCache = new PriceBook([
      {
        model: 'm',
        effective_from: '2026-01-01T00:00:00Z',
        input_per_mtok: 2,
        output_per_mtok: 8,
        cache_read_per_mtok: 0.5,
      },
    ]);
    const r = cost({ model: 'm', input_tokens: M, cache_read_tokens: 600_000, cache_write_tokens: 100_000 }, withCache);
    expect(r.cost_usd).toBe(1.1); // 300k uncached × $2 + 600k reads × $0.50 + 100k writes × $2
  });

  it('rejects an invalid override when the book is built', () => {
    const base = { model: 'm', effective_from: '2026-01-01T00:00:00Z', input_per_mtok: 1, output_per_mtok: 1 };
    expect(() => new PriceBook([{ ...base, effective_from: 'yesterday' }])).toThrow(
      /effective_from must be an ISO 8601/,
    );
    expect(() => new PriceBook([{ ...base, effective_from: 'March 7, 2026' }])).toThrow(/effective_from/);
    expect(() => new PriceBook([{ ...base, input_per_mtok: -1 }])).toThrow(/input_per_mtok must be a non-negative/);
  });
});

describe('providerOfBaseUrl', () => {
  it('names the provider of a known API and none for a self-hosted server', () => {
    expect(providerOfBaseUrl('https://api.openai.com/v1')).toBe('openai');
    expect(providerOfBaseUrl('https://api.anthropic.com')).toBe('anthropic');
    expect(providerOfBaseUrl('https://openrouter.ai/api/v1')).toBe('openrouter');
    expect(providerOfBaseUrl('https://my-res.openai.azure.com/openai/v1')).toBe('azure');
    expect(providerOfBaseUrl('http://localhost:11434/v1')).toBeNull();
  });
});
