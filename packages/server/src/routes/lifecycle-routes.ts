import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';

/** Data lifecycle: retention settings, /analytics/stats and POST /analytics/clear. */
export function registerLifecycleRoutes(_app: FastifyInstance, _ctx: TallyContext): void {}
