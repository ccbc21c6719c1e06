import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';

/** Seed 004's dashboard analytics routes (/api/v1/analytics/dashboard, /requests/timeseries, /providers, /logs/recent, /errors). */
export function registerSeed004Routes(_app: FastifyInstance, _ctx: TallyContext): void {}
