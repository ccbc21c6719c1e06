import { useEffect, useState } from 'react';
import type { View } from '../../state/view.js';

/** A time range as the instants the events and export routes take (they have no `hours`). */
export interface AbsoluteRange {
  from: string;
  to: string;
}

/** The view's range as from/to: a preset is the `hours` before `now`, a custom range is taken as it is. */
export function absoluteRange(params: Record<string, string>, now: number): AbsoluteRange {
  if (params['from'] && params['to']) return { from: params['from'], to: params['to'] };
  const hours = Number(params['hours'] ?? 24);
  return { from: new Date(now - hours * 3_600_000).toISOString(), to: new Date(now).toISOString() };
}

/**
 * The view's range pinned to one "now", so that the table, its next pages and an export all read the same calls.
 * The pin moves when the range changes, when the user asks for a refresh, and at the auto-refresh period unless
 * `holdRefresh` says the user is reading further pages (moving the pin would take those pages away).
 */
export function useAnchoredRange(view: View, holdRefresh: boolean): AbsoluteRange & { refresh: () => void } {
  const rangeKey = JSON.stringify([view.range.params['hours'], view.range.params['from'], view.range.params['to']]);
  const [anchor, setAnchor] = useState(() => ({ key: rangeKey, at: Date.now() }));
  let at = anchor.at;
  if (anchor.key !== rangeKey) {
    // A new range is pinned during this render, so no request goes out for the old one.
    at = Date.now();
    setAnchor({ key: rangeKey, at });
  }
  const refreshMs = view.refreshSeconds * 1000;
  useEffect(() => {
    if (refreshMs === 0 || holdRefresh) return;
    const timer = setInterval(() => setAnchor((a) => ({ ...a, at: Date.now() })), refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, holdRefresh]);
  return {
    ...absoluteRange(view.range.params, at),
    refresh: () => setAnchor((a) => ({ ...a, at: Date.now() })),
  };
}

/** `2026-11-23T10:00:00.000Z` as `20261123T100000Z`, for file names. */
export function compactTime(iso: string): string {
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime()) ? iso : d.toISOString();
  return text.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

export const EXPORT_FORMATS = [
  { key: 'csv', label: 'CSV' },
  { key: 'json', label: 'JSON' },
  { key: 'parquet', label: 'Parquet' },
] as const;

export type ExportFormat = (typeof EXPORT_FORMATS)[number]['key'];

export function exportFileName(range: AbsoluteRange, format: ExportFormat): string {
  return `tally-export-${compactTime(range.from)}-${compactTime(range.to)}.${format}`;
}
