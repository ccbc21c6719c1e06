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

/**
 * Builds a function that copies a record without its null fields, for the batch file. Generated code, because
 * measured on 100,000 calls: serializing the sparse copies takes ~330 ms against ~750 ms for the full records
 * (NDJSON, 110 MB) and ~470 ms for a copy made by a loop over the column names. Column names are our own
 * constants, checked here, never input.
 */
export function sparseCopier(columns: readonly Column[]): (record: object) => object {
  const body = columns
    .map((c) => {
      if (!/^[a-z_]+$/.test(c.name)) throw new Error(`unexpected column name ${c.name}`);
      return `v = r.${c.name}; if (v !== null && v !== undefined) o.${c.name} = v;`;
    })
    .join('\n');
  return new Function('r', `const o = {}; let v;\n${body}\nreturn o;`) as (record: object) => object;
}
