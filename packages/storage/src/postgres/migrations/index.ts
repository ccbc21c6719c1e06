import { initial } from './0001_initial.js';
import { rollups } from './0002_rollups.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration of the PostgreSQL schema, oldest first. Append only. */
export const MIGRATIONS: readonly Migration[] = [initial, rollups];
