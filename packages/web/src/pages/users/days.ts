import type { Range } from '../../state/view.js';

const DAY_MS = 86_400_000;
/** The most days GET /api/v1/analytics/user/{user_id} looks back, and the most its /raw variant does. */
export const MAX_RUN_DAYS = 90;
export const MAX_RAW_DAYS = 30;

/**
 * The agent-run view counts whole UTC days ending today, not the range itself: ask for every UTC day the range
 * touches, so that its first calls are included (a 24-hour range usually spans two UTC dates).
 */
export function utcDaysOf(range: Range, now = Date.now()): number {
  const from = range.params.from ? Date.parse(range.params.from) : now - Number(range.params.hours ?? 24) * 3_600_000;
  if (Number.isNaN(from)) return 1;
  const days = Math.floor(now / DAY_MS) - Math.floor(from / DAY_MS) + 1;
  return Math.min(MAX_RUN_DAYS, Math.max(1, days));
}

/**
 * A calendar date (`2026-11-22`) as a time that reads as that same date in the browser's time zone. A bare date
 * parses as UTC midnight, which west of UTC is the evening of the day before; local noon is that date everywhere.
 */
export const localDay = (date: string): string => `${date}T12:00:00`;

/** A calendar date for a table cell, without any time zone shift. */
export function dayLabel(date: string): string {
  const d = new Date(localDay(date));
  return Number.isNaN(d.getTime())
    ? date
    : d.toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
}
