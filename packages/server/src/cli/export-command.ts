import { createWriteStream, type WriteStream } from 'node:fs';
import { truncate } from 'node:fs/promises';
import { once } from 'node:events';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXPORT_FORMATS, type ClientFormat } from '../export/export-request.js';
import { RecordScanner } from '../export/record-scanner.js';
import { resumePoint, type ResumePoint } from '../export/resume-point.js';
import { loadConfig } from '../config.js';
import { localServerUrl, namedServer } from './connect.js';

interface ExportFlags {
  format: ClientFormat;
  out: string;
  from?: string;
  to?: string;
  filter: string[];
  project?: string;
  url?: string;
  key?: string;
  resume?: boolean;
}

const EXAMPLES = `
Filters are dimension=value pairs, as the HTTP API takes them: --filter model=gpt-4o,gpt-4o-mini keeps either model,
--filter provider=!openai leaves one out, --filter tag=beta and --filter metadata.team=search work too.

Rows come oldest first (by timestamp, then id). When a download is cut off, run the same command again with
--resume: the last complete row of a CSV or NDJSON file says where to continue (a row cut in the middle is dropped
and fetched again), so the file ends up with every row exactly once. A JSON array or a Parquet file cannot be
appended to; --resume downloads those again from the start.

A progress bar (rows, rows/s, time left) is drawn on stderr when it is a terminal; a one-line summary follows.

Examples:
  tally export --format csv --out calls.csv
  tally export --format parquet --out march.parquet --from 2026-03-01 --to 2026-04-01 --filter model=gpt-4o
  tally export --format csv --out calls.csv --resume --url http://tally.internal:8000 --key $TALLY_API_KEY`;

/**
 * `tally export`: downloads `GET /api/v1/export` from a running server into a file, with a progress bar, and
 * continues a partial file with --resume.
 *
 * @example
 *   tally export --format csv --out calls.csv --from 2026-11-01 --filter agent_name="Support Bot"
 */
export function exportCommand(env: Record<string, string | undefined>, print: (line: string) => void): Command {
  return new Command('export')
    .description('Download the calls of a project from a running server as CSV, JSON, NDJSON or Parquet')
    .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).default('csv'))
    .requiredOption('--out <file>', 'file to write (replaced, unless --resume)')
    .option('--from <time>', 'start, inclusive: ISO 8601 (no zone = UTC) or Unix epoch seconds/ms (default: all time)')
    .option('--to <time>', 'end, exclusive, same forms (default: now)')
    .option('--filter <name=value>', 'keep calls whose dimension has this value; repeatable', collectFilter, [])
    .option('--project <id>', 'project to export, with the admin token (a project key exports its own project)')
    .option('--url <url>', 'the Tally server (default $TALLY_URL, else the local one: http://127.0.0.1:$TALLY_PORT)')
    .option('--key <key>', 'an API key with read access, or the admin token (default $TALLY_API_KEY)')
    .option('--resume', 'continue the partial file at --out instead of replacing it')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: ExportFlags) => {
      await runExport(env, flags, print);
    });
}

function collectFilter(value: string, previous: string[]): string[] {
  if (!/^[^=]+=.+$/.test(value)) {
    throw new InvalidArgumentError(`--filter takes name=value, e.g. model=gpt-4o; got ${value}`);
  }
  return [...previous, value];
}

async function runExport(env: Record<string, string | undefined>, flags: ExportFlags, print: (s: string) => void) {
  const base = namedServer(env, flags)?.url ?? localServerUrl(loadConfig(env));
  const appendable = flags.format === 'csv' || flags.format === 'ndjson';
  let resume: ResumePoint | null = null;
  if (flags.resume && appendable) resume = await resumePoint(flags.out, flags.format as 'csv' | 'ndjson');
  if (flags.resume && !appendable) print(`a ${flags.format} file cannot be appended to: downloading it from the start`);

  const params = new URLSearchParams({ format: flags.format });
  if (flags.from) params.set('from', flags.from);
  if (flags.to) params.set('to', flags.to);
  for (const f of flags.filter) params.append(f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1));
  if (resume?.after) params.set('after', resume.after);
  if (resume && flags.format === 'csv' && !resume.header) params.set('header', 'false');
  const res = await request(`${base}/api/v1/export?${params}`, flags.key ?? env['TALLY_API_KEY'], flags.project);

  const before = resume?.rows ?? 0;
  const remaining = Number(res.headers.get('x-tally-total-rows') ?? 0);
  if (resume) await truncate(flags.out, resume.keep);
  const file = createWriteStream(flags.out, { flags: resume ? 'a' : 'w' });
  const counter = rowCounter(flags.format, !resume || resume.header);
  const bar = progressBar(before + remaining, before);
  const started = performance.now();
  let bytes = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      bytes += buf.length;
      counter.push(buf);
      bar?.update(before + Math.min(counter.rows(), remaining), { speed: rate(counter.rows(), started) });
      if (!file.write(buf)) await once(file, 'drain');
    }
  } catch (cause) {
    bar?.stop();
    await close(file);
    const again = appendable ? 'run the same command with --resume to continue' : 'run the same command again';
    throw new Error(`the download stopped after ${before + counter.rows()} rows (${reason(cause)}); ${again}`);
  }
  await close(file);
  const rows = flags.format === 'parquet' ? remaining : counter.rows(true);
  bar?.update(before + rows, { speed: rate(rows, started) });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  const head = resume ? `continued after ${before} rows: ` : '';
  print(
    `${head}exported ${rows.toLocaleString('en-US')} rows (${mb(bytes)}) to ${flags.out} in ${seconds.toFixed(1)} s ` +
      `(${rate(rows, started)} rows/s)${resume ? `; ${(before + rows).toLocaleString('en-US')} rows in the file` : ''}`,
  );
}

async function request(url: string, key: string | undefined, project: string | undefined): Promise<Response> {
  const headers: Record<string, string> = {};
  if (key) headers['authorization'] = `Bearer ${key}`;
  if (project) headers['x-tally-project'] = project;
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (cause) {
    const origin = new URL(url).origin;
    throw new Error(
      `no Tally server answers at ${origin} (${reason(cause)}); start one with tally serve, or pass --url`,
    );
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    const hint = res.status === 401 ? ' (pass a key with --key or TALLY_API_KEY)' : '';
    throw new Error(`${url} answered ${res.status}: ${body?.error?.message ?? res.statusText}${hint}`);
  }
  return res;
}

/** Rows received so far. Lines that are no rows: a CSV header, the `[` and (once complete) `]` of a JSON array. */
function rowCounter(
  format: ClientFormat,
  csvHeader: boolean,
): { push(b: Buffer): void; rows(complete?: boolean): number } {
  const scanner = new RecordScanner(format === 'csv');
  const skip = format === 'json' ? 1 : format === 'csv' && csvHeader ? 1 : 0;
  return {
    push: (b) => {
      if (format !== 'parquet') scanner.push(b);
    },
    rows: (complete = false) => Math.max(0, scanner.records - skip - (complete && format === 'json' ? 1 : 0)),
  };
}

function progressBar(total: number, start: number): cliProgress.SingleBar | null {
  if (!process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    {
      format: 'export |{bar}| {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), start, { speed: 0 });
  return bar;
}

function rate(rows: number, started: number): number {
  const s = (performance.now() - started) / 1000;
  return s > 0 ? Math.round(rows / s) : 0;
}

function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

function reason(e: unknown): string {
  const err = e as Error & { cause?: Error };
  return err.cause?.message ? `${err.message}: ${err.cause.message}` : err.message;
}

async function close(file: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
