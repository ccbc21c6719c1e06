import { badParam, resolveRange, wholeNumber as whole, type TimeRange } from './params.js';

/**
 * Query-string reading for the seed 003 and seed 004 routes. Their schemas document the parameters with their real
 * types; the values are checked here instead of by Fastify, so that every error says what was wrong, what was
 * received and what to send instead.
 */
export type RawQuery = Record<string, string | string[] | undefined>;

/** Skips Fastify's own validation of a route's querystring (the route checks it with the helpers below). */
export const checkedByRoute = () => () => true;

/** A parameter given at most once. */
export function single(q: RawQuery, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw badParam(name, `must be given once; got ${v.length} values`);
  return v;
}

/** A whole number in [min, max]; `fallback` when absent. */
export function wholeNumber(q: RawQuery, name: string, min: number, max: number, fallback: number): number;
export function wholeNumber(q: RawQuery, name: string, min: number, max: number): number | undefined;
export function wholeNumber(q: RawQuery, name: string, min: number, max: number, fallback?: number) {
  const raw = single(q, name);
  if (raw === undefined) return fallback;
  if (raw.trim() === '') throw badParam(name, `must be a whole number from ${min} to ${max}; got nothing`);
  return whole(raw.trim(), name, min, max);
}

/** The most hours a seed 004 route looks back. */
export const MAX_HOURS = 8760;

/**
 * The range of a seed 004 request: the last `hours` (default 24, at most a year) before `to` (default now), or
 * `from`..`to`; `hours` and `from` exclude each other.
 */
export function seed004Range(q: RawQuery, defaultHours = 24): TimeRange {
  const hours = wholeNumber(q, 'hours', 1, MAX_HOURS);
  const from = single(q, 'from');
  const to = single(q, 'to');
  const tz = single(q, 'tz');
  return resolveRange(
    {
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(tz !== undefined ? { tz } : {}),
      ...(hours !== undefined ? { hours: String(hours) } : {}),
    },
    defaultHours * 3_600_000,
  );
}

/** One of a closed list of words (compared without regard to case); `fallback` when absent. */
export function choice<T extends string>(q: RawQuery, name: string, allowed: readonly T[], fallback: T): T;
export function choice<T extends string>(q: RawQuery, name: string, allowed: readonly T[]): T | undefined;
export function choice<T extends string>(q: RawQuery, name: string, allowed: readonly T[], fallback?: T) {
  const raw = single(q, name);
  if (raw === undefined) return fallback;
  const found = allowed.find((a) => a.toLowerCase() === raw.trim().toLowerCase());
  if (found === undefined) throw badParam(name, `must be one of ${allowed.join(', ')}; got ${raw || 'nothing'}`);
  return found;
}
