import { isRecord, sumCounts, tokenCount, type TokenUsage } from './usage.js';

const FIELDS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;

/**
 * Anthropic Messages `usage` → Tally usage. Anthropic's `input_tokens` EXCLUDES cache tokens, so Tally's total
 * prompt is input + cache writes + cache reads; reading `input_tokens` alone would under-count a cached
 * prompt by up to 90 %.
 *
 * @example normalizeAnthropicUsage({ input_tokens: 12, cache_read_input_tokens: 4000, output_tokens: 300 })
 *   // → { input_tokens: 4012, output_tokens: 300, total_tokens: 4312, cache_read_tokens: 4000, … }
 */
export function normalizeAnthropicUsage(usage: unknown): TokenUsage | null {
  if (!isRecord(usage)) return null;
  const cacheWrite = tokenCount(usage.cache_creation_input_tokens);
  const cacheRead = tokenCount(usage.cache_read_input_tokens);
  const input = sumCounts(tokenCount(usage.input_tokens), cacheWrite, cacheRead);
  const output = tokenCount(usage.output_tokens);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: sumCounts(input, output),
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    // Anthropic bills thinking as output tokens and does not break it out.
    reasoning_tokens: null,
  };
}

/** Accepts either a bare `usage` object or the whole stream event (`message_start` / `message_delta`). */
function usageOf(value: unknown): Record<string, unknown> | null {
  if (!isRecord(value)) return null;
  if (isRecord(value.message) && isRecord(value.message.usage)) return value.message.usage;
  if (value.type === 'message_delta' || value.type === 'message_start') {
    return isRecord(value.usage) ? value.usage : null;
  }
  return value;
}

/**
 * Usage of a streamed Anthropic message. `message_start` carries the initial usage; every `message_delta`
 * carries CUMULATIVE counts, so the last value of each field wins — summing deltas would double count, and
 * the final delta may also revise the input counts. Fields a delta leaves out (or sends as null) keep the
 * `message_start` value. `delta` may be the last delta or all deltas in stream order.
 *
 * @example mergeAnthropicStreamUsage({ input_tokens: 10, output_tokens: 1 }, [{ output_tokens: 40 }, { output_tokens: 95 }])
 *   // → { input_tokens: 10, output_tokens: 95, total_tokens: 105, … }
 */
export function mergeAnthropicStreamUsage(start: unknown, delta: unknown): TokenUsage | null {
  const deltas = (Array.isArray(delta) ? delta : [delta]).map(usageOf).filter((d) => d !== null);
  const first = usageOf(start);
  if (first === null && deltas.length === 0) return null;
  const merged: Record<string, unknown> = {};
  for (const source of [first ?? {}, ...deltas]) {
    for (const field of FIELDS) if (tokenCount(source[field]) !== null) merged[field] = source[field];
  }
  return normalizeAnthropicUsage(merged);
}
