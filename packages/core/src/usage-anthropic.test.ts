import { describe, expect, it } from 'vitest';
import { mergeAnthropicStreamUsage, normalizeAnthropicUsage } from './usage-anthropic.js';

describe('normalizeAnthropicUsage', () => {
  it('counts cache reads and writes into the total prompt', () => {
    const usage = {
      input_tokens: 12,
      cache_creation_input_tokens: 248,
      cache_read_input_tokens: 4000,
      output_tokens: 300,
    };
    expect(normalizeAnthropicUsage(usage)).toEqual({
      input_tokens: 4260,
      output_tokens: 300,
      total_tokens: 4560,
      cache_read_tokens: 4000,
      cache_write_tokens: 248,
      reasoning_tokens: null,
    });
  });

  it('treats null cache fields as absent', () => {
    const usage = {
      input_tokens: 20,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      output_tokens: 5,
    };
    expect(normalizeAnthropicUsage(usage)).toMatchObject({
      input_tokens: 20,
      total_tokens: 25,
      cache_read_tokens: null,
    });
  });

  it('returns null when the usage is not an object', () => {
    expect(normalizeAnthropicUsage(null)).toBeNull();
  });
});

describe('mergeAnthropicStreamUsage', () => {
  const start = { input_tokens: 25, cache_read_input_tokens: 1000, cache_creation_input_tokens: 0, output_tokens: 1 };

  it('takes the last cumulative delta instead of summing deltas', () => {
    const usage = mergeAnthropicStreamUsage(start, [{ output_tokens: 50 }, { output_tokens: 120 }]);
    expect(usage).toMatchObject({
      input_tokens: 1025,
      output_tokens: 120,
      total_tokens: 1145,
      cache_read_tokens: 1000,
    });
  });

  it('lets the final delta revise the input counts', () => {
    const usage = mergeAnthropicStreamUsage(start, {
      input_tokens: 30,
      cache_read_input_tokens: 1000,
      output_tokens: 90,
    });
    expect(usage).toMatchObject({ input_tokens: 1030, output_tokens: 90 });
  });

  it('keeps message_start values for fields a delta omits or sends as null', () => {
    const usage = mergeAnthropicStreamUsage(start, { input_tokens: null, output_tokens: 7 });
    expect(usage).toMatchObject({ input_tokens: 1025, output_tokens: 7 });
  });

  it('accepts the raw stream events', () => {
    const messageStart = { type: 'message_start', message: { id: 'msg_1', usage: start } };
    const messageDelta = { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 64 } };
    expect(mergeAnthropicStreamUsage(messageStart, messageDelta)).toMatchObject({
      input_tokens: 1025,
      output_tokens: 64,
    });
  });

  it('returns null when neither part carries usage', () => {
    expect(mergeAnthropicStreamUsage(undefined, [])).toBeNull();
  });
});
