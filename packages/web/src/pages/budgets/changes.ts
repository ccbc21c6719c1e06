import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { ApiError, apiHeaders, apiUrl, errorOf } from '../../api/client.js';
import { useView } from '../../state/view.js';

/**
 * Changes to budgets and alert rules. Like every request of the dashboard they go through the public API; unlike
 * a read, a refused change says which fields were wrong (422 with `error.fields`), which the forms show next to
 * each field, and a key without the manage scope is refused (403), which disables the forms.
 */

export interface FieldProblem {
  /** As the API names it: `body.limit`, `body.thresholds.0`, or `body` for the whole request. */
  path: string;
  message: string;
}

/** A refused change, with the fields the API found wrong (none for a refusal of the whole request). */
export class ChangeError extends ApiError {
  constructor(
    base: ApiError,
    readonly fields: FieldProblem[],
  ) {
    super(base.status, base.code, base.message, base.requestId);
  }
}

export async function sendChange<T>(
  method: 'POST' | 'PATCH' | 'DELETE',
  path: string,
  project: string | null,
  body?: unknown,
): Promise<T> {
  const headers = apiHeaders(project, body === undefined ? {} : { 'content-type': 'application/json' });
  let r: Response;
  try {
    r = await fetch(apiUrl(path), { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'unreachable', 'the Tally server did not answer; is it running?', null);
  }
  if (r.ok) return (await r.json()) as T;
  const copy = r.clone();
  const base = await errorOf(r);
  let fields: FieldProblem[] = [];
  try {
    const parsed = (await copy.json()) as { error?: { fields?: FieldProblem[] } };
    if (Array.isArray(parsed.error?.fields)) fields = parsed.error.fields;
  } catch {
    // not Tally's JSON error: the status line in `base` is all there is
  }
  return Promise.reject(new ChangeError(base, fields));
}

/** The form field a problem belongs to: `body.thresholds.0` is the thresholds field; `body` is the whole form. */
export function fieldOf(problem: FieldProblem): string {
  const rest = problem.path.replace(/^body\.?/, '');
  return rest.split('.')[0] ?? '';
}

/** Why this page may not change anything (the API's own words), once a change was refused with 403. */
export interface ManageAccess {
  denied: ApiError | null;
  deny(error: ApiError): void;
}

export const ManageAccessContext = createContext<ManageAccess>({ denied: null, deny: () => undefined });
export const useManageAccess = () => useContext(ManageAccessContext);

/** The lists and details this page reads, refreshed after every change. */
const READS = ['/api/v1/budgets', '/api/v1/alerts'];

export interface Change {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

/** A change of the current project; refreshes the lists when it succeeds and disables the forms on 403. */
export function useChange<T = unknown>() {
  const view = useView();
  const client = useQueryClient();
  const access = useManageAccess();
  return useMutation<T, ApiError, Change>({
    mutationFn: (c) => sendChange<T>(c.method, c.path, view.project, c.body),
    onSuccess: () =>
      client.invalidateQueries({
        predicate: (q) => READS.some((p) => String(q.queryKey[0] ?? '').startsWith(p)),
      }),
    onError: (e) => {
      if (e.status === 403) access.deny(e);
    },
  });
}
