/**
 * Parses a wire timestamp into epoch milliseconds.
 * Strings are ISO 8601 (a missing zone means UTC, as LiteLLM and Python's isoformat() write them).
 * Numbers are Unix epoch time: below 1e11 they are taken as seconds (seed 003 sends seconds), otherwise as
 * milliseconds — 1e11 s is the year 5138 and 1e11 ms is 1973, so the two ranges cannot be confused in practice.
 */
export function parseTimestamp(value: unknown): number | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value !== 'string' || value.length < 10 || value.length > 40) return null;
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return null;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const text = hasZone || value.length === 10 ? value : `${value}Z`;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
