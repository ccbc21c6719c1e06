import { describe, expect, it } from 'vitest';
import { normalizeGeminiUsage } from './usage-gemini.js';

describe('normalizeGeminiUsage', () => {
  it('counts thinking tokens as output and as reasoning', () => {
    const usageMetadata = {
      promptTokenCount: 900,
      candidatesTokenCount: 100,
      thoughtsTokenCount: 400,
      cachedContentTokenCount: 512,
      totalTokenCount: 1400,
    };
    expect(normalizeGeminiUsage(usageMetadata)).toEqual({
      input_tokens: 900,
      output_tokens: 500,
      total_tokens: 1400,
      cache_read_tokens: 512,
      cache_write_tokens: null,
      reasoning_tokens: 400,
    });
  });

  it('works for models without thinking and computes a missing total', () => {
    expect(normalizeGeminiUsage({ promptTokenCount: 10, candidatesTokenCount: 4 })).toMatchObject({
      output_tokens: 4,
      total_tokens: 14,
      reasoning_tokens: null,
    });
  });

  it('returns null when the usage is not an object', () => {
    expect(normalizeGeminiUsage('n/a')).toBeNull();
  });
});
