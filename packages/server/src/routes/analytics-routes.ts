import { Type, type TSchema } from '@sinclair/typebox';
import { DIMENSIONS, NUMERIC_METRICS, type Dimension, type Metric } from '@tally/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  LATENCY_METRICS,
  SUMMARY_METRICS,
  breakdown,
  change,
  iso,
  latencyShape,
  pointTime,
  series,
  totals,
  type Selection,
} from '../analytics/native.js';
import {
  DAY_MS,
  FILTER_PARAMS,
  RANGE_PARAMS,
  badParam,
  filtersFromUrl,
  parseList,
  wholeNumber,
  resolveInterval,
  resolveRange,
} from '../analytics/params.js';
import type { TallyContext } from '../context.js';
import { TallyError } from '../errors.js';
import { ErrorSchema } from './schemas.js';
import * as ex from './analytics-examples.js';

const Num = Type.Union([Type.Number(), Type.Null()]);
const MetricsSchema = Type.Object(Object.fromEntries(SUMMARY_METRICS.map((m) => [m, Num])));
const AnyMetrics = Type.Record(Type.String(), Num);
const Latency = Type.Object({ avg: Num, p50: Num, p90: Num, p95: Num, p99: Num });
const Errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 422: ErrorSchema, 503: ErrorSchema };
const EXPLAIN =
  'Filters: any dimension as a parameter (`model=gpt-4o,gpt-4o-mini`, `provider=!openai` excludes), `tag=x`, `metadata.<key>=v`.';

type Q = Record<string, string | undefined>;

function selection(req: FastifyRequest, defaultSpanMs: number): Selection & { tz: string } {
  const range = resolveRange(req.query as Q, defaultSpanMs);
  return { projectId: req.projectId, ...range, filters: filtersFromUrl(req.url) };
}

function dimension(value: string | undefined, name: string, fallback?: Dimension): Dimension {
  if (value === undefined && fallback) return fallback;
  if (value === undefined || !(DIMENSIONS as readonly string[]).includes(value)) {
    throw badParam(name, `must be one of ${DIMENSIONS.join(', ')}; got ${value ?? 'nothing'}`);
  }
  return value as Dimension;
}

function schema(summary: string, description: string, query: Record<string, TSchema>, ok: TSchema, example: unknown) {
  return {
    tags: ['analytics'],
    summary,
    description: `${description}\n\n${EXPLAIN}`,
    querystring: Type.Object({ ...RANGE_PARAMS, ...query, ...FILTER_PARAMS }),
    response: { 200: { ...ok, examples: [example] }, ...Errors },
  };
}

/** The native analytics API under /api/v1/analytics/ (shared/DESIGN.md §6). */
export function registerAnalyticsRoutes(app: FastifyInstance, ctx: TallyContext): void {
  const a = ctx.analytics;
  const read = { access: 'read' as const };

  app.get(
    '/api/v1/analytics/summary',
    {
      config: read,
      schema: schema(
        'Totals for a time range, optionally against the previous period',
        'Calls, errors, tokens, cost, latency percentiles (nearest rank), distinct users and sessions. `compare=previous` adds the period of equal length just before, and the relative change of each metric. Default range: the last 24 hours.',
        { compare: Type.Optional(Type.Literal('previous')) },
        Type.Object({
          from: Type.String(),
          to: Type.String(),
          metrics: MetricsSchema,
          previous: Type.Optional(Type.Object({ from: Type.String(), to: Type.String(), metrics: MetricsSchema })),
          change: Type.Optional(AnyMetrics),
        }),
        ex.summary,
      ),
    },
    async (req) => {
      const sel = selection(req, DAY_MS);
      const now = await totals(a, sel, SUMMARY_METRICS);
      const out: Record<string, unknown> = { from: iso(sel.from), to: iso(sel.to), metrics: now };
      if ((req.query as Q)['compare'] === 'previous') {
        const span = sel.to - sel.from;
        const prev = { ...sel, from: sel.from - span, to: sel.from };
        const before = await totals(a, prev, SUMMARY_METRICS);
        out['previous'] = { from: iso(prev.from), to: iso(prev.to), metrics: before };
        out['change'] = change(now, before);
      }
      return out;
    },
  );

  app.get(
    '/api/v1/analytics/timeseries',
    {
      config: read,
      schema: schema(
        'Metrics per hour, day, week or month, every interval present',
        'Intervals start at local midnight (weeks on Monday) in `tz`. Intervals without calls are filled: 0 for counts, tokens and cost; null for averages and percentiles. With `by`, one series per top value of that dimension.',
        {
          interval: Type.Optional(
            Type.String({ description: 'hour, day, week or month; chosen from the range when absent' }),
          ),
          metrics: Type.Optional(
            Type.String({ description: `Comma-separated; default calls,errors,total_tokens,cost_usd` }),
          ),
          by: Type.Optional(Type.String({ description: 'A dimension: one series per value (top `limit` by calls)' })),
          limit: Type.Optional(Type.String({ description: 'Series with `by`, 1..20, default 5' })),
        },
        Type.Object({
          interval: Type.String(),
          tz: Type.String(),
          from: Type.String(),
          to: Type.String(),
          points: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
          series: Type.Optional(
            Type.Array(
              Type.Object({
                value: Type.Union([Type.String(), Type.Null()]),
                points: Type.Array(Type.Record(Type.String(), Type.Unknown())),
              }),
            ),
          ),
        }),
        ex.timeseries,
      ),
    },
    async (req) => {
      const q = req.query as Q;
      const sel = selection(req, DAY_MS);
      const interval = resolveInterval(q['interval'], sel.from, sel.to);
      const metrics = parseList<Metric>(q['metrics'], 'metrics', NUMERIC_METRICS, [
        'calls',
        'errors',
        'total_tokens',
        'cost_usd',
      ]);
      const shape = (points: Awaited<ReturnType<typeof series>>) =>
        points.map((p) => ({ ...pointTime(p.bucket, interval, sel.tz), ...p }));
      const head = { interval, tz: sel.tz, from: iso(sel.from), to: iso(sel.to) };
      if (q['by'] === undefined) return { ...head, points: shape(await series(a, sel, interval, sel.tz, metrics)) };
      const by = dimension(q['by'], 'by');
      const top = await a.query({
        ...sel,
        groupBy: [by],
        metrics: ['calls'],
        orderBy: { metric: 'calls', direction: 'desc' },
        limit: wholeNumber(q['limit'], 'limit', 1, 20, 5),
      });
      const out = [];
      for (const t of top) {
        const value = t[by] as string | null;
        const only =
          value === null
            ? { field: by, op: 'absent' as const, values: [] }
            : { field: by, op: 'in' as const, values: [value] };
        out.push({
          value,
          points: shape(await series(a, { ...sel, filters: [...sel.filters, only] }, interval, sel.tz, metrics)),
        });
      }
      return { ...head, series: out };
    },
  );

  app.get(
    '/api/v1/analytics/breakdown',
    {
      config: read,
      schema: schema(
        'Metrics per value of a dimension: the top N and one "other" row',
        'Rows are ordered by `order` (a metric, default calls) and cut at `limit`; everything else is summed into `other` (null when nothing is left). `total` covers all rows.',
        {
          by: Type.String({ description: `One of: ${DIMENSIONS.join(', ')}` }),
          metrics: Type.Optional(
            Type.String({
              description: 'Comma-separated; default calls,errors,error_rate,total_tokens,cost_usd,p95_duration_ms',
            }),
          ),
          order: Type.Optional(Type.String({ description: 'Metric to rank by; default calls' })),
          direction: Type.Optional(Type.Union([Type.Literal('desc'), Type.Literal('asc')])),
          limit: Type.Optional(Type.String({ description: '1..1000, default 10' })),
        },
        Type.Object({
          by: Type.String(),
          from: Type.String(),
          to: Type.String(),
          rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
          other: Type.Union([AnyMetrics, Type.Null()]),
          total: AnyMetrics,
        }),
        ex.breakdown,
      ),
    },
    async (req) => {
      const q = req.query as Q;
      const sel = selection(req, DAY_MS);
      const by = dimension(q['by'], 'by');
      const metrics = parseList<Metric>(q['metrics'], 'metrics', NUMERIC_METRICS, [
        'calls',
        'errors',
        'error_rate',
        'total_tokens',
        'cost_usd',
        'p95_duration_ms',
      ]);
      const [order] = parseList<Metric>(q['order'], 'order', NUMERIC_METRICS, ['calls']);
      const direction = q['direction'] === 'asc' ? 'asc' : 'desc';
      const result = await breakdown(
        a,
        sel,
        by,
        metrics,
        { metric: order!, direction },
        wholeNumber(q['limit'], 'limit', 1, 1000, 10),
      );
      return { by, from: iso(sel.from), to: iso(sel.to), ...result, total: await totals(a, sel, metrics) };
    },
  );

  app.get(
    '/api/v1/analytics/latency',
    {
      config: read,
      schema: schema(
        'Latency: average and percentiles of duration and time to first token',
        'Overall, per value of `by` (default model, top `limit` by calls), and per interval. Percentiles are nearest rank: the ⌈p·n⌉-th smallest value.',
        {
          by: Type.Optional(Type.String({ description: 'A dimension; default model' })),
          interval: Type.Optional(Type.String({ description: 'hour, day, week or month' })),
          limit: Type.Optional(Type.String({ description: 'Groups, 1..100, default 10' })),
        },
        Type.Object({
          from: Type.String(),
          to: Type.String(),
          calls: Type.Number(),
          duration_ms: Latency,
          ttft_ms: Latency,
          by: Type.String(),
          groups: Type.Array(
            Type.Object({
              value: Type.Union([Type.String(), Type.Null()]),
              calls: Type.Number(),
              duration_ms: Latency,
              ttft_ms: Latency,
            }),
          ),
          interval: Type.String(),
          points: Type.Array(
            Type.Object({ time: Type.String(), calls: Type.Number(), duration_ms: Latency, ttft_ms: Latency }),
          ),
        }),
        ex.latency,
      ),
    },
    async (req) => {
      const q = req.query as Q;
      const sel = selection(req, DAY_MS);
      const by = dimension(q['by'], 'by', 'model');
      const interval = resolveInterval(q['interval'], sel.from, sel.to);
      const all = await totals(a, sel, LATENCY_METRICS);
      const groups = await a.query({
        ...sel,
        groupBy: [by],
        metrics: LATENCY_METRICS,
        orderBy: { metric: 'calls', direction: 'desc' },
        limit: wholeNumber(q['limit'], 'limit', 1, 100, 10),
      });
      const points = await series(a, sel, interval, sel.tz, LATENCY_METRICS);
      return {
        from: iso(sel.from),
        to: iso(sel.to),
        calls: all['calls'] ?? 0,
        ...latencyShape(all),
        by,
        groups: groups.map((g) => ({
          value: g[by] as string | null,
          calls: Number(g['calls']),
          ...latencyShape(g as Record<string, number | null>),
        })),
        interval,
        points: points.map((p) => ({ time: iso(p.bucket)!, calls: p['calls'] ?? 0, ...latencyShape(p) })),
      };
    },
  );

  app.get(
    '/api/v1/analytics/errors',
    {
      config: read,
      schema: schema(
        'Errors grouped by type and normalised message, with sample event ids',
        'A message is normalised by replacing ids, long hex strings and numbers with placeholders, so "timed out after 31s" and "… 45s" form one group. `sample_ids` are the newest event ids of a group (read them with /api/v1/events/{id}).',
        { limit: Type.Optional(Type.String({ description: 'Groups, 1..500, default 50' })) },
        Type.Object({
          from: Type.String(),
          to: Type.String(),
          calls: Type.Number(),
          errors: Type.Number(),
          error_rate: Type.Number(),
          by_status: Type.Record(Type.String(), Type.Number()),
          by_model: Type.Array(
            Type.Object({
              provider: Type.Union([Type.String(), Type.Null()]),
              model: Type.Union([Type.String(), Type.Null()]),
              calls: Type.Number(),
              errors: Type.Number(),
              error_rate: Type.Number(),
            }),
          ),
          groups: Type.Array(
            Type.Object({
              error_type: Type.Union([Type.String(), Type.Null()]),
              pattern: Type.Union([Type.String(), Type.Null()]),
              count: Type.Number(),
              first_seen: Type.String(),
              last_seen: Type.String(),
              sample_ids: Type.Array(Type.String()),
            }),
          ),
        }),
        ex.errors,
      ),
    },
    async (req) => {
      const q = req.query as Q;
      const sel = selection(req, DAY_MS);
      // One scan by status gives the totals and the error counts by status.
      const statuses = await a.query({ ...sel, groupBy: ['status'], metrics: ['calls'] });
      const calls = statuses.reduce((n, s) => n + Number(s['calls']), 0);
      const failedStatuses = statuses.filter((s) => s['status'] !== 'success');
      const errors = failedStatuses.reduce((n, s) => n + Number(s['calls']), 0);
      const failed = {
        ...sel,
        filters: [...sel.filters, { field: 'status' as const, op: 'not_in' as const, values: ['success'] }],
      };
      const models = await a.query({
        ...sel,
        groupBy: ['provider', 'model'],
        metrics: ['calls', 'errors', 'error_rate'],
        orderBy: { metric: 'errors', direction: 'desc' },
        limit: 50,
      });
      const groups = await a.query({
        ...failed,
        groupBy: ['error_type', 'error_pattern'],
        metrics: ['calls', 'first_seen', 'last_seen', 'sample_ids'],
        orderBy: { metric: 'calls', direction: 'desc' },
        limit: wholeNumber(q['limit'], 'limit', 1, 500, 50),
      });
      return {
        from: iso(sel.from),
        to: iso(sel.to),
        calls,
        errors,
        error_rate: calls > 0 ? errors / calls : 0,
        by_status: Object.fromEntries(failedStatuses.map((s) => [String(s['status']), Number(s['calls'])])),
        by_model: models.filter((m) => Number(m['errors']) > 0),
        groups: groups.map((g) => ({
          error_type: g['error_type'] as string | null,
          pattern: g['error_pattern'] as string | null,
          count: Number(g['calls']),
          first_seen: iso(Number(g['first_seen'])),
          last_seen: iso(Number(g['last_seen'])),
          sample_ids: g['sample_ids'] as string[],
        })),
      };
    },
  );

  app.get(
    '/api/v1/analytics/sessions/:id',
    {
      config: read,
      schema: {
        tags: ['analytics'],
        summary: 'One session: its calls in order, with totals',
        params: Type.Object({ id: Type.String({ maxLength: 256 }) }),
        querystring: Type.Object({
          limit: Type.Optional(Type.String({ description: 'Calls per page, 1..1000, default 200' })),
          cursor: Type.Optional(Type.String({ maxLength: 512 })),
        }),
        response: {
          200: {
            ...Type.Object({
              session_id: Type.String(),
              first_seen: Type.String(),
              last_seen: Type.String(),
              totals: MetricsSchema,
              calls: Type.Array(Type.Record(Type.String(), Type.Unknown())),
              next_cursor: Type.Union([Type.String(), Type.Null()]),
            }),
            examples: [ex.session],
          },
          ...Errors,
          404: ErrorSchema,
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const q = req.query as Q;
      const sel: Selection = {
        projectId: req.projectId,
        from: 0,
        to: Date.now() + 2 * DAY_MS,
        filters: [{ field: 'session_id', op: 'eq', values: [id] }],
      };
      const [row] = await a.query({ ...sel, metrics: [...SUMMARY_METRICS, 'first_seen', 'last_seen'] });
      if (!row || Number(row['calls']) === 0) {
        throw new TallyError('not_found', `project ${req.projectId} has no calls in session ${id}`);
      }
      const page = await a.events({
        ...sel,
        order: 'asc',
        limit: wholeNumber(q['limit'], 'limit', 1, 1000, 200),
        cursor: q['cursor'] ?? null,
      });
      const sum = await totals(a, sel, SUMMARY_METRICS);
      return {
        session_id: id,
        first_seen: iso(Number(row['first_seen'])),
        last_seen: iso(Number(row['last_seen'])),
        totals: sum,
        calls: page.events,
        next_cursor: page.next_cursor,
      };
    },
  );

  app.get(
    '/api/v1/analytics/users/:id',
    {
      config: read,
      schema: {
        tags: ['analytics'],
        summary: "One user's usage: totals, per day, per model and recent sessions",
        description: 'Default range: the last 30 days. Days are local days in `tz`.',
        params: Type.Object({ id: Type.String({ maxLength: 256 }) }),
        querystring: Type.Object({ ...RANGE_PARAMS }),
        response: {
          200: {
            ...Type.Object({
              user_id: Type.String(),
              from: Type.String(),
              to: Type.String(),
              totals: MetricsSchema,
              daily: Type.Array(Type.Record(Type.String(), Type.Unknown())),
              models: Type.Array(Type.Record(Type.String(), Type.Unknown())),
              sessions: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            }),
            examples: [ex.user],
          },
          ...Errors,
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const range = resolveRange(req.query as Q, 30 * DAY_MS);
      const sel: Selection = {
        projectId: req.projectId,
        from: range.from,
        to: range.to,
        filters: [{ field: 'user_id', op: 'eq', values: [id] }],
      };
      const daily = await series(a, sel, 'day', range.tz, ['calls', 'errors', 'total_tokens', 'cost_usd']);
      const models = await a.query({
        ...sel,
        groupBy: ['model'],
        metrics: ['calls', 'total_tokens', 'cost_usd'],
        orderBy: { metric: 'calls', direction: 'desc' },
        limit: 50,
      });
      const sessions = await a.query({
        ...sel,
        filters: [...sel.filters, { field: 'session_id', op: 'present', values: [] }],
        groupBy: ['session_id'],
        metrics: ['calls', 'total_tokens', 'cost_usd', 'first_seen', 'last_seen'],
        orderBy: { metric: 'last_seen', direction: 'desc' },
        limit: 20,
      });
      return {
        user_id: id,
        from: iso(range.from),
        to: iso(range.to),
        totals: await totals(a, sel, SUMMARY_METRICS),
        daily: daily.map((p) => ({ date: pointTime(p.bucket, 'day', range.tz).date, ...p, bucket: undefined })),
        models,
        sessions: sessions.map((s) => ({
          ...s,
          first_seen: iso(Number(s['first_seen'])),
          last_seen: iso(Number(s['last_seen'])),
        })),
      };
    },
  );
}
