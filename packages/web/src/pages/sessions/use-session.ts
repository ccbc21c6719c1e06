import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';
import { useView } from '../../state/view.js';
import { segment } from '../users/route-param.js';
import type { SessionPage } from './types.js';

/** Calls per page of a session; "Load more" asks for the next page with the answer's cursor. */
export const PAGE_SIZE = 100;

/** One session's calls, oldest first, page after page (a session has no time range: it is all of its calls). */
export function useSession(id: string) {
  const view = useView();
  return useInfiniteQuery({
    queryKey: ['/api/v1/analytics/sessions', id, view.project],
    queryFn: ({ pageParam, signal }) =>
      api<SessionPage>(
        `/api/v1/analytics/sessions/${segment(id)}`,
        { limit: PAGE_SIZE, cursor: pageParam },
        { project: view.project, signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    refetchInterval: view.refreshSeconds === 0 ? false : view.refreshSeconds * 1000,
  });
}
