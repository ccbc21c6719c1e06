import { describe, expect, it } from 'vitest';
import { periodWindow } from './budget-period.js';

const at = (iso: string) => Date.parse(iso);
const text = (w: { start: number; end: number; resetsAt: number | null }) => ({
  start: new Date(w.start).toISOString(),
  end: new Date(w.end).toISOString(),
  resetsAt: w.resetsAt === null ? null : new Date(w.resetsAt).toISOString(),
});

describe('periodWindow', () => {
  it('is the calendar day of the budget’s zone, 23 hours long when clocks go forward', () => {
    expect(text(periodWindow({ period: 'day', window_hours: null, tz: 'UTC' }, at('2026-03-15T10:00:00Z')))).toEqual({
      start: '2026-03-15T00:00:00.000Z',
      end: '2026-03-16T00:00:00.000Z',
      resetsAt: '2026-03-16T00:00:00.000Z',
    });
    // Paris moves from UTC+1 to UTC+2 on 29 March 2026.
    expect(
      text(periodWindow({ period: 'day', window_hours: null, tz: 'Europe/Paris' }, at('2026-03-29T12:00:00Z'))),
    ).toEqual({
      start: '2026-03-28T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
      resetsAt: '2026-03-29T22:00:00.000Z',
    });
  });

  it('is the calendar month of the budget’s zone, across a year end', () => {
    // 03:00 UTC on 1 January is still 31 December in New York.
    expect(
      text(periodWindow({ period: 'month', window_hours: null, tz: 'America/New_York' }, at('2026-01-01T03:00:00Z'))),
    ).toEqual({
      start: '2025-12-01T05:00:00.000Z',
      end: '2026-01-01T05:00:00.000Z',
      resetsAt: '2026-01-01T05:00:00.000Z',
    });
    expect(text(periodWindow({ period: 'month', window_hours: null, tz: 'UTC' }, at('2026-12-31T23:59:59Z')))).toEqual({
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
      resetsAt: '2027-01-01T00:00:00.000Z',
    });
  });

  it('is the last N hours for a rolling window, which never resets and names its window-long slot', () => {
    const now = at('2026-11-23T10:30:00Z');
    const w = periodWindow({ period: 'rolling', window_hours: 6, tz: 'UTC' }, now);
    expect(w).toEqual({
      start: now - 6 * 3_600_000,
      end: now + 24 * 3_600_000,
      resetsAt: null,
      key: at('2026-11-23T06:00:00Z'),
    });
  });
});
