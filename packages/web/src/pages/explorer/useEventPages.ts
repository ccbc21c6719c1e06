import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';
import type { AbsoluteRange } from './range.js';
import type { StoredCallPage } from './types.js';

export const PAGE_SIZE = 50;

/**
 * Stored calls of a range and filters, newest first, one page per "Load more": each page asks for the calls after
 * the previous page's `next_cursor`, with the same range and filters, so no call is shown twice or skipped.
 */
export function useEventPages(range: AbsoluteRange, filters: Record<string, string>, project: string | null) {
  const params = { ...filters, from: range.from, to: range.to, limit: PAGE_SIZE };
  return useInfiniteQuery({
    queryKey: ['/api/v1/analytics/events', 'pages', params, project],
    queryFn: ({ pageParam, signal }) =>
      api<StoredCallPage>('/api/v1/analytics/events', { ...params, cursor: pageParam }, { project, signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    placeholderData: keepPreviousData,
  });
}
