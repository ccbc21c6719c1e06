import { Type } from '@sinclair/typebox';
import type { Dimension } from '@tally/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badParam, nowSecond, parseTime } from '../analytics/params.js';
import { SEED003_FORMATS, streamEvents } from '../analytics/seed-003-export.js';
import { checkedByRoute, choice, single, wholeNumber, type RawQuery } from '../analytics/seed-004-params.js';
import {
  SEED003_CSV_COLUMNS,
  SEED003_EVENT_EXAMPLE,
  Seed003EventSchema,
  toSeed003Event,
  unixSeconds,
} from '../analytics/seed-003-shape.js';
import type { TallyContext } from '../context.js';
import { ErrorSchema } from './schemas.js';

const HOUR_MS = 3_600_000;
const MAX_EVENTS = 10_000;
const TAGS = ['seed-003'];
const Errors = { 401: ErrorSchema, 403: ErrorSchema, 422: ErrorSchema, 503: ErrorSchema };
const RANGE = 'start inclusive, end exclusive; Unix seconds (ISO 8601 and epoch milliseconds are accepted too)';
const Range = {
  start: Type.Optional(Type.Integer({ description: 'Start, Unix seconds (inclusive)' })),
  end: Type.Optional(Type.Integer({ description: 'End, Unix seconds (exclusive); now when absent' })),
};

/** start/end of a seed 003 request, epoch ms; `defaultSpanMs` before end when start is absent. */
function seed003Range(req: FastifyRequest, defaultSpanMs: number): { from: number; to: number } {
  const q = req.query as RawQuery;
  const start = single(q, 'start');
  const end = single(q, 'end');
  const to = end !== undefined ? parseTime(end, 'end') : nowSecond();
  const from = start !== undefined ? parseTime(start, 'start') : to - defaultSpanMs;
  if (from >= to) {
    throw badParam(
      'start',
      `must be before end; got start=${start ?? unixSeconds(from)} and end=${end ?? unixSeconds(to)}`,
    );
  }
  return { from, to };
}

const CountMap = Type.Record(Type.String(), Type.Integer());

/** Seed 003's proxy analytics routes (/analytics/events, /analytics/aggregate, /analytics/export). */
export function registerSeed003Routes(app: FastifyInstance, ctx: TallyContext): void {
  const config = { access: 'read' as const };

  app.get(
    '/analytics/events',
    {
      config,
      validatorCompiler: checkedByRoute,
      schema: {
        tags: TAGS,
        summary: 'Stored calls in the AnalyticsEvent shape, newest first',
        description: `Range: ${RANGE}; the last hour by default.`,
        querystring: Type.Object({
          ...Range,
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EVENTS, default: 1000 })),
        }),
        response: {
          200: Type.Object(
            {
              events: Type.Array(Seed003EventSchema),
              count: Type.Integer(),
              start: Type.Integer({ description: 'Unix seconds' }),
              end: Type.Integer({ description: 'Unix seconds' }),
            },
            { examples: [{ events: [SEED003_EVENT_EXAMPLE], count: 1, start: 1704067200, end: 1704153600 }] },
          ),
          ...Errors,
        },
      },
    },
    async (req) => {
      const { from, to } = seed003Range(req, HOUR_MS);
      const limit = wholeNumber(req.query as RawQuery, 'limit', 1, MAX_EVENTS, 1000);
      const page = await ctx.analytics.events({ projectId: req.projectId, from, to, order: 'desc', limit });
      const events = page.events.map(toSeed003Event);
      return { events, count: events.length, start: unixSeconds(from), end: unixSeconds(to) };
    },
  );

  app.get(
    '/analytics/aggregate',
    {
      config,
      validatorCompiler: checkedByRoute,
      schema: {
        tags: TAGS,
        summary: 'Totals, average duration and calls per model, endpoint and backend',
        description: `Range: ${RANGE}; the last hour by default. Calls with no model, endpoint or backend are left out of that map.`,
        querystring: Type.Object(Range),
        response: {
          200: Type.Object(
            {
              total_requests: Type.Integer(),
              successful_requests: Type.Integer(),
              failed_requests: Type.Integer({ description: 'Calls whose status is error, timeout or cancelled' }),
              total_input_tokens: Type.Integer(),
              total_output_tokens: Type.Integer(),
              avg_duration_ms: Type.Number({ description: 'Over calls with a duration; 0 when there are none' }),
              models_used: CountMap,
              endpoints_hit: CountMap,
              backends_used: CountMap,
              period_start: Type.Integer({ description: 'Unix seconds' }),
              period_end: Type.Integer({ description: 'Unix seconds' }),
            },
            {
              examples: [
                {
                  total_requests: 1542,
                  successful_requests: 1523,
                  failed_requests: 19,
                  total_input_tokens: 45230,
                  total_output_tokens: 89441,
                  avg_duration_ms: 1247.3,
                  models_used: { 'gpt-4o': 892, 'gpt-4o-mini': 650 },
                  endpoints_hit: { '/v1/chat/completions': 892, '/v1/responses': 650 },
                  backends_used: { openai: 1542 },
                  period_start: 1704067200,
                  period_end: 1704153600,
                },
              ],
            },
          ),
          ...Errors,
        },
      },
    },
    async (req) => {
      const { from, to } = seed003Range(req, HOUR_MS);
      const sel = { projectId: req.projectId, from, to };
      const [totals] = await ctx.analytics.query({
        ...sel,
        metrics: ['calls', 'errors', 'input_tokens', 'output_tokens', 'avg_duration_ms'],
      });
      const countsBy = async (field: Dimension): Promise<Record<string, number>> => {
        const rows = await ctx.analytics.query({
          ...sel,
          filters: [{ field, op: 'present', values: [] }],
          groupBy: [field],
          metrics: ['calls'],
        });
        return Object.fromEntries(rows.map((r) => [String(r[field]), Number(r['calls'])]));
      };
      const calls = Number(totals?.['calls'] ?? 0);
      const errors = Number(totals?.['errors'] ?? 0);
      return {
        total_requests: calls,
        successful_requests: calls - errors,
        failed_requests: errors,
        total_input_tokens: Number(totals?.['input_tokens'] ?? 0),
        total_output_tokens: Number(totals?.['output_tokens'] ?? 0),
        avg_duration_ms: Number(totals?.['avg_duration_ms'] ?? 0),
        models_used: await countsBy('model'),
        endpoints_hit: await countsBy('endpoint'),
        backends_used: await countsBy('backend'),
        period_start: unixSeconds(from),
        period_end: unixSeconds(to),
      };
    },
  );

  const csvExample = `${SEED003_CSV_COLUMNS.join(',')}\r\n550e8400-e29b-41d4-a716-446655440000,1704067200,/v1/chat/completions,POST,gpt-4o,false,200,true,1247,42,128,openai,chat\r\n`;
  app.get(
    '/analytics/export',
    {
      config,
      validatorCompiler: checkedByRoute,
      schema: {
        tags: TAGS,
        summary: 'Download the stored calls as JSON or CSV, streamed oldest first',
        description: `Range: ${RANGE}; the last 24 hours by default. CSV columns: ${SEED003_CSV_COLUMNS.join(', ')} (RFC 4180, header row). JSON: an array of calls in the AnalyticsEvent shape. Sent as an attachment named tally-analytics-<start>-<end>.<format>.`,
        querystring: Type.Object({
          ...Range,
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })),
        }),
        response: {
          200: {
            description: 'The calls, as an attachment',
            content: {
              'application/json': {
                schema: Type.Array(Seed003EventSchema, { examples: [[SEED003_EVENT_EXAMPLE]] }),
              },
              'text/csv': { schema: Type.String({ examples: [csvExample] }) },
            },
          },
          ...Errors,
        },
      },
    },
    async (req, reply) => {
      const { from, to } = seed003Range(req, 24 * HOUR_MS);
      const format = choice(req.query as RawQuery, 'format', ['json', 'csv'] as const, 'json');
      const { contentType, ...writer } = SEED003_FORMATS[format];
      const stream = await streamEvents(ctx.store, { projectId: req.projectId, from, to }, writer);
      const filename = `tally-analytics-${unixSeconds(from)}-${unixSeconds(to)}.${format}`;
      return reply
        .header('content-type', contentType)
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(stream);
    },
  );
}
