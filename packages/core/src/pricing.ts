import { calcPrice, findProvider } from '@pydantic/genai-prices';
import type { ModelInfo, ModelPrice, TieredPrices, Usage } from '@pydantic/genai-prices';
import { parseTimestamp } from './time.js';

/** A per-project price that replaces the price book for one model from `effective_from` on. */
export interface PriceOverride {
  model: string;
  provider?: string | null;
  effective_from: string;
  input_per_mtok: number;
  output_per_mtok: number;
  cache_read_per_mtok?: number | null;
  cache_write_per_mtok?: number | null;
}

/** What cost() needs from a call, in Tally semantics: input includes cache tokens, output includes reasoning. */
export interface CostInput {
  provider?: string | null;
  model?: string | null;
  timestamp: number;
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_tokens?: number | null;
  cache_write_tokens?: number | null;
  reasoning_tokens?: number | null;
  cost_usd?: number | null;
}

export interface CostResult {
  cost_usd: number | null;
  cost_source: 'reported' | 'computed' | 'unpriced';
  price_model_id: string | null;
}

/** Token counts of one call, made consistent, or USD per 1M tokens of each leaf kind. */
type Kinds = { input: number; cacheRead: number; cacheWrite: number; output: number; reasoning: number };
type Rates = Kinds & { fixed: number }; // fixed: per-request fees
/** A resolved price; a tiered one is linear within each band of total prompt size, so bands are probed lazily. */
type PeriodPrice = { prices: ModelPrice; thresholds: number[]; bands: (Rates | null | undefined)[] } | null;
/** periodMs: how long one resolved price holds (0: forever). */
type Match = { providerId?: string; model: string; id: string; periodMs: number; periods: Map<number, PeriodPrice> };
type Override = { model: string; provider: string | null; from: number; rates: Rates };

const M = 1_000_000;
// Model names come from untrusted input; clearing on overflow bounds memory at O(1) amortized cost.
const MAX_MATCHES = 4096;
const MAX_PERIODS = 1024;
const WHOLE_MINUTE = /^\d{2}:\d{2}:00(?:\.0+)?(?:Z|[+-]\d{2}:\d{2})$/;
const ZERO: Usage = { input_tokens: 0, output_tokens: 0 };

const round = (usd: number) => Math.round(usd * 1e10) / 1e10;
const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
const unpriced = (): CostResult => ({ cost_usd: null, cost_source: 'unpriced', price_model_id: null });

function calc(usage: Usage, model: string, providerId: string | undefined, ts: number) {
  try {
    return calcPrice(usage, model, { providerId, timestamp: new Date(ts) });
  } catch {
    return null; // invalid price data or usage: unpriced rather than a guess
  }
}

function applyRates(r: Rates, t: Kinds): number {
  const input = (r.input * (t.input - t.cacheRead - t.cacheWrite)) / M + (r.cacheRead * t.cacheRead) / M;
  const output = (r.output * (t.output - t.reasoning)) / M + (r.reasoning * t.reasoning) / M;
  return r.fixed + input + (r.cacheWrite * t.cacheWrite) / M + output;
}

/**
 * How long a resolved price holds: start dates switch at UTC midnight, time-of-day windows (DeepSeek off-peak) on
 * whole minutes. Any other constraint shape gets 1 ms, the resolution of the library's timestamp: slow but exact.
 */
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

function match(provider: string | undefined, model: string, ts: number): Match | null {
  let providerId = provider;
  let r = calc(ZERO, model, providerId, ts);
  // An unknown provider id gives null even for a known model; a known provider without the model stays unpriced.
  if (r === null && providerId !== undefined && findProvider({ providerId }) === undefined) {
    providerId = undefined;
    r = calc(ZERO, model, undefined, ts);
  }
  if (r === null) return null;
  return { providerId, model, id: `${r.provider.id}/${r.model.id}`, periodMs: periodOf(r.model), periods: new Map() };
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

/**
 * The bundled book behind a cache. calcPrice costs ~25 µs (it re-validates the unit graph on every call), too slow
 * for 100k events/s, so a price is resolved once per (provider, model, period) and applied with per-kind rates the
 * library itself measured. Exact: rates are only reused where the library's price is linear in the counts.
 * Assumes the bundled data never changes (Tally pins the version and never calls updatePrices).
 */
class CatalogPrices {
  readonly #matches = new Map<string, Match | null>();

  price(provider: string | undefined, model: string, ts: number, t: Kinds): { cost: number; id: string } | null {
    const key = provider === undefined ? model : `${provider}\u0000${model}`;
    let m = this.#matches.get(key);
    if (m === undefined) {
      if (this.#matches.size >= MAX_MATCHES) this.#matches.clear();
      this.#matches.set(key, (m = match(provider, model, ts)));
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
}

let sharedCatalog: CatalogPrices | undefined;

function compile(o: PriceOverride): Override {
  const bad = (field: string, want: string, got: unknown) =>
    new RangeError(`price override for ${String(o.model)}: ${field} must be ${want}; got ${JSON.stringify(got)}`);
  const usd = (field: keyof PriceOverride, fallback?: number): number => {
    const v = count(o[field] ?? fallback);
    if (v === null) throw bad(field, 'a non-negative number of USD per 1M tokens', o[field]);
    return v;
  };
  if (typeof o.model !== 'string' || !o.model.trim()) throw bad('model', 'a non-empty string', o.model);
  const from = parseTimestamp(o.effective_from); // a missing zone means UTC, as everywhere in Tally
  if (from === null) throw bad('effective_from', 'an ISO 8601 date-time', o.effective_from);
  const [input, output] = [usd('input_per_mtok'), usd('output_per_mtok')];
  const [cacheRead, cacheWrite] = [usd('cache_read_per_mtok', input), usd('cache_write_per_mtok', input)];
  const rates = { fixed: 0, input, output, reasoning: output, cacheRead, cacheWrite };
  return { model: o.model, provider: o.provider?.toLowerCase() || null, from, rates };
}

/** Makes counts consistent: the library throws when a part (cache, reasoning) exceeds its whole. */
function toKinds(c: CostInput): Kinds | null {
  const inp = count(c.input_tokens);
  const out = count(c.output_tokens);
  const read = count(c.cache_read_tokens);
  const write = count(c.cache_write_tokens);
  const reason = count(c.reasoning_tokens);
  if (inp === null && out === null && read === null && write === null && reason === null) return null;
  const input = inp ?? (read ?? 0) + (write ?? 0);
  const output = out ?? reason ?? 0;
  const cacheRead = Math.min(read ?? 0, input);
  const cacheWrite = Math.min(write ?? 0, input - cacheRead);
  return { input, output, cacheRead, cacheWrite, reasoning: Math.min(reason ?? 0, output) };
}

/**
 * Prices calls: the reported cost when there is one, else the project's overrides, else the bundled
 * `@pydantic/genai-prices` book at the call's time. A model nobody prices is `unpriced` with a null cost, never $0.
 * Invalid overrides throw a RangeError from the constructor, so bad configuration fails at start-up.
 *
 * @example new PriceBook().cost({ provider: 'openai', model: 'gpt-4o', timestamp: Date.now(), input_tokens: 1000, output_tokens: 100 })
 *   // → { cost_usd: 0.0035, cost_source: 'computed', price_model_id: 'openai/gpt-4o' }
 */
export class PriceBook {
  readonly #overrides = new Map<string, Override[]>();
  readonly #catalog = (sharedCatalog ??= new CatalogPrices());

  constructor(overrides: readonly PriceOverride[] = []) {
    for (const o of overrides.map(compile)) {
      const key = o.model.trim().toLowerCase();
      this.#overrides.set(key, [...(this.#overrides.get(key) ?? []), o]);
    }
    // Latest first; on a tie the provider-specific override wins.
    for (const list of this.#overrides.values()) {
      list.sort((a, b) => b.from - a.from || +(b.provider !== null) - +(a.provider !== null));
    }
  }

  cost(input: CostInput): CostResult {
    const reported = count(input.cost_usd);
    if (reported !== null) return { cost_usd: round(reported), cost_source: 'reported', price_model_id: null };
    const model = input.model?.trim();
    const t = toKinds(input);
    if (!model || t === null || !Number.isFinite(input.timestamp)) return unpriced();
    const provider = input.provider || undefined;
    const o = this.#overrides.size === 0 ? undefined : this.#override(model, provider?.toLowerCase(), input.timestamp);
    const priced = o
      ? { cost: applyRates(o.rates, t), id: `override:${o.model}` }
      : this.#catalog.price(provider, model, input.timestamp, t);
    return priced ? { cost_usd: round(priced.cost), cost_source: 'computed', price_model_id: priced.id } : unpriced();
  }

  #override(model: string, provider: string | undefined, ts: number): Override | undefined {
    const list = this.#overrides.get(model.toLowerCase());
    return list?.find((o) => o.from <= ts && (o.provider === null || o.provider === provider));
  }
}

/**
 * The price book's provider id for an API base URL, from the URL patterns the price book knows; null for a server
 * it does not know (a self-hosted vLLM or Ollama, a company gateway).
 *
 * @example providerOfBaseUrl('https://openrouter.ai/api/v1') // → 'openrouter'
 */
export function providerOfBaseUrl(url: string): string | null {
  try {
    return findProvider({ providerApiUrl: url })?.id ?? null;
  } catch {
    return null;
  }
}
