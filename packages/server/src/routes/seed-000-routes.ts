import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';

/** Seed 000's agent analytics routes (/analytics/agent, /activitytimeline, /tokens-usage, /total-tokens, /detailed-usage, /recentmessages). */
export function registerSeed000Routes(_app: FastifyInstance, _ctx: TallyContext): void {}
