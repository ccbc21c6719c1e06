import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { PriceBook, describeFieldErrors, prepareCallEvent, type PrepareContext } from '@tally/core';
import { LiteLLMReader, cursorTime, type LiteLLMCursor } from '@tally/storage';
import { loadConfig } from '../config.js';
import type { ImportSink } from '../import/import-run.js';
import { httpSink, localSink } from '../import/import-sinks.js';
import type { WireEvent } from '../import/import-mapping.js';
import { runSync, type SyncSummary } from '../litellm/sync-run.js';
import { defaultStatePath, loadState, saveState, type SyncState } from '../litellm/sync-state.js';
import { connect } from './connect.js';

interface LiteLLMFlags {
  from?: string;
  project?: string;
  url?: string;
  key?: string;
  data?: string;
  batch: number;
  follow?: boolean;
  interval: number;
  settle: number;
  since?: string;
  reset?: boolean;
  dryRun?: boolean;
  state?: string;
}

const EXAMPLES = `
Reads LiteLLM's "LiteLLM_SpendLogs" table read-only (a read-only session, every read in a READ ONLY transaction)
and stores each row as a Tally call: its request_id is the call's id, so syncing a row again stores nothing twice.

Where it resumes: the cursor ("startTime", request_id of the last row stored) is kept in --state, by default
<data dir>/litellm-sync/<sha256 of the URL without password>.json, and written only after Tally acknowledged the
batch up to it. A killed sync resumes there and repeats at most one batch. --since picks where a first run (or a
run with --reset) starts. Rows of calls that started less than --settle seconds ago are left for the next run:
LiteLLM writes a row when its call ends, so a long call's row can appear after rows of later calls.

Where calls go: the same rule as tally import (--url or $TALLY_URL must answer; else the local server when it
answers, else the data directory). A row that cannot be mapped or that Tally rejects is reported with its
request_id and skipped; the command then exits with status 1 (a --follow sync goes on).

The database URL: --from or $TALLY_LITELLM_URL. Keep the password out of the command line (where other users of
the machine can see it) with $TALLY_LITELLM_URL, PGPASSWORD or ~/.pgpass. Use a role that may only read.

Examples:
  tally sync litellm --from postgres://tally_ro@litellm-db:5432/litellm
  tally sync litellm --since 2025-01-01 --project gateway --key $TALLY_ADMIN_TOKEN --url http://tally:8000
  tally sync litellm --follow --interval 30          # keep syncing until Ctrl-C or SIGTERM
  tally sync litellm --dry-run                       # read and map every row, store nothing`;

/**
 * `tally sync litellm`: copies a LiteLLM proxy's spend logs from its PostgreSQL database into Tally, once or
 * continuously (`--follow`), resuming from a stored cursor.
 *
 * @example
 *   tally sync litellm --from postgres://tally_ro@db:5432/litellm --follow
 */
export function syncCommand(env: Record<string, string | undefined>, print: (line: string) => void): Command {
  const sync = new Command('sync').description('Copy calls from another system into Tally, once or continuously');
  sync.addCommand(
    new Command('litellm')
      .description("Sync a LiteLLM proxy's spend logs (its PostgreSQL database) into a Tally project")
      .option('--from <url>', "LiteLLM's database, postgres://… (default $TALLY_LITELLM_URL)")
      .option('--project <id>', 'project to sync into, with the admin token (a project key syncs into its own)')
      .option('--url <url>', 'a running Tally server, which must answer (default $TALLY_URL)')
      .option('--key <key>', 'an API key of the project, or the admin token (default $TALLY_API_KEY)')
      .option('--data <dir>', 'data directory: written when no server answers, and where the state file lives')
      .option('--batch <n>', 'rows per batch, 1-10000', wholeNumber('--batch', 1, 10_000), 1000)
      .option('--follow', 'keep syncing new rows until SIGINT or SIGTERM, then finish the batch and exit 0')
      .option('--interval <seconds>', 'with --follow: seconds between polls', seconds('--interval', 0.1), 10)
      .option(
        '--settle <seconds>',
        'leave rows of calls started this recently for a later run',
        seconds('--settle', 0),
        300,
      )
      .option('--since <time>', 'first run only: start at this ISO 8601 time (e.g. 2025-01-01 or 2025-01-01T00:00Z)')
      .option('--reset', 'forget the stored cursor and start again from --since, or from the first row')
      .option('--dry-run', 'read, map and check every row, but store nothing (not even the cursor)')
      .option('--state <file>', 'state file holding the cursor (default under the data directory, see below)')
      .addHelpText('after', EXAMPLES)
      .action(async (flags: LiteLLMFlags) => {
        await runLiteLLMSync(env, flags, print);
      }),
  );
  return sync;
}

function wholeNumber(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`${flag} must be from ${min} to ${max}; got ${value}`);
    return n;
  };
}

function seconds(flag: string, min: number): (value: string) => number {
  return (value) => {
    const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!(n >= min))
      throw new InvalidArgumentError(`${flag} must be a number of seconds, at least ${min}; got ${value}`);
    return n;
  };
}

async function runLiteLLMSync(
  env: Record<string, string | undefined>,
  flags: LiteLLMFlags,
  print: (s: string) => void,
) {
  const from = flags.from?.trim() || env['TALLY_LITELLM_URL']?.trim();
  if (!from) throw new InvalidArgumentError("give LiteLLM's database with --from postgres://… or $TALLY_LITELLM_URL");
  if (flags.follow && flags.dryRun) throw new InvalidArgumentError('--dry-run reads once: leave out --follow');
  const since = flags.since === undefined ? null : cursorTime(flags.since);
  if (flags.since !== undefined && since === null)
    throw new InvalidArgumentError(`--since must be an ISO 8601 time such as 2025-01-01T00:00:00Z; got ${flags.since}`);

  const statePath = flags.state ?? defaultStatePath(loadConfig(env, { data: flags.data }).dataDir, from);
  const reader = await LiteLLMReader.open(from);
  let bar: cliProgress.SingleBar | null = null;
  // On a terminal a note first clears the line: the progress bar, or what is left of it once stopped.
  const note = (line: string) => {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    console.error(line);
  };
  let sink: ImportSink | null = null;
  const stop = new AbortController();
  const onSignal = (signal: string) => {
    note(`${signal}: finishing the batch in hand, then stopping (send it again to stop at once)`);
    stop.abort();
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  try {
    const saved = flags.reset ? null : await loadState(statePath);
    const start = startCursor(saved, since, note);
    let target = 'dry run';
    if (!flags.dryRun) {
      const opened = await openSink(env, flags);
      sink = opened.sink;
      target = opened.target;
      if (saved !== null && saved.target !== target)
        note(
          `the cursor in ${statePath} was last moved by a sync into ${saved.target}; this one goes into ${target}. ` +
            'Rows before the cursor are not copied again: pass --reset, or --state for a cursor of its own',
        );
    }
    if (flags.follow) {
      process.once('SIGINT', onInt);
      process.once('SIGTERM', onTerm);
    }
    const started = performance.now();
    let caughtUp = false;
    const summary = await runSync({
      source: reader,
      sink,
      ...(flags.dryRun ? { check: dryRunCheck() } : {}),
      batch: flags.batch,
      start,
      settleSeconds: flags.settle,
      follow: flags.follow ? { intervalMs: flags.interval * 1000, signal: stop.signal } : null,
      saveCursor: (cursor) =>
        saveState(statePath, {
          version: 1,
          source: reader.location,
          target,
          cursor,
          updated_at: new Date().toISOString(),
        }),
      onSkipped: (requestId, reason) => note(`request_id ${JSON.stringify(requestId)}: ${reason}; skipped`),
      onProgress: ({ read, total }) => {
        if (caughtUp) return;
        bar ??= progressBar(total);
        bar?.setTotal(Math.max(total, 1));
        bar?.update(read, { speed: rate(read, started) });
      },
      // Following, the bar shows the backlog; once it is read, each pass that finds rows says so in a line.
      onPass: (s, read) => {
        caughtUp = true;
        (bar as cliProgress.SingleBar | null)?.stop();
        bar = null;
        if (read > 0) note(`${describe(s)} so far`);
      },
      onRetry: (e) => note(`${e.message}; trying again in ${flags.interval} s`),
    });
    (bar as cliProgress.SingleBar | null)?.stop();
    print(flags.dryRun ? describeDryRun(summary) : describe(summary));
    if (summary.skipped > 0 && !flags.follow) process.exitCode = 1;
  } finally {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
    (bar as cliProgress.SingleBar | null)?.stop();
    await reader.close();
    await sink?.close();
  }
}

/** The stored cursor, or the one --since gives a first run; --since with a stored cursor is said to be ignored. */
function startCursor(saved: SyncState | null, since: string | null, note: (s: string) => void): LiteLLMCursor | null {
  if (saved !== null) {
    if (since !== null)
      note(
        `--since is ignored: a stored cursor (${cursorText(saved.cursor)}) says where to resume; add --reset to use it`,
      );
    return saved.cursor;
  }
  // The empty request_id sorts before every other: the first row read is the first one at or after --since.
  return since === null ? null : { startTime: since, requestId: '' };
}

async function openSink(
  env: Record<string, string | undefined>,
  flags: LiteLLMFlags,
): Promise<{ sink: ImportSink; target: string }> {
  const c = await connect(env, flags, { note: (s) => console.error(s) });
  if (c.kind === 'server') {
    const project = flags.project ?? '(the key’s project)';
    return {
      sink: httpSink(c.url, flags.key ?? env['TALLY_API_KEY'], flags.project, 'litellm'),
      target: `${c.url} ${project}`,
    };
  }
  const project = flags.project ?? 'default';
  try {
    return { sink: localSink(c.opened, project, 'litellm'), target: `${c.dataDir} ${project}` };
  } catch (e) {
    await c.opened.close();
    throw e;
  }
}

/** The server's own check of a call, for a dry run: prepared as ingest prepares it, with the bundled prices. */
function dryRunCheck(): (event: WireEvent) => string | null {
  const ctx: PrepareContext = {
    projectId: 'dry-run',
    now: Date.now(),
    ingestSource: 'litellm',
    capturePolicy: 'none',
    priceBook: new PriceBook(),
  };
  return (event) => {
    const prepared = prepareCallEvent(event, ctx);
    return prepared.ok ? null : describeFieldErrors(prepared.errors);
  };
}

const n = (x: number) => x.toLocaleString('en-US');

function cursorText(cursor: LiteLLMCursor | null): string {
  if (cursor === null) return 'the first row (none read yet)';
  // Microseconds are kept in the cursor; whole milliseconds read better.
  return `${cursor.startTime.replace(/(\.\d{3})000$/, '$1')}Z ${cursor.requestId}`;
}

function describe(s: SyncSummary): string {
  const present = s.alreadyPresent === null ? 'the server does not say how many were' : n(s.alreadyPresent);
  const skipped = s.skipped > 0 ? `, ${n(s.skipped)} skipped` : '';
  return `${n(s.synced)} synced (${present} already present)${skipped}, cursor at ${cursorText(s.cursor)}`;
}

function describeDryRun(s: SyncSummary): string {
  return (
    `dry run: ${n(s.read)} rows read, ${n(s.synced)} would be synced, ${n(s.skipped)} would be skipped; nothing ` +
    `stored, the cursor would be at ${cursorText(s.cursor)}`
  );
}

function progressBar(total: number): cliProgress.SingleBar | null {
  if (!process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    {
      format: 'litellm |{bar}| {value}/{total} rows | {speed} rows/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0, { speed: 0 });
  return bar;
}

function rate(rows: number, started: number): number {
  const s = (performance.now() - started) / 1000;
  return s > 0 ? Math.round(rows / s) : 0;
}
