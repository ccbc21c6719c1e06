#!/usr/bin/env node
// OTLP benchmark: starts the built Tally server on a fresh data directory and posts protobuf trace exports (GenAI
// spans under agent runs, and spans that are not about LLMs) to /v1/traces from a few connections for a fixed time.
// Prints spans/s, requests/s, request latency and the server's memory and CPU. See bench/README.md.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeAgent, request } from './lib/http-client.js';
import { runOtlpLoad } from './lib/otlp-phase.js';
import { buildTraceRequests } from './lib/otlp-spans.js';
import { fmt, formatTable, machineInfo, makeProgress, rounded } from './lib/report.js';
import { startServer } from './lib/server-process.js';
import { readFlags } from './lib/flags.js';

const CLI_PATH = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
/** The figure the OTLP ingest path is meant to reach on the reference machine (2 cores, client included). */
const TARGET_SPANS_PER_SEC = 50_000;
/** Seconds of untimed requests before the timed phase, so that the JIT and DuckDB are warm. */
const WARMUP_SECONDS = 3;

const OPTIONS = {
  seconds: { type: 'string', default: '20', help: 'length of the timed phase' },
  concurrency: { type: 'string', default: '4', help: 'requests in flight at once, one keep-alive connection each' },
  'spans-per-request': { type: 'string', default: '1000', help: 'spans in one export request (about)' },
  bodies: { type: 'string', default: '40', help: 'distinct request bodies built up front and sent round-robin' },
  'spread-minutes': {
    type: 'string',
    default: '5',
    help: 'span start times lie up to this many minutes before the run',
  },
  'cpu-prof': { type: 'string', default: '', help: "write the server's V8 CPU profile into this directory" },
  help: { type: 'boolean', default: false, help: 'print this help' },
};

const USAGE = `Usage: node bench/otlp-bench.js [options]     (or: npm run bench:otlp -- [options], which builds first)

Starts the built server (packages/server/dist/cli.js) on a temporary data directory and a free port, builds
--bodies protobuf ExportTraceServiceRequests of --spans-per-request spans, then posts them to /v1/traces over
--concurrency connections for --seconds (after ${WARMUP_SECONDS} s of warm-up), each send with ids of its own, and
checks that the server stored every call. Progress goes to stderr; a table and one JSON line go to stdout. Exit
code 1 when any request failed or the stored calls do not add up.

Options:
${Object.entries(OPTIONS)
  .map(
    ([name, o]) =>
      `  --${name.padEnd(19)} ${o.help}${o.default !== '' && o.type === 'string' ? ` (default ${o.default})` : ''}`,
  )
  .join('\n')}`;

function parseFlags(argv) {
  const flags = readFlags(argv, OPTIONS);
  if (flags === null) return null;
  const { values, int } = flags;
  return {
    seconds: int('seconds', 1, 3600),
    concurrency: int('concurrency', 1, 64),
    spansPerRequest: int('spans-per-request', 10, 20_000),
    bodies: int('bodies', 1, 1000),
    spreadMinutes: int('spread-minutes', 0, 1440),
    cpuProf: values['cpu-prof'],
  };
}

async function main() {
  const opts = parseFlags(process.argv.slice(2));
  if (!opts) return void console.log(USAGE);
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} does not exist: run "npm run build" first`);
  const progress = makeProgress();
  const machine = machineInfo();
  progress(`building ${opts.bodies} protobuf requests of about ${fmt.int(opts.spansPerRequest)} spans…`);
  const now = Date.now();
  const work = buildTraceRequests({
    requests: opts.bodies,
    spansPerRequest: opts.spansPerRequest,
    spreadMs: opts.spreadMinutes * 60_000,
    now,
  });
  progress(
    `${fmt.int(work.spans)} spans: ${fmt.int(work.calls)} model calls, ${fmt.int(work.runs)} agent runs, ` +
      `${fmt.num(work.bytes / opts.bodies / 1024, 0)} KiB per request`,
  );

  const server = await startServer({
    cliPath: CLI_PATH,
    onUnexpectedExit: () => progress('the server EXITED'),
    // The profile is written when the server exits, into a directory that outlives the data directory.
    nodeArgs: opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProf] : [],
  });
  process.once('SIGINT', () => void server.dispose().finally(() => process.exit(130)));
  try {
    progress(`server pid ${server.pid} ready on ${server.url}`);
    let generation = 0;
    const nextGeneration = () => ++generation;
    const common = { server, bodies: work.bodies, concurrency: opts.concurrency, nextGeneration, progress };
    progress(`warm-up: ${WARMUP_SECONDS} s…`);
    const warmup = await runOtlpLoad({ ...common, seconds: WARMUP_SECONDS, timed: false });
    progress(`timed: ${opts.seconds} s over ${opts.concurrency} connections…`);
    const load = await runOtlpLoad({ ...common, seconds: opts.seconds });
    progress(`${fmt.int(load.spans_per_sec)} spans/s; counting the stored calls…`);
    const stored = await storedCalls(server.url, now - opts.spreadMinutes * 60_000 - 3_600_000, Date.now() + 3_600_000);
    const expectedCalls = warmup.calls + load.calls;
    const stopped = await server.stop();
    const ok =
      warmup.failed_requests + load.failed_requests === 0 && stored === expectedCalls && !stopped.already_exited;
    const figures = {
      ok,
      options: opts,
      machine,
      workload: workFigures(work, opts),
      warmup,
      load,
      stored_calls: stored,
      expected_calls: expectedCalls,
    };
    console.log(formatTable('Tally OTLP benchmark', sections(figures)));
    console.log(JSON.stringify(rounded({ benchmark: 'tally-otlp', ...figures })));
    process.exitCode = ok ? 0 : 1;
  } finally {
    await server.dispose();
  }
}

function workFigures(work, opts) {
  return {
    spans_per_request: work.spans / opts.bodies,
    calls_share: work.calls / work.spans,
    runs_share: work.runs / work.spans,
    request_bytes: work.bytes / opts.bodies,
    bytes_per_span: work.bytes / work.spans,
  };
}

/** Calls stored in the default project in the range, from /api/v1/analytics/summary. */
async function storedCalls(url, from, to) {
  const agent = makeAgent(1);
  try {
    const path = `/api/v1/analytics/summary?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const { status, text } = await request(agent, url, 'GET', path);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${text.slice(0, 300)}`);
    return JSON.parse(text).metrics.calls;
  } finally {
    agent.destroy();
  }
}

function sections({ ok, options: o, machine: m, workload: w, load: l, stored_calls, expected_calls }) {
  const lat = l.request_ms;
  const mem = l.server_memory;
  const target = l.spans_per_sec >= TARGET_SPANS_PER_SEC ? 'met' : 'NOT met';
  const other = l.cpu.other_cores > 0.2 ? ' (NOT IDLE: other processes competed for the CPU)' : '';
  return [
    [
      'Machine',
      [
        ['CPU', `${m.cpu_model} × ${m.cpu_count}`],
        ['RAM', fmt.gib(m.total_ram_bytes)],
        ['Node', m.node],
      ],
    ],
    [
      'Workload',
      [
        [
          'request',
          `${fmt.int(w.spans_per_request)} spans, ${fmt.num(w.request_bytes / 1024, 0)} KiB of protobuf (${fmt.int(w.bytes_per_span)} B per span)`,
        ],
        [
          'spans',
          `${fmt.num(w.calls_share * 100)}% model calls, ${fmt.num(w.runs_share * 100)}% agent runs, the rest not about LLMs`,
        ],
        ['bodies', `${o.bodies} built up front, sent round-robin with fresh ids each time`],
      ],
    ],
    [
      `POST /v1/traces (protobuf), ${o.concurrency} keep-alive connections, closed loop, ${o.seconds} s`,
      [
        ['spans', `${fmt.int(l.spans_per_sec)} spans/s (target ${fmt.int(TARGET_SPANS_PER_SEC)}: ${target})`],
        ['stored', `${fmt.int(l.calls_per_sec)} calls/s and ${fmt.int(l.runs_per_sec)} agent runs/s`],
        ['requests', `${fmt.num(l.requests_per_sec)} requests/s, ${fmt.num(l.mib_per_sec)} MiB/s`],
        ['per server CPU-second', `${fmt.int(l.spans_per_server_cpu_second)} spans (all server threads)`],
        [
          'request latency',
          `p50 ${fmt.ms(lat.p50)}, p90 ${fmt.ms(lat.p90)}, p99 ${fmt.ms(lat.p99)}, max ${fmt.ms(lat.max)}`,
        ],
        ['failed requests', `${l.failed_requests} of ${l.requests + l.failed_requests}`],
        [
          'CPU, average cores',
          `server ${fmt.num(l.cpu.server_cores, 2)}, this client ${fmt.num(l.cpu.client_cores, 2)}, other ${fmt.num(l.cpu.other_cores, 2)}${other}`,
        ],
        [
          'server RSS',
          `start ${fmt.mib(mem.start_rss_bytes)}, end ${fmt.mib(mem.end_rss_bytes)}, max ${fmt.mib(mem.max_sampled_rss_bytes)}, VmHWM ${fmt.mib(mem.vm_hwm_bytes)}`,
        ],
        ['calls stored', `${fmt.int(stored_calls)} of ${fmt.int(expected_calls)} sent (warm-up included)`],
        ['result', ok ? 'OK' : 'FAILED: see "failures" in the JSON line'],
      ],
    ],
  ];
}

main().catch((e) => {
  console.error(`otlp-bench: ${e.message}`);
  process.exitCode = 1;
});
