import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ApiError, apiHeaders, apiUrl, errorOf } from '../../api/client.js';
import type { CallItem } from '../../api/types.js';

/**
 * One live view's connection to `GET /api/v1/live`, read with fetch (so that the key and the project travel as
 * headers, which EventSource cannot send) and split into events by eventsource-parser. A stream that ends, fails or
 * goes silent is opened again after a growing pause; a refusal that retrying cannot fix (a bad key, a key without
 * read access, an invalid filter) stops it and says why.
 */

export type LiveState =
  | { kind: 'connecting' }
  /** `filters`: those the open stream applies (the server confirmed them with its ready event). */
  | { kind: 'live'; filters: Record<string, string> }
  /** `retryAt` is when the next try starts (epoch ms), or null while it is under way. */
  | { kind: 'reconnecting'; error: string; attempt: number; retryAt: number | null }
  | { kind: 'stopped'; error: ApiError };

export interface LiveHandlers {
  state(state: LiveState): void;
  call(call: CallItem): void;
  /** The server skipped `count` calls because this view read too slowly. */
  dropped(count: number): void;
}

export interface LiveConnection {
  close(): void;
  /** Skips the pause before the next try. */
  retryNow(): void;
}

/** The server sends a keep-alive comment every 15 s: three missed in a row means the connection is gone. */
const SILENCE_MS = 45_000;
const MAX_BACKOFF_MS = 30_000;

/** 1 s, 2 s, 4 s … up to 30 s, give or take a fifth, so that many open tabs do not all come back at once. */
export function backoffMs(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Statuses where asking again gives the same answer: the user has to change the key or the filters. */
const isFinal = (e: unknown): e is ApiError =>
  e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404 || e.status === 422);

/** Tells the app shell that the key was refused, as the API hooks do, so that it asks to sign in again. */
const UNAUTHORIZED_EVENT = 'tally:unauthorized';

export function connectLive(
  options: { project: string | null; filters: Record<string, string> },
  on: LiveHandlers,
): LiveConnection {
  let closed = false;
  let attempt = 0;
  let controller: AbortController | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let lastError = '';

  const handle = (m: EventSourceMessage) => {
    if (m.event === 'ready') {
      attempt = 0;
      on.state({ kind: 'live', filters: options.filters });
    } else if (m.event === 'call') {
      on.call(JSON.parse(m.data) as CallItem);
    } else if (m.event === 'dropped') {
      on.dropped(Number((JSON.parse(m.data) as { count?: number }).count ?? 0));
    }
  };

  const readStream = async (signal: AbortSignal, silence: () => void) => {
    const r = await fetch(apiUrl('/api/v1/live', options.filters), {
      headers: apiHeaders(options.project, { accept: 'text/event-stream' }),
      cache: 'no-store',
      signal,
    });
    if (!r.ok) throw await errorOf(r);
    if (!r.body) throw new Error('the server answered without a stream');
    const parser = createParser({ onEvent: handle });
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      silence();
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
    throw new Error('the server ended the stream');
  };

  const run = async () => {
    retryTimer = null;
    if (closed) return;
    const current = new AbortController();
    controller = current;
    let watchdog: ReturnType<typeof setTimeout> | null = null;
    let silent = false;
    const rearm = () => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        silent = true;
        current.abort();
      }, SILENCE_MS);
    };
    on.state(
      attempt === 0 ? { kind: 'connecting' } : { kind: 'reconnecting', error: lastError, attempt, retryAt: null },
    );
    try {
      await readStream(current.signal, rearm);
    } catch (e) {
      if (closed) return;
      if (isFinal(e)) {
        if (e.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
        on.state({ kind: 'stopped', error: e });
        return;
      }
      lastError = silent
        ? `nothing came from the server for ${SILENCE_MS / 1000} s; the connection seems lost`
        : e instanceof ApiError
          ? e.message
          : e instanceof TypeError
            ? 'the Tally server could not be reached'
            : e instanceof Error
              ? e.message
              : String(e);
    } finally {
      if (watchdog) clearTimeout(watchdog);
    }
    if (closed) return;
    attempt++;
    const wait = backoffMs(attempt);
    on.state({ kind: 'reconnecting', error: lastError, attempt, retryAt: Date.now() + wait });
    retryTimer = setTimeout(() => void run(), wait);
  };

  void run();
  return {
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      controller?.abort();
    },
    retryNow() {
      if (closed || !retryTimer) return;
      clearTimeout(retryTimer);
      void run();
    },
  };
}
