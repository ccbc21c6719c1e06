#!/usr/bin/env node
// Analytics benchmark: generates (once) a 10-million-call data set through Tally's store API, starts the built
// server on it with the query cache off, and times every analytics endpoint, the query cache's effect, and the
// rate of streamed CSV exports. Progress goes to stderr; the table and a final JSON line with every figure go to
// stdout. See bench/README.md.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { measureExport, waitForQuiet } from './lib/analytics-export.js';
import { DAY_MS, dataDirFor, ensureData } from './lib/analytics-data.js';
import { endpointPlan, isNoRoute, measureEndpoint } from './lib/analytics-queries.js';
import { analyticsSections, summaryJson } from './lib/analytics-report.js';
import { startCpuMeter } from './lib/cpu-meter.js';
import { makeAgent, request } from './lib/http-client.js';
import { fmt, formatTable, machineInfo, makeProgress, rounded } from './lib/report.js';
import { readMemory, startServer } from './lib/server-process.js';
import { readFlags } from './lib/flags.js';

const CLI_PATH = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));

const OPTIONS = {
  events: { type: 'string', default: '10000000', help: 'calls in the data set (each size has its own directory)' },
  requests: { type: 'string', default: '30', help: 'timed requests per endpoint, after the warm-up' },
  regenerate: { type: 'boolean', default: false, help: 'generate the data set again even if it exists' },
  'export-seconds': { type: 'string', default: '120', help: 'cut an export off after this long, rate so far' },
  'skip-export': { type: 'boolean', default: false, help: 'leave out the export phase' },
  help: { type: 'boolean', default: false, help: 'print this help' },
};
const USAGE = `Usage: node bench/analytics-bench.js [options]   (or: npm run bench:analytics -- [options], which builds first)

Generates the data set under bench/.data/ on the first run (10M calls: several minutes) and reuses it later, starts
the built server on it with TALLY_QUERY_CACHE_SECONDS=0, times every analytics endpoint against p95 ≤ 100 ms,
compares /summary with the query cache on, and measures CSV export rows/s. See bench/README.md.

Options:
${Object.entries(OPTIONS)
  .map(([name, o]) => `  --${name.padEnd(13)} ${o.help}${o.type === 'string' ? ` (default ${o.default})` : ''}`)
  .join('\n')}`;

function parseFlags(argv) {
  const flags = readFlags(argv, OPTIONS);
  if (flags === null) return null;
  const { values, int } = flags;
  return {
    events: int('events', 10_000, 100_000_000),
    requests: int('requests', 1, 10_000),
    exportSeconds: int('export-seconds', 1, 86_400),
    regenerate: values.regenerate,
    skipExport: values['skip-export'],
  };
}

async function main() {
  const opts = parseFlags(process.argv.slice(2));
  if (!opts) return void console.log(USAGE);
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} does not exist: run "npm run build" first (npm run bench:analytics does)`);
  }
  const progress = makeProgress();
  const machine = machineInfo();
  progress(
    `${machine.cpu_model} × ${machine.cpu_count}, ${fmt.gib(machine.total_ram_bytes)} RAM, Node ${machine.node}`,
  );
  const dir = dataDirFor(opts.events);
  const data = { dir, ...(await ensureData({ dir, events: opts.events, regenerate: opts.regenerate, progress })) };
  const ageDays = (Date.now() - data.newest_ms) / DAY_MS;
  if (ageDays > 1) {
    progress(
      `note: the newest event is ${ageDays.toFixed(1)} days old; routes that look back from now (days=, hours=) ` +
        'see less of the data than on the day it was generated. --regenerate makes it current.',
    );
  }

  const log = { records: 0, samples: [] };
  const serve = (env) =>
    startServer({
      cliPath: CLI_PATH,
      dataDir: dir,
      // The memory cap at its default; no retention sweep may delete the data set.
      env: { TALLY_DUCKDB_MEMORY_LIMIT: undefined, TALLY_RETENTION_DAYS: undefined, ...env },
      onLogRecord: (line) => void (log.records++ < 5 && log.samples.push(line.slice(0, 500))),
      onUnexpectedExit: ({ code, signal, tail }) =>
        progress(`the server EXITED on its own (code ${code}, signal ${signal}); its last output:\n${tail}`),
    });

  let server = await serve({ TALLY_QUERY_CACHE_SECONDS: '0' });
  process.once('SIGINT', () => {
    progress('interrupted: stopping the server (the data set stays)…');
    server.stop().finally(() => process.exit(130));
  });
  let figures;
  try {
    progress(`server pid ${server.pid} ready on ${server.url} in ${fmt.s(server.startMs)}, query cache off`);
    const queries = await runQueries(server, data, opts, progress);
    const memory = readMemory(server.pid);
    const exports = opts.skipExport ? {} : await runExports(server, data, opts, progress);
    const startMs = server.startMs;
    const stopped = await server.stop();

    server = await serve({ TALLY_QUERY_CACHE_SECONDS: undefined });
    progress(`server restarted with the query cache on (its default); timing /summary again…`);
    const summary = queries.endpoints.find((e) => e.name === '/summary');
    const plan = endpointPlan(data).find((e) => e.name === '/summary');
    const agent = makeAgent(1);
    const on = await measureEndpoint({ agent, baseUrl: server.url, endpoint: plan, requests: opts.requests });
    agent.destroy();
    const stoppedAgain = await server.stop();
    const stops = [stopped, stoppedAgain];

    figures = {
      ok:
        queries.endpoints.every((e) => e.state !== 'failed') &&
        exportsOk(exports) &&
        stops.every((x) => !x.already_exited && !x.forced),
      options: opts,
      machine,
      data,
      queries,
      cached: { off: summary, on },
      exports,
      server: {
        start_ms: startMs,
        rss_after_queries_bytes: memory?.rss ?? NaN,
        vm_hwm_after_queries_bytes: memory?.hwm ?? NaN,
        log_records: log.records,
        log_samples: log.samples,
        stop_ms: stops.map((x) => x.ms),
        stop_forced: stops.some((x) => x.forced),
        exited_on_its_own: stops.some((x) => x.already_exited),
      },
    };
  } finally {
    await server.dispose(); // stops it if still running; the data directory is ours and stays
  }
  console.log(formatTable('Tally analytics benchmark', analyticsSections(figures)));
  console.log(JSON.stringify(rounded(summaryJson(figures), 2)));
  process.exitCode = figures.ok ? 0 : 1;
}

/** Every export that ran answered 200 (a missing route is not a failure). */
const exportsOk = (exports) =>
  [exports.last_7_days, exports.all].every(
    (x) => x === undefined || x.state === 'missing' || (x.status === 200 && !x.error),
  );

async function runQueries(server, data, opts, progress) {
  const agent = makeAgent(1);
  const cpu = startCpuMeter(server.pid);
  const endpoints = [];
  for (const endpoint of endpointPlan(data)) {
    const r = await measureEndpoint({ agent, baseUrl: server.url, endpoint, requests: opts.requests });
    endpoints.push(r);
    const what =
      r.state === 'missing'
        ? 'missing'
        : `p50 ${fmt.ms(r.p50_ms)}, p95 ${fmt.ms(r.p95_ms)}, ${fmt.int(r.bytes)} B${r.state === 'failed' ? `; FAILED: ${r.detail}` : ''}`;
    progress(`${r.group} ${r.name}: ${what}`);
  }
  agent.destroy();
  return { requests: opts.requests, endpoints, cpu: cpu.stop() };
}

/** CSV of the last 7 days, then of every row, from the native export route or else seed 003's. */
async function runExports(server, data, opts, progress) {
  const end = data.newest_ms + 1;
  const routes = [
    [
      '/api/v1/export',
      (from) => `/api/v1/export?format=csv&from=${new Date(from).toISOString()}&to=${new Date(end).toISOString()}`,
    ],
    [
      '/analytics/export',
      (from) => `/analytics/export?format=csv&start=${Math.floor(from / 1000)}&end=${Math.ceil(end / 1000)}`,
    ],
  ];
  const agent = makeAgent(1);
  let route = null;
  for (const [name, path] of routes) {
    // A one-minute export tells whether the route exists.
    const probe = await request(agent, server.url, 'GET', path(end - 60_000));
    if (!isNoRoute(probe.status, probe.text)) {
      route = [name, path];
      break;
    }
  }
  agent.destroy();
  if (!route) {
    progress('export: no export route answers (missing)');
    return { route: null, last_7_days: { state: 'missing' }, all: { state: 'missing' } };
  }
  const cpu = startCpuMeter(server.pid);
  progress(`export: ${route[0]}, the last 7 days…`);
  const maxSeconds = opts.exportSeconds;
  const week = await measureExport({ server, path: route[1](end - 7 * DAY_MS), maxSeconds, progress });
  progress(`export: ${fmt.int(week.rows)} rows at ${fmt.int(week.rows_per_sec)} rows/s; now all rows…`);
  if (!week.complete) await waitForQuiet(server.pid);
  const all = await measureExport({ server, path: route[1](data.oldest_ms), maxSeconds, progress });
  progress(`export: ${fmt.int(all.rows)} rows at ${fmt.int(all.rows_per_sec)} rows/s`);
  return { route: route[0], last_7_days: week, all, cpu: cpu.stop() };
}

main().catch((e) => {
  console.error(`analytics-bench: ${e.stack ?? e.message}`);
  process.exitCode = 1;
});
