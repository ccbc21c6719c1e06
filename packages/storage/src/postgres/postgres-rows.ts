import { types, type CustomTypesConfig } from 'pg';
import type { Column } from '../columns.js';

const INT8 = 20;
const NUMERIC = 1700;

/**
 * How this store's pool reads values: bigint and numeric as numbers (counts, sums and epoch-ms times are far below
 * 2^53), JSON parsed, arrays as arrays. Set on the pool, never on the driver's global defaults, so that other code
 * in the process is unaffected.
 */
export const PG_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    return types.getTypeParser(oid, format ?? 'text');
  }) as CustomTypesConfig['getTypeParser'],
};

/** Turns a row read by the driver back into a record: absent lists and objects as empty ones. */
export function fromPgRow<T>(columns: readonly Column[], row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    const v = row[c.name];
    if (v === null || v === undefined) {
      out[c.name] = c.type === 'text_list' ? [] : c.type === 'json' ? {} : null;
    } else if (c.type === 'int' || c.type === 'time' || c.type === 'float') {
      out[c.name] = Number(v);
    } else if (c.type === 'json' && typeof v === 'string') {
      out[c.name] = JSON.parse(v);
    } else {
      out[c.name] = v;
    }
  }
  return out as T;
}
