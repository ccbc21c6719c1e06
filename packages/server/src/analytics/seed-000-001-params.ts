import { WHOLE, badParam, text } from './params.js';

/**
 * Query-string readers for the seed 000 and seed 001 routes. Those routes validate their parameters themselves
 * (Fastify only attaches its validation result) so that every 422 says what the seed allows, e.g. `days must be one
 * of 1, 2, 7, 15, 20; got 3`, whether the value was missing, out of range or not a number.
 */

/** A required, non-empty text parameter. */
export function requiredText(raw: unknown, name: string, hint: string, maxLength = 256): string {
  const value = text(raw);
  if (value === undefined || value.trim() === '') throw badParam(name, `is required: ${hint}`);
  if (value.length > maxLength) throw badParam(name, `is at most ${maxLength} characters; got ${value.length}`);
  return value;
}

/** A required whole number that must be one of a few values. */
export function oneOf(raw: unknown, name: string, allowed: readonly number[]): number {
  const value = text(raw);
  const n = value !== undefined && WHOLE.test(value) ? Number(value) : NaN;
  if (!allowed.includes(n)) {
    throw badParam(
      name,
      `must be one of ${allowed.join(', ')}; got ${value === undefined || value === '' ? 'nothing' : value}`,
    );
  }
  return n;
}
