/**
 * The one description of an analytics question (shared/DESIGN.md §5). Routes build a QuerySpec; the storage
 * backend compiles it to SQL through its Dialect. No route writes SQL.
 */

/** CallEvent fields that can be filtered and grouped on. */
export const DIMENSIONS = [
  'provider',
  'model',
  'api_type',
  'operation',
  'endpoint',
  'method',
  'status',
  'status_code',
  'error_type',
  'user_id',
  'session_id',
  'agent_name',
  'agent_version',
  'app_name',
  'source_id',
  'source_function',
  'environment',
  'api_key_id',
  'api_key_label',
  'backend',
  'upstream_mode',
  'ingest_source',
  'cost_source',
  'price_model_id',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const METRICS = [
  'calls',
  'errors',
  'error_rate',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'unpriced_calls',
  'avg_duration_ms',
  'p50_duration_ms',
  'p90_duration_ms',
  'p95_duration_ms',
  'p99_duration_ms',
  'avg_ttft_ms',
  'p50_ttft_ms',
  'p90_ttft_ms',
  'p95_ttft_ms',
  'p99_ttft_ms',
  'users',
  'sessions',
  'first_seen',
  'last_seen',
  'sample_ids',
] as const;
export type Metric = (typeof METRICS)[number];

/**
 * What a query can group on: a dimension, or `error_pattern` — the error message with ids, hex strings and numbers
 * replaced by placeholders (ERROR_PATTERN_RULES), so that "timeout after 30s on req 812" and "… 31s on req 977"
 * fall in one group.
 */
export type GroupKey = Dimension | 'error_pattern';

/** Rules applied in order to an error message to make its pattern. Plain POSIX classes every engine agrees on. */
export const ERROR_PATTERN_RULES: readonly (readonly [pattern: string, replacement: string])[] = [
  ['[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<id>'],
  ['[0-9a-fA-F]{12,}', '<hex>'],
  ['[0-9]+', '<n>'],
];
/** An error pattern keeps at most this many characters of the message. */
export const ERROR_PATTERN_MAX = 200;
/** `sample_ids` holds up to this many ids, newest first. */
export const SAMPLE_IDS = 5;

/** The metrics that are numbers: every metric but the times and id lists of error groups. */
export const NUMERIC_METRICS = METRICS.filter(
  (m): m is Exclude<Metric, 'first_seen' | 'last_seen' | 'sample_ids'> =>
    m !== 'first_seen' && m !== 'last_seen' && m !== 'sample_ids',
);

/** Numeric metrics that are counts or sums: nothing happened means 0. Averages and percentiles of nothing are null. */
export function isAdditive(m: Metric): boolean {
  return !m.startsWith('avg_') && !/^p\d\d_/.test(m) && (NUMERIC_METRICS as readonly string[]).includes(m);
}

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

/**
 * A filter on a dimension, a tag (`tag`) or a metadata key (`metadata.<key>`, compared as text).
 * `eq`/`in` keep matching rows; `neq`/`not_in` drop them (a row where the field is absent is kept by `neq`);
 * `present`/`absent` test whether the field has a value.
 */
/** Content fields can only be tested for presence (`present`/`absent`: a non-empty text was stored or not). */
export const CONTENT_FIELDS = ['input_text', 'output_text'] as const;

export interface Filter {
  field: Dimension | 'tag' | `metadata.${string}` | (typeof CONTENT_FIELDS)[number];
  op: 'eq' | 'neq' | 'in' | 'not_in' | 'present' | 'absent';
  /** The values compared with; empty for `present` and `absent`. */
  values: string[];
}

/**
 * What a query counts: calls (the default), or agent runs (`agent_runs`), where `calls` counts runs and only the
 * run dimensions and metrics below exist — a run's tokens and cost are its calls', so they are asked of the calls.
 */
export type Dataset = 'calls' | 'agent_runs';

export const RUN_DIMENSIONS = [
  'agent_name',
  'agent_version',
  'user_id',
  'session_id',
  'app_name',
  'environment',
  'status',
  'error_type',
  'ingest_source',
] as const satisfies readonly Dimension[];

export const RUN_METRICS = [
  'calls',
  'errors',
  'error_rate',
  'avg_duration_ms',
  'p50_duration_ms',
  'p90_duration_ms',
  'p95_duration_ms',
  'p99_duration_ms',
  'users',
  'sessions',
  'first_seen',
  'last_seen',
  'sample_ids',
] as const satisfies readonly Metric[];

export interface QuerySpec {
  projectId: string;
  /** `calls` when absent. */
  dataset?: Dataset;
  /** Inclusive start, exclusive end, epoch ms. */
  from: number;
  to: number;
  filters?: Filter[];
  groupBy?: GroupKey[];
  /** Adds a `bucket` column: the start of the hour/day/week (Monday)/month in `tz`, as epoch ms. */
  interval?: Interval;
  /** IANA time zone of the buckets; UTC when absent. */
  tz?: string;
  metrics: Metric[];
  orderBy?: { metric: Metric; direction: 'asc' | 'desc' };
  limit?: number;
}

/**
 * One answer row: the group-by values (and `bucket`), then the metrics. Times (`bucket`, `first_seen`,
 * `last_seen`) are epoch ms; `sample_ids` is a list of event ids, newest first.
 */
export type QueryRow = Record<string, string | number | null | string[]>;

/**
 * Percentiles use the nearest-rank definition: p is the smallest stored value such that at least p·n of the n
 * values are less than or equal to it — the ⌈p·n⌉-th value in ascending order (the SQL standard's
 * `percentile_disc`). Nulls are left out. Every backend computes exactly this, so their answers agree to the row.
 */
export const PERCENTILE_DEFINITION = 'nearest rank: the ceil(p*n)-th smallest value (percentile_disc)';

/** The nearest-rank percentile of numbers, as every backend computes it; null for none. */
export function nearestRank(values: readonly number[], p: number): number | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  // p·n is rounded first so that 0.95 × 20 counts as 19, not 19.000000000000004.
  const rank = Math.max(1, Math.ceil(Math.round(p * sorted.length * 1e9) / 1e9));
  return sorted[rank - 1]!;
}

/** Whether a string is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
