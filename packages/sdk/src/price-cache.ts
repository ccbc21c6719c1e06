import { calcPrice } from '@pydantic/genai-prices';
import type { ModelInfo, ModelPrice, TieredPrices, Usage } from '@pydantic/genai-prices';

/*
 * calcPrice costs 20-50 µs a call (it finds the model by its match rules and re-validates the price book's unit
 * graph every time): more than the whole budget of a tracked call. The Tally server prices calls the same way
 * (@tally/core's PriceBook): a model's price is resolved once per (provider, model, period in which it holds), and
 * applied with per-kind rates that the library itself computed on 1M tokens of each kind. Exact, because rates are
 * only reused where the library's price is linear in the counts (tiered prices get one set of rates per tier).
 * Assumes the bundled data never changes (the SDK pins the version and never calls updatePrices).
 */

/** Token counts of one call, made consistent (parts never exceed their whole). */
export interface PriceKinds {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
}
type Rates = PriceKinds & { fixed: number }; // fixed: per-request fees
/** A price, by tier band of total input; a band's rates are measured when first needed. */
type PeriodPrice = { prices: ModelPrice; thresholds: number[]; bands: (Rates | null | undefined)[] } | null;
/** periodMs: how long one resolved price holds (0: forever). */
type Match = {
  providerId: string | undefined;
  model: string;
  id: string;
  periodMs: number;
  periods: Map<number, PeriodPrice>;
};

const M = 1_000_000;
// Model names come from the host's input; clearing on overflow bounds memory at O(1) amortized cost.
const MAX_MATCHES = 4096;
const MAX_PERIODS = 1024;
const WHOLE_MINUTE = /^\d{2}:\d{2}:00(?:\.0+)?(?:Z|[+-]\d{2}:\d{2})$/;
const ZERO: Usage = { input_tokens: 0, output_tokens: 0 };

function calc(usage: Usage, model: string, providerId: string | undefined, ts: number) {
  try {
    return calcPrice(usage, model, { providerId, timestamp: new Date(ts) });
  } catch {
    return null; // the book rejects inconsistent usage or data; unpriced beats a guess
  }
}

function applyRates(r: Rates, t: PriceKinds): number {
  const input = (r.input * (t.input - t.cacheRead - t.cacheWrite)) / M + (r.cacheRead * t.cacheRead) / M;
  const output = (r.output * (t.output - t.reasoning)) / M + (r.reasoning * t.reasoning) / M;
  return r.fixed + input + (r.cacheWrite * t.cacheWrite) / M + output;
}

/** Start dates switch at UTC midnight, time-of-day windows on whole minutes; any other constraint gets 1 ms. */
function periodOf(model: ModelInfo): number {
  if (!Array.isArray(model.prices)) return 0;
  let ms = 0;
  for (const { constraint: c } of model.prices) {
    if (c?.type === 'start_date' && /^\d{4}-\d{2}-\d{2}$/.test(c.start_date)) ms ||= 86_400_000;
    else if (c?.type === 'time_of_date' && WHOLE_MINUTE.test(c.start_time) && WHOLE_MINUTE.test(c.end_time)) ms = 6e4;
    else if (c !== undefined) return 1;
  }
  return ms;
}

/** A tier's price by the library's rule: the last tier (by start) whose start is below the total input. */
const tierPrice = (v: TieredPrices, input: number) =>
  [...v.tiers].sort((a, b) => a.start - b.start).reduce((p, t) => (input > t.start ? t.price : p), v.base);

/** Runs the library on 1M tokens of each kind at one band's flat price, so its unit rules stay the source of truth. */
function probe(tiered: ModelPrice, input: number): Rates | null {
  const entries = Object.entries(tiered).map(([k, v]) => [k, typeof v === 'object' ? tierPrice(v, input) : v]);
  const prices: ModelPrice = Object.fromEntries(entries);
  const provider = { id: 'probe', name: '', api_pattern: '', models: [{ id: 'p', match: { equals: 'p' }, prices }] };
  const run = (usage: Usage) => calcPrice(usage, 'p', { provider })!; // null cannot happen; it would throw below
  try {
    return {
      fixed: run(ZERO).total_price,
      input: run({ input_tokens: M }).input_price,
      cacheRead: run({ input_tokens: M, cache_read_tokens: M }).input_price,
      cacheWrite: run({ input_tokens: M, cache_write_tokens: M }).input_price,
      output: run({ output_tokens: M }).output_price,
      reasoning: run({ output_tokens: M, output_reasoning_tokens: M }).output_price,
    };
  } catch {
    return null;
  }
}

function match(providerId: string | undefined, model: string, ts: number): Match | null {
  const r = calc(ZERO, model, providerId, ts);
  if (r === null) return null;
  return { providerId, model, id: `${r.provider.id}/${r.model.id}`, periodMs: periodOf(r.model), periods: new Map() };
}

// The library hands back the same price object for every period a price holds, so probes are shared across periods.
const byPrices = new WeakMap<ModelPrice, PeriodPrice>();

function bandsOf(prices: ModelPrice): PeriodPrice {
  const starts = new Set<number>();
  for (const v of Object.values(prices)) if (typeof v === 'object') for (const t of v.tiers) starts.add(t.start);
  const thresholds = [...starts].sort((a, b) => a - b);
  const p = { prices, thresholds, bands: Array<undefined>(thresholds.length + 1) };
  byPrices.set(prices, p);
  return p;
}

function periodPrice(m: Match, ts: number): PeriodPrice {
  const period = m.periodMs === 0 ? 0 : Math.floor(ts / m.periodMs);
  let p = m.periods.get(period);
  if (p !== undefined) return p;
  if (m.periods.size >= MAX_PERIODS) m.periods.clear();
  const prices = calc(ZERO, m.model, m.providerId, ts)?.model_price;
  m.periods.set(period, (p = prices ? (byPrices.get(prices) ?? bandsOf(prices)) : null));
  return p;
}

/** Per provider id (undefined: matched by model alone), per model name: the book's match, or null for none. */
const matches = new Map<string | undefined, Map<string, Match | null>>();
let matchCount = 0;

/**
 * What calcPrice(usage, model, { providerId, timestamp: ts }) says a call costs (USD, unrounded) and the price's
 * `provider/model` id, or null when the book has no price for it.
 *
 * @example cachedPrice('openai', 'gpt-4o', Date.now(), { input: 1000, cacheRead: 0, cacheWrite: 0, output: 100, reasoning: 0 })
 *   // → { cost: 0.0035, id: 'openai/gpt-4o' }
 */
export function cachedPrice(
  providerId: string | undefined,
  model: string,
  ts: number,
  t: PriceKinds,
): { cost: number; id: string } | null {
  if (!Number.isFinite(ts)) return null; // an invalid time must not be remembered as the model's answer
  // Two lookups by the host's own strings, whose hashes V8 keeps: cheaper than building one key per call.
  let byModel = matches.get(providerId);
  if (byModel === undefined) matches.set(providerId, (byModel = new Map()));
  let m = byModel.get(model);
  if (m === undefined) {
    if (matchCount >= MAX_MATCHES) {
      matches.clear();
      matches.set(providerId, (byModel = new Map()));
      matchCount = 0;
    }
    byModel.set(model, (m = match(providerId, model, ts)));
    matchCount++;
  }
  if (m === null) return null;
  const p = periodPrice(m, ts);
  if (p === null) return null;
  let band = 0;
  while (band < p.thresholds.length && t.input > p.thresholds[band]!) band++;
  let r = p.bands[band];
  if (r === undefined) r = p.bands[band] = probe(p.prices, band === 0 ? 0 : p.thresholds[band - 1]! + 1);
  return r === null ? null : { cost: applyRates(r, t), id: m.id };
}
