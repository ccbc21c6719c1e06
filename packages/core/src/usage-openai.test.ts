import { describe, expect, it } from 'vitest';
import { normalizeOpenAIChatUsage, normalizeOpenAIResponsesUsage } from './usage-openai.js';

describe('normalizeOpenAIChatUsage', () => {
  it('keeps prompt_tokens as the total prompt, with cached and reasoning tokens broken out', () => {
    const usage = {
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 192 },
    };
    expect(normalizeOpenAIChatUsage(usage)).toEqual({
      input_tokens: 2006,
      output_tokens: 300,
      total_tokens: 2306,
      cache_read_tokens: 1920,
      cache_write_tokens: null,
      reasoning_tokens: 192,
    });
  });

  it('computes the total when the server sends none', () => {
    expect(normalizeOpenAIChatUsage({ prompt_tokens: 10, completion_tokens: 5 })?.total_tokens).toBe(15);
    expect(normalizeOpenAIChatUsage({ prompt_tokens: 7 })?.total_tokens).toBe(7); // embeddings
  });

  it('reads DeepSeek-style cache hits', () => {
    const usage = {
      prompt_tokens: 100,
      completion_tokens: 1,
      prompt_cache_hit_tokens: 64,
      prompt_cache_miss_tokens: 36,
    };
    expect(normalizeOpenAIChatUsage(usage)?.cache_read_tokens).toBe(64);
  });

  it('returns null for the usage: null of intermediate stream chunks', () => {
    expect(normalizeOpenAIChatUsage(null)).toBeNull();
    expect(normalizeOpenAIChatUsage([1, 2])).toBeNull();
    expect(normalizeOpenAIChatUsage('12')).toBeNull();
  });

  it('ignores values that are not counts instead of storing garbage', () => {
    const usage = { prompt_tokens: '12', completion_tokens: -3, total_tokens: Number.NaN, prompt_tokens_details: 5 };
    expect(normalizeOpenAIChatUsage(usage)).toEqual({
      input_tokens: null,
      output_tokens: null,
      total_tokens: null,
      cache_read_tokens: null,
      cache_write_tokens: null,
      reasoning_tokens: null,
    });
  });
});

describe('normalizeOpenAIResponsesUsage', () => {
  it('maps the Responses API names', () => {
    const usage = {
      input_tokens: 5000,
      input_tokens_details: { cached_tokens: 4096 },
      output_tokens: 1200,
      output_tokens_details: { reasoning_tokens: 1024 },
      total_tokens: 6200,
    };
    expect(normalizeOpenAIResponsesUsage(usage)).toEqual({
      input_tokens: 5000,
      output_tokens: 1200,
      total_tokens: 6200,
      cache_read_tokens: 4096,
      cache_write_tokens: null,
      reasoning_tokens: 1024,
    });
  });

  it('returns null when the usage is not an object', () => {
    expect(normalizeOpenAIResponsesUsage(undefined)).toBeNull();
  });
});
