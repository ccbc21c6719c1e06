import { isRecord, sumCounts, tokenCount, type TokenUsage } from './usage.js';

/**
 * Google Gemini `usageMetadata` → Tally usage. `promptTokenCount` already includes cached content;
 * thinking tokens are reported beside the candidates, not inside them, so output = candidates + thoughts.
 *
 * @example normalizeGeminiUsage({ promptTokenCount: 900, candidatesTokenCount: 100, thoughtsTokenCount: 400, totalTokenCount: 1400 })
 *   // → { input_tokens: 900, output_tokens: 500, total_tokens: 1400, reasoning_tokens: 400, … }
 */
export function normalizeGeminiUsage(usageMetadata: unknown): TokenUsage | null {
  if (!isRecord(usageMetadata)) return null;
  const input = tokenCount(usageMetadata.promptTokenCount);
  const thoughts = tokenCount(usageMetadata.thoughtsTokenCount);
  const output = sumCounts(tokenCount(usageMetadata.candidatesTokenCount), thoughts);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: tokenCount(usageMetadata.totalTokenCount) ?? sumCounts(input, output),
    cache_read_tokens: tokenCount(usageMetadata.cachedContentTokenCount),
    cache_write_tokens: null,
    reasoning_tokens: thoughts,
  };
}
