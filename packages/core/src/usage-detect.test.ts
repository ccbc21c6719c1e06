import { describe, expect, it } from 'vitest';
import { normalizeUsage } from './usage-detect.js';

describe('normalizeUsage', () => {
  it('adds Anthropic cache tokens to the prompt, whichever cloud served the model', () => {
    const usage = { input_tokens: 5, cache_read_input_tokens: 995, output_tokens: 20 };
    for (const provider of ['anthropic', 'bedrock', 'vertex', null]) {
      expect(normalizeUsage(provider, usage)).toMatchObject({
        input_tokens: 1000,
        cache_read_tokens: 995,
        total_tokens: 1020,
      });
    }
  });

  it("reads Chat Completions usage from Gemini's OpenAI-compatible endpoint", () => {
    const usage = { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 };
    expect(normalizeUsage('google', usage)).toMatchObject({ input_tokens: 30, output_tokens: 12, total_tokens: 42 });
  });

  it('reads native Gemini usage without a provider name', () => {
    const usage = { promptTokenCount: 8, candidatesTokenCount: 2, thoughtsTokenCount: 6 };
    expect(normalizeUsage(undefined, usage)).toMatchObject({ input_tokens: 8, output_tokens: 8, reasoning_tokens: 6 });
  });

  it('reads Responses API usage and its cached tokens', () => {
    const usage = {
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 80 },
      output_tokens: 3,
      total_tokens: 103,
    };
    expect(normalizeUsage('openai', usage)).toMatchObject({ input_tokens: 100, cache_read_tokens: 80 });
  });

  it('gives the same counts for a bare input/output usage under either reading', () => {
    const usage = { input_tokens: 10, output_tokens: 4 };
    expect(normalizeUsage('anthropic', usage)).toEqual(normalizeUsage('azure', usage));
    expect(normalizeUsage('anthropic', usage)).toMatchObject({ input_tokens: 10, output_tokens: 4, total_tokens: 14 });
  });

  it('returns null when there is no usage object', () => {
    expect(normalizeUsage('openai', null)).toBeNull();
  });
});
