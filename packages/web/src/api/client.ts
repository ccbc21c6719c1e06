/**
 * The dashboard's only way to the server: the public HTTP API, exactly as users script against it. The key a user
 * signs in with lives in sessionStorage (gone when the tab closes) and travels as `Authorization: Bearer`; the
 * project an admin picks travels as `x-tally-project`.
 */

const KEY_STORAGE = 'tally.key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage unavailable (private mode): the key lasts only as long as this page
  }
  memoryKey = key;
}

let memoryKey: string | null = null;
export const currentKey = (): string | null => storedKey() ?? memoryKey;

/** An answer of the API that was not a success, with Tally's error body read out. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    /** The key the refused request carried (null: none), so a late 401 is not blamed on a key signed in since. */
    readonly keyUsed: string | null = null,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | boolean | null | undefined>;

export function apiUrl(path: string, params: Params = {}): string {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  return url.pathname + url.search;
}

export function apiHeaders(project: string | null, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
  const key = currentKey();
  if (key) headers['authorization'] = `Bearer ${key}`;
  if (project) headers['x-tally-project'] = project;
  return headers;
}

async function errorOf(r: Response, keyUsed: string | null = null): Promise<ApiError> {
  let code = 'http_' + r.status;
  let message = `the server answered ${r.status} ${r.statusText}`;
  let requestId: string | null = null;
  try {
    const body = (await r.json()) as { error?: { code?: string; message?: string }; request_id?: string };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
    requestId = body.request_id ?? null;
  } catch {
    // not Tally's JSON error (a proxy in between?): keep the status line
  }
  return new ApiError(r.status, code, message, requestId, keyUsed);
}

export interface RequestOptions {
  project?: string | null;
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

/** One JSON request; throws ApiError with the server's own message when the answer is not a success. */
export async function api<T>(path: string, params: Params = {}, options: RequestOptions = {}): Promise<T> {
  const headers = apiHeaders(options.project ?? null);
  const keyUsed = currentKey();
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let r: Response;
  try {
    r = await fetch(apiUrl(path, params), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', 'the Tally server did not answer; is it running?', null);
  }
  if (!r.ok) throw await errorOf(r, keyUsed);
  if (r.status === 204) return undefined as T;
  return (await r.json()) as T;
}

/** A download of the API (exports): fetched with the same headers, then handed to the browser as a file. */
export async function download(path: string, params: Params, project: string | null, filename: string) {
  const r = await fetch(apiUrl(path, params), { headers: apiHeaders(project, { accept: '*/*' }) });
  if (!r.ok) throw await errorOf(r);
  const blob = await r.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export { errorOf };
