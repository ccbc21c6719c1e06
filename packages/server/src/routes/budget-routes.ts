import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { budgetDetail, budgetView } from '../budgets/budget-view.js';
import type { TallyContext } from '../context.js';
import * as ex from './budget-examples.js';
import { IdParams, NotificationSchema, Nullable, NullableText, Timestamp } from './alerting-schemas.js';
import { requireManage } from './manage-access.js';
import { ErrorSchema } from './schemas.js';

const Metric = Type.Union([Type.Literal('cost_usd'), Type.Literal('tokens'), Type.Literal('calls')], {
  description: 'cost_usd: summed cost in USD; tokens: summed total_tokens; calls: number of calls',
});
const Period = Type.Union([Type.Literal('day'), Type.Literal('month'), Type.Literal('rolling')], {
  description: 'A calendar day or month in tz, or the last window_hours hours',
});
const Settings = {
  name: Type.String({ minLength: 1, maxLength: 256 }),
  metric: Metric,
  limit: Type.Number({ exclusiveMinimum: 0, description: 'Whole number for tokens and calls' }),
  period: Period,
  window_hours: Nullable(Type.Integer({ minimum: 1, maximum: 8760, description: 'Required with period rolling' })),
  tz: Type.String({ maxLength: 64, description: 'IANA time zone where days and months start; UTC by default' }),
  user_id: NullableText('Only calls of this user'),
  agent_name: NullableText('Only calls of this agent'),
  api_key_id: NullableText('Only calls made with this key (its hash, as calls record it in api_key_id)'),
  model: NullableText('Only calls of this model'),
  thresholds: Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1000 }), {
    maxItems: 10,
    description: 'Percentages of the limit that send a notification, once per period; [80, 100] by default',
  }),
  hard: Type.Boolean({ description: 'The recording proxy refuses requests (429) once the budget is used up' }),
};
const Optional = Object.fromEntries(Object.entries(Settings).map(([k, v]) => [k, Type.Optional(v)]));
const BudgetFields = {
  id: Type.String(),
  project_id: Type.String(),
  ...Settings,
  window_hours: Nullable(Type.Integer()),
  used: Type.Number({ description: 'Used in the current period: stored calls, plus calls the proxy just settled' }),
  remaining: Type.Number(),
  percent: Type.Number({ description: 'used / limit × 100' }),
  in_flight: Type.Number({ description: 'Held by proxied requests not finished yet' }),
  period_start: Timestamp,
  resets_at: Nullable(Timestamp, 'When the period starts over; null for a rolling window'),
  thresholds_crossed: Type.Array(Type.Number()),
  created_at: Timestamp,
  updated_at: Timestamp,
};
const BudgetSchema = Type.Object(BudgetFields);

/** `/api/v1/budgets`: limits on a project's cost, tokens or calls, with their usage now. */
export function registerBudgetRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/api/v1/budgets',
    {
      config: { access: 'read' },
      schema: {
        tags: ['budgets'],
        summary: "List the project's budgets with their usage in the current period",
        response: { 200: Type.Object({ budgets: Type.Array(BudgetSchema) }, { examples: [ex.budgets] }) },
      },
    },
    async (req) => {
      ctx.projects.require(req.projectId);
      return { budgets: await Promise.all(ctx.budgets.list(req.projectId).map((b) => budgetView(ctx, b))) };
    },
  );

  app.post(
    '/api/v1/budgets',
    {
      config: { access: 'read' },
      schema: {
        tags: ['budgets'],
        summary: 'Create a budget (a manage key or the admin token)',
        body: Type.Object(
          { ...Optional, name: Settings.name, metric: Settings.metric, limit: Settings.limit },
          { examples: [ex.createBudget] },
        ),
        response: { 201: { ...BudgetSchema, examples: [ex.budget] }, 403: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (req, reply) => {
      requireManage(req, 'budgets');
      const b = await ctx.budgets.create(req.projectId, req.body);
      return reply.code(201).send(await budgetView(ctx, b));
    },
  );

  app.get(
    '/api/v1/budgets/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['budgets'],
        summary: 'One budget: its usage, and the threshold alerts it sent with their webhook deliveries',
        params: IdParams,
        response: {
          200: Type.Object(
            { ...BudgetFields, alerts: Type.Array(NotificationSchema) },
            { examples: [ex.budgetDetail] },
          ),
          404: ErrorSchema,
        },
      },
    },
    async (req) => budgetDetail(ctx, ctx.budgets.require(req.projectId, (req.params as { id: string }).id)),
  );

  app.patch(
    '/api/v1/budgets/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['budgets'],
        summary: 'Change a budget (a manage key or the admin token); a changed scope or period is counted afresh',
        params: IdParams,
        body: Type.Object(Optional, { examples: [ex.updateBudget] }),
        response: {
          200: { ...BudgetSchema, examples: [{ ...ex.budget, limit: 75, thresholds: [90, 100] }] },
          403: ErrorSchema,
          404: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req) => {
      requireManage(req, 'budgets');
      const b = await ctx.budgets.update(req.projectId, (req.params as { id: string }).id, req.body ?? {});
      return budgetView(ctx, b);
    },
  );

  app.delete(
    '/api/v1/budgets/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['budgets'],
        summary: 'Delete a budget (a manage key or the admin token)',
        params: IdParams,
        response: {
          200: Type.Object(
            { id: Type.String(), deleted: Type.Boolean() },
            { examples: [{ id: ex.budget.id, deleted: true }] },
          ),
          403: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (req) => {
      requireManage(req, 'budgets');
      const { id } = req.params as { id: string };
      await ctx.budgets.delete(req.projectId, id);
      return { id, deleted: true };
    },
  );
}
