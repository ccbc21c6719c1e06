import { Type } from '@sinclair/typebox';
import { CALL_EVENT_FIELDS, type CallEvent } from '@tally/core';
import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';
import { TallyError } from '../errors.js';
import { FILTER_PARAMS, filtersFromUrl, parseTime } from '../analytics/params.js';
import { ErrorSchema } from './schemas.js';
import * as ex from './event-examples.js';

const EventSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A stored CallEvent (see the data model)',
});

/**
 * A call as GET /api/v1/analytics/events lists it: every CallEvent field in storage order, null when unknown (an
 * empty list for `tags`, an empty object for `metadata`), as the store reads a row back. The live stream sends
 * committed calls through this too, so a call looks the same whichever way a client receives it.
 */
export function eventItem(call: CallEvent): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const field of CALL_EVENT_FIELDS) {
    const value = call[field] as unknown;
    item[field] = value ?? (field === 'tags' ? [] : field === 'metadata' ? {} : null);
  }
  return item;
}

/** Reading stored calls back: newest first, with an opaque cursor. */
export function registerEventRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/api/v1/analytics/events',
    {
      config: { access: 'read' },
      schema: {
        tags: ['analytics'],
        summary: 'Stored calls, newest first, one page at a time',
        description:
          'Filters: any dimension as a parameter (`model=gpt-4o,gpt-4o-mini`, `provider=!openai` excludes), `tag=x`, `metadata.<key>=v`. Pass `next_cursor` back as `cursor` with the same filters for the next page.',
        querystring: Type.Object({
          from: Type.Optional(Type.String({ description: 'Start (inclusive): ISO 8601 or epoch seconds/ms' })),
          to: Type.Optional(Type.String({ description: 'End (exclusive)' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          cursor: Type.Optional(Type.String({ maxLength: 512, description: 'next_cursor of the previous page' })),
          ...FILTER_PARAMS,
        }),
        response: {
          200: Type.Object(
            { events: Type.Array(EventSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) },
            { examples: [ex.events] },
          ),
          400: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req) => {
      const q = req.query as { from?: string; to?: string; limit?: number; cursor?: string };
      const page = await ctx.analytics.events({
        projectId: req.projectId,
        ...(q.from !== undefined ? { from: parseTime(q.from, 'from') } : {}),
        ...(q.to !== undefined ? { to: parseTime(q.to, 'to') } : {}),
        filters: filtersFromUrl(req.url),
        limit: q.limit ?? 100,
        cursor: q.cursor ?? null,
      });
      return { events: page.events.map(eventItem), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/api/v1/events/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['analytics'],
        summary: 'One stored call by id',
        params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
        response: { 200: { ...EventSchema, examples: [ex.event] }, 404: ErrorSchema },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const event = await ctx.store.getEvent(req.projectId, id);
      if (!event) throw new TallyError('not_found', `no call with id ${id} in project ${req.projectId}`);
      return eventItem(event);
    },
  );
}
