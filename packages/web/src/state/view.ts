import { useCallback, useMemo } from 'react';
import { useLocation, useSearch } from 'wouter';
import { isFilterName } from './dimensions.js';

/**
 * Everything that makes a view lives in the URL's query string, so a link reproduces it: the time range, the
 * project, the auto-refresh period and the filters (named exactly as the API's parameters, so they pass straight
 * through). Pages may keep their own parameters there too (a tab, a selected row).
 */

export const RANGE_PRESETS = [
  { key: '1h', label: 'Last hour', hours: 1 },
  { key: '24h', label: 'Last 24 hours', hours: 24 },
  { key: '7d', label: 'Last 7 days', hours: 24 * 7 },
  { key: '30d', label: 'Last 30 days', hours: 24 * 30 },
  { key: '90d', label: 'Last 90 days', hours: 24 * 90 },
] as const;

export const DEFAULT_RANGE = '24h';
export const REFRESH_CHOICES = [0, 30, 60, 300] as const;

/** Parameters that follow the user from page to page. */
const SHARED = new Set(['range', 'from', 'to', 'project', 'refresh']);

export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export interface Range {
  /** A preset key, or 'custom' with from/to. */
  key: string;
  label: string;
  /** API parameters: hours=N for presets, from/to for a custom range; always the browser's time zone. */
  params: Record<string, string>;
}

export function rangeOf(search: URLSearchParams): Range {
  const tz = browserTimeZone();
  const from = search.get('from');
  const to = search.get('to');
  if (search.get('range') === 'custom' && from && to) {
    return { key: 'custom', label: `${formatLocal(from)} – ${formatLocal(to)}`, params: { from, to, tz } };
  }
  const preset = RANGE_PRESETS.find((p) => p.key === search.get('range')) ?? RANGE_PRESETS[1];
  return { key: preset.key, label: preset.label, params: { hours: String(preset.hours), tz } };
}

function formatLocal(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export interface View {
  search: URLSearchParams;
  range: Range;
  project: string | null;
  refreshSeconds: number;
  /** Filters as [name, value] pairs, in URL order (a value may be `a,b` or `!a`). */
  filters: [string, string][];
  /** Range and filters as API parameters. */
  params: Record<string, string>;
  /** Filters only, as API parameters. */
  filterParams: Record<string, string>;
  /** The query string of the shared parameters and filters, to carry to another page. */
  carry: string;
  /** Changes some parameters (null removes one) and keeps the rest. */
  set(patch: Record<string, string | null>, options?: { replace?: boolean }): void;
}

export function useView(): View {
  const searchText = useSearch();
  const [location, navigate] = useLocation();
  const search = useMemo(() => new URLSearchParams(searchText), [searchText]);

  const set = useCallback(
    (patch: Record<string, string | null>, options: { replace?: boolean } = {}) => {
      const next = new URLSearchParams(searchText);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === '') next.delete(k);
        else next.set(k, v);
      }
      const qs = next.toString();
      navigate(qs ? `${location}?${qs}` : location, { replace: options.replace ?? false });
    },
    [searchText, location, navigate],
  );

  return useMemo(() => ({ ...viewOf(search), set }), [search, set]);
}

/** Everything a view derives from its query string; `useView` adds the setter. Pure, so it runs before React. */
export function viewOf(search: URLSearchParams): Omit<View, 'set'> {
  const range = rangeOf(search);
  const filters: [string, string][] = [];
  for (const [k, v] of search) if (isFilterName(k) && v !== '') filters.push([k, v]);
  const filterParams = Object.fromEntries(filters);
  const carried = new URLSearchParams();
  for (const [k, v] of search) if (SHARED.has(k) || isFilterName(k)) carried.set(k, v);
  const refresh = Number(search.get('refresh') ?? 0);
  return {
    search,
    range,
    project: search.get('project'),
    refreshSeconds: (REFRESH_CHOICES as readonly number[]).includes(refresh) ? refresh : 0,
    filters,
    params: { ...range.params, ...filterParams },
    filterParams,
    carry: carried.toString(),
  };
}
