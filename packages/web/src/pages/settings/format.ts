// Number parsing and wording of the Settings forms and the server status.

/**
 * A whole-number setting typed in a form: empty means null (the setting is cleared), anything else must be a whole
 * number from 1 to `max`. Returns the value, or the sentence to show under the field.
 */
export function wholeOrNull(
  text: string,
  max: number,
  what: string,
  emptyMeans: string,
): { value: number | null } | { problem: string } {
  const t = text.trim();
  if (t === '') return { value: null };
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    return { problem: `${what} must be a whole number from 1 to ${max.toLocaleString()}, or empty for ${emptyMeans}.` };
  }
  return { value: n };
}

/** A price per million tokens typed in a form: empty is null when optional; otherwise a number of 0 or more. */
export function priceOrNull(
  text: string,
  what: string,
  optional: boolean,
): { value: number | null } | { problem: string } {
  const t = text.trim();
  if (t === '') return optional ? { value: null } : { problem: `Enter the ${what} price in USD per million tokens.` };
  const n = Number(t);
  if (!Number.isFinite(n) || n < 0)
    return { problem: `The ${what} price must be a number of 0 or more (USD per million tokens).` };
  return { value: n };
}

/** `datetime-local` values are in the browser's time zone: the value for an instant, and the instant of a value. */
export function localInput(ms: number): string {
  const d = new Date(ms);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function instantOf(local: string): string | null {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function uptime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toLocaleString(undefined, { maximumFractionDigits: 1 })} MB`;
}

/** A day in the browser's time zone, for tables where the time of day does not matter. */
export function day(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** A time of day in the browser's time zone. */
export function time(value: string | number): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleTimeString(undefined, { timeStyle: 'medium' });
}
