// Command-line flags of the ingest benchmark: parsed with node:util, validated here and nowhere else.
import { parseArgs } from 'node:util';

/** Items one bulk request may hold (the server's LIMITS.bulkItems). */
export const BULK_LIMIT = 10_000;

const OPTIONS = {
  events: { type: 'string', default: '1000000', help: 'events to send in the bulk phase' },
  'batch-size': { type: 'string', default: '5000', help: `events per bulk request, at most ${BULK_LIMIT}` },
  concurrency: { type: 'string', default: '4', help: 'bulk requests in flight at once, one connection each' },
  rate: { type: 'string', default: '1000', help: 'single-event requests per second in the latency phase' },
  seconds: { type: 'string', default: '10', help: 'length of the latency phase' },
  'latency-connections': {
    type: 'string',
    default: '512',
    help: 'cap on connections in the latency phase (requests beyond it queue in the client; that time counts)',
  },
  'spread-minutes': {
    type: 'string',
    default: '5',
    help: 'event start times lie up to this many minutes before the run (5: live traffic; 10080: a week, a backfill in random order)',
  },
  help: { type: 'boolean', default: false, help: 'print this help' },
};

export const USAGE = `Usage: node bench/ingest-bench.js [options]     (or: npm run bench:ingest -- [options], which builds first)

Starts the built server (packages/server/dist/cli.js) on a temporary data directory and a free port, then
  1. times JSON.parse of the bulk request bodies in this process (the baseline),
  2. sends --events events in bulk requests over --concurrency connections, 207 only once durably committed,
  3. sends single events at a fixed --rate for --seconds and reports latency percentiles.
Progress goes to stderr; a table and one JSON line with every figure go to stdout. Exit code 1 when any
request failed or the server misbehaved. See bench/README.md for how to read the figures.

Options:
${Object.entries(OPTIONS)
  .map(([name, o]) => `  --${name.padEnd(21)} ${o.help}${o.type === 'string' ? ` (default ${o.default})` : ''}`)
  .join('\n')}

Examples:
  node bench/ingest-bench.js --events 100000 --seconds 3
  node bench/ingest-bench.js 2>/dev/null | tail -n 1 | jq .bulk.events_per_sec`;

/**
 * Returns the validated options, or null when --help was asked for. Throws with a message naming the flag.
 *
 * @example
 *   parseFlags(['--events', '100000', '--seconds', '3']); // { events: 100000, batchSize: 5000, … }
 */
export function parseFlags(argv) {
  const options = Object.fromEntries(
    Object.entries(OPTIONS).map(([name, { type, default: d }]) => [name, { type, default: d }]),
  );
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true }));
  } catch (e) {
    throw new Error(`${e.message} (run with --help for usage)`, { cause: e });
  }
  if (values.help) return null;
  const int = (name, min, max) => {
    const text = values[name];
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) throw new Error(`--${name} must be a whole number from ${min} to ${max}; got ${text}`);
    return n;
  };
  const flags = {
    events: int('events', 1, 100_000_000),
    batchSize: int('batch-size', 1, BULK_LIMIT),
    concurrency: int('concurrency', 1, 256),
    rate: int('rate', 1, 100_000),
    seconds: int('seconds', 1, 3600),
    latencyConnections: int('latency-connections', 1, 10_000),
    spreadMinutes: int('spread-minutes', 0, 525_600),
  };
  // Every single-event body is built up front; keep that list within reason.
  if (flags.rate * flags.seconds > 5_000_000) {
    throw new Error(`--rate × --seconds must be at most 5,000,000 requests; got ${flags.rate * flags.seconds}`);
  }
  return flags;
}
