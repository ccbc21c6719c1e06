// The proxy benchmark's load: one chat completion request at a time, at a fixed open-loop rate, through undici. The
// latency of request i is counted from its due time (start + i / rate), not from when it left, so a stall is
// charged to every request it delayed (see "Single-event latency" in README.md).
import { Pool } from 'undici';
import { summarize } from './report.js';

/** A request body of the size a short real chat request has (about 500 bytes). */
export const REQUEST = Buffer.from(
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are the support assistant of an online shop. Answer in one sentence.' },
      { role: 'user', content: 'Where is my order #4711? I ordered it last Monday and have not heard anything.' },
    ],
    temperature: 0.2,
    max_tokens: 200,
    user: 'customer-8812',
  }),
);

const HEADERS = {
  'content-type': 'application/json',
  authorization: 'Bearer sk-bench-000000000000000000000000',
  'x-tally-session': 'proxy-bench',
};

/** A keep-alive connection pool to one origin. */
export function makePool(url, connections) {
  return new Pool(url, { connections, keepAliveTimeout: 60_000, pipelining: 1 });
}

async function send(pool, path) {
  const { statusCode, body } = await pool.request({ path, method: 'POST', headers: HEADERS, body: REQUEST });
  const text = await body.text();
  return { statusCode, text };
}

/**
 * Sends `count` requests at `rate` per second to `path`; resolves to the latencies (ms from due time) of those
 * answered 200, and what went wrong with the others.
 */
export async function runRate({ pool, path, rate, count }) {
  const latencies = [];
  const failures = [];
  let non200 = 0;
  let transportErrors = 0;
  let maxSendLagMs = 0;
  const inFlight = new Set();
  const intervalMs = 1000 / rate;
  const start = performance.now() + 10;
  let sent = 0;
  const fire = (dueAt) => {
    const p = send(pool, path).then(
      ({ statusCode, text }) => {
        if (statusCode === 200) latencies.push(performance.now() - dueAt);
        else if (++non200 <= 3) failures.push(`status ${statusCode}: ${text.slice(0, 200)}`);
      },
      (e) => {
        if (++transportErrors <= 3) failures.push(e.message);
      },
    );
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  };
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < count && start + sent * intervalMs <= now) {
        const dueAt = start + sent * intervalMs;
        maxSendLagMs = Math.max(maxSendLagMs, now - dueAt);
        sent++;
        fire(dueAt);
      }
      if (sent >= count) return resolve();
      setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    tick();
  });
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  return { sent, latencies, non200, transportErrors, failures, maxSendLagMs };
}

/** Merges the slices of one target into its figures. */
export function combine(slices) {
  const latencies = slices.flatMap((s) => s.latencies);
  return {
    requests: slices.reduce((n, s) => n + s.sent, 0),
    non_200: slices.reduce((n, s) => n + s.non200, 0),
    transport_errors: slices.reduce((n, s) => n + s.transportErrors, 0),
    failures: slices.flatMap((s) => s.failures).slice(0, 5),
    max_send_lag_ms: Math.max(...slices.map((s) => s.maxSendLagMs)),
    latency_ms: summarize(latencies),
  };
}
