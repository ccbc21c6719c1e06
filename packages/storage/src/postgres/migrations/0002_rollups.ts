import { ROLLUP_BACKFILL, ROLLUP_TABLES, ROLLUP_TRIGGERS } from '../postgres-rollups.js';
import type { Migration } from './migration.js';

/**
 * Hourly rollups per agent version (see postgres-rollups.ts), their triggers, and their contents for the calls a
 * database already holds: the triggers only see changes made after they exist.
 */
export const rollups: Migration = {
  id: '0002_rollups',
  sql: [...ROLLUP_TABLES, ...ROLLUP_TRIGGERS, ...ROLLUP_BACKFILL],
};
