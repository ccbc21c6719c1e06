// Phase 3: single-event ingest at a fixed open-loop rate. Request i is due at start + i/rate whatever happened to
// the earlier ones, and its latency is counted from that due time, not from when it was actually sent. A closed
// loop (send, wait, send) stops sending while the server stalls, so the stall shows up as one slow request instead
// of the hundreds that a real client population would have seen ("coordinated omission").
import { request, makeAgent } from './http-client.js';
import { fmt, summarize } from './report.js';
import { startCpuMeter } from './cpu-meter.js';
import { watchMemory } from './server-process.js';

const SINGLE_PATH = '/api/v1/ingest/llm';

/**
 * A few sequential requests before the timed run, so the JIT and the route's first-use costs are out of it.
 * Resolves to how many were not answered 201, and the first such answer.
 */
export async function warmUp(server, bodies) {
  const agent = makeAgent(1);
  const failures = [];
  try {
    for (const body of bodies) {
      const { status, text } = await request(agent, server.url, 'POST', SINGLE_PATH, body).catch((e) => ({
        status: 0,
        text: e.message,
      }));
      if (status !== 201) failures.push(`status ${status} (expected 201): ${text.slice(0, 300)}`);
    }
  } finally {
    agent.destroy();
  }
  return { requests: bodies.length, failed: failures.length, failures: failures.slice(0, 1) };
}

/** Sends one body per 1/rate seconds over at most `connections` keep-alive sockets; every answer must be 201. */
export async function runOpenLoop({ server, bodies, rate, connections, progress, progressEveryMs = 2000 }) {
  const agent = makeAgent(connections);
  const memory = watchMemory(server.pid);
  const cpu = startCpuMeter(server.pid);
  const n = bodies.length;
  const intervalMs = 1000 / rate;
  const latencies = new Float64Array(n).fill(NaN);
  const failures = [];
  const inFlight = new Set();
  let sent = 0;
  let answered = 0;
  let non201 = 0;
  let transportErrors = 0;
  let maxSendLagMs = 0;
  let lastSentAt = 0;
  let lastAnswerAt = 0;

  const send = (i, dueAt) => {
    const p = request(agent, server.url, 'POST', SINGLE_PATH, bodies[i], 30_000).then(
      ({ status, text }) => {
        lastAnswerAt = performance.now();
        answered++;
        latencies[i] = lastAnswerAt - dueAt;
        if (status === 201) return;
        non201++;
        failures.push(`request ${i}: status ${status}: ${text.slice(0, 200)}`);
      },
      (e) => {
        transportErrors++;
        failures.push(`request ${i}: ${e.message}`);
      },
    );
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  };

  const start = performance.now() + 20;
  const ticker = setInterval(() => {
    const elapsed = performance.now() - start;
    const phase =
      sent < n ? `${fmt.s(elapsed)} of ${fmt.s(n * intervalMs)}` : `all sent ${fmt.s(elapsed - n * intervalMs)} ago`;
    progress(
      `latency: ${phase}, ${fmt.int(sent)} sent, ${fmt.int(answered)} answered, ${inFlight.size} in flight, ` +
        `${non201 + transportErrors} failed, server RSS ${fmt.mib(memory.current())}`,
    );
  }, progressEveryMs);
  try {
    // Each tick sends everything that has fallen due, so a late timer (or a busy client) is caught up at once and
    // the lateness is charged to the requests' latency.
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        while (sent < n && start + sent * intervalMs <= now) {
          const dueAt = start + sent * intervalMs;
          maxSendLagMs = Math.max(maxSendLagMs, now - dueAt);
          lastSentAt = now;
          send(sent++, dueAt);
        }
        if (sent >= n || !server.isRunning()) return resolve();
        setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
      };
      tick();
    });
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    const answeredOk = Array.from(latencies).filter((x) => Number.isFinite(x));
    return {
      target_rate: rate,
      requests: n,
      sent,
      answered,
      non_201: non201,
      transport_errors: transportErrors,
      failures: failures.slice(0, 5),
      offered_rate: sent / ((lastSentAt - start + intervalMs) / 1000),
      achieved_rate: answered / ((lastAnswerAt - start) / 1000),
      latency_ms: summarize(answeredOk),
      max_send_lag_ms: maxSendLagMs,
      cpu: cpu.stop(),
      server_memory: memory.stop(),
    };
  } finally {
    clearInterval(ticker);
    memory.stop();
    agent.destroy();
  }
}
