/** How the HTTP sink retries; every field is in milliseconds except `maxRetries`. */
export interface RetryPolicy {
  /** Retries after the first attempt on a network error, 429 or 5xx. */
  maxRetries: number;
  /** First backoff ceiling; doubles with each retry (full jitter: a random wait between 0 and the ceiling). */
  baseDelayMs: number;
  /** Ceiling of any wait, a server's Retry-After included. */
  maxDelayMs: number;
  /** One request's time limit. */
  timeoutMs: number;
}

/** The outcome of one POST after its retries: an answer the server gave, or why there is none. */
export type PostOutcome =
  { ok: true; status: number; body: unknown } | { ok: false; status: number | null; error: Error; retried: number };

const retryable = (status: number) => status === 429 || status >= 500;

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Full jitter (a uniform wait in [0, ceiling]) keeps many clients from retrying in lockstep after an outage. */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfter: number | undefined): number {
  if (retryAfter !== undefined) return Math.min(policy.maxDelayMs, retryAfter);
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/**
 * POSTs `body` to `url`, retrying network errors, 429 (after its Retry-After) and 5xx with exponential backoff.
 * Never throws: a failure comes back as `{ ok: false }`. `sleep` decides whether a wait may hold the process open.
 *
 * @example const r = await postWithRetry(url, headers, '{"events":[]}', policy, (ms) => new Promise((f) => setTimeout(f, ms)));
 */
export async function postWithRetry(
  url: string,
  headers: Record<string, string>,
  body: string,
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void>,
): Promise<PostOutcome> {
  for (let attempt = 0; ; attempt++) {
    let status: number | null = null;
    let error: Error;
    let wait: number | undefined;
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(policy.timeoutMs) });
      status = res.status;
      const text = await res.text();
      if (res.ok) return { ok: true, status, body: parseJson(text) };
      const message = (parseJson(text) as { error?: { message?: unknown } } | null)?.error?.message;
      error = new Error(`Tally SDK: ${url} answered ${status}${typeof message === 'string' ? `: ${message}` : ''}`);
      if (!retryable(status) || attempt >= policy.maxRetries) return { ok: false, status, error, retried: attempt };
      wait = retryAfterMs(res.headers.get('retry-after'));
    } catch (err) {
      error = new Error(`Tally SDK: cannot reach ${url}: ${String(err)}`, { cause: err });
      if (attempt >= policy.maxRetries) return { ok: false, status, error, retried: attempt };
    }
    await sleep(backoffMs(policy, attempt, wait));
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
