import { describe, expect, it } from 'vitest';
import { PriceBook, prepareCallEvent } from '@tally/core';
import type { LiteLLMSpendRow } from '@tally/storage';
import { callKind, mapSpendLogRow, replyText } from './litellm-mapping.js';

/** A row as current LiteLLM versions write it for a non-streaming chat call, with `over` on top. */
function row(over: Partial<LiteLLMSpendRow> = {}): LiteLLMSpendRow {
  return {
    request_id: 'chatcmpl-AbC123',
    call_type: 'acompletion',
    api_key: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b',
    spend: 0.00123,
    total_tokens: 1300,
    prompt_tokens: 1200,
    completion_tokens: 100,
    startTime: '2025-03-01T10:00:00.000Z',
    endTime: '2025-03-01T10:00:02.500Z',
    completionStartTime: '2025-03-01T10:00:02.500Z',
    request_duration_ms: null,
    model: 'gpt-4o-2024-08-06',
    model_id: 'model-1',
    model_group: 'gpt-4o',
    custom_llm_provider: 'openai',
    api_base: 'https://api.openai.com/v1',
    user: 'internal-user-1',
    metadata: {
      user_api_key: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b',
      user_api_key_alias: 'prod-key',
      user_api_key_team_alias: 'Search',
      status: 'success',
      error_information: null,
      spend_logs_metadata: null,
      additional_usage_values: {
        prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 40, audio_tokens: 0 },
      },
    },
    cache_hit: 'False',
    request_tags: ['prod', 'search'],
    team_id: 'team-a',
    organization_id: '',
    end_user: '',
    requester_ip_address: '10.0.0.7',
    messages: {},
    response: {},
    proxy_server_request: {},
    session_id: '5b1e4c0e-0d7e-4c61-9a43-2f7d1d6f0a11',
    status: 'success',
    mcp_namespaced_tool_name: null,
    agent_id: null,
    ...over,
  };
}

function mapped(r: LiteLLMSpendRow) {
  const m = mapSpendLogRow(r);
  if (!m.ok) throw new Error(m.reason);
  return m.event as Record<string, any>;
}

describe('mapping a LiteLLM spend-log row to a Tally call', () => {
  it('maps a non-streaming chat call: id, times, provider, tokens with cache and reasoning, reported cost', () => {
    const e = mapped(row());
    expect(e).toMatchObject({
      id: 'chatcmpl-AbC123',
      timestamp: '2025-03-01T10:00:00.000Z',
      end_time: '2025-03-01T10:00:02.500Z',
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      api_type: 'generative',
      operation: 'chat',
      endpoint: '/v1/chat/completions',
      stream: false,
      input_tokens: 1200,
      output_tokens: 100,
      total_tokens: 1300,
      cache_read_tokens: 1024,
      reasoning_tokens: 40,
      cost_usd: 0.00123,
      status: 'success',
      session_id: '5b1e4c0e-0d7e-4c61-9a43-2f7d1d6f0a11',
      tags: ['prod', 'search'],
      api_key_id: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b',
      api_key_label: 'prod-key',
      client_ip: '10.0.0.7',
      metadata: {
        call_type: 'acompletion',
        model_group: 'gpt-4o',
        model_id: 'model-1',
        litellm_user: 'internal-user-1',
        team_id: 'team-a',
        team_alias: 'Search',
        api_base: 'https://api.openai.com/v1',
        cache_hit: false,
      },
    });
    // completionStartTime equal to endTime means the call did not stream: there is no first token to time.
    expect(e).not.toHaveProperty('ttft_ms');
    // Empty strings are LiteLLM's "none".
    expect(e).not.toHaveProperty('user_id');
    expect(e['metadata']).not.toHaveProperty('organization_id');
    expect(e).not.toHaveProperty('cache_write_tokens');
  });

  it('times the first token of a streamed call, and takes the duration from request_duration_ms without endTime', () => {
    const streamed = mapped(row({ completionStartTime: '2025-03-01T10:00:00.350Z' }));
    expect(streamed).toMatchObject({ ttft_ms: 350, stream: true });
    const noEnd = mapped(row({ endTime: null, completionStartTime: null, request_duration_ms: 1800 }));
    expect(noEnd).toMatchObject({ duration_ms: 1800 });
    expect(noEnd).not.toHaveProperty('end_time');
    expect(noEnd).not.toHaveProperty('stream');
  });

  it('normalises Anthropic usage: the cache counts in LiteLLM columns stay in the prompt, raw usage gets them added', () => {
    // Through /chat/completions LiteLLM reports prompt_tokens with the cache already in it.
    const viaChat = mapped(
      row({
        custom_llm_provider: 'anthropic',
        prompt_tokens: 5012,
        completion_tokens: 300,
        total_tokens: 5312,
        metadata: {
          usage_object: {
            prompt_tokens: 5012,
            completion_tokens: 300,
            total_tokens: 5312,
            prompt_tokens_details: { cached_tokens: 4000, cache_creation_tokens: 1000 },
            cache_read_input_tokens: 4000,
            cache_creation_input_tokens: 1000,
          },
        },
      }),
    );
    expect(viaChat).toMatchObject({
      input_tokens: 5012,
      output_tokens: 300,
      total_tokens: 5312,
      cache_read_tokens: 4000,
      cache_write_tokens: 1000,
    });
    // /v1/messages keeps Anthropic's own usage, whose input_tokens leave the cache out.
    const raw = mapped(
      row({
        call_type: 'anthropic_messages',
        custom_llm_provider: 'anthropic',
        prompt_tokens: 5012,
        completion_tokens: 300,
        total_tokens: 5312,
        metadata: {
          additional_usage_values: {
            input_tokens: 12,
            output_tokens: 300,
            cache_read_input_tokens: 4000,
            cache_creation_input_tokens: 1000,
          },
        },
      }),
    );
    expect(raw).toMatchObject({
      operation: 'messages',
      endpoint: '/v1/messages',
      input_tokens: 5012,
      output_tokens: 300,
      total_tokens: 5312,
      cache_read_tokens: 4000,
      cache_write_tokens: 1000,
    });
  });

  it('reads the Responses API usage kept raw, whose input already counts the cache', () => {
    const e = mapped(
      row({
        call_type: 'aresponses',
        prompt_tokens: 500,
        completion_tokens: 900,
        total_tokens: 1400,
        metadata: {
          additional_usage_values: {
            input_tokens: 500,
            output_tokens: 900,
            input_tokens_details: { cached_tokens: 256 },
            output_tokens_details: { reasoning_tokens: 700 },
          },
        },
      }),
    );
    expect(e).toMatchObject({
      operation: 'responses',
      input_tokens: 500,
      output_tokens: 900,
      total_tokens: 1400,
      cache_read_tokens: 256,
      reasoning_tokens: 700,
    });
  });

  it('maps a failure with its error information', () => {
    const e = mapped(
      row({
        status: 'failure',
        spend: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        metadata: {
          status: 'failure',
          error_information: {
            error_code: '429',
            error_class: 'RateLimitError',
            llm_provider: 'openai',
            error_message: 'litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached',
          },
        },
      }),
    );
    expect(e).toMatchObject({
      status: 'error',
      status_code: 429,
      error_type: 'RateLimitError',
      error_message: 'litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached',
      cost_usd: 0,
    });
    const timeout = mapped(
      row({ status: null, metadata: { status: 'failure', error_information: { error_class: 'Timeout' } } }),
    );
    expect(timeout).toMatchObject({ status: 'timeout', error_type: 'Timeout' });
  });

  it('finds agent fields at the top of metadata, under spend_logs_metadata, or in the stored request', () => {
    const top = mapped(
      row({
        metadata: {
          agent_name: 'Calculator Bot',
          agent_version: '1.0.0',
          agent_session_id: 'calc-s1',
          agent_user_id: 'u-7',
          agent_app_name: 'calc',
        },
      }),
    );
    expect(top).toMatchObject({
      agent_name: 'Calculator Bot',
      agent_version: '1.0.0',
      session_id: 'calc-s1',
      user_id: 'u-7',
      app_name: 'calc',
    });
    const nested = mapped(
      row({
        end_user: 'customer-42',
        metadata: {
          spend_logs_metadata: { agent_name: 'Support', agent_version: 2, agent_user_id: 'u-1', ticket: 'T-9' },
        },
      }),
    );
    // The OpenAI `user` field (end_user) names the user when the request has one.
    expect(nested).toMatchObject({ agent_name: 'Support', agent_version: '2', user_id: 'customer-42' });
    expect(nested['metadata']).toMatchObject({ ticket: 'T-9' });
    expect(nested['metadata']).not.toHaveProperty('agent_name');
    const fromRequest = mapped(
      row({
        metadata: {},
        proxy_server_request: {
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'hi' }],
          metadata: { spend_logs_metadata: { agent_name: 'Router', agent_session_id: 'r-1' } },
        },
      }),
    );
    expect(fromRequest).toMatchObject({ agent_name: 'Router', session_id: 'r-1' });
  });

  it('takes prompt and reply text from the stored request and response, and request parameters', () => {
    const e = mapped(
      row({
        proxy_server_request: {
          model: 'gpt-4o',
          stream: true,
          temperature: 0.2,
          max_tokens: 256,
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'What is 2+2?' },
          ],
        },
        response: { id: 'chatcmpl-AbC123', choices: [{ index: 0, message: { role: 'assistant', content: '4' } }] },
      }),
    );
    expect(e).toMatchObject({ stream: true, temperature: 0.2, max_tokens: 256, message_count: 2, output_text: '4' });
    expect(JSON.parse(e['input_text'])).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is 2+2?' },
    ]);
    expect(replyText({ content: [{ type: 'text', text: 'Hello' }, { type: 'tool_use' }] })).toBe('Hello');
    expect(replyText({ output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hi' }] }] })).toBe('Hi');
    expect(replyText({})).toBeNull();
  });

  it('knows the call types, async or not', () => {
    expect(callKind('aembedding')).toMatchObject({ operation: 'embeddings', apiType: 'embedding' });
    expect(callKind('embedding')).toMatchObject({ operation: 'embeddings' });
    expect(callKind('anthropic_messages')).toMatchObject({ operation: 'messages' });
    expect(callKind('atext_completion')).toMatchObject({ operation: 'text_completion' });
    expect(callKind('aimage_generation')).toMatchObject({ apiType: 'image' });
    expect(callKind('some_new_call')).toBeNull();
    expect(mapped(row({ call_type: 'some_new_call', model: '', model_group: '' }))).toMatchObject({
      operation: 'some_new_call',
      api_type: 'other',
    });
  });

  it('keeps cache hits apart by their suffixed request_id, and gives too long ids a stable short one', () => {
    const hit = mapped(row({ request_id: 'chatcmpl-AbC123_cache_hit1733412345.123456', cache_hit: 'True', spend: 0 }));
    expect(hit).toMatchObject({ id: 'chatcmpl-AbC123_cache_hit1733412345.123456', metadata: { cache_hit: true } });
    const long = 'x'.repeat(200);
    const a = mapped(row({ request_id: long }));
    expect(a['id']).toMatch(/^litellm_[0-9a-f]{40}$/);
    expect(mapped(row({ request_id: long }))['id']).toBe(a['id']);
    expect(a['metadata']['litellm_request_id']).toBe(long);
  });

  it('reports why a row cannot be mapped', () => {
    expect(mapSpendLogRow(row({ request_id: '' }))).toEqual({ ok: false, reason: 'it has no request_id' });
    expect(mapSpendLogRow(row({ startTime: 'soon' }))).toEqual({
      ok: false,
      reason: 'its startTime does not parse (soon)',
    });
  });

  it('gives calls the server accepts, with LiteLLM spend as the reported cost', () => {
    const ctx = {
      projectId: 'p',
      now: Date.parse('2025-03-02T00:00:00Z'),
      ingestSource: 'import' as const,
      capturePolicy: 'full' as const,
      priceBook: new PriceBook(),
    };
    const prepared = prepareCallEvent(mapped(row()), ctx);
    expect(prepared.ok && prepared.value).toMatchObject({
      cost_usd: 0.00123,
      cost_source: 'reported',
      duration_ms: 2500,
      input_tokens: 1200,
    });
  });
});
