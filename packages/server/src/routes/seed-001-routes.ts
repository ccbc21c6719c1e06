import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';

/** Seed 001's per-user analytics routes (/api/v1/analytics/user/{user_id} and /raw). */
export function registerSeed001Routes(_app: FastifyInstance, _ctx: TallyContext): void {}
