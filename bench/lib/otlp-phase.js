// The timed phase of the OTLP benchmark: protobuf trace exports posted to /v1/traces from a few keep-alive
// connections in a closed loop for a fixed time, every send with ids of its own.
import http from 'node:http';
import { startCpuMeter } from './cpu-meter.js';
import { makeAgent } from './http-client.js';
import { decodeTraceResponse, stampIds } from './otlp-proto.js';
import { fmt, summarize } from './report.js';
import { watchMemory } from './server-process.js';

const TRACES_PATH = '/v1/traces';

/** Posts one protobuf body; resolves to `{ status, body }` (a Buffer) once the whole answer arrived. */
export function postProtobuf(agent, baseUrl, body, timeoutMs = 120_000) {
  const url = new URL(TRACES_PATH, baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Why an answer is not a full success, or null when it is (200, no spans rejected). */
function checkAnswer(status, body) {
  if (status !== 200) return `status ${status}: ${body.toString('utf8').slice(0, 300)}`;
  let partial;
  try {
    partial = decodeTraceResponse(body);
  } catch (e) {
    return `the 200 answer is not an ExportTraceServiceResponse (${e.message})`;
  }
  if (partial.rejectedSpans > 0) return `${partial.rejectedSpans} spans rejected: ${partial.errorMessage}`;
  return null;
}

/**
 * Sends the bodies round-robin, `concurrency` at a time, until `seconds` have passed (requests in flight then are
 * waited for and counted). `nextGeneration()` gives each send the ids it stamps in.
 */
export async function runOtlpLoad({ server, bodies, concurrency, seconds, nextGeneration, progress, timed = true }) {
  const agent = makeAgent(concurrency);
  const memory = timed ? watchMemory(server.pid) : null;
  const cpu = timed ? startCpuMeter(server.pid) : null;
  const latencies = [];
  const failures = [];
  const done = { requests: 0, spans: 0, calls: 0, runs: 0, bytes: 0 };
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let last = { at: t0, spans: 0 };
  const ticker = timed
    ? setInterval(() => {
        const now = performance.now();
        const rate = (done.spans - last.spans) / ((now - last.at) / 1000);
        progress(
          `otlp: ${fmt.int(done.spans)} spans acknowledged, ${fmt.int(rate)} spans/s over the last ` +
            `${fmt.s(now - last.at)}, server RSS ${fmt.mib(memory.current())}`,
        );
        last = { at: now, spans: done.spans };
      }, 5000)
    : null;
  const fail = (message) => {
    if (failures.length < 3) progress(`otlp: FAILED ${message}`);
    failures.push(message);
  };
  const worker = async () => {
    while (performance.now() < deadline && server.isRunning()) {
      const template = bodies[next++ % bodies.length];
      const body = stampIds(template.body, template.idOffsets, nextGeneration());
      const sentAt = performance.now();
      try {
        const answer = await postProtobuf(agent, server.url, body);
        latencies.push(performance.now() - sentAt);
        const problem = checkAnswer(answer.status, answer.body);
        if (problem) {
          fail(`request ${next}: ${problem}`);
          continue;
        }
        done.requests++;
        done.spans += template.spans;
        done.calls += template.calls;
        done.runs += template.runs;
        done.bytes += body.length;
      } catch (e) {
        fail(`request ${next}: ${e.message}`);
      }
    }
  };
  let serverMemory = null;
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    if (ticker) clearInterval(ticker);
    serverMemory = memory?.stop() ?? null;
    agent.destroy();
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  if (!server.isRunning()) failures.push(`the server exited during the run:\n${server.tail()}`);
  const cpuUse = cpu?.stop() ?? null;
  return {
    ...done,
    failed_requests: failures.length,
    failures: failures.slice(0, 5),
    seconds: wallSeconds,
    spans_per_sec: done.spans / wallSeconds,
    calls_per_sec: done.calls / wallSeconds,
    runs_per_sec: done.runs / wallSeconds,
    requests_per_sec: done.requests / wallSeconds,
    mib_per_sec: done.bytes / 2 ** 20 / wallSeconds,
    request_ms: summarize(latencies),
    cpu: cpuUse,
    // Spans per CPU-second of the server (all its threads): the figure that a busy neighbour changes least.
    spans_per_server_cpu_second: cpuUse ? done.spans / cpuUse.server_cpu_seconds : null,
    server_memory: serverMemory,
  };
}
