import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { userAnalytics, userCalls, userPeriod, type UserPeriod } from '../analytics/seed-001.js';
import { wholeNumber } from '../analytics/params.js';
import type { TallyContext } from '../context.js';
import { ErrorSchema } from './schemas.js';

const SUMMARY_DAYS = { fallback: 30, max: 90 };
const RAW_DAYS = { fallback: 7, max: 30 };
const RAW_LIMIT = { fallback: 100, max: 1000 };

const Errors = { 401: ErrorSchema, 403: ErrorSchema, 422: ErrorSchema, 503: ErrorSchema };
const Params = Type.Object({
  user_id: Type.String({ minLength: 1, maxLength: 256, description: 'The user_id of the calls' }),
});
const Day = Type.String({ format: 'date' });
const Int = Type.Integer();
const PERIOD =
  'The period is `days` whole UTC days ending with today: `end` is the start of tomorrow (UTC), `start` is `days` days earlier.';

const UserAnalytics = Type.Object(
  {
    user_id: Type.String(),
    period: Type.Object({ start: Type.String(), end: Type.String(), days: Int }),
    summary: Type.Object({
      total_cost: Type.Number({ description: 'USD, sum of cost_usd; unpriced runs add nothing' }),
      total_agent_runs: Int,
      avg_duration_ms: Type.Number({ description: 'Mean over runs with a known duration; 0 when none' }),
      success_rate: Type.Number({ description: 'Share of runs with status success, 0..1; 0 when no runs' }),
    }),
    daily_costs: Type.Array(Type.Object({ date: Day, cost: Type.Number(), run_count: Int }), {
      description: 'Every UTC date of the period, zeros on idle days; empty when the user has no runs',
    }),
    agent_runs_by_outcome: Type.Record(Type.String(), Int, {
      description: 'Runs per status: success and error always, timeout and cancelled when they happened',
    }),
    conversation_stats: Type.Array(Type.Object({ date: Day, count: Int, avg_messages: Type.Number() }), {
      description:
        'Dates with at least one conversation: count is the distinct session_ids that day, avg_messages the calls in a session / count',
    }),
  },
  {
    examples: [
      {
        user_id: 'user_123',
        period: { start: '2026-01-13T00:00:00Z', end: '2026-02-12T00:00:00Z', days: 30 },
        summary: { total_cost: 12.45, total_agent_runs: 156, avg_duration_ms: 2340.5, success_rate: 0.9423 },
        daily_costs: [
          { date: '2026-01-13', cost: 0.42, run_count: 5 },
          { date: '2026-01-14', cost: 0.38, run_count: 4 },
        ],
        agent_runs_by_outcome: { success: 147, error: 9 },
        conversation_stats: [{ date: '2026-01-13', count: 12, avg_messages: 3.5 }],
      },
    ],
  },
);

const RawCalls = Type.Array(Type.Record(Type.String(), Type.Unknown(), { description: 'A stored CallEvent' }), {
  examples: [
    [
      {
        id: 'c0012',
        project_id: 'default',
        timestamp: 1770800000000,
        model: 'gpt-4o',
        provider: 'openai',
        input_tokens: 812,
        output_tokens: 240,
        total_tokens: 1052,
        cost_usd: 0.00443,
        cost_source: 'computed',
        duration_ms: 2310,
        status: 'success',
        user_id: 'user_123',
        session_id: 'session-7',
      },
    ],
  ],
});

/**
 * The period of a request, with Tally's own messages for bad values: Fastify only attaches its validation result
 * (`attachValidation`), and anything these checks let through but the schema did not is still rejected.
 */
function periodOf(req: FastifyRequest, days: { fallback: number; max: number }): UserPeriod & { limit: number } {
  const q = req.query as Record<string, unknown>;
  const n = wholeNumber(q['days'], 'days', 1, days.max, days.fallback);
  const limit = days === RAW_DAYS ? wholeNumber(q['limit'], 'limit', 1, RAW_LIMIT.max, RAW_LIMIT.fallback) : 0;
  if (req.validationError) throw req.validationError;
  return { ...userPeriod(req.projectId, (req.params as { user_id: string }).user_id, n), limit };
}

/** Seed 001's per-user analytics routes (/api/v1/analytics/user/{user_id} and /raw). */
export function registerSeed001Routes(app: FastifyInstance, ctx: TallyContext): void {
  const read = { access: 'read' as const };

  app.get(
    '/api/v1/analytics/user/:user_id',
    {
      config: read,
      attachValidation: true,
      schema: {
        tags: ['seed-001'],
        summary: "A user's costs, agent runs and conversations per day",
        description: `An agent run is one recorded LLM call of the user. ${PERIOD} A user without runs in the period gets zeros and empty arrays.`,
        params: Params,
        querystring: Type.Object({
          days: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: SUMMARY_DAYS.max,
              default: SUMMARY_DAYS.fallback,
              description: 'Days to look back',
            }),
          ),
        }),
        response: { 200: UserAnalytics, ...Errors },
      },
    },
    async (req) => userAnalytics(ctx.analytics, periodOf(req, SUMMARY_DAYS)),
  );

  app.get(
    '/api/v1/analytics/user/:user_id/raw',
    {
      config: read,
      attachValidation: true,
      schema: {
        tags: ['seed-001'],
        summary: "A user's stored calls, newest first",
        description: `The calls as GET /api/v1/analytics/events returns them, as one JSON array. ${PERIOD}`,
        params: Params,
        querystring: Type.Object({
          days: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: RAW_DAYS.max,
              default: RAW_DAYS.fallback,
              description: 'Days to look back',
            }),
          ),
          limit: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: RAW_LIMIT.max,
              default: RAW_LIMIT.fallback,
              description: 'Most calls returned',
            }),
          ),
        }),
        response: { 200: RawCalls, ...Errors },
      },
    },
    async (req) => {
      const p = periodOf(req, RAW_DAYS);
      return userCalls(ctx.analytics, p, p.limit);
    },
  );
}
