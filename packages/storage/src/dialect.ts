import type { Interval } from '@tally/core';

/**
 * What differs between SQL engines, and nothing else (shared/DESIGN.md §4). Call sites never ask which backend
 * they run on; they ask the dialect for a spelling.
 */
export interface Dialect {
  /** A quoted identifier. */
  ident(name: string): string;
  /** The dialect's one escaping function, for the places an engine cannot bind a parameter. */
  literal(value: string | number | boolean | null): string;
  /** Placeholder of the n-th (1-based) bound parameter. */
  param(n: number): string;
  /** An epoch-ms number as a timestamp value, for comparing with the `timestamp` column. */
  fromEpochMs(expr: string): string;
  /** A timestamp column as epoch ms (a number). */
  toEpochMs(expr: string): string;
  /** Start of the interval holding `column`, in time zone `tz`, as a timestamp. */
  timeBucket(column: string, interval: Interval, tz: string): string;
  /** Start of the UTC quarter hour holding a timestamp column (every time zone's offset is whole quarter hours). */
  quarterHour(column: string): string;
  /**
   * Nearest-rank percentiles (see PERCENTILE_DEFINITION) of a numeric column, ignoring nulls, as one list in the
   * order of `ps` (null when there is no value). One aggregate for several percentiles sorts the column once.
   */
  percentiles(column: string, ps: readonly number[]): string;
  /** Whether a text-list column holds a value. */
  listContains(column: string, valueExpr: string): string;
  /** Any scalar as text, for comparing with a text parameter. */
  asText(expr: string): string;
  /** A top-level key of a JSON column, as text. */
  jsonText(column: string, key: string): string;
  /** Every match of a regular expression (a literal pattern) in a text expression replaced. */
  replaceAll(expr: string, pattern: string, replacement: string): string;
  /** The first n characters of a text expression. */
  prefix(expr: string, n: number): string;
  /** An aggregate: up to n values of `column`, ordered by `orderBy` descending, as a list. */
  newest(column: string, orderBy: string, n: number): string;
  /** A table of one timestamp column `ts`, from `fromMs` to `toMs` (epoch-ms expressions) in steps of minutes. */
  instants(fromMs: string, toMs: string, stepMinutes: number): string;
}
