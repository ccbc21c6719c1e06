import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useView } from '../state/view.js';
import { api, type Params } from './client.js';

/**
 * A GET of the API for the current project, refetched at the view's auto-refresh period. Changing a parameter
 * keeps the previous answer on screen (dimmed by the page) until the new one arrives, so charts do not flash.
 */
export function useApi<T>(path: string | null, params: Params = {}, options: { refresh?: boolean } = {}) {
  const view = useView();
  const refreshMs = options.refresh === false || view.refreshSeconds === 0 ? false : view.refreshSeconds * 1000;
  return useQuery({
    queryKey: [path, params, view.project],
    queryFn: ({ signal }) => api<T>(path as string, params, { project: view.project, signal }),
    enabled: path !== null,
    refetchInterval: refreshMs,
    placeholderData: keepPreviousData,
  });
}

/** A change through the API (POST, PATCH, DELETE) that refreshes every query under `invalidates` when it succeeds. */
export function useApiMutation<TBody, TResult = unknown>(
  method: 'POST' | 'PATCH' | 'DELETE',
  path: (body: TBody) => string,
  invalidates: string[],
) {
  const view = useView();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TBody) =>
      api<TResult>(path(body), {}, { project: view.project, method, body: method === 'DELETE' ? undefined : body }),
    onSuccess: () =>
      Promise.all(
        invalidates.map((p) =>
          client.invalidateQueries({ predicate: (q) => String(q.queryKey[0] ?? '').startsWith(p) }),
        ),
      ),
  });
}
