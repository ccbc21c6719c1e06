// Phase 1 and 2: the JSON.parse baseline, then bulk ingest over a few keep-alive connections, each request answered
// 207 only once its events are committed to disk.
import { request, makeAgent } from './http-client.js';
import { fmt, summarize } from './report.js';
import { startCpuMeter } from './cpu-meter.js';
import { watchMemory } from './server-process.js';

const BULK_PATH = '/api/v1/ingest/llm/bulk';

/**
 * How fast this process can merely JSON.parse the very bodies the server will receive: the floor under any
 * JavaScript ingest path, so the HTTP figure can be read as a multiple of it. One untimed pass warms the JIT up.
 */
export function measureJsonParse(bodies, counts) {
  const texts = bodies.map((b) => b.toString('utf8'));
  const warmup = Math.min(texts.length, 5);
  for (let i = 0; i < warmup; i++) JSON.parse(texts[i]);
  let ms = 0;
  let events = 0;
  for (let i = 0; i < texts.length; i++) {
    const t0 = performance.now();
    const parsed = JSON.parse(texts[i]);
    ms += performance.now() - t0;
    events += parsed.events.length;
  }
  if (events !== counts.reduce((a, b) => a + b, 0)) throw new Error('the baseline parsed a different number of events');
  return { events, seconds: ms / 1000, events_per_sec: events / (ms / 1000) };
}

/**
 * Sends every body once, `concurrency` requests at a time (a closed loop: each connection sends its next body as
 * soon as the previous one is acknowledged), and checks that every answer is 207 with all events accepted.
 */
export async function runBulk({ server, bodies, counts, concurrency, progress, progressEveryMs = 5000 }) {
  const agent = makeAgent(concurrency);
  const memory = watchMemory(server.pid);
  const cpu = startCpuMeter(server.pid);
  const latencies = [];
  const failures = [];
  let next = 0;
  let acknowledged = 0;

  const t0 = performance.now();
  let lastReport = { at: t0, events: 0 };
  const ticker = setInterval(() => {
    const now = performance.now();
    const rate = (acknowledged - lastReport.events) / ((now - lastReport.at) / 1000);
    progress(
      `bulk: ${fmt.int(acknowledged)} of ${fmt.int(counts.reduce((a, b) => a + b, 0))} events acknowledged, ` +
        `${fmt.int(rate)} events/s over the last ${fmt.s(now - lastReport.at)}, server RSS ${fmt.mib(memory.current())}`,
    );
    lastReport = { at: now, events: acknowledged };
  }, progressEveryMs);

  const fail = (message) => {
    if (failures.length < 3) progress(`bulk: FAILED ${message}`);
    failures.push(message);
  };
  const worker = async () => {
    while (next < bodies.length && server.isRunning()) {
      const i = next++;
      const sentAt = performance.now();
      try {
        const { status, text } = await request(agent, server.url, 'POST', BULK_PATH, bodies[i]);
        latencies.push(performance.now() - sentAt);
        const problem = checkBulkAnswer(status, text, counts[i]);
        if (problem) fail(`request ${i}: ${problem}`);
        else acknowledged += counts[i];
      } catch (e) {
        fail(`request ${i}: ${e.message}`);
      }
    }
  };
  let serverMemory;
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearInterval(ticker);
    serverMemory = memory.stop();
    agent.destroy();
  }
  const wallMs = performance.now() - t0;
  const cpuUse = cpu.stop();
  if (next < bodies.length)
    failures.push(`the server exited after ${next} of ${bodies.length} requests:\n${server.tail()}`);
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  return {
    events: acknowledged,
    requests: bodies.length,
    failed_requests: failures.length,
    failures: failures.slice(0, 5),
    seconds: wallMs / 1000,
    events_per_sec: acknowledged / (wallMs / 1000),
    mib_per_sec: bytes / 2 ** 20 / (wallMs / 1000),
    request_ms: summarize(latencies),
    cpu: cpuUse,
    server_memory: serverMemory,
  };
}

function checkBulkAnswer(status, text, expected) {
  if (status !== 207) return `status ${status} (expected 207): ${text.slice(0, 300)}`;
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    return `the 207 answer is not JSON: ${text.slice(0, 300)}`;
  }
  if (answer.accepted === expected && answer.rejected === 0) return null;
  const firstError = answer.results?.find((r) => r.status !== 201)?.error?.message ?? 'no item error given';
  return `accepted ${answer.accepted}, rejected ${answer.rejected} of ${expected}; first rejection: ${firstError}`;
}

/** Reads a sample of acknowledged events back by id: acknowledged must mean stored. */
export async function spotCheck(server, ids) {
  const agent = makeAgent(4);
  let found = 0;
  const missing = [];
  try {
    for (const id of ids) {
      const { status } = await request(agent, server.url, 'GET', `/api/v1/events/${encodeURIComponent(id)}`);
      if (status === 200) found++;
      else missing.push(`${id} (${status})`);
    }
  } finally {
    agent.destroy();
  }
  return { checked: ids.length, found, missing: missing.slice(0, 5) };
}
