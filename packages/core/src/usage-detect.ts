import { isRecord, type TokenUsage } from './usage.js';
import { normalizeAnthropicUsage } from './usage-anthropic.js';
import { normalizeGeminiUsage } from './usage-gemini.js';
import { normalizeOpenAIChatUsage, normalizeOpenAIResponsesUsage } from './usage-openai.js';

function isAnthropic(provider: string | null | undefined): boolean {
  if (!provider) return false;
  const p = provider.toLowerCase();
  return p.includes('anthropic') || p.includes('claude');
}

/**
 * Normalizes any supported provider usage object to Tally usage (input = total prompt, output includes
 * reasoning). The field names decide where they are unambiguous, because the provider name alone misleads:
 * Gemini's OpenAI-compatible endpoint sends Chat Completions usage under provider `google`, and Claude on
 * Vertex or Bedrock sends Anthropic usage. The provider name decides the one ambiguous shape, a bare
 * `{ input_tokens, output_tokens }`, which both Anthropic and the OpenAI Responses API produce (OpenAI, Azure and
 * other OpenAI-compatible names; Google's native API never uses snake_case).
 * Returns null when `usage` is not an object.
 *
 * @example normalizeUsage('anthropic', { input_tokens: 5, cache_read_input_tokens: 995, output_tokens: 20 })
 *   // → { input_tokens: 1000, output_tokens: 20, total_tokens: 1020, cache_read_tokens: 995, … }
 */
export function normalizeUsage(provider: string | null | undefined, usage: unknown): TokenUsage | null {
  if (!isRecord(usage)) return null;
  if ('prompt_tokens' in usage || 'completion_tokens' in usage) return normalizeOpenAIChatUsage(usage);
  if ('promptTokenCount' in usage || 'candidatesTokenCount' in usage || 'totalTokenCount' in usage) {
    return normalizeGeminiUsage(usage);
  }
  // These two fields exist only in Anthropic's API; their presence means input_tokens excludes the cache.
  if ('cache_creation_input_tokens' in usage || 'cache_read_input_tokens' in usage) {
    return normalizeAnthropicUsage(usage);
  }
  if ('input_tokens_details' in usage || 'output_tokens_details' in usage) return normalizeOpenAIResponsesUsage(usage);
  // Without cache fields both readings give the same counts; only the total_tokens source differs.
  return isAnthropic(provider) ? normalizeAnthropicUsage(usage) : normalizeOpenAIResponsesUsage(usage);
}
