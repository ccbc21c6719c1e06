import type { ReactNode } from 'react';
import { ApiError } from '../api/client.js';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

/** A failed request, in words: what the server said, its request id, and what to try. */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const e = error instanceof ApiError ? error : null;
  const message = e ? e.message : error instanceof Error ? error.message : String(error);
  const hint =
    e?.status === 401
      ? 'Sign in again with a valid key.'
      : e?.status === 403
        ? 'This key may not read this; use a key of this project or the admin token.'
        : e?.status === 0 || (e && e.status >= 500)
          ? 'The server may be starting or overloaded; retry in a moment.'
          : e && e.status >= 400
            ? 'Check the filters and the time range.'
            : null;
  return (
    <div className="state error" role="alert">
      <strong>The request failed{e && e.status ? ` (${e.status})` : ''}:</strong> {message}
      {hint ? <div className="hint">{hint}</div> : null}
      {e?.requestId ? <div className="hint">Request id {e.requestId}</div> : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** Renders a query's three states: loading, failed, or its data. */
export function QueryView<T>({
  query,
  children,
  what,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean; isFetching?: boolean; refetch: () => unknown };
  children: (data: T) => ReactNode;
  what?: string;
}) {
  if (query.error && query.data === undefined) return <ErrorBox error={query.error} onRetry={() => query.refetch()} />;
  if (query.data === undefined) return <Loading what={what} />;
  return (
    <div className={query.isFetching ? 'fetching' : undefined} aria-busy={query.isFetching ? true : undefined}>
      {query.error ? <ErrorBox error={query.error} onRetry={() => query.refetch()} /> : null}
      {children(query.data)}
    </div>
  );
}
