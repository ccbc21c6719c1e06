import { findProvider } from '@pydantic/genai-prices';
import { cachedPrice } from './price-cache.js';

export interface CostEstimate {
  cost_usd: number | null;
  cost_source: 'reported' | 'computed' | 'unpriced';
  price_model_id: string | null;
}

export interface CostTokens {
  input_tokens?: number | null | undefined;
  output_tokens?: number | null | undefined;
  cache_read_tokens?: number | null | undefined;
  cache_write_tokens?: number | null | undefined;
  reasoning_tokens?: number | null | undefined;
}

const UNPRICED: CostEstimate = { cost_usd: null, cost_source: 'unpriced', price_model_id: null };
const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
const round = (usd: number) => Math.round(usd * 1e10) / 1e10;

/** Whether the price book knows a provider id; asked once per id. */
const knownProviders = new Map<string, boolean>();
function isKnownProvider(providerId: string): boolean {
  let known = knownProviders.get(providerId);
  if (known === undefined) {
    if (knownProviders.size >= 1000) knownProviders.clear(); // ids come from the host; keep the map bounded
    knownProviders.set(providerId, (known = findProvider({ providerId }) !== undefined));
  }
  return known;
}

/**
 * Estimates a call's cost from the price book the Tally server uses (`@pydantic/genai-prices` 0.1.8), in Tally's
 * token semantics (input includes cache tokens, output includes reasoning). A model the book does not know is
 * `unpriced` with a null cost, never $0.
 *
 * @example estimateCost('openai', 'gpt-4o', new Date(), { input_tokens: 1000, output_tokens: 100 })
 *   // → { cost_usd: 0.0035, cost_source: 'computed', price_model_id: 'openai/gpt-4o' }
 */
export function estimateCost(
  provider: string | undefined,
  model: string | undefined,
  at: Date,
  t: CostTokens,
): CostEstimate {
  const name = model?.trim();
  if (!name || (t.input_tokens == null && t.output_tokens == null)) return UNPRICED;
  const input = count(t.input_tokens);
  const output = count(t.output_tokens);
  const cacheRead = Math.min(count(t.cache_read_tokens), input);
  const kinds = {
    input,
    output,
    cacheRead,
    cacheWrite: Math.min(count(t.cache_write_tokens), input - cacheRead),
    reasoning: Math.min(count(t.reasoning_tokens), output),
  };
  let providerId = provider?.trim().toLowerCase() || undefined;
  // An unknown provider id (seed 002 says `gemini`) hides a known model, so fall back to matching by model alone.
  if (providerId !== undefined && !isKnownProvider(providerId)) providerId = undefined;
  const r = cachedPrice(providerId, name, at.getTime(), kinds);
  if (!r) return UNPRICED;
  return { cost_usd: round(r.cost), cost_source: 'computed', price_model_id: r.id };
}
