/** Largest time value a Date holds (ECMA-262 §21.4.1.31). */
const MAX_TIME = 8.64e15;

let cachedMinute = NaN;
let prefix = '';

/** "00".."59" and "000".."999", made once, so formatting a time allocates only its result. */
const SECONDS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const MILLIS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/**
 * `new Date(ms).toISOString()`, a few times faster: consecutive calls mostly fall in the same minute, whose
 * `YYYY-MM-DDTHH:MM:` is kept, so only seconds and milliseconds are formatted. Throws the same RangeError for a
 * time a Date cannot hold.
 *
 * @example isoTime(Date.UTC(2025, 0, 2, 3, 4, 5, 6)) // → '2025-01-02T03:04:05.006Z'
 */
export function isoTime(ms: number): string {
  // A Date truncates its time value toward zero (TimeClip).
  const t = Math.trunc(ms);
  if (!(Math.abs(t) <= MAX_TIME)) return new Date(ms).toISOString();
  const minute = Math.floor(t / 60_000);
  if (minute !== cachedMinute) {
    const iso = new Date(minute * 60_000).toISOString();
    if (iso.length !== 24) return new Date(t).toISOString(); // years outside 0000-9999 print six digits
    prefix = iso.slice(0, 17);
    cachedMinute = minute;
  }
  const rest = t - minute * 60_000;
  return `${prefix}${SECONDS[Math.floor(rest / 1000)]!}.${MILLIS[rest % 1000]!}Z`;
}
