import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';
import { ErrorSchema } from './schemas.js';

const EXAMPLE = `# HELP tally_calls_total LLM calls stored
# TYPE tally_calls_total counter
tally_calls_total{project="support",provider="openai",model="gpt-4o"} 1542
# HELP tally_cost_usd_total Cost of stored calls in USD (unpriced calls add nothing)
# TYPE tally_cost_usd_total counter
tally_cost_usd_total{project="support",provider="openai",model="gpt-4o"} 12.3456
# HELP tally_ingest_queue_records Records accepted by ingest and waiting for the next commit
# TYPE tally_ingest_queue_records gauge
tally_ingest_queue_records 0
`;

/**
 * `GET /metrics`, Prometheus' text format. Open on a keyless loopback server; otherwise the admin token sees every
 * project's series, and a read or manage key (Prometheus' `authorization` setting sends it as a bearer token) sees
 * its own project's series and the server's.
 */
export function registerMetricsRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/metrics',
    {
      config: { access: 'read' },
      schema: {
        tags: ['meta'],
        summary:
          'Prometheus metrics: calls, tokens, cost, errors and durations by project, provider and model; server health',
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4',
            content: { 'text/plain': { schema: Type.String({ examples: [EXAMPLE] }) } },
          },
          401: ErrorSchema,
          403: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const own = req.principal?.kind === 'key' ? req.projectId : null;
      return reply
        .header('content-type', ctx.metrics.contentType)
        .header('cache-control', 'no-store')
        .send(await ctx.metrics.text(own));
    },
  );
}
