import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';
import { effectiveRetentionDays } from '../lifecycle/retention-job.js';
import { ErrorSchema } from './schemas.js';

const StatsSchema = Type.Object(
  {
    total_events: Type.Integer({ description: "Calls stored in the caller's project" }),
    backend_type: Type.String({ description: 'The event store: duckdb' }),
    ttl_seconds: Type.Union([Type.Integer(), Type.Null()], {
      description:
        "Retention in seconds: the project's retention_days (or the server's default) × 86400; null keeps everything",
    }),
    max_events: Type.Union([Type.Integer(), Type.Null()], {
      description: 'The most calls the project keeps (the oldest beyond it are deleted); null for no limit',
    }),
  },
  { examples: [{ total_events: 1542, backend_type: 'duckdb', ttl_seconds: 2592000, max_events: null }] },
);

const ClearedSchema = Type.Object(
  { success: Type.Boolean(), message: Type.String() },
  { examples: [{ success: true, message: 'Analytics data cleared' }] },
);

/** Data lifecycle: seed 003's /analytics/stats and POST /analytics/clear. */
export function registerLifecycleRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/analytics/stats',
    {
      config: { access: 'read' },
      schema: {
        tags: ['seed-003'],
        summary: "Statistics of the caller's project: stored calls, backend, retention and max_events",
        response: { 200: StatsSchema, 404: ErrorSchema },
      },
    },
    async (req) => {
      const project = ctx.projects.require(req.projectId);
      const days = effectiveRetentionDays(project, ctx.config.retentionDays);
      return {
        total_events: (await ctx.store.stats(project.id)).calls,
        backend_type: ctx.store.kind,
        ttl_seconds: days === null ? null : days * 86_400,
        max_events: project.max_events,
      };
    },
  );

  app.post(
    '/analytics/clear',
    {
      config: { access: 'delete' },
      schema: {
        tags: ['seed-003'],
        summary:
          "Delete all of the caller's project's calls, logs and metrics (a manage key or the admin token; other projects are untouched)",
        response: { 200: ClearedSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (req) => {
      const project = ctx.projects.require(req.projectId);
      const deleted = await ctx.store.clear(project.id);
      await ctx.analytics.invalidate(project.id);
      req.log.info({ project_id: project.id, deleted }, `analytics data of project ${project.id} cleared`);
      return { success: true, message: 'Analytics data cleared' };
    },
  );
}
