import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';

/** The native analytics API under /api/v1/analytics/. */
export function registerAnalyticsRoutes(_app: FastifyInstance, _ctx: TallyContext): void {}
