import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { alertDetail, alertView } from '../alerts/alert-view.js';
import type { TallyContext } from '../context.js';
import { IdParams, NotificationSchema, Nullable, NullableText, Timestamp } from './alerting-schemas.js';
import * as ex from './budget-examples.js';
import { requireManage } from './manage-access.js';
import { ErrorSchema } from './schemas.js';

const Settings = {
  name: Type.String({ minLength: 1, maxLength: 256 }),
  metric: Type.Union([Type.Literal('error_rate'), Type.Literal('p95_duration_ms'), Type.Literal('cost_usd')], {
    description:
      'error_rate: share of calls whose status is not success, 0 to 1; p95_duration_ms: nearest-rank p95 latency; cost_usd: spend in the window',
  }),
  window_minutes: Type.Integer({ minimum: 1, maximum: 10_080, description: 'The trailing window; 15 by default' }),
  comparison: Type.Union([Type.Literal('gt'), Type.Literal('gte'), Type.Literal('lt'), Type.Literal('lte')], {
    description: 'How the value is compared with the threshold; gt by default',
  }),
  threshold: Type.Number({ minimum: 0 }),
  model: NullableText('Only calls of this model'),
  provider: NullableText('Only calls of this provider'),
  agent_name: NullableText('Only calls of this agent'),
  enabled: Type.Boolean({ description: 'A disabled rule is not evaluated' }),
};
const Optional = Object.fromEntries(Object.entries(Settings).map(([k, v]) => [k, Type.Optional(v)]));
const AlertFields = {
  id: Type.String(),
  project_id: Type.String(),
  ...Settings,
  state: Type.Union([Type.Literal('ok'), Type.Literal('firing')]),
  state_since: Nullable(Timestamp, 'When the state last changed'),
  last_value: Nullable(Type.Number(), 'The value at the last evaluation; null when the window held no calls'),
  last_evaluated_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
};
const AlertSchema = Type.Object(AlertFields);

/** `/api/v1/alerts`: rules on error rate, latency or spend over a trailing window, evaluated every interval. */
export function registerAlertRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/api/v1/alerts',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: "List the project's alert rules and their state",
        response: { 200: Type.Object({ alerts: Type.Array(AlertSchema) }, { examples: [ex.alerts] }) },
      },
    },
    async (req) => ({ alerts: (await ctx.alerts.list(req.projectId)).map(alertView) }),
  );

  app.post(
    '/api/v1/alerts',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'Create an alert rule (a manage key or the admin token)',
        body: Type.Object(
          { ...Optional, name: Settings.name, metric: Settings.metric, threshold: Settings.threshold },
          { examples: [ex.createAlert] },
        ),
        response: {
          201: {
            ...AlertSchema,
            examples: [{ ...ex.alert, state: 'ok', state_since: null, last_value: null, last_evaluated_at: null }],
          },
          403: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      requireManage(req, 'alert rules');
      return reply.code(201).send(alertView(await ctx.alerts.create(req.projectId, req.body)));
    },
  );

  app.get(
    '/api/v1/alerts/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'One alert rule, with the firings and resolutions it sent and their webhook deliveries',
        params: IdParams,
        response: {
          200: Type.Object(
            { ...AlertFields, notifications: Type.Array(NotificationSchema) },
            { examples: [ex.alertDetail] },
          ),
          404: ErrorSchema,
        },
      },
    },
    async (req) => alertDetail(ctx, await ctx.alerts.require(req.projectId, (req.params as { id: string }).id)),
  );

  app.patch(
    '/api/v1/alerts/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'Change an alert rule (a manage key or the admin token)',
        params: IdParams,
        body: Type.Object(Optional, { examples: [{ threshold: 0.1, window_minutes: 30 }] }),
        response: {
          200: { ...AlertSchema, examples: [{ ...ex.alert, threshold: 0.1, window_minutes: 30 }] },
          403: ErrorSchema,
          404: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req) => {
      requireManage(req, 'alert rules');
      return alertView(await ctx.alerts.update(req.projectId, (req.params as { id: string }).id, req.body ?? {}));
    },
  );

  app.delete(
    '/api/v1/alerts/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'Delete an alert rule (a manage key or the admin token)',
        params: IdParams,
        response: {
          200: Type.Object(
            { id: Type.String(), deleted: Type.Boolean() },
            { examples: [{ id: ex.alert.id, deleted: true }] },
          ),
          403: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (req) => {
      requireManage(req, 'alert rules');
      const { id } = req.params as { id: string };
      await ctx.alerts.delete(req.projectId, id);
      return { id, deleted: true };
    },
  );
}
