import type { Column, LogicalType } from '../columns.js';
import { duckdbDialect as d } from './duckdb-dialect.js';

/** DuckDB's type for each logical column type. */
export const PHYSICAL: Record<LogicalType, string> = {
  text: 'VARCHAR',
  int: 'BIGINT',
  float: 'DOUBLE',
  bool: 'BOOLEAN',
  time: 'TIMESTAMP',
  json: 'JSON',
  text_list: 'VARCHAR[]',
};

/** `CREATE TABLE IF NOT EXISTS` for a column list, with optional trailing constraints (a primary key, …). */
export function createTable(name: string, columns: readonly Column[], extra?: string): string {
  const cols = columns.map((c) => `${d.ident(c.name)} ${PHYSICAL[c.type]}${c.notNull ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${name} (${[...cols, ...(extra ? [extra] : [])].join(', ')})`;
}

/** Select list that reads a table back in the shape of its record type (times as epoch ms). */
export function selectList(columns: readonly Column[]): string {
  return columns
    .map((c) => (c.type === 'time' ? `epoch_ms(${d.ident(c.name)}) AS ${d.ident(c.name)}` : d.ident(c.name)))
    .join(', ');
}
