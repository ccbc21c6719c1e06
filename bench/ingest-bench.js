#!/usr/bin/env node
// Ingest benchmark: starts the built Tally server on a fresh data directory and measures bulk ingest throughput
// (against a JSON.parse baseline), the server's memory, and single-event latency at a fixed open-loop rate.
// Progress goes to stderr; the table and a final JSON line with every figure go to stdout. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { measureJsonParse, runBulk, spotCheck } from './lib/bulk-phase.js';
import { buildBulkBodies, buildSingleBodies, makeEventFactory } from './lib/events.js';
import { USAGE, parseFlags } from './lib/flags.js';
import { runOpenLoop, warmUp } from './lib/latency-phase.js';
import { fmt, formatTable, machineInfo, makeProgress, rounded } from './lib/report.js';
import { resultSections } from './lib/result-table.js';
import { directorySize, startServer } from './lib/server-process.js';

const CLI_PATH = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const WARMUP_REQUESTS = 200;
/** Pause between the bulk and the latency phase, so the latter does not start inside the former's tail. */
const SETTLE_MS = 2000;

async function main() {
  const opts = parseFlags(process.argv.slice(2));
  if (!opts) return void console.log(USAGE);
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} does not exist: run "npm run build" first (npm run bench does)`);
  }
  const progress = makeProgress();
  const machine = machineInfo();
  const work = buildWorkload(opts, progress);

  progress('timing JSON.parse of the same bodies…');
  const baseline = measureJsonParse(work.bulk.bodies, work.bulk.counts);
  progress(`JSON.parse baseline: ${fmt.int(baseline.events_per_sec)} events/s`);

  const log = { records: 0, samples: [] };
  const server = await startServer({
    cliPath: CLI_PATH,
    onLogRecord: (line) => void (log.records++ < 5 && log.samples.push(line.slice(0, 500))),
    onUnexpectedExit: ({ code, signal, tail }) =>
      progress(`the server EXITED on its own (code ${code}, signal ${signal}); its last output:\n${tail}`),
  });
  process.once('SIGINT', () => {
    progress('interrupted: stopping the server and deleting its data…');
    server.dispose().finally(() => process.exit(130));
  });
  try {
    progress(`server pid ${server.pid} ready on ${server.url} in ${fmt.s(server.startMs)} (data in ${server.dataDir})`);
    const phases = await runPhases(server, opts, work, baseline, progress);
    progress('stopping the server (it flushes and checkpoints)…');
    const stopped = await server.stop();
    const diskBytes = await directorySize(server.dataDir);
    const figures = summarizeRun({ opts, machine, work, baseline, phases, server, stopped, diskBytes, log });
    console.log(formatTable('Tally ingest benchmark', resultSections(figures)));
    console.log(JSON.stringify(rounded({ benchmark: 'tally-ingest', ...figures })));
    process.exitCode = figures.ok ? 0 : 1;
  } finally {
    await server.dispose();
  }
}

/** Every request body, built before the server starts so that building them is not part of any figure. */
function buildWorkload(opts, progress) {
  progress(`building ${fmt.int(opts.events)} bulk events and ${fmt.int(opts.rate * opts.seconds)} single events…`);
  const next = makeEventFactory({ runId: randomBytes(4).toString('hex'), spreadMs: opts.spreadMinutes * 60_000 });
  const bulk = buildBulkBodies(next, opts.events, opts.batchSize);
  return {
    bulk,
    warmUp: buildSingleBodies(next, WARMUP_REQUESTS),
    single: buildSingleBodies(next, opts.rate * opts.seconds),
    figures: {
      avg_event_bytes: bulk.bytes / opts.events,
      avg_bulk_request_bytes: bulk.bytes / bulk.bodies.length,
      bulk_requests: bulk.bodies.length,
    },
  };
}

async function runPhases(server, opts, work, baseline, progress) {
  const bulk = await runBulk({ server, ...work.bulk, concurrency: opts.concurrency, progress });
  bulk.slower_than_json_parse = baseline.events_per_sec / bulk.events_per_sec;
  progress(`bulk: ${fmt.int(bulk.events_per_sec)} events/s; reading a sample back…`);
  const spot = await spotCheck(server, sampleIds(work.bulk.bodies));

  await sleep(SETTLE_MS);
  progress(`latency: ${WARMUP_REQUESTS} warm-up requests, then ${opts.rate} requests/s for ${opts.seconds} s…`);
  const warmup = await warmUp(server, work.warmUp);
  if (warmup.failed > 0) progress(`latency: ${warmup.failed} warm-up requests FAILED, first: ${warmup.failures[0]}`);
  const latency = await runOpenLoop({
    server,
    bodies: work.single,
    rate: opts.rate,
    connections: opts.latencyConnections,
    progress,
  });
  return { bulk, spot, warmup, latency };
}

function summarizeRun({ opts, machine, work, baseline, phases, server, stopped, diskBytes, log }) {
  const { bulk, spot, warmup, latency } = phases;
  const stored = bulk.events + warmup.requests - warmup.failed + latency.answered - latency.non_201;
  const ok =
    bulk.failed_requests === 0 &&
    spot.found === spot.checked &&
    warmup.failed + latency.non_201 + latency.transport_errors === 0 &&
    !stopped.already_exited;
  return {
    ok,
    options: opts,
    machine,
    workload: work.figures,
    baseline,
    bulk,
    spot_check: spot,
    warmup,
    latency,
    server: {
      pid: server.pid,
      start_ms: server.startMs,
      log_records: log.records,
      log_samples: log.samples,
      stop_ms: stopped.ms,
      stop_forced: stopped.forced,
      exit_code: stopped.code,
      exit_signal: stopped.signal,
      exited_on_its_own: stopped.already_exited,
      disk_bytes: diskBytes,
      disk_bytes_per_event: diskBytes / stored,
    },
  };
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

main().catch((e) => {
  console.error(`ingest-bench: ${e.message}`);
  process.exitCode = 1;
});
