/**
 * Token usage in Tally's own semantics, whatever the provider reported (DESIGN §3):
 * - `input_tokens` is the TOTAL prompt: uncached + cache reads + cache writes.
 * - `output_tokens` includes reasoning tokens.
 * - `total_tokens` is the provider's total, or input + output when it gives none.
 * `null` means "not reported", which is different from a reported 0.
 */
export interface TokenUsage {
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
}

/** A usage with nothing reported. */
export function emptyUsage(): TokenUsage {
  return {
    input_tokens: null,
    output_tokens: null,
    total_tokens: null,
    cache_read_tokens: null,
    cache_write_tokens: null,
    reasoning_tokens: null,
  };
}

/** Plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A count from untrusted JSON: a finite non-negative number, else null (strings, NaN, negatives are ignored). */
export function tokenCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** `obj[key][sub]` as a count, tolerating a missing or non-object `obj[key]`. */
export function nestedCount(obj: Record<string, unknown>, key: string, sub: string): number | null {
  const inner = obj[key];
  return isRecord(inner) ? tokenCount(inner[sub]) : null;
}

/** Sum of the counts that are present; null only when none is. */
export function sumCounts(...values: (number | null)[]): number | null {
  let sum: number | null = null;
  for (const v of values) if (v !== null) sum = (sum ?? 0) + v;
  return sum;
}
