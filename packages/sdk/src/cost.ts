import { calcPrice, findProvider } from '@pydantic/genai-prices';
import type { Usage } from '@pydantic/genai-prices';

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

function calc(usage: Usage, model: string, providerId: string | undefined, at: Date) {
  try {
    return calcPrice(usage, model, { providerId, timestamp: at });
  } catch {
    return null; // the book rejects inconsistent usage; unpriced beats a guess
  }
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
  const usage: Usage = {
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: cacheRead,
    cache_write_tokens: Math.min(count(t.cache_write_tokens), input - cacheRead),
    output_reasoning_tokens: Math.min(count(t.reasoning_tokens), output),
  };
  let providerId = provider?.trim().toLowerCase() || undefined;
  // An unknown provider id (seed 002 says `gemini`) hides a known model, so fall back to matching by model alone.
  if (providerId !== undefined && findProvider({ providerId }) === undefined) providerId = undefined;
  const r = calc(usage, name, providerId, at);
  if (!r) return UNPRICED;
  return { cost_usd: round(r.total_price), cost_source: 'computed', price_model_id: `${r.provider.id}/${r.model.id}` };
}
