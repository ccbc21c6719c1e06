import { Type, type TProperties, type TSchema } from '@sinclair/typebox';
import { LOG_LEVELS } from '@tally/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FILTER_PARAMS, RANGE_PARAMS, filtersFromUrl } from '../analytics/params.js';
import type { Selection } from '../analytics/native.js';
import { dashboard, logView, providerStats, requestSeries } from '../analytics/seed-004-answers.js';
import {
  MAX_HOURS,
  checkedByRoute,
  choice,
  seed004Range,
  wholeNumber,
  type RawQuery,
} from '../analytics/seed-004-params.js';
import {
  DashboardSchema,
  ProvidersSchema,
  RecentLogsSchema,
  RequestSeriesSchema,
} from '../analytics/seed-004-schemas.js';
import type { TallyContext } from '../context.js';
import { ErrorSchema } from './schemas.js';

const HOUR_MS = 3_600_000;
const MAX_LOGS = 500;
const Errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 422: ErrorSchema, 503: ErrorSchema };
const HOURS = {
  from: RANGE_PARAMS.from,
  to: RANGE_PARAMS.to,
  hours: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_HOURS,
      default: 24,
      description: 'The last N hours before `to` (now by default); or give `from` instead',
    }),
  ),
} satisfies TProperties;
const FILTERS_HELP =
  'Filters: any dimension as a parameter (`model=gpt-4o,gpt-4o-mini`, `provider=!openai` excludes), `tag=x`, `metadata.<key>=v`.';

function schema(summary: string, description: string, query: TProperties, ok: TSchema) {
  return {
    tags: ['seed-004'],
    summary,
    description,
    querystring: Type.Object(query),
    response: { 200: ok, ...Errors },
  };
}

/** The calls a dashboard request is about (its range and the dimension filters of its URL), and its time zone. */
function selection(req: FastifyRequest): { sel: Selection; tz: string } {
  const { from, to, tz } = seed004Range(req.query as RawQuery);
  return { sel: { projectId: req.projectId, from, to, filters: filtersFromUrl(req.url) }, tz };
}

/**
 * Seed 004's dashboard analytics routes (/api/v1/analytics/dashboard, /requests/timeseries, /providers,
 * /logs/recent). Its /api/v1/analytics/errors is the native errors route (analytics-routes.ts).
 */
export function registerSeed004Routes(app: FastifyInstance, ctx: TallyContext): void {
  const route = { config: { access: 'read' as const }, validatorCompiler: checkedByRoute };
  const a = ctx.analytics;

  app.get(
    '/api/v1/analytics/dashboard',
    {
      ...route,
      schema: schema(
        'Dashboard totals: requests, success and error rates, tokens, cost, latency, users, sessions, top models',
        `The last 24 hours by default. Rates run from 0 to 1; latency percentiles are nearest-rank. ${FILTERS_HELP}`,
        { ...HOURS, ...FILTER_PARAMS },
        DashboardSchema,
      ),
    },
    async (req) => dashboard(a, selection(req).sel),
  );

  app.get(
    '/api/v1/analytics/requests/timeseries',
    {
      ...route,
      schema: schema(
        'Requests, errors, tokens, cost and average latency per hour or day, every interval present',
        `The last 24 hours by default. Intervals with no calls are listed with zeros (and a null latency). Hours and days are those of \`tz\`. ${FILTERS_HELP}`,
        {
          ...HOURS,
          tz: RANGE_PARAMS.tz,
          interval: Type.Optional(
            Type.Union([Type.Literal('hour'), Type.Literal('day')], {
              description: 'hour for ranges up to 48 hours, else day',
            }),
          ),
          ...FILTER_PARAMS,
        },
        RequestSeriesSchema,
      ),
    },
    async (req) => {
      const { sel, tz } = selection(req);
      const fallback = sel.to - sel.from <= 48 * HOUR_MS ? 'hour' : 'day';
      const interval = choice(req.query as RawQuery, 'interval', ['hour', 'day'] as const, fallback);
      return requestSeries(a, sel, interval, tz);
    },
  );

  app.get(
    '/api/v1/analytics/providers',
    {
      ...route,
      schema: schema(
        'Usage, cost, latency and errors per provider and model',
        `Providers busiest first, each with its models busiest first. cost_per_1k_tokens counts only calls that have a price. The last 24 hours by default. ${FILTERS_HELP}`,
        { ...HOURS, ...FILTER_PARAMS },
        ProvidersSchema,
      ),
    },
    async (req) => providerStats(a, selection(req).sel),
  );

  app.get(
    '/api/v1/analytics/logs/recent',
    {
      ...route,
      schema: schema(
        'The newest application logs (sent to POST /api/v1/ingest/app), newest first',
        'All logs by default; `hours` or `from`/`to` limit them to a range (`to` alone: the 24 hours before it), `level` to one level.',
        {
          ...HOURS,
          hours: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_HOURS, description: 'Only logs of the last N hours' }),
          ),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LOGS, default: 50 })),
          level: Type.Optional(Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)))),
        },
        RecentLogsSchema,
      ),
    },
    async (req) => {
      const q = req.query as RawQuery;
      const limit = wholeNumber(q, 'limit', 1, MAX_LOGS, 50);
      const level = choice(q, 'level', LOG_LEVELS);
      const ranged = q['hours'] !== undefined || q['from'] !== undefined || q['to'] !== undefined;
      const range = ranged ? seed004Range(q) : null;
      const logs = await ctx.store.logs({
        projectId: req.projectId,
        ...(range ? { from: range.from, to: range.to } : {}),
        ...(level !== undefined ? { level } : {}),
        limit,
      });
      return { logs: logs.map(logView), count: logs.length };
    },
  );
}
