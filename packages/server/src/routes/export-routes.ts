import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';

/** Streamed exports (/api/v1/export). */
export function registerExportRoutes(_app: FastifyInstance, _ctx: TallyContext): void {}
