import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TallyContext } from '../context.js';
import { TallyError } from '../errors.js';
import { DEFAULT_PROJECT, secretFromHeaders, type Access, type Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; routes without it are public. */
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The project the request acts on: the key's own, or the one an admin names. */
    projectId: string;
  }
}

/**
 * Authenticates in `onRequest`, before the body is read, so an unauthenticated client cannot make the server
 * parse a large body. A project key always acts on its own project; the admin (or the open loopback mode) may
 * name one with `x-tally-project`.
 */
export function registerAuth(app: FastifyInstance, ctx: TallyContext): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('projectId', DEFAULT_PROJECT);
  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config.access;
    if (!access) return;
    const principal = ctx.auth.authenticate(secretFromHeaders(req.headers), access);
    req.principal = principal;
    req.projectId = projectFor(req, principal);
  });
}

/** The project a request acts on: a key's own, or the one the admin (or open mode) names with `x-tally-project`. */
export function projectFor(req: FastifyRequest, principal: Principal): string {
  const named = req.headers['x-tally-project'];
  const wanted = typeof named === 'string' && named ? named : null;
  if (principal.kind === 'key') {
    if (wanted && wanted !== principal.projectId) {
      throw new TallyError(
        'forbidden',
        `this key belongs to project ${principal.projectId} and cannot act on project ${wanted}`,
      );
    }
    return principal.projectId;
  }
  return wanted ?? DEFAULT_PROJECT;
}
