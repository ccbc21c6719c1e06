import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';

// NOTE to whoever implements this file: GET /api/v1/analytics/errors is the same path as the native errors route,
// already served by analytics-routes.ts (it takes from/to/tz, filters and limit). Do not register it again here;
// the lead adds `hours` and the by-provider/model grouping to that route. Test it from seed-004 tests as it is.
/** Seed 004's dashboard analytics routes (/api/v1/analytics/dashboard, /requests/timeseries, /providers, /logs/recent, /errors). */
export function registerSeed004Routes(_app: FastifyInstance, _ctx: TallyContext): void {}
