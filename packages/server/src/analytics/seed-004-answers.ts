import type { AppLog, Filter, Interval, Metric, QueryRow } from '@tally/core';
import type { Analytics } from './analytics.js';
import { series, totals, type Metrics, type Selection } from './native.js';

/** How many models the dashboard lists. */
export const TOP_MODELS = 5;

const iso = (ms: number): string => new Date(ms).toISOString();
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const PRICED: Filter = { field: 'cost_source', op: 'not_in', values: ['unpriced'] };

/**
 * The known cost of some calls: reported or priced costs summed. Null when there were calls and none of them had
 * a price, so that an unknown cost never reads as $0 (unpriced_requests says how many calls it leaves out).
 */
function knownCost(m: Metrics | QueryRow): number | null {
  const calls = num(m['calls']);
  return calls > 0 && num(m['unpriced_calls']) === calls ? null : num(m['cost_usd']);
}

const DASHBOARD_METRICS: Metric[] = [
  'calls',
  'errors',
  'error_rate',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cost_usd',
  'unpriced_calls',
  'avg_duration_ms',
  'p95_duration_ms',
  'users',
  'sessions',
];

/** The dashboard's headline numbers and its busiest models. */
export async function dashboard(a: Analytics, sel: Selection) {
  const t = await totals(a, sel, DASHBOARD_METRICS);
  const models = await a.query({
    ...sel,
    filters: [...sel.filters, { field: 'model', op: 'present', values: [] }],
    groupBy: ['model'],
    metrics: ['calls', 'total_tokens', 'cost_usd', 'unpriced_calls'],
    orderBy: { metric: 'calls', direction: 'desc' },
    limit: TOP_MODELS,
  });
  const calls = num(t['calls']);
  const errors = num(t['errors']);
  return {
    from: iso(sel.from),
    to: iso(sel.to),
    total_requests: calls,
    successful_requests: calls - errors,
    failed_requests: errors,
    success_rate: calls > 0 ? (calls - errors) / calls : 0,
    error_rate: num(t['error_rate']),
    input_tokens: num(t['input_tokens']),
    output_tokens: num(t['output_tokens']),
    total_tokens: num(t['total_tokens']),
    total_cost: knownCost(t),
    unpriced_requests: num(t['unpriced_calls']),
    avg_latency_ms: t['avg_duration_ms'] ?? null,
    p95_latency_ms: t['p95_duration_ms'] ?? null,
    unique_users: num(t['users']),
    unique_sessions: num(t['sessions']),
    top_models: models.map((m) => ({
      model: String(m['model']),
      requests: num(m['calls']),
      total_tokens: num(m['total_tokens']),
      total_cost: knownCost(m),
    })),
  };
}

/** Requests, errors, tokens, cost and latency per hour or day; every interval present. */
export async function requestSeries(a: Analytics, sel: Selection, interval: Interval, tz: string) {
  const points = await series(a, sel, interval, tz, [
    'calls',
    'errors',
    'total_tokens',
    'cost_usd',
    'unpriced_calls',
    'avg_duration_ms',
  ]);
  return {
    from: iso(sel.from),
    to: iso(sel.to),
    interval,
    tz,
    points: points.map((p) => ({
      timestamp: iso(p.bucket),
      requests: num(p['calls']),
      errors: num(p['errors']),
      tokens: num(p['total_tokens']),
      cost: knownCost(p),
      avg_latency_ms: p['avg_duration_ms'] ?? null,
    })),
  };
}

const PROVIDER_METRICS: Metric[] = [
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
];

/** One provider's or model's figures; `priced` holds the tokens and cost of its calls that have a price. */
function usage(row: QueryRow, priced: QueryRow | undefined) {
  const pricedTokens = num(priced?.['total_tokens']);
  return {
    requests: num(row['calls']),
    errors: num(row['errors']),
    error_rate: num(row['error_rate']),
    input_tokens: num(row['input_tokens']),
    output_tokens: num(row['output_tokens']),
    total_tokens: num(row['total_tokens']),
    total_cost: knownCost(row),
    unpriced_requests: num(row['unpriced_calls']),
    // Over priced calls only: the tokens of unpriced calls would make the rate look cheaper than it is.
    cost_per_1k_tokens: pricedTokens > 0 ? (num(priced?.['cost_usd']) / pricedTokens) * 1000 : null,
    avg_latency_ms: orNull(row['avg_duration_ms']),
    p50_latency_ms: orNull(row['p50_duration_ms']),
    p95_latency_ms: orNull(row['p95_duration_ms']),
  };
}

/** Usage, cost, latency and errors per provider, each with its models; busiest first. */
export async function providerStats(a: Analytics, sel: Selection) {
  const busiest = { metric: 'calls', direction: 'desc' } as const;
  const byProvider = await a.query({ ...sel, groupBy: ['provider'], metrics: PROVIDER_METRICS, orderBy: busiest });
  const byModel = await a.query({
    ...sel,
    groupBy: ['provider', 'model'],
    metrics: PROVIDER_METRICS,
    orderBy: busiest,
  });
  const pricedSel = { ...sel, filters: [...sel.filters, PRICED], metrics: ['total_tokens', 'cost_usd'] as Metric[] };
  const pricedProvider = await a.query({ ...pricedSel, groupBy: ['provider'] });
  const pricedModel = await a.query({ ...pricedSel, groupBy: ['provider', 'model'] });
  const key = (r: QueryRow) => JSON.stringify([r['provider'], r['model'] ?? null]);
  const pricedProviders = new Map(pricedProvider.map((r) => [key(r), r]));
  const pricedModels = new Map(pricedModel.map((r) => [key(r), r]));
  return {
    from: iso(sel.from),
    to: iso(sel.to),
    providers: byProvider.map((p) => ({
      provider: p['provider'] as string | null,
      ...usage(p, pricedProviders.get(key(p))),
      models: byModel
        .filter((m) => m['provider'] === p['provider'])
        .map((m) => ({ model: m['model'] as string | null, ...usage(m, pricedModels.get(key(m))) })),
    })),
  };
}

/** Application logs as the API shows them: times in ISO 8601. */
export function logView(log: AppLog) {
  return {
    id: log.id,
    timestamp: iso(log.timestamp),
    level: log.level,
    message: log.message,
    logger: log.logger,
    service: log.service,
    trace_id: log.trace_id,
    attributes: log.attributes,
  };
}
