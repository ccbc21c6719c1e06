#!/usr/bin/env node
// SDK benchmark: what track() adds to a call with the HTTP sink (against a real local server), how many events per
// second logCall() gets into a JSONL file, and how long `tally usage --summary --file` takes over a 1 GiB file
// (generated once into bench/.data/). Progress goes to stderr; the table and a final JSON line with every figure go
// to stdout. See bench/README.md.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, formatTable, machineInfo, makeProgress, rounded } from './lib/report.js';
import { measureJsonl, measureTrack } from './lib/sdk-phases.js';
import { ensureUsageFile, usageDirFor } from './lib/sdk-usage-data.js';
import { measureUsage } from './lib/sdk-usage-phase.js';
import { startServer } from './lib/server-process.js';
import { readFlags } from './lib/flags.js';

const CLI_PATH = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const SDK_PATH = fileURLToPath(new URL('../packages/sdk/dist/index.js', import.meta.url));
const TARGETS = { track_us: 5, jsonl_events_per_sec: 200_000, usage_seconds: 10 };

const OPTIONS = {
  'track-calls': { type: 'string', default: '200000', help: 'timed track() calls (in rounds of 5,000)' },
  'jsonl-events': { type: 'string', default: '500000', help: 'logCall() events written to the JSONL file' },
  'usage-mib': { type: 'string', default: '1024', help: 'size of the JSONL file `tally usage` reads, in MiB' },
  'usage-runs': { type: 'string', default: '3', help: 'timed runs of `tally usage --summary`' },
  regenerate: { type: 'boolean', default: false, help: 'generate the JSONL file again even if it exists' },
  skip: { type: 'string', default: '', help: 'phases to leave out, comma-separated: track, jsonl, usage' },
  help: { type: 'boolean', default: false, help: 'print this help' },
};
const USAGE = `Usage: node bench/sdk-bench.js [options]     (or: npm run bench:sdk -- [options], which builds first)

Measures the built SDK (packages/sdk/dist) and CLI (packages/server/dist/cli.js):
  1. track() overhead per call with the HTTP sink, against a server started on a temporary data directory,
  2. logCall() events per second into a JSONL file, from the first call to the end of flush(),
  3. \`tally usage --summary --file F\` over a JSONL file generated once into bench/.data/ (1 GiB: ~30 s).
Progress goes to stderr; a table and one JSON line with every figure go to stdout. Exit code 1 when an event was
lost or a run gave a wrong answer; a missed target is reported, not an error. See bench/README.md.

Options:
${Object.entries(OPTIONS)
  .map(
    ([name, o]) => `  --${name.padEnd(13)} ${o.help}${o.type === 'string' ? ` (default ${o.default || 'none'})` : ''}`,
  )
  .join('\n')}`;

function parseFlags(argv) {
  const flags = readFlags(argv, OPTIONS);
  if (flags === null) return null;
  const { values, int } = flags;
  const skip = values.skip === '' ? [] : values.skip.split(',').map((s) => s.trim());
  for (const s of skip) {
    if (!['track', 'jsonl', 'usage'].includes(s)) throw new Error(`--skip takes track, jsonl and usage; got ${s}`);
  }
  return {
    trackCalls: int('track-calls', 5000, 10_000_000),
    jsonlEvents: int('jsonl-events', 1000, 50_000_000),
    usageMib: int('usage-mib', 1, 65_536),
    usageRuns: int('usage-runs', 1, 100),
    regenerate: values.regenerate,
    skip,
  };
}

const verdict = (ok) => (ok ? 'ok' : 'MISSED');

function sections({ machine: m, track: t, jsonl: j, usage: u }) {
  const out = [
    [
      'Machine',
      [
        ['CPU', `${m.cpu_model} × ${m.cpu_count}`],
        ['RAM', fmt.gib(m.total_ram_bytes)],
        ['Node', `${m.node} (${m.os})`],
      ],
    ],
  ];
  if (t) {
    out.push([
      `track() with the HTTP sink, to a local server: ${t.rounds} rounds of ${fmt.int(t.chunk)} calls`,
      [
        [
          'overhead per call',
          `${fmt.num(t.overhead_us_per_call, 2)} µs median (rounds from ${fmt.num(t.overhead_us_min, 2)} to ${fmt.num(t.overhead_us_max, 2)}), target ≤ ${TARGETS.track_us} µs: ${verdict(t.overhead_us_per_call <= TARGETS.track_us)}`,
        ],
        ['loop per call', `track ${fmt.int(t.track_ns_per_call)} ns, bare function ${fmt.int(t.bare_ns_per_call)} ns`],
        [
          'overhead in CPU time',
          `${fmt.num(t.overhead_cpu_us_per_call, 2)} µs median (the process's CPU time, which other load lengthens less)`,
        ],
        ['CPU per call', `${fmt.num(t.cpu_us_per_call, 2)} µs, background sending included`],
        [
          'acknowledged by the server',
          `${fmt.int(t.acknowledged)} of ${fmt.int(t.calls)}; dropped ${t.dropped}, spilled ${t.spilled}, errors ${t.errors}`,
        ],
      ],
    ]);
  }
  if (j) {
    out.push([
      `logCall() into a JSONL file: ${fmt.int(j.events)} events, from the first call to the end of flush()`,
      [
        [
          'throughput',
          `${fmt.int(j.events_per_sec)} events/s in ${fmt.num(j.seconds, 2)} s, target ≥ ${fmt.int(TARGETS.jsonl_events_per_sec)}: ${verdict(j.events_per_sec >= TARGETS.jsonl_events_per_sec)}`,
        ],
        ['written', `${fmt.num(j.mib_per_sec)} MiB/s, ${fmt.int(j.bytes_per_line)} B per line`],
        ['CPU per event', `${fmt.num(j.cpu_us_per_event, 2)} µs`],
        [
          'lines on disk',
          `${fmt.int(j.lines_in_file)} of ${fmt.int(j.events)}; written ${fmt.int(j.written)}, dropped ${j.dropped}, errors ${j.errors}`,
        ],
      ],
    ]);
  }
  if (u) {
    out.push([
      `tally usage --summary --file: ${fmt.gib(u.file_bytes)}, ${fmt.int(u.lines)} lines`,
      [
        [
          'time',
          `${fmt.num(u.median_seconds, 2)} s median of ${u.runs} (${u.seconds.map((s) => fmt.num(s, 2)).join(', ')}), target ≤ ${TARGETS.usage_seconds} s: ${verdict(u.median_seconds <= TARGETS.usage_seconds)}`,
        ],
        ['read rate', `${fmt.num(u.mib_per_sec)} MiB/s`],
        ['peak RSS', fmt.mib(u.max_rss_bytes)],
        ['CPU', u.cpu_seconds.map((s) => `${fmt.num(s, 2)} s`).join(', ')],
        [
          'answer',
          !u.checked
            ? 'NOT CHECKED (output format not recognised)'
            : u.mismatches.length === 0
              ? 'matches the generated totals'
              : `WRONG: ${u.mismatches.join('; ')}`,
        ],
      ],
    ]);
  }
  return out;
}

async function main() {
  const opts = parseFlags(process.argv.slice(2));
  if (!opts) return void console.log(USAGE);
  for (const path of [CLI_PATH, SDK_PATH]) {
    if (!existsSync(path))
      throw new Error(`${path} does not exist: run "npm run build" first (npm run bench:sdk does)`);
  }
  const progress = makeProgress();
  const machine = machineInfo();
  progress(
    `${machine.cpu_model} × ${machine.cpu_count}, ${fmt.gib(machine.total_ram_bytes)} RAM, Node ${machine.node}`,
  );
  const sdk = await import(SDK_PATH);
  const figures = { ok: true, options: opts, machine, track: null, jsonl: null, usage: null };

  if (!opts.skip.includes('track')) {
    const server = await startServer({
      cliPath: CLI_PATH,
      onUnexpectedExit: ({ code, signal, tail }) =>
        progress(`the server EXITED on its own (code ${code}, signal ${signal}); its last output:\n${tail}`),
    });
    try {
      progress(`server pid ${server.pid} ready on ${server.url} in ${fmt.s(server.startMs)}`);
      figures.track = await measureTrack({ sdk, serverUrl: server.url, calls: opts.trackCalls, progress });
      progress(`track(): ${fmt.num(figures.track.overhead_us_per_call, 2)} µs per call`);
    } finally {
      await server.dispose();
    }
    const t = figures.track;
    if (t.acknowledged !== t.calls || t.dropped + t.errors + t.spilled > 0) figures.ok = false;
  }
  if (!opts.skip.includes('jsonl')) {
    figures.jsonl = await measureJsonl({ sdk, events: opts.jsonlEvents, progress });
    progress(`logCall(): ${fmt.int(figures.jsonl.events_per_sec)} events/s`);
    const j = figures.jsonl;
    if (j.lines_in_file !== j.events || j.written !== j.events || j.dropped + j.errors > 0) figures.ok = false;
  }
  if (!opts.skip.includes('usage')) {
    const dir = usageDirFor(opts.usageMib);
    const data = ensureUsageFile({ dir, mib: opts.usageMib, regenerate: opts.regenerate, progress });
    figures.usage = await measureUsage({ cliPath: CLI_PATH, data, runs: opts.usageRuns, progress });
    const u = figures.usage;
    if (u.exit_codes.some((c) => c !== 0) || u.mismatches.length > 0) figures.ok = false;
  }
  console.log(formatTable('Tally SDK benchmark', sections(figures)));
  console.log(JSON.stringify(rounded({ benchmark: 'tally-sdk', ...figures })));
  process.exitCode = figures.ok ? 0 : 1;
}

main().catch((e) => {
  console.error(`sdk-bench: ${e.message}`);
  process.exitCode = 1;
});
