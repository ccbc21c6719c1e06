import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { IMPORT_FORMATS, type ImportFormat } from '../import/import-mapping.js';
import { runImport, type ImportSink } from '../import/import-run.js';
import { httpSink, localSink } from '../import/import-sinks.js';
import { connect } from './connect.js';

interface ImportFlags {
  format?: ImportFormat;
  project?: string;
  url?: string;
  key?: string;
  data?: string;
  batchSize: number;
}

const EXAMPLES = `
Formats (detected from the first line that is a JSON object unless --format is given):
  seed002  an LLM tracker's JSONL: api_provider, latency_ms, cost_estimate, ISO timestamps, other fields kept
           in metadata
  seed003  a gateway's AnalyticsEvent: id, timestamp in Unix seconds, request/response/performance/auth/routing
  tally    CallEvents as tally export --format ndjson writes them

Importing the same file again adds nothing: every call keeps its id (a line without one gets an id hashed from
its content) and its timestamp, and Tally stores a call once per project, id and timestamp. The summary says how
many calls were imported and how many were already present.

Lines that are not JSON, have wrong types or are rejected by the server are reported with their line number and
skipped; every other line is imported. The command exits with status 1 when a line was skipped.

Where calls go:
  --url URL   a running server ($TALLY_URL when no --url), in batches of --batch-size to
              POST /api/v1/ingest/llm/bulk. A server named this way must answer: if it does not, nothing is
              imported and the command says so;
  neither     the local server ($TALLY_HOST:$TALLY_PORT, default http://127.0.0.1:8000) when it answers, else
              the data directory (--data, $TALLY_DATA_DIR or ./data), opened and written directly.
A progress bar (bytes read, lines/s) is drawn on stderr when it is a terminal.

Examples:
  tally import calls.jsonl
  tally import gateway-analytics.jsonl --format seed003 --project gateway --key $TALLY_ADMIN_TOKEN
  tally import export.ndjson --url http://tally.internal:8000 --key $TALLY_API_KEY
  tally import calls.jsonl --data ./data          # no server running: writes into ./data`;

/**
 * `tally import FILE`: streams a JSONL file of calls (seed 002, seed 003 or Tally's own NDJSON) into a project,
 * idempotently, reporting bad lines by number.
 *
 * @example
 *   tally import master_llm_calls.jsonl --project rag
 */
export function importCommand(env: Record<string, string | undefined>, print: (line: string) => void): Command {
  return new Command('import')
    .description('Import calls from a JSONL file (seed 002 tracker, seed 003 gateway events, or a Tally export)')
    .argument('<file>', 'JSONL file, one call per line')
    .addOption(new Option('--format <format>', 'line format (default: detected)').choices(IMPORT_FORMATS))
    .option('--project <id>', 'project to import into, with the admin token (a project key imports into its own)')
    .option('--url <url>', 'a running Tally server, which must answer (default $TALLY_URL; else see below)')
    .option('--key <key>', 'an API key of the project, or the admin token (default $TALLY_API_KEY)')
    .option('--data <dir>', 'data directory to write when no URL is given and no local server answers')
    .option('--batch-size <n>', 'calls per request, 1-10000', batchSize, 2000)
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, flags: ImportFlags) => {
      await runImportCommand(env, file, flags, print);
    });
}

function batchSize(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 10_000)) throw new InvalidArgumentError(`--batch-size must be from 1 to 10000; got ${value}`);
  return n;
}

async function runImportCommand(
  env: Record<string, string | undefined>,
  file: string,
  flags: ImportFlags,
  print: (s: string) => void,
) {
  const size = await stat(file).then(
    (s) => s.size,
    (e: Error) => {
      throw new Error(`cannot read ${file}: ${e.message}`, { cause: e });
    },
  );
  const sink = await openSink(env, flags, print);
  const bar = progressBar(size);
  const started = performance.now();
  const note = (line: string) => {
    if (bar) process.stderr.write('\r\x1b[K');
    console.error(line);
  };
  try {
    const summary = await runImport({
      file,
      format: flags.format ?? null,
      batchSize: flags.batchSize,
      sink,
      onBadLine: (b) => note(`line ${b.line}: ${b.reason}`),
      onFormat: (f) => note(`format: ${f} (detected from the first record)`),
      onProgress: ({ bytes, lines }) => bar?.update(bytes, { speed: rate(lines, started) }),
    });
    bar?.stop();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const n = (x: number) => x.toLocaleString('en-US');
    const present =
      summary.alreadyPresent === null
        ? ' (this server does not say which calls it already had: those are counted as imported and kept once)'
        : `, ${n(summary.alreadyPresent)} already present`;
    print(
      `${n(summary.imported)} imported${present}, ${n(summary.skipped)} skipped (bad lines); ` +
        `from ${file} (${summary.format ?? 'no records'}) in ${seconds} s`,
    );
    if (summary.skipped > 0) process.exitCode = 1;
  } finally {
    bar?.stop();
    await sink.close();
  }
}

async function openSink(
  env: Record<string, string | undefined>,
  flags: ImportFlags,
  print: (s: string) => void,
): Promise<ImportSink> {
  const c = await connect(env, flags, { note: (s) => console.error(s), showToken: print });
  if (c.kind === 'server') return httpSink(c.url, flags.key ?? env['TALLY_API_KEY'], flags.project);
  try {
    return localSink(c.opened, flags.project ?? 'default');
  } catch (e) {
    await c.opened.close();
    throw e;
  }
}

function progressBar(total: number): cliProgress.SingleBar | null {
  if (!process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    {
      format: 'import |{bar}| {percentage}% | {value}/{total} bytes | {speed} lines/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0, { speed: 0 });
  return bar;
}

function rate(lines: number, started: number): number {
  const s = (performance.now() - started) / 1000;
  return s > 0 ? Math.round(lines / s) : 0;
}
