/**
 * DuckDB's SQL spellings. Values are bound as parameters wherever DuckDB allows it; where it does not (table
 * function arguments such as a file path), `literal` is the one escaping function of this dialect.
 */
export const duckdbDialect = {
  ident(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  },
  literal(value: string | number | boolean | null): string {
    if (value === null) return 'NULL';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a SQL literal`);
      return String(value);
    }
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (value.includes('\0')) throw new Error('a SQL string literal cannot contain NUL');
    return `'${value.replace(/'/g, "''")}'`;
  },
} as const;
