import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';
import { IdParams, Nullable, Timestamp } from './alerting-schemas.js';
import * as ex from './budget-examples.js';
import { requireManage } from './manage-access.js';
import { ErrorSchema } from './schemas.js';

const Settings = {
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'http:// or https:// URL that receives the POSTs' }),
  secret: Type.String({
    minLength: 16,
    maxLength: 256,
    description: 'Signs every delivery (X-Tally-Signature); generated when left out, shown only when created',
  }),
  description: Nullable(Type.String({ maxLength: 1024 })),
  enabled: Type.Boolean({ description: 'A disabled webhook receives nothing' }),
};
const Optional = Object.fromEntries(Object.entries(Settings).map(([k, v]) => [k, Type.Optional(v)]));
const WebhookFields = {
  id: Type.String(),
  project_id: Type.String(),
  url: Type.String(),
  description: Nullable(Type.String()),
  enabled: Type.Boolean(),
  secret_prefix: Type.String({ description: "The secret's first characters, to recognise it" }),
  created_at: Timestamp,
};
const WebhookSchema = Type.Object(WebhookFields);

/** `/api/v1/webhooks`: where a project's budget and alert notifications are POSTed. */
export function registerWebhookRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/api/v1/webhooks',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: "List the project's webhooks (never their secrets)",
        response: {
          200: Type.Object({ webhooks: Type.Array(WebhookSchema) }, { examples: [{ webhooks: [ex.webhook] }] }),
        },
      },
    },
    async (req) => ({ webhooks: await ctx.webhooks.list(req.projectId) }),
  );

  app.post(
    '/api/v1/webhooks',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'Add a webhook; the secret is in this answer only (a manage key or the admin token)',
        body: Type.Object({ ...Optional, url: Settings.url }, { examples: [ex.createWebhook] }),
        response: {
          201: Type.Object({ ...WebhookFields, secret: Type.String() }, { examples: [ex.webhookCreated] }),
          403: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      requireManage(req, 'webhooks');
      return reply.code(201).send(await ctx.webhooks.create(req.projectId, req.body));
    },
  );

  app.get(
    '/api/v1/webhooks/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'One webhook (never its secret)',
        params: IdParams,
        response: { 200: { ...WebhookSchema, examples: [ex.webhook] }, 404: ErrorSchema },
      },
    },
    async (req) => ctx.webhooks.get(req.projectId, (req.params as { id: string }).id),
  );

  app.patch(
    '/api/v1/webhooks/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'Change a webhook: its URL, secret, description, or enabled (a manage key or the admin token)',
        params: IdParams,
        body: Type.Object(Optional, { examples: [{ enabled: false }] }),
        response: {
          200: { ...WebhookSchema, examples: [{ ...ex.webhook, enabled: false }] },
          403: ErrorSchema,
          404: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req) => {
      requireManage(req, 'webhooks');
      return ctx.webhooks.update(req.projectId, (req.params as { id: string }).id, req.body ?? {});
    },
  );

  app.delete(
    '/api/v1/webhooks/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'Remove a webhook (a manage key or the admin token)',
        params: IdParams,
        response: {
          200: Type.Object(
            { id: Type.String(), deleted: Type.Boolean() },
            { examples: [{ id: ex.webhook.id, deleted: true }] },
          ),
          403: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (req) => {
      requireManage(req, 'webhooks');
      const { id } = req.params as { id: string };
      await ctx.webhooks.delete(req.projectId, id);
      return { id, deleted: true };
    },
  );
}
