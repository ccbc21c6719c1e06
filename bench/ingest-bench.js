#!/usr/bin/env node
// Ingest benchmark: starts the built Tally server on a fresh data directory and measures bulk ingest throughput
// (against a JSON.parse baseline), the server's memory, and single-event latency at a fixed open-loop rate.
// Progress goes to stderr; the table and a final JSON line with every figure go to stdout. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureJsonParse, runBulk, spotCheck } from './lib/bulk-phase.js';
import { buildBulkBodies, buildSingleBodies, makeEventFactory } from './lib/events.js';
import { runOpenLoop, warmUp } from './lib/latency-phase.js';
import { fmt, formatTable, machineInfo, makeProgress, rounded } from './lib/report.js';
import { directorySize, startServer } from './lib/server-process.js';

const CLI_PATH = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const BULK_LIMIT = 10_000;
const WARMUP_REQUESTS = 200;
const SETTLE_MS = 2000;

const OPTIONS = {
  events: { type: 'string', default: '1000000', help: 'events to send in the bulk phase' },
  'batch-size': { type: 'string', default: '5000', help: `events per bulk request (at most ${BULK_LIMIT})` },
  concurrency: {
    type: 'string',
    default: '4',
    help: 'bulk requests in flight at once, one keep-alive connection each',
  },
  rate: { type: 'string', default: '1000', help: 'single-event requests per second in the latency phase' },
  seconds: { type: 'string', default: '10', help: 'length of the latency phase' },
  'latency-connections': { type: 'string', default: '50', help: 'most keep-alive connections in the latency phase' },
  help: { type: 'boolean', default: false, help: 'print this help' },
};

const USAGE = `Usage: node bench/ingest-bench.js [options]     (or: npm run bench -- [options], which builds first)

Starts the built server (packages/server/dist/cli.js) on a temporary data directory and a free port, then
  1. times JSON.parse of the bulk request bodies in this process (the baseline),
  2. sends --events events in bulk requests over --concurrency connections, 207 only once durably committed,
  3. sends single events at a fixed --rate for --seconds and reports latency percentiles.
Progress goes to stderr; a table and one JSON line with every figure go to stdout.

Options:
${Object.entries(OPTIONS)
  .map(([name, o]) => `  --${name.padEnd(21)} ${o.help}${o.type === 'string' ? ` (default ${o.default})` : ''}`)
  .join('\n')}

Example:
  node bench/ingest-bench.js --events 100000 --seconds 3
  node bench/ingest-bench.js 2>/dev/null | tail -n 1 | jq .bulk.events_per_sec`;

function parseFlags(argv) {
  const options = Object.fromEntries(
    Object.entries(OPTIONS).map(([k, { type, default: d }]) => [k, { type, default: d }]),
  );
  const { values } = parseArgs({ args: argv, options, strict: true });
  if (values.help) return null;
  const int = (name, min, max) => {
    const text = values[name];
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) throw new Error(`--${name} must be a whole number from ${min} to ${max}; got ${text}`);
    return n;
  };
  return {
    events: int('events', 1, 100_000_000),
    batchSize: int('batch-size', 1, BULK_LIMIT),
    concurrency: int('concurrency', 1, 256),
    rate: int('rate', 1, 100_000),
    seconds: int('seconds', 1, 3600),
    latencyConnections: int('latency-connections', 1, 10_000),
  };
}

async function main() {
  const opts = parseFlags(process.argv.slice(2));
  if (!opts) return void console.log(USAGE);
  if (!existsSync(CLI_PATH))
    throw new Error(`${CLI_PATH} does not exist: run "npm run build" first (npm run bench does)`);
  const progress = makeProgress();
  const machine = machineInfo();

  progress(`building ${fmt.int(opts.events)} bulk events and ${fmt.int(opts.rate * opts.seconds)} single events…`);
  const next = makeEventFactory({ runId: randomBytes(4).toString('hex') });
  const bulkBodies = buildBulkBodies(next, opts.events, opts.batchSize);
  const warmBodies = buildSingleBodies(next, WARMUP_REQUESTS);
  const singleBodies = buildSingleBodies(next, opts.rate * opts.seconds);
  const workload = {
    avg_event_bytes: bulkBodies.bytes / opts.events,
    avg_bulk_request_bytes: bulkBodies.bytes / bulkBodies.bodies.length,
    bulk_requests: bulkBodies.bodies.length,
  };

  progress('timing JSON.parse of the same bodies…');
  const baseline = measureJsonParse(bulkBodies.bodies, bulkBodies.counts);
  progress(`JSON.parse baseline: ${fmt.int(baseline.events_per_sec)} events/s`);

  const log = { lines: 0, samples: [] };
  const server = await startServer({
    cliPath: CLI_PATH,
    onLogLine: (line) => void (log.lines++ < 5 && log.samples.push(line.slice(0, 500))),
  });
  process.once('SIGINT', () => {
    progress('interrupted: stopping the server and deleting its data…');
    server.dispose().finally(() => process.exit(130));
  });
  try {
    progress(`server pid ${server.pid} ready on ${server.url} in ${fmt.s(server.startMs)} (data in ${server.dataDir})`);
    const bulk = await runBulk({ server, ...bulkBodies, concurrency: opts.concurrency, progress });
    bulk.slower_than_json_parse = baseline.events_per_sec / bulk.events_per_sec;
    progress(`bulk: ${fmt.int(bulk.events_per_sec)} events/s; reading a sample back…`);
    const spot = await spotCheck(server, sampleIds(bulkBodies.bodies));

    await sleep(SETTLE_MS);
    progress(`latency: ${WARMUP_REQUESTS} warm-up requests, then ${opts.rate} requests/s for ${opts.seconds} s…`);
    const warmup = await warmUp(server, warmBodies);
    if (warmup.failed > 0) progress(`latency: ${warmup.failed} warm-up requests FAILED, first: ${warmup.failures[0]}`);
    const latency = await runOpenLoop({
      server,
      bodies: singleBodies,
      rate: opts.rate,
      connections: opts.latencyConnections,
      progress,
    });

    progress('stopping the server (it flushes and checkpoints)…');
    const stopped = await server.stop();
    const diskBytes = await directorySize(server.dataDir);
    const stored = bulk.events + warmup.requests - warmup.failed + latency.answered - latency.non_201;
    const serverFigures = {
      pid: server.pid,
      start_ms: server.startMs,
      log_lines: log.lines,
      log_samples: log.samples,
      stop_ms: stopped.ms,
      stop_forced: stopped.forced,
      exit_code: stopped.code,
      disk_bytes: diskBytes,
      disk_bytes_per_event: diskBytes / stored,
    };
    const ok =
      bulk.failed_requests === 0 &&
      spot.found === spot.checked &&
      warmup.failed + latency.non_201 + latency.transport_errors === 0;
    const figures = {
      ok,
      options: opts,
      machine,
      workload,
      baseline,
      bulk,
      spot_check: spot,
      warmup,
      latency,
      server: serverFigures,
    };
    console.log(formatTable('Tally ingest benchmark', resultSections(figures)));
    console.log(JSON.stringify(rounded({ benchmark: 'tally-ingest', ...figures })));
    process.exitCode = ok ? 0 : 1;
  } finally {
    await server.dispose();
  }
}

/** The first and last id of a few bodies spread over the run. */
function sampleIds(bodies) {
  const picks = [...new Set([0, 1, Math.floor(bodies.length / 2), bodies.length - 2, bodies.length - 1])];
  return picks
    .filter((i) => i >= 0 && i < bodies.length)
    .flatMap((i) => {
      const { events } = JSON.parse(bodies[i].toString('utf8'));
      return [events[0].id, events[events.length - 1].id];
    });
}

function resultSections({
  ok,
  options: o,
  machine: m,
  workload: w,
  baseline: b,
  bulk,
  spot_check: spot,
  latency: l,
  server: s,
}) {
  const lat = (x) =>
    `p50 ${fmt.ms(x.p50)}, p90 ${fmt.ms(x.p90)}, p99 ${fmt.ms(x.p99)}, p99.9 ${fmt.ms(x.p999)}, max ${fmt.ms(x.max)}`;
  const mem = (x) =>
    `start ${fmt.mib(x.start_rss_bytes)}, end ${fmt.mib(x.end_rss_bytes)}, max sampled ${fmt.mib(x.max_sampled_rss_bytes)}`;
  return [
    [
      'Machine',
      [
        ['CPU', `${m.cpu_model} × ${m.cpu_count}`],
        ['RAM', fmt.gib(m.total_ram_bytes)],
        ['Node', `${m.node} (${m.os})`],
      ],
    ],
    [
      'Workload',
      [
        ['event size', `${fmt.int(w.avg_event_bytes)} B on average (JSON)`],
        [
          'bulk requests',
          `${fmt.int(w.bulk_requests)} × ${fmt.int(o.batchSize)} events, ${fmt.num(w.avg_bulk_request_bytes / 2 ** 20, 2)} MiB each`,
        ],
      ],
    ],
    [
      'Baseline: JSON.parse of the same bodies, in the benchmark process',
      [['throughput', `${fmt.int(b.events_per_sec)} events/s`]],
    ],
    [
      `Bulk ingest: POST /api/v1/ingest/llm/bulk, ${o.concurrency} keep-alive connections, 207 after commit`,
      [
        ['events acknowledged', `${fmt.int(bulk.events)} of ${fmt.int(o.events)} in ${fmt.num(bulk.seconds)} s`],
        [
          'sustained throughput',
          `${fmt.int(bulk.events_per_sec)} events/s (${fmt.num(bulk.mib_per_sec)} MiB/s of JSON)`,
        ],
        ['vs JSON.parse', `${fmt.num(bulk.slower_than_json_parse)}× slower`],
        ['request latency', lat(bulk.request_ms)],
        ['failed requests', `${bulk.failed_requests} of ${bulk.requests}`],
        ['server CPU', `${fmt.num(bulk.server_cpu_seconds)} s, ${fmt.num(bulk.server_cpu_cores, 2)} cores on average`],
        ['server RSS', mem(bulk.server_memory)],
        ['server peak RSS (VmHWM)', fmt.mib(bulk.server_memory.vm_hwm_bytes)],
        ['read back by id', `${spot.found} of ${spot.checked} sampled events`],
      ],
    ],
    [
      `Single-event latency: POST /api/v1/ingest/llm, open loop, ≤ ${o.latencyConnections} connections`,
      [
        ['target', `${fmt.int(l.target_rate)} requests/s for ${o.seconds} s (${fmt.int(l.requests)} requests)`],
        ['offered / achieved', `${fmt.num(l.offered_rate)} / ${fmt.num(l.achieved_rate)} requests/s`],
        ['latency from due time', lat(l.latency_ms)],
        ['non-201 answers', `${l.non_201} (plus ${l.transport_errors} transport errors)`],
        ['client send lag, max', fmt.ms(l.max_send_lag_ms)],
        ['server RSS', `${mem(l.server_memory)}, VmHWM ${fmt.mib(l.server_memory.vm_hwm_bytes)}`],
      ],
    ],
    [
      'Server',
      [
        ['start-up', fmt.s(s.start_ms)],
        ['log lines (warn and above)', String(s.log_lines)],
        [
          'graceful stop',
          `${fmt.s(s.stop_ms)}${s.stop_forced ? ' (did not exit; killed)' : `, exit code ${s.exit_code}`}`,
        ],
        ['data on disk', `${fmt.mib(s.disk_bytes)} (${fmt.int(s.disk_bytes_per_event)} B per event)`],
        ['result', ok ? 'OK' : 'FAILED: see "failures" in the JSON line'],
      ],
    ],
  ];
}

main().catch((e) => {
  console.error(`ingest-bench: ${e.message}`);
  process.exitCode = 1;
});
