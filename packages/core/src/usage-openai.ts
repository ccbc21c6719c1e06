import { isRecord, nestedCount, sumCounts, tokenCount, type TokenUsage } from './usage.js';

/**
 * OpenAI Chat Completions `usage` → Tally usage. `prompt_tokens` already includes cached tokens and
 * `completion_tokens` already includes reasoning, so both map straight across.
 *
 * @example normalizeOpenAIChatUsage({ prompt_tokens: 1200, completion_tokens: 80, prompt_tokens_details: { cached_tokens: 1024 } })
 *   // → { input_tokens: 1200, output_tokens: 80, total_tokens: 1280, cache_read_tokens: 1024, … }
 */
export function normalizeOpenAIChatUsage(usage: unknown): TokenUsage | null {
  if (!isRecord(usage)) return null;
  const input = tokenCount(usage.prompt_tokens);
  const output = tokenCount(usage.completion_tokens);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: tokenCount(usage.total_tokens) ?? sumCounts(input, output),
    // DeepSeek's OpenAI-compatible API reports cache hits as `prompt_cache_hit_tokens` instead.
    cache_read_tokens:
      nestedCount(usage, 'prompt_tokens_details', 'cached_tokens') ?? tokenCount(usage.prompt_cache_hit_tokens),
    cache_write_tokens: null,
    reasoning_tokens: nestedCount(usage, 'completion_tokens_details', 'reasoning_tokens'),
  };
}

/**
 * OpenAI Responses API `usage` (also on the streamed `response.completed` event) → Tally usage. Same
 * semantics as Chat Completions under different names: `input_tokens` includes cached tokens.
 *
 * @example normalizeOpenAIResponsesUsage({ input_tokens: 500, output_tokens: 900, output_tokens_details: { reasoning_tokens: 700 } })
 *   // → { input_tokens: 500, output_tokens: 900, total_tokens: 1400, reasoning_tokens: 700, … }
 */
export function normalizeOpenAIResponsesUsage(usage: unknown): TokenUsage | null {
  if (!isRecord(usage)) return null;
  const input = tokenCount(usage.input_tokens);
  const output = tokenCount(usage.output_tokens);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: tokenCount(usage.total_tokens) ?? sumCounts(input, output),
    cache_read_tokens: nestedCount(usage, 'input_tokens_details', 'cached_tokens'),
    cache_write_tokens: null,
    reasoning_tokens: nestedCount(usage, 'output_tokens_details', 'reasoning_tokens'),
  };
}
