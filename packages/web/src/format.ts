// How numbers, money, durations and times read on screen. Times are shown in the browser's time zone.

const nf = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export const dash = '—';

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? dash : nf.format(n);
}

export function countShort(n: number | null | undefined): string {
  if (n === null || n === undefined) return dash;
  return Math.abs(n) < 10_000 ? nf.format(n) : compact.format(n);
}

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return dash;
  const abs = Math.abs(n);
  const digits = abs === 0 ? 2 : abs < 0.01 ? 6 : abs < 1 ? 4 : 2;
  return `$${n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
}

export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return dash;
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} s`;
  return `${(n / 60_000).toFixed(1)} min`;
}

export function pct(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined) return dash;
  return `${(n * 100).toFixed(digits)}%`;
}

/** A relative change (0.25 = +25%) with its sign. */
export function change(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return dash;
  const sign = n > 0 ? '+' : n < 0 ? '−' : '±';
  return `${sign}${Math.abs(n * 100).toFixed(1)}%`;
}

export function dateTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return dash;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function shortTime(value: string | number, interval: string): string {
  const d = new Date(value);
  if (interval === 'hour')
    return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  if (interval === 'month') return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short' });
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

export const orNone = (v: unknown): string => (v === null || v === undefined || v === '' ? '(none)' : String(v));
