import { Type, type TProperties } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  AGENT_DAYS,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  agentHead,
  agentMetrics,
  agentScope,
  agentTotals,
  dailySeries,
  listLimit,
  recentMessages,
  usageLogs,
  type AgentScope,
} from '../analytics/seed-000.js';
import { RANGE_PARAMS } from '../analytics/params.js';
import type { TallyContext } from '../context.js';
import { ErrorSchema } from './schemas.js';

const Int = Type.Integer();
const Head = {
  agent_name: Type.String(),
  agent_version: Type.String(),
  date_range: Type.Object({
    start_date: Type.String({ format: 'date', description: 'First date of the range, in tz' }),
    end_date: Type.String({ format: 'date', description: 'Last date of the range (today), in tz' }),
  }),
};
const Query = {
  agent_name: Type.String({ description: 'The agent, as its calls carry it in agent_name' }),
  agent_version: Type.String({ description: 'The version, as its calls carry it in agent_version' }),
  days: Type.Integer({
    enum: [...AGENT_DAYS],
    description: `How far back to look: ${AGENT_DAYS.join(', ')} days (× 24 hours, ending now)`,
  }),
  tz: RANGE_PARAMS.tz,
};
const LimitQuery = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: 'Most entries returned' }),
  ),
};
const Errors = { 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 422: ErrorSchema, 503: ErrorSchema };
const EXPLAIN =
  'A message is one recorded LLM call of the agent; sessions and users are distinct session_id and user_id. The range is the last `days` × 24 hours ending now; dates are UTC unless `tz` names an IANA time zone. 404 when the agent and version made no calls in the range.';

const head = { agent_name: 'Calculator Bot', agent_version: '1.0.0' };
const range = { date_range: { start_date: '2024-11-28', end_date: '2024-12-05' } };

function schema(summary: string, description: string, body: TProperties, example: unknown, extra: TProperties = {}) {
  return {
    tags: ['seed-000'],
    summary,
    description: `${description}\n\n${EXPLAIN}`,
    querystring: Type.Object({ ...Query, ...extra }),
    response: { 200: Type.Object({ ...Head, ...body }, { examples: [example] }), ...Errors },
  };
}

/**
 * The seed's parameters, checked by Tally's own messages: Fastify only attaches its validation result
 * (`attachValidation`), and anything Tally's checks let through but the schema did not is still rejected.
 */
function scopeOf(req: FastifyRequest, withLimit = false): AgentScope & { limit: number } {
  const q = req.query as Record<string, unknown>;
  const scope = { ...agentScope(q, req.projectId), limit: withLimit ? listLimit(q['limit']) : DEFAULT_LIMIT };
  if (req.validationError) throw req.validationError;
  return scope;
}

/** Seed 000's agent analytics routes (/analytics/agent, /activitytimeline, /tokens-usage, /total-tokens, /detailed-usage, /recentmessages). */
export function registerSeed000Routes(app: FastifyInstance, ctx: TallyContext): void {
  const a = ctx.analytics;
  const opts = (s: ReturnType<typeof schema>) => ({
    config: { access: 'read' as const },
    attachValidation: true,
    schema: s,
  });

  app.get(
    '/analytics/agent',
    opts(
      schema(
        'Sessions, messages and users of an agent version',
        '`avg_daily_messages` is total_messages / days, to 2 decimals.',
        {
          metrics: Type.Object({
            total_sessions: Int,
            total_messages: Int,
            avg_daily_messages: Type.Number(),
            total_users: Int,
          }),
        },
        {
          ...head,
          metrics: { total_sessions: 150, total_messages: 1200, avg_daily_messages: 171.43, total_users: 45 },
          ...range,
        },
      ),
    ),
    async (req) => {
      const scope = scopeOf(req);
      return { ...agentHead(scope), metrics: agentMetrics(scope, await agentTotals(a, scope)) };
    },
  );

  app.get(
    '/activitytimeline',
    opts(
      schema(
        'Sessions of an agent version per day',
        'One entry per date of the range, oldest first, 0 on days without activity. A session active on two dates counts on both.',
        { daily_sessions: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), sessions: Int })) },
        {
          ...head,
          ...range,
          daily_sessions: [
            { date: '2024-11-28', sessions: 12 },
            { date: '2024-11-29', sessions: 8 },
          ],
        },
      ),
    ),
    async (req) => {
      const scope = scopeOf(req);
      await agentTotals(a, scope);
      const days = await dailySeries(a, scope, ['sessions']);
      return { ...agentHead(scope), daily_sessions: days };
    },
  );

  app.get(
    '/tokens-usage',
    opts(
      schema(
        'Prompt and completion tokens of an agent version per day',
        'One entry per date of the range, oldest first, 0 on days without activity. Prompt tokens include cached ones; completion tokens include reasoning ones.',
        {
          daily_tokens: Type.Array(
            Type.Object({ date: Type.String({ format: 'date' }), prompt_tokens: Int, completion_tokens: Int }),
          ),
        },
        {
          ...head,
          ...range,
          daily_tokens: [
            { date: '2024-11-28', prompt_tokens: 1250, completion_tokens: 875 },
            { date: '2024-11-29', prompt_tokens: 980, completion_tokens: 650 },
          ],
        },
      ),
    ),
    async (req) => {
      const scope = scopeOf(req);
      await agentTotals(a, scope);
      const days = await dailySeries(a, scope, ['input_tokens', 'output_tokens']);
      return {
        ...agentHead(scope),
        daily_tokens: days.map((d) => ({
          date: d.date,
          prompt_tokens: d.input_tokens,
          completion_tokens: d.output_tokens,
        })),
      };
    },
  );

  app.get(
    '/total-tokens',
    opts(
      schema(
        'Total prompt and completion tokens of an agent version',
        'Sums over the whole range.',
        { total_prompt_tokens: Int, total_completion_tokens: Int },
        { ...head, ...range, total_prompt_tokens: 8750, total_completion_tokens: 6250 },
      ),
    ),
    async (req) => {
      const scope = scopeOf(req);
      const t = await agentTotals(a, scope);
      return { ...agentHead(scope), total_prompt_tokens: t.input_tokens, total_completion_tokens: t.output_tokens };
    },
  );

  app.get(
    '/detailed-usage',
    opts(
      schema(
        'The newest calls of an agent version, one usage log each',
        'Newest first, at most `limit`. `timestamp` is the start of the call in UTC, to the second, without a zone. `duration_seconds` is null when the call did not report its duration.',
        {
          usage_logs: Type.Array(
            Type.Object({
              timestamp: Type.String(),
              agent_name: Type.String(),
              total_tokens: Int,
              prompt_tokens: Int,
              completion_tokens: Int,
              duration_seconds: Type.Union([Type.Number(), Type.Null()]),
            }),
          ),
        },
        {
          ...head,
          ...range,
          usage_logs: [
            {
              timestamp: '2024-12-05T14:30:00',
              agent_name: 'Calculator Bot',
              total_tokens: 125,
              prompt_tokens: 75,
              completion_tokens: 50,
              duration_seconds: 2.5,
            },
          ],
        },
        LimitQuery,
      ),
    ),
    async (req) => {
      const scope = scopeOf(req, true);
      await agentTotals(a, scope);
      return { ...agentHead(scope), usage_logs: await usageLogs(a, scope, scope.limit) };
    },
  );

  app.get(
    '/recentmessages',
    opts(
      schema(
        "The agent version's newest replies with their metadata",
        `Newest first, at most \`limit\`. \`message\` is the reply the call returned (its stored output_text) and \`message_length\` its length in characters. Calls whose text was not stored (capture policy \`none\`) are left out.`,
        {
          messages: Type.Array(
            Type.Object({
              timestamp: Type.String(),
              session_id: Type.Union([Type.String(), Type.Null()]),
              message_length: Int,
              agent_name: Type.String(),
              model_name: Type.Union([Type.String(), Type.Null()]),
              message: Type.String(),
            }),
          ),
        },
        {
          agent_name: 'Customer Support Agent',
          agent_version: '1.0.0',
          ...range,
          messages: [
            {
              timestamp: '2024-12-05T14:30:00',
              session_id: 'session_abc123',
              message_length: 81,
              agent_name: 'Customer Support Agent',
              model_name: 'gpt-4',
              message: 'Thank you for contacting support. Let me look into that billing question for you.',
            },
          ],
        },
        LimitQuery,
      ),
    ),
    async (req) => {
      const scope = scopeOf(req, true);
      await agentTotals(a, scope);
      return { ...agentHead(scope), messages: await recentMessages(a, scope, scope.limit) };
    },
  );
}
