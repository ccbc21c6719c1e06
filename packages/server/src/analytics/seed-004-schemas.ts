import { Type, type TSchema } from '@sinclair/typebox';
import { LOG_LEVELS } from '@tally/core';

/** Response schemas of the seed 004 dashboard routes, each with an example for the OpenAPI document. */

const Num = Type.Union([Type.Number(), Type.Null()]);
const Str = Type.Union([Type.String(), Type.Null()]);
const Int = Type.Integer();
const Rate = Type.Number({ description: '0 to 1' });
const Cost = Type.Union([Type.Number(), Type.Null()], {
  description: 'USD, reported or priced; null when no call in scope has a price',
});
const Period = { from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) };
const withExample = <T extends TSchema>(schema: T, example: unknown): T => ({ ...schema, examples: [example] });

export const DashboardSchema = withExample(
  Type.Object({
    ...Period,
    total_requests: Int,
    successful_requests: Int,
    failed_requests: Type.Integer({ description: 'status error, timeout or cancelled' }),
    success_rate: Rate,
    error_rate: Rate,
    input_tokens: Int,
    output_tokens: Int,
    total_tokens: Int,
    total_cost: Cost,
    unpriced_requests: Type.Integer({ description: 'Calls whose model has no price; left out of total_cost' }),
    avg_latency_ms: Num,
    p95_latency_ms: Type.Union([Type.Number(), Type.Null()], { description: 'Nearest-rank percentile' }),
    unique_users: Int,
    unique_sessions: Int,
    top_models: Type.Array(Type.Object({ model: Type.String(), requests: Int, total_tokens: Int, total_cost: Cost }), {
      description: 'The busiest models, at most 5',
    }),
  }),
  {
    from: '2026-11-22T10:00:00.000Z',
    to: '2026-11-23T10:00:00.000Z',
    total_requests: 1542,
    successful_requests: 1523,
    failed_requests: 19,
    success_rate: 0.987678,
    error_rate: 0.012322,
    input_tokens: 452300,
    output_tokens: 89441,
    total_tokens: 541741,
    total_cost: 3.418275,
    unpriced_requests: 4,
    avg_latency_ms: 1247.3,
    p95_latency_ms: 2870,
    unique_users: 45,
    unique_sessions: 150,
    top_models: [
      { model: 'gpt-4o', requests: 892, total_tokens: 380112, total_cost: 2.9102 },
      { model: 'claude-sonnet-4-5', requests: 646, total_tokens: 161629, total_cost: 0.508075 },
      { model: 'acme-unpriced-model', requests: 4, total_tokens: 0, total_cost: null },
    ],
  },
);

export const RequestSeriesSchema = withExample(
  Type.Object({
    ...Period,
    interval: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
    tz: Type.String(),
    points: Type.Array(
      Type.Object({
        timestamp: Type.String({ format: 'date-time', description: 'Start of the interval' }),
        requests: Int,
        errors: Int,
        tokens: Int,
        cost: Cost,
        avg_latency_ms: Num,
      }),
    ),
  }),
  {
    from: '2026-11-23T07:00:00.000Z',
    to: '2026-11-23T10:00:00.000Z',
    interval: 'hour',
    tz: 'UTC',
    points: [
      {
        timestamp: '2026-11-23T07:00:00.000Z',
        requests: 61,
        errors: 1,
        tokens: 21480,
        cost: 0.1342,
        avg_latency_ms: 1180.5,
      },
      { timestamp: '2026-11-23T08:00:00.000Z', requests: 0, errors: 0, tokens: 0, cost: 0, avg_latency_ms: null },
      {
        timestamp: '2026-11-23T09:00:00.000Z',
        requests: 74,
        errors: 3,
        tokens: 25002,
        cost: 0.1601,
        avg_latency_ms: 1302,
      },
    ],
  },
);

const usageFields = {
  requests: Int,
  errors: Int,
  error_rate: Rate,
  input_tokens: Int,
  output_tokens: Int,
  total_tokens: Int,
  total_cost: Cost,
  unpriced_requests: Int,
  cost_per_1k_tokens: Type.Union([Type.Number(), Type.Null()], {
    description: 'USD per 1,000 tokens over the calls that have a price',
  }),
  avg_latency_ms: Num,
  p50_latency_ms: Num,
  p95_latency_ms: Num,
};
const usageExample = {
  requests: 892,
  errors: 7,
  error_rate: 0.007848,
  input_tokens: 310200,
  output_tokens: 69912,
  total_tokens: 380112,
  total_cost: 2.9102,
  unpriced_requests: 0,
  cost_per_1k_tokens: 0.007656,
  avg_latency_ms: 1310.2,
  p50_latency_ms: 1102,
  p95_latency_ms: 2950,
};

export const ProvidersSchema = withExample(
  Type.Object({
    ...Period,
    providers: Type.Array(
      Type.Object({
        provider: Type.Union([Type.String(), Type.Null()], { description: 'null: calls that named no provider' }),
        ...usageFields,
        models: Type.Array(Type.Object({ model: Str, ...usageFields })),
      }),
    ),
  }),
  {
    from: '2026-11-22T10:00:00.000Z',
    to: '2026-11-23T10:00:00.000Z',
    providers: [{ provider: 'openai', ...usageExample, models: [{ model: 'gpt-4o', ...usageExample }] }],
  },
);

export const RecentLogsSchema = withExample(
  Type.Object({
    logs: Type.Array(
      Type.Object({
        id: Type.String(),
        timestamp: Type.String({ format: 'date-time' }),
        level: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l))),
        message: Type.String(),
        logger: Str,
        service: Str,
        trace_id: Str,
        attributes: Type.Record(Type.String(), Type.Unknown()),
      }),
    ),
    count: Int,
  }),
  {
    logs: [
      {
        id: '0193a5f0-8c1e-7d52-b1a4-2f7c9e0d4a11',
        timestamp: '2026-11-23T09:58:12.345Z',
        level: 'ERROR',
        message: 'retrieval timed out; answering without context',
        logger: 'rag.retriever',
        service: 'support-bot',
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        attributes: { attempt: 3 },
      },
    ],
    count: 1,
  },
);
