import { Type, type TProperties } from '@sinclair/typebox';
import { DIMENSIONS, INTERVALS, isTimeZone, parseTimestamp, type Filter, type Interval } from '@tally/core';
import { TallyError } from '../errors.js';

export const DAY_MS = 86_400_000;
const MAX_FILTER_VALUES = 100;
const MAX_VALUE_LENGTH = 1024;
const FILTER_FIELDS = new Set<string>([...DIMENSIONS, 'tag']);

/** Query-string parameters shared by analytics routes: a time range and a time zone. */
export const RANGE_PARAMS = {
  from: Type.Optional(
    Type.String({ description: 'Start (inclusive): ISO 8601 (no zone = UTC) or Unix epoch seconds/milliseconds' }),
  ),
  to: Type.Optional(Type.String({ description: 'End (exclusive), same forms; now when absent' })),
  hours: Type.Optional(Type.String({ description: 'Instead of from: the range is the last N hours before to' })),
  tz: Type.Optional(
    Type.String({ description: 'IANA time zone of days and dates, e.g. Europe/Paris; UTC by default' }),
  ),
} satisfies TProperties;

/**
 * Filters, one query parameter per dimension (documented for OpenAPI). Values are comma-separated or repeated
 * (`model=gpt-4o,gpt-4o-mini`); a leading `!` excludes instead (`provider=!openai`). `tag=x` keeps calls carrying
 * tag x; `metadata.<key>=v` compares a metadata key as text.
 */
export const FILTER_PARAMS: TProperties = Object.fromEntries(
  [...DIMENSIONS, 'tag'].map((d) => [
    d,
    Type.Optional(
      Type.String({ description: `Keep calls whose ${d} is one of these values (comma-separated; !a,b excludes)` }),
    ),
  ]),
);

export function badParam(name: string, message: string): TallyError {
  return new TallyError('validation_failed', `${name} ${message}`, [{ path: `querystring.${name}`, message }]);
}

/** A time from a query parameter: ISO 8601 or epoch seconds/milliseconds. */
export function parseTime(value: string, name: string): number {
  const ms = parseTimestamp(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (ms === null) {
    throw badParam(name, `must be an ISO 8601 date-time or Unix epoch seconds/milliseconds; got ${value}`);
  }
  return ms;
}

/**
 * Now, rounded up to the whole second: a range that ends "now" then reads the same for a second, so identical
 * dashboard requests share one cached answer.
 */
export function nowSecond(now = Date.now()): number {
  return Math.ceil(now / 1000) * 1000;
}

export interface TimeRange {
  from: number;
  to: number;
  tz: string;
}

/** The range of a request: `to` defaults to now, `from` to `defaultSpanMs` before `to`. */
export function resolveRange(
  q: { from?: string; to?: string; tz?: string; hours?: string },
  defaultSpanMs: number,
): TimeRange {
  const to = q.to !== undefined ? parseTime(q.to, 'to') : nowSecond();
  let span = defaultSpanMs;
  if (q.hours !== undefined) {
    const hours = Number(q.hours);
    if (!(hours > 0 && hours <= 24 * 366 * 10))
      throw badParam('hours', `must be a number of hours above 0; got ${q.hours}`);
    if (q.from !== undefined) throw badParam('hours', 'cannot be combined with from; send one of them');
    span = hours * 3_600_000;
  }
  const from = q.from !== undefined ? parseTime(q.from, 'from') : to - span;
  if (from >= to) throw badParam('from', `must be before to; got from=${q.from ?? from} and to=${q.to ?? to}`);
  return { from, to, tz: resolveTz(q.tz) };
}

export function resolveTz(tz: string | undefined): string {
  if (tz === undefined || tz === '') return 'UTC';
  if (!isTimeZone(tz)) throw badParam('tz', `must be an IANA time zone such as UTC or America/New_York; got ${tz}`);
  return tz;
}

export function resolveInterval(value: string | undefined, from: number, to: number): Interval {
  if (value === undefined) {
    const span = to - from;
    return span <= 2 * DAY_MS ? 'hour' : span <= 120 * DAY_MS ? 'day' : span <= 730 * DAY_MS ? 'week' : 'month';
  }
  if (!(INTERVALS as readonly string[]).includes(value)) {
    throw badParam('interval', `must be one of ${INTERVALS.join(', ')}; got ${value}`);
  }
  return value as Interval;
}

/**
 * The filters of a request, read from the raw query string so that repeated parameters and `metadata.<key>`
 * parameters arrive intact.
 */
export function filtersFromUrl(url: string): Filter[] {
  const params = new URL(url, 'http://tally.invalid').searchParams;
  const byField = new Map<string, string[]>();
  for (const [name, raw] of params) {
    const isMeta = name.startsWith('metadata.') && name.length > 'metadata.'.length;
    if (!isMeta && !FILTER_FIELDS.has(name)) continue;
    if (isMeta && name.length > 200) throw badParam(name, 'is longer than 200 characters');
    const list = byField.get(name) ?? [];
    list.push(raw);
    byField.set(name, list);
  }
  const filters: Filter[] = [];
  for (const [field, raws] of byField) {
    const negate = raws.every((r) => r.startsWith('!'));
    if (!negate && raws.some((r) => r.startsWith('!'))) {
      throw badParam(field, 'mixes included and excluded (!) values; use one or the other');
    }
    const values = raws.flatMap((r) => (negate ? r.slice(1) : r).split(',')).filter((v) => v !== '');
    if (values.length === 0) throw badParam(field, 'needs at least one value');
    if (values.length > MAX_FILTER_VALUES) throw badParam(field, `takes at most ${MAX_FILTER_VALUES} values`);
    if (values.some((v) => v.length > MAX_VALUE_LENGTH)) {
      throw badParam(field, `values are at most ${MAX_VALUE_LENGTH} characters`);
    }
    filters.push({ field: field as Filter['field'], op: negate ? 'not_in' : 'in', values });
  }
  return filters;
}

/** A comma-separated list parameter checked against the allowed names. */
export function parseList<T extends string>(
  value: string | undefined,
  name: string,
  allowed: readonly T[],
  fallback: readonly T[],
): T[] {
  if (value === undefined || value.trim() === '') return [...fallback];
  const items = value.split(',').map((s) => s.trim());
  const unknown = items.filter((i) => !(allowed as readonly string[]).includes(i));
  if (unknown.length > 0) {
    throw badParam(name, `has unknown values ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
  }
  return items as T[];
}

/** Digits of a whole-number parameter. */
export const WHOLE = /^\d{1,9}$/;

/** A query value as text: repeated parameters joined with commas. */
export function text(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  return typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join(',') : String(raw);
}

/** A whole number from min to max; `fallback` when the parameter is absent (required when there is none). */
export function wholeNumber(raw: unknown, name: string, min: number, max: number, fallback?: number): number {
  const value = text(raw);
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw badParam(name, `is required: a whole number from ${min} to ${max}`);
  }
  const n = WHOLE.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw badParam(name, `must be a whole number from ${min} to ${max}; got ${value}`);
  return n;
}

/** Rounds to a number of decimals, for the figures shown rounded. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
