import type { QueryClient } from '@tanstack/react-query';
import { api, storedKey } from '../api/client.js';
import type { Status } from '../api/types.js';
import { allOverviewRequests } from '../pages/overview/queries.js';
import { viewOf } from '../state/view.js';
import { pageFor } from './pages.js';

/**
 * Starts, at boot and all at once, what the first screen needs and would otherwise fetch one after the other: the
 * code of the page in the address bar and, for the Overview, its API answers (under the same query keys as
 * `useApi`, so the page finds them in flight). Without it the browser would load the app, then ask the server
 * whether a key is needed, then load the page's code, and only then ask for the data.
 */
export function warmStart(client: QueryClient): void {
  const page = pageFor(window.location.pathname);
  if (!page) return;
  void page.load().catch(() => undefined); // a failed chunk load surfaces when the page renders
  const view = viewOf(new URLSearchParams(window.location.search));
  const requests: [string, Record<string, string | number>][] = [['/api/v1/projects', {}]];
  if (page === pageFor('/')) requests.push(...allOverviewRequests(view.params));
  const prefetch = () => {
    for (const [path, params] of requests) {
      void client.prefetchQuery({
        queryKey: [path, params, view.project],
        queryFn: ({ signal }) => api(path, params, { project: view.project, signal }),
      });
    }
  };
  // With a key, ask at once. Without one, only an open server will answer: ask it whether it is open first, so a
  // protected server is not sent requests it can only refuse while the sign-in form shows.
  if (storedKey()) prefetch();
  else
    void api<Status>('/api/v1/status')
      .then((s) => s.auth.mode === 'open' && prefetch())
      .catch(() => undefined); // the sign-in gate asks again and shows the failure
}
