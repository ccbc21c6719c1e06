import { describe, expect, it } from 'vitest';
import { PriceBook } from '../pricing.js';
import type { PrepareContext } from '../prepare-call-event.js';
import type { ExportTraceServiceRequest, KeyValue, Span } from './otlp-json.js';
import { mapTraces } from './otlp-traces.js';

const now = Date.parse('2026-11-23T12:00:00Z');
const ctx: PrepareContext = {
  projectId: 'p1',
  now,
  ingestSource: 'otlp',
  capturePolicy: 'full',
  priceBook: new PriceBook(),
};
const ns = (ms: number) => `${ms}000000`;
const kv = (attrs: Record<string, string | number | boolean | string[]>): KeyValue[] =>
  Object.entries(attrs).map(([key, v]) => ({
    key,
    value: Array.isArray(v)
      ? { arrayValue: { values: v.map((s) => ({ stringValue: s })) } }
      : typeof v === 'string'
        ? { stringValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: String(v) }
            : { doubleValue: v },
  }));
const t0 = now - 3_600_000;
const span = (over: Partial<Span> & { attrs?: Parameters<typeof kv>[0] }): Span => ({
  traceId: '5B8EFFF798038103D269B633813FC60C',
  spanId: 'EEE19B7EC3C1B174',
  name: 'chat gpt-4o',
  kind: 3,
  startTimeUnixNano: ns(t0),
  endTimeUnixNano: ns(t0 + 1500),
  attributes: kv(over.attrs ?? {}),
  ...over,
});
const request = (spans: Span[], resource: Record<string, string> = {}): ExportTraceServiceRequest => ({
  resourceSpans: [{ resource: { attributes: kv(resource) }, scopeSpans: [{ scope: { name: 'pydantic-ai' }, spans }] }],
});

describe('mapTraces', () => {
  it('maps a GenAI inference span to a call with current attribute names', () => {
    const m = mapTraces(
      request(
        [
          span({
            attrs: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.response.model': 'gpt-4o-2024-08-06',
              'gen_ai.usage.input_tokens': 1200,
              'gen_ai.usage.output_tokens': 300,
              'gen_ai.usage.cache_read.input_tokens': 200,
              'gen_ai.usage.cache_creation.input_tokens': 50,
              'gen_ai.usage.reasoning.output_tokens': 100,
              'gen_ai.response.time_to_first_chunk': 0.25,
              'gen_ai.conversation.id': 'conv-9',
              'gen_ai.request.temperature': 0.2,
              'user.id': 'alice',
              'server.address': 'api.example.test',
            },
          }),
        ],
        { 'service.name': 'support-bot', 'deployment.environment.name': 'production' },
      ),
      ctx,
    );
    expect(m).toMatchObject({ spans: 1, ignored: 0, rejected: 0, runs: [] });
    expect(m.calls[0]).toMatchObject({
      id: 'eee19b7ec3c1b174',
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
      timestamp: t0,
      duration_ms: 1500,
      ttft_ms: 250,
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      operation: 'chat',
      api_type: 'generative',
      input_tokens: 1200,
      output_tokens: 300,
      total_tokens: 1500,
      cache_read_tokens: 200,
      cache_write_tokens: 50,
      reasoning_tokens: 100,
      cost_source: 'computed',
      session_id: 'conv-9',
      user_id: 'alice',
      app_name: 'support-bot',
      environment: 'production',
      temperature: 0.2,
      ingest_source: 'otlp',
      status: 'success',
    });
    expect(m.calls[0]!.metadata).toMatchObject({
      'server.address': 'api.example.test',
      'otel.scope.name': 'pydantic-ai',
    });
  });

  it('reads legacy names, the other cache-write spelling and a reported cost', () => {
    const m = mapTraces(
      request([
        span({
          attrs: {
            'gen_ai.system': 'anthropic',
            'gen_ai.request.model': 'claude-sonnet-4-5',
            'gen_ai.usage.prompt_tokens': 900,
            'gen_ai.usage.completion_tokens': 80,
            'gen_ai.usage.cache_write.input_tokens': 400,
            'operation.cost': 0.0123,
          },
        }),
      ]),
      ctx,
    );
    expect(m.calls[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      input_tokens: 900,
      output_tokens: 80,
      cache_write_tokens: 400,
      cost_usd: 0.0123,
      cost_source: 'reported',
    });
  });

  it('turns an ERROR status and an exception event into an error with type and message', () => {
    const m = mapTraces(
      request([
        span({
          attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o' },
          status: { code: 2 },
          events: [
            {
              name: 'exception',
              timeUnixNano: ns(t0 + 1000),
              attributes: kv({ 'exception.type': 'ModelHTTPError', 'exception.message': 'status_code: 429' }),
            },
          ],
        }),
      ]),
      ctx,
    );
    expect(m.calls[0]).toMatchObject({
      status: 'error',
      error_type: 'ModelHTTPError',
      error_message: 'status_code: 429',
    });
  });

  it('keeps agent spans as runs, not calls, and ignores spans that are not about LLMs', () => {
    const m = mapTraces(
      request([
        span({
          spanId: '00000000000000a1',
          name: 'invoke_agent support',
          kind: 1,
          attrs: {
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.agent.name': 'support',
            'gen_ai.agent.id': 'agent-7',
            'gen_ai.conversation.id': 'conv-1',
            'gen_ai.aggregated_usage.input_tokens': 5000,
            'operation.cost': 0.5,
          },
        }),
        span({
          spanId: '00000000000000a2',
          name: 'agent run',
          attrs: { agent_name: 'legacy', 'gen_ai.usage.input_tokens': 10 },
        }),
        span({ spanId: '00000000000000a3', name: 'running tool', attrs: { 'gen_ai.tool.name': 'search' } }),
        span({ spanId: '00000000000000a4', name: 'GET /health', attrs: { 'http.method': 'GET' } }),
      ]),
      ctx,
    );
    expect(m).toMatchObject({ spans: 4, ignored: 2, rejected: 0, calls: [] });
    expect(m.runs).toHaveLength(2);
    expect(m.runs[0]).toMatchObject({
      id: '00000000000000a1',
      agent_name: 'support',
      agent_id: 'agent-7',
      session_id: 'conv-1',
      input_tokens: 5000,
      cost_usd: 0.5,
      duration_ms: 1500,
      status: 'success',
    });
    expect(m.runs[1]).toMatchObject({ agent_name: 'legacy', input_tokens: 10 });
  });

  it('rejects spans it cannot use with a reason, and keeps the rest', () => {
    const chat = { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o' };
    const m = mapTraces(
      request([
        span({ spanId: '', attrs: chat }),
        span({ spanId: '00000000000000b2', startTimeUnixNano: '0', attrs: chat }),
        span({ spanId: '00000000000000b3', startTimeUnixNano: ns(now + 3 * 86_400_000), attrs: chat }),
        span({ spanId: '00000000000000b4', attrs: { ...chat, 'gen_ai.usage.input_tokens': -5 } }),
        span({ spanId: '00000000000000b5', attrs: chat }),
      ]),
      ctx,
    );
    expect(m.rejected).toBe(3);
    expect(m.calls.map((c) => c.id)).toEqual(['00000000000000b4', '00000000000000b5']);
    expect(m.calls[0]!.input_tokens).toBeNull(); // a nonsense count is left out, not the span
    expect(m.errors.join('\n')).toMatch(/no valid spanId[\s\S]*no startTimeUnixNano[\s\S]*future/);
  });

  it('keeps oversized attributes out of metadata rather than losing the span', () => {
    const m = mapTraces(
      request([
        span({
          attrs: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            model_request_parameters: 'x'.repeat(200_000),
            small: 'kept',
          },
        }),
      ]),
      ctx,
    );
    expect(m.rejected).toBe(0);
    expect(m.calls[0]!.metadata).toMatchObject({
      small: 'kept',
      'tally.dropped_attributes': ['model_request_parameters'],
    });
  });

  it('gives the same records whatever order the spans come in', () => {
    const spans = [
      span({ spanId: '00000000000000c1', name: 'invoke_agent a', attrs: { 'gen_ai.operation.name': 'invoke_agent' } }),
      span({
        spanId: '00000000000000c2',
        parentSpanId: '00000000000000c1',
        attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o' },
      }),
    ];
    const forward = mapTraces(request(spans), ctx);
    const backward = mapTraces(request([...spans].reverse()), ctx);
    expect(backward.calls).toEqual(forward.calls);
    expect(backward.runs).toEqual(forward.runs);
  });
});

describe('mapTraces and other emitters', () => {
  it('reads the Vercel AI SDK’s model spans and OpenLLMetry’s association properties and agents', () => {
    const m = mapTraces(
      request([
        span({
          spanId: '00000000000000d1',
          name: 'ai.streamText.doStream',
          attrs: {
            'gen_ai.system': 'openai.chat',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.input_tokens': 50,
            'gen_ai.usage.output_tokens': 5,
            'ai.response.msToFirstChunk': 320.5,
            'ai.telemetry.metadata.userId': 'vercel-user',
          },
        }),
        span({ spanId: '00000000000000d2', name: 'ai.streamText', attrs: { 'ai.model.provider': 'openai.chat' } }),
        span({
          spanId: '00000000000000d3',
          name: 'openai.chat',
          attrs: {
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'llm.request.type': 'chat',
            'traceloop.association.properties.user_id': 'll-user',
            'traceloop.association.properties.session_id': 'll-session',
          },
        }),
        span({
          spanId: '00000000000000d4',
          name: 'joke_agent.agent',
          attrs: { 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'joke_agent' },
        }),
      ]),
      ctx,
    );
    expect(m.ignored).toBe(1);
    expect(m.calls[0]).toMatchObject({
      provider: 'openai',
      ttft_ms: 320.5,
      user_id: 'vercel-user',
      cost_source: 'computed',
    });
    expect(m.calls[1]).toMatchObject({ provider: 'openai', user_id: 'll-user', session_id: 'll-session' });
    expect(m.runs[0]).toMatchObject({ agent_name: 'joke_agent' });
  });
});
