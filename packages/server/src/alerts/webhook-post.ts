import { createHmac } from 'node:crypto';

/** The headers a webhook receiver checks: the body's HMAC and the time it was sent. */
export const SIGNATURE_HEADER = 'x-tally-signature';
export const TIMESTAMP_HEADER = 'x-tally-timestamp';

/** `sha256=<hex HMAC-SHA256 of the body with the webhook's secret>`, as sent in X-Tally-Signature. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export interface PostResult {
  ok: boolean;
  /** The HTTP status of the answer; null when none came. */
  status: number | null;
  /** Why it failed, in words safe to store and show (never the secret). */
  error: string | null;
  /** The attempt was cut short because Tally is stopping: it does not count. */
  aborted: boolean;
}

export interface SignedPost {
  url: string;
  secret: string;
  body: string;
  /** Seconds since the epoch, sent as X-Tally-Timestamp (the body's `delivery.sent_at`). */
  timestamp: number;
  event: string;
  deliveryId: string;
  userAgent: string;
  timeoutMs: number;
  /** Aborted when Tally stops. */
  stop: AbortSignal;
}

/**
 * POSTs one signed notification. A 2xx answer is a delivery; anything else (another status, a redirect, no answer
 * within the time-out) is a failure to retry.
 */
export async function postSigned(p: SignedPost): Promise<PostResult> {
  const timeout = AbortSignal.timeout(p.timeoutMs);
  try {
    const r = await fetch(p.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.any([timeout, p.stop]),
      headers: {
        'content-type': 'application/json',
        'user-agent': p.userAgent,
        'x-tally-event': p.event,
        'x-tally-delivery': p.deliveryId,
        [TIMESTAMP_HEADER]: String(p.timestamp),
        [SIGNATURE_HEADER]: signBody(p.secret, p.body),
      },
      body: p.body,
    });
    await r.body?.cancel().catch(() => undefined);
    if (r.status >= 200 && r.status < 300) return { ok: true, status: r.status, error: null, aborted: false };
    return { ok: false, status: r.status, error: `the receiver answered ${r.status}`, aborted: false };
  } catch (e) {
    if (p.stop.aborted) return { ok: false, status: null, error: 'Tally stopped', aborted: true };
    if (timeout.aborted)
      return { ok: false, status: null, error: `no answer within ${p.timeoutMs} ms`, aborted: false };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    return { ok: false, status: null, error: `the request failed: ${why}`, aborted: false };
  }
}
