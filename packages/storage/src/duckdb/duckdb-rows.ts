import type { Column } from '../columns.js';

/** Turns a row read with `getRowObjectsJS()` back into a record: BIGINTs to numbers, JSON text to objects. */
export function fromDuckRow<T>(columns: readonly Column[], row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    const v = row[c.name];
    if (v === null || v === undefined) {
      out[c.name] = c.type === 'text_list' ? [] : c.type === 'json' ? {} : null;
    } else if (c.type === 'int' || c.type === 'time') {
      out[c.name] = Number(v);
    } else if (c.type === 'json') {
      out[c.name] = typeof v === 'string' ? JSON.parse(v) : v;
    } else {
      out[c.name] = v;
    }
  }
  return out as T;
}
