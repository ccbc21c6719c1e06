import type { Range } from '../../state/view.js';

/** The look-back periods seed 000's agent routes accept, in days of 24 hours ending now. */
export const SEED_DAYS = [1, 2, 7, 15, 20] as const;

const HOUR_MS = 3_600_000;

export interface SeedRange {
  days: number;
  /** True when the agent views cover exactly the dashboard's range. */
  exact: boolean;
  /** What the agent views cover, in words, when it is not exactly the dashboard's range. */
  note: string | null;
}

/**
 * Seed 000's routes take only `days` (1, 2, 7, 15 or 20) and always end now, so the dashboard's range is mapped to
 * the shortest period that covers it, or the longest there is. The page says so whenever they differ.
 */
export function seedRange(range: Range, now = Date.now()): SeedRange {
  const custom = range.key === 'custom';
  const hours = custom
    ? (now - new Date(range.params['from'] ?? now).getTime()) / HOUR_MS
    : Number(range.params['hours']);
  const wanted = Math.max(1, Math.ceil(hours / 24));
  const days = SEED_DAYS.find((d) => d >= wanted) ?? SEED_DAYS[SEED_DAYS.length - 1]!;
  const exact = !custom && days * 24 === hours;
  const period = `These views cover the last ${days === 1 ? '24 hours' : `${days} days`}, ending now`;
  const allowed = '(they look back 1, 2, 7, 15 or 20 days)';
  const label = custom ? 'custom range' : range.label.toLowerCase();
  let note: string | null = null;
  if (days < wanted) note = `${period}, the longest they can ${allowed}, not the ${label}.`;
  else if (custom) note = `${period}: the shortest period ${allowed} that reaches back to the start of the ${label}.`;
  else if (!exact) note = `${period}, the shortest they can ${allowed} that covers the ${label}.`;
  return { days, exact, note };
}
