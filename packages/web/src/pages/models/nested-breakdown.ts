import { useQueries } from '@tanstack/react-query';
import { useRef } from 'react';
import { api } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import type { Breakdown, BreakdownRow } from '../../api/types.js';
import { useView } from '../../state/view.js';

/**
 * Figures per pair of dimensions (provider + model, agent + version). The API's breakdown groups by one dimension,
 * and grouping by the inner one alone would merge a model served by two providers into one row. So the outer
 * dimension is broken down first, then the inner one once per outer value, with that value as a filter: every
 * pair's numbers come from the API as they are, none are summed or guessed in the browser.
 */

const PATH = '/api/v1/analytics/breakdown';
/** Most outer values listed (providers, agents); the API's breakdown allows up to 1000. */
const OUTER_LIMIT = 100;
const INNER_LIMIT = 1000;

export interface PairGroup {
  /** The outer dimension's row (its totals). */
  outer: BreakdownRow;
  /** Its inner rows, busiest first. */
  inner: BreakdownRow[];
}

export interface NestedBreakdown {
  data: PairGroup[] | undefined;
  error: unknown;
  isPending: boolean;
  isFetching: boolean;
  refetch: () => void;
}

/** The filter that selects one outer value; for calls without one, every value seen or already excluded is excluded. */
function outerFilter(value: string | null, seen: BreakdownRow[], current: string | undefined): string {
  if (value !== null) return value;
  const excluded = current?.startsWith('!') ? current.slice(1).split(',') : [];
  const named = seen.flatMap((r) => (r.value === null ? [] : [String(r.value)]));
  return `!${[...new Set([...excluded, ...named])].join(',')}`;
}

export function useNestedBreakdown(
  outer: string,
  inner: string,
  metrics: string,
  options: { namedOnly?: boolean } = {},
): NestedBreakdown {
  const view = useView();
  const base: Record<string, string> = { ...view.params, metrics };
  const top = useApi<Breakdown>(PATH, { ...base, by: outer, limit: OUTER_LIMIT });
  // The previous answer kept on screen while new filters load belongs to the old filters: ask nothing for it.
  const answered = top.data && !top.isPlaceholderData ? top.data.rows : [];
  // Calls without an outer value (no agent name) may be of no interest: then they are not asked for at all.
  const rows = options.namedOnly ? answered.filter((r) => r.value !== null) : answered;
  const refreshMs = view.refreshSeconds === 0 ? false : view.refreshSeconds * 1000;
  const parts = useQueries({
    queries: rows.map((row) => {
      const params = { ...base, by: inner, limit: INNER_LIMIT, [outer]: outerFilter(row.value, rows, base[outer]) };
      return {
        queryKey: [PATH, params, view.project],
        queryFn: ({ signal }: { signal: AbortSignal }) =>
          api<Breakdown>(PATH, params, { project: view.project, signal }),
        refetchInterval: refreshMs,
      };
    }),
  });

  // Until every part of a new answer is in, the last complete one stays on screen (dimmed), never a mix of both.
  // It is rebuilt only when an answer changed, so charts drawn from it are not redrawn at every render.
  const last = useRef<{ sources: unknown[]; groups: PairGroup[] } | null>(null);
  const complete = top.data !== undefined && !top.isPlaceholderData && parts.every((p) => p.data !== undefined);
  if (complete) {
    const sources = [top.data, ...parts.map((p) => p.data)];
    const before = last.current?.sources;
    if (!before || before.length !== sources.length || sources.some((s, i) => s !== before[i])) {
      last.current = { sources, groups: rows.map((row, i) => ({ outer: row, inner: parts[i]!.data!.rows })) };
    }
  }
  const error = top.error ?? parts.find((p) => p.error)?.error ?? null;
  return {
    data: last.current?.groups,
    error,
    isPending: last.current === null,
    isFetching: (!complete && !error) || top.isFetching || parts.some((p) => p.isFetching),
    refetch: () => {
      void top.refetch();
      for (const p of parts) void p.refetch();
    },
  };
}
