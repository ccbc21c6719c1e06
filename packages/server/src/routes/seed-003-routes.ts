import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';

/** Seed 003's proxy analytics routes (/analytics/events, /analytics/aggregate, /analytics/export). */
export function registerSeed003Routes(_app: FastifyInstance, _ctx: TallyContext): void {}
