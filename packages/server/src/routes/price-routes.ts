import { Type } from '@sinclair/typebox';
import type { PriceOverride } from '@tally/core';
import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';
import { ErrorSchema } from './schemas.js';
import * as ex from './price-examples.js';

const perMtok = (what: string) => Type.Number({ minimum: 0, description: `USD per 1M ${what}` });
const OverrideFields = {
  model: Type.String({ minLength: 1, maxLength: 256, description: 'Model name as calls carry it (case-insensitive)' }),
  provider: Type.Optional(
    Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: 'Only calls of this provider' }),
  ),
  effective_from: Type.String({ maxLength: 40, description: 'ISO 8601; calls at or after this time use the price' }),
  input_per_mtok: perMtok('input tokens'),
  output_per_mtok: perMtok('output tokens'),
  cache_read_per_mtok: Type.Optional(Type.Union([perMtok('cache-read tokens'), Type.Null()])),
  cache_write_per_mtok: Type.Optional(Type.Union([perMtok('cache-write tokens'), Type.Null()])),
};
const StoredSchema = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  ...OverrideFields,
  created_at: Type.Number(),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** Per-project price overrides: a negotiated or self-hosted model's price, from a date on. */
export function registerPriceRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/api/v1/projects/:id/prices',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['projects'],
        summary: "List a project's price overrides (admin)",
        params: IdParams,
        response: {
          200: Type.Object({ prices: Type.Array(StoredSchema) }, { examples: [ex.prices] }),
          404: ErrorSchema,
        },
      },
    },
    async (req) => ({ prices: await ctx.projects.listPrices((req.params as { id: string }).id) }),
  );

  app.post(
    '/api/v1/projects/:id/prices',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['projects'],
        summary:
          'Add a price override; calls ingested afterwards with a timestamp at or after effective_from use it (admin)',
        params: IdParams,
        body: Type.Object(OverrideFields, { examples: [ex.addPrice] }),
        response: { 201: { ...StoredSchema, examples: [ex.price] }, 404: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (req, reply) => {
      const stored = await ctx.projects.addPrice((req.params as { id: string }).id, req.body as PriceOverride);
      return reply.code(201).send(stored);
    },
  );

  app.delete(
    '/api/v1/projects/:id/prices/:priceId',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['projects'],
        summary: 'Remove a price override (admin)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }), priceId: Type.String({ maxLength: 64 }) }),
        response: {
          200: Type.Object(
            { id: Type.String(), deleted: Type.Boolean() },
            { examples: [{ id: 'price_467064fd93454117', deleted: true }] },
          ),
          404: ErrorSchema,
        },
      },
    },
    async (req) => {
      const { id, priceId } = req.params as { id: string; priceId: string };
      await ctx.projects.deletePrice(id, priceId);
      return { id: priceId, deleted: true };
    },
  );
}
