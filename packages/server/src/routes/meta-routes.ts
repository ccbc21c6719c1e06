import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';
import { apiInfo } from './api-info.js';
import { sendDashboard, wantsHtml } from './dashboard-routes.js';
import * as ex from './meta-examples.js';

// Any object, serialized as is: it carries the example of the root answer without changing what is sent.
const RootSchema = Type.Object(
  {},
  { additionalProperties: true, description: 'Name, version and links to the API', examples: [ex.root] },
);

export function registerMetaRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/',
    {
      schema: {
        tags: ['meta'],
        summary: 'API information and links to the documentation',
        description:
          'API clients get this JSON. A browser (an `Accept` header naming `text/html`) gets the dashboard instead, or a page saying how to build it (503) when it is not built.',
        response: { 200: RootSchema },
      },
    },
    async (req, reply) => (wantsHtml(req) ? sendDashboard(reply, ctx.config.webDir) : apiInfo(ctx.version)),
  );

  app.get(
    '/health',
    {
      schema: {
        tags: ['meta'],
        summary: 'Liveness plus a real query against the store; 503 when the store cannot answer',
        response: {
          200: Type.Object(
            { status: Type.Literal('healthy'), timestamp: Type.String(), store: Type.String() },
            { examples: [ex.health] },
          ),
          503: Type.Object({
            status: Type.Literal('unhealthy'),
            timestamp: Type.String(),
            store: Type.String(),
            error: Type.String(),
          }),
        },
      },
    },
    async (req, reply) => {
      const timestamp = new Date().toISOString();
      try {
        await ctx.store.ping();
        return { status: 'healthy', timestamp, store: ctx.store.kind };
      } catch (e) {
        req.log.error({ err: e }, 'health check: the store did not answer');
        return reply
          .code(503)
          .send({ status: 'unhealthy', timestamp, store: ctx.store.kind, error: 'the store did not answer a query' });
      }
    },
  );

  app.get(
    '/api/v1/status',
    {
      schema: {
        tags: ['meta'],
        summary: 'API status: version, uptime, store, protection mode and write queue',
        response: {
          200: Type.Object(
            {
              status: Type.String(),
              version: Type.String(),
              uptime_seconds: Type.Number(),
              store: Type.Object({ kind: Type.String() }),
              auth: Type.Object({ mode: Type.Union([Type.Literal('open'), Type.Literal('protected')]) }),
              ingest: Type.Object({ pending_records: Type.Integer() }),
              query_cache: Type.Object({
                hits: Type.Integer({ description: 'Analytics answers served from memory since start' }),
                misses: Type.Integer({ description: 'Analytics answers computed by the store since start' }),
                ttl_seconds: Type.Number({ description: 'TALLY_QUERY_CACHE_SECONDS; 0 when the cache is off' }),
              }),
              memory: Type.Object({
                rss_bytes: Type.Integer(),
                heap_used_bytes: Type.Integer(),
                external_bytes: Type.Integer({ description: 'Buffers and native memory the JS heap tracks' }),
              }),
            },
            { examples: [ex.status] },
          ),
        },
      },
    },
    async () => ({
      status: 'operational',
      version: ctx.version,
      uptime_seconds: Math.round((Date.now() - ctx.startedAt) / 1000),
      store: { kind: ctx.store.kind },
      auth: { mode: ctx.auth.open ? 'open' : 'protected' },
      ingest: { pending_records: ctx.writer.pending },
      query_cache: {
        hits: ctx.analytics.hits,
        misses: ctx.analytics.misses,
        ttl_seconds: ctx.config.queryCacheSeconds,
      },
      memory: memory(),
    }),
  );
}

function memory() {
  const m = process.memoryUsage();
  return { rss_bytes: m.rss, heap_used_bytes: m.heapUsed, external_bytes: m.external + m.arrayBuffers };
}
