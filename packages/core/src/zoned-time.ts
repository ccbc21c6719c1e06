/** Wall-clock arithmetic in IANA time zones, with the runtime's own time-zone database (Intl). */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time of an instant in tz. */
export function wallClock(ms: number, tz: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts['year']!,
    month: parts['month']!,
    day: parts['day']!,
    hour: parts['hour']!,
    minute: parts['minute']!,
    second: parts['second']!,
  };
}

/** How far tz is ahead of UTC at an instant, in ms. */
export function zoneOffset(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** `YYYY-MM-DD` of an instant in tz. */
export function localDate(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/**
 * The instant a wall-clock time happens in tz. A time that happens twice (when clocks go back) gives the earlier
 * instant; one that never happens (when clocks go forward) gives the instant the clocks jump to.
 */
export function fromWallClock(w: Omit<WallClock, 'second'> & { second?: number }, tz: string): number {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second ?? 0);
  const candidates = new Set<number>();
  for (const probe of [naive - 86_400_000, naive, naive + 86_400_000]) candidates.add(naive - zoneOffset(probe, tz));
  const exact = [...candidates].filter((c) => c - naive + zoneOffset(c, tz) === 0).sort((a, b) => a - b);
  if (exact[0] !== undefined) return exact[0];
  // A skipped time: take the later offset's reading, which lands just after the jump.
  return Math.max(...candidates);
}

/** The instant local midnight starts `YYYY-MM-DD` in tz. */
export function startOfLocalDay(date: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return fromWallClock({ year: y, month: m, day: d, hour: 0, minute: 0 }, tz);
}

/** `YYYY-MM-DD` of the day `days` after `date` (negative goes back). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
