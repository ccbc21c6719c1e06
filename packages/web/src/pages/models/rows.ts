import type { BreakdownRow, Num } from '../../api/types.js';
import type { PairGroup } from './nested-breakdown.js';

/** Everything the comparison shows per provider and model, as the breakdown API names it. */
export const MODEL_METRICS = [
  'calls',
  'errors',
  'error_rate',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cost_usd',
  'unpriced_calls',
  'avg_duration_ms',
  'p50_duration_ms',
  'p95_duration_ms',
  'p99_duration_ms',
].join(',');

export interface ModelRow {
  key: string;
  provider: string | null;
  model: string | null;
  /** The model's name; with its provider when another provider serves a model of the same name. */
  label: string;
  calls: number;
  errors: number;
  errorRate: Num;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cost: Num;
  unpricedCalls: number;
  costPer1k: Num;
  avgMs: Num;
  p50Ms: Num;
  p95Ms: Num;
  p99Ms: Num;
}

const num = (v: BreakdownRow[string] | undefined): number => (typeof v === 'number' ? v : 0);
const numOrNull = (v: BreakdownRow[string] | undefined): Num => (typeof v === 'number' ? v : null);

/**
 * USD per 1,000 tokens, from the API's cost and tokens: unknown when nothing was priced (cost null) or no tokens
 * were counted, rather than a misleading $0 or a division by zero.
 */
export function costPer1k(cost: Num | undefined, tokens: Num | undefined): Num {
  if (cost === null || cost === undefined || !tokens) return null;
  return (cost / tokens) * 1000;
}

/** One row per provider and model, providers and their models busiest first (the API's order). */
export function modelRows(groups: readonly PairGroup[]): ModelRow[] {
  const providersOf = new Map<string, Set<string | null>>();
  for (const g of groups) {
    for (const r of g.inner) {
      const name = String(r.value);
      providersOf.set(name, (providersOf.get(name) ?? new Set()).add(g.outer.value));
    }
  }
  return groups.flatMap((g) =>
    g.inner.map((r) => {
      const provider = g.outer.value === null ? null : String(g.outer.value);
      const model = r.value === null ? null : String(r.value);
      const shared = (providersOf.get(String(r.value))?.size ?? 0) > 1;
      const name = model ?? '(none)';
      const cost = numOrNull(r['cost_usd']);
      const totalTokens = num(r['total_tokens']);
      return {
        key: JSON.stringify([provider, model]),
        provider,
        model,
        label: shared ? `${provider ?? '(none)'} / ${name}` : name,
        calls: num(r['calls']),
        errors: num(r['errors']),
        errorRate: numOrNull(r['error_rate']),
        inputTokens: num(r['input_tokens']),
        outputTokens: num(r['output_tokens']),
        totalTokens,
        cost,
        unpricedCalls: num(r['unpriced_calls']),
        costPer1k: costPer1k(cost, totalTokens),
        avgMs: numOrNull(r['avg_duration_ms']),
        p50Ms: numOrNull(r['p50_duration_ms']),
        p95Ms: numOrNull(r['p95_duration_ms']),
        p99Ms: numOrNull(r['p99_duration_ms']),
      };
    }),
  );
}

/** The filters that narrow the view to one row: its model, and its provider when it has one. */
export function rowFilter(row: ModelRow): Record<string, string | null> {
  return { model: row.model, ...(row.provider === null ? {} : { provider: row.provider }) };
}
