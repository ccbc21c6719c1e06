import type { FastifyRequest } from 'fastify';
import { TallyError } from '../errors.js';

/**
 * Budgets, alert rules and webhooks are read with any key that reads (`read` or `manage` scope) and changed only
 * with a `manage` key, the admin token, or in the open loopback mode: a hard budget can stop a project's traffic,
 * and a webhook receives its data.
 */
export function requireManage(req: FastifyRequest, what: string): void {
  const p = req.principal;
  if (p?.kind === 'key' && p.scope !== 'manage') {
    throw new TallyError(
      'forbidden',
      `this key has the ${p.scope} scope; changing ${what} needs a key with the manage scope (or the admin token)`,
    );
  }
}
