import { writeFile } from 'node:fs/promises';
import type { SkippedLine } from '@tally/sdk';
import { Command, InvalidArgumentError } from 'commander';
import { fileSource, openStore, type IdField, type Subject, type UsageSource } from './usage-sources.js';
import { idTable, reportText, skippedReport, summaryText, totalsBlock } from './usage-render.js';

interface UsageFlags {
  summary?: boolean;
  user?: string;
  session?: string;
  source?: string;
  days?: number;
  export?: string;
  listUsers?: boolean;
  listSessions?: boolean;
  listSources?: boolean;
  json?: boolean;
  file?: string;
  url?: string;
  key?: string;
  project?: string;
  data?: string;
}

type Question = 'summary' | 'user' | 'session' | 'source' | 'days' | 'list-users' | 'list-sessions' | 'list-sources';

interface Answer {
  json: { skipped: SkippedLine[]; skipped_total: number };
  text: string;
}

const EXAMPLES = `
Where the calls are read:
  --file PATH        a JSONL file (the SDK's, or seed 002's format);
  --url URL          a running server, through its analytics API ($TALLY_URL when no --url). A server named
                     this way must answer: if it does not, the command fails and says so;
  neither            the local server ($TALLY_HOST:$TALLY_PORT, default http://127.0.0.1:8000) when it answers,
                     else the data directory (--data, $TALLY_DATA_DIR or ./data), which must hold a store.
Every source gives the same answers in the same shape: the tables, and with --json seed 002's objects (the same
keys, maps ordered by calls, costs to 10 decimals and latencies to 6), so scripts do not care where calls live.
Lists and breakdowns hold every user, session and source, however many there are.

Without a question flag, --summary is answered. --days N alone gives the usage of the last N days; with --user,
--session or --source it narrows them to those days. Lines of a file that cannot be read are listed on stderr
with their line numbers and the reason, and the rest is counted.

Examples:
  tally usage --file logs/llm_tracking/master_llm_calls.jsonl --summary
  tally usage --file calls.jsonl --user user_123 --export user_report.json
  tally usage --list-sessions --user user_123 --url http://tally.internal:8000 --key $TALLY_API_KEY
  tally usage --days 7 --json`;

function days(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 36500))
    throw new InvalidArgumentError(`--days must be a whole number from 1 to 36500; got ${value}`);
  return n;
}

/** The one question the flags ask, or a message saying why they ask none or several. */
function questionOf(f: UsageFlags): Question {
  const storeFlags = (['url', 'key', 'project', 'data'] as const).filter((k) => f[k] !== undefined);
  if (f.file !== undefined && storeFlags.length > 0)
    throw new InvalidArgumentError(
      `--file reads a JSONL file; ${storeFlags.map((k) => `--${k}`).join(', ')} choose a store: pass one or the other`,
    );
  const lists: Question[] = [];
  if (f.listUsers) lists.push('list-users');
  if (f.listSessions) lists.push('list-sessions');
  if (f.listSources) lists.push('list-sources');
  const subjects: Question[] = [];
  if (f.user !== undefined && !f.listSessions) subjects.push('user');
  if (f.session !== undefined) subjects.push('session');
  if (f.source !== undefined) subjects.push('source');
  if (f.summary) subjects.push('summary');
  const all = [...lists, ...subjects];
  if (all.length > 1)
    throw new InvalidArgumentError(
      `ask one question at a time; got ${all.map((q) => `--${q}`).join(', ')} (--user also narrows --list-sessions)`,
    );
  if (f.summary && f.days !== undefined)
    throw new InvalidArgumentError('--summary covers all time; for the last N days pass --days N without --summary');
  if (lists.length > 0 && f.days !== undefined) throw new InvalidArgumentError('--days cannot narrow a --list-* flag');
  const q = all[0] ?? (f.days !== undefined ? 'days' : 'summary');
  if (f.export !== undefined && q !== 'user') throw new InvalidArgumentError('--export FILE needs --user ID');
  if (f.export !== undefined && f.days !== undefined)
    throw new InvalidArgumentError("--export writes the user's whole report; it cannot be narrowed with --days");
  return q;
}

/**
 * `tally usage`: seed 002's usage questions (summary, per user, session, source, last N days, lists) asked of a
 * JSONL file, a running server or the local data directory, as aligned tables or, with --json, as one object.
 *
 * @example
 *   tally usage --file calls.jsonl --user user_123 --json
 */
export function usageCommand(env: Record<string, string | undefined>, print: (line: string) => void): Command {
  return new Command('usage')
    .description('Usage by user, session, source and time, from a JSONL file, a server or the data directory')
    .option('--summary', 'overall totals, unique users/sessions/sources, per model, operation, provider and API type')
    .option('--user <id>', "a user's usage (with --list-sessions: that user's sessions)")
    .option('--session <id>', "a session's usage")
    .option('--source <id>', "a source's (document's) usage")
    .option('--days <n>', 'the last N days (alone), or narrows --user/--session/--source to them', days)
    .option('--export <file>', "with --user: write the user's report as JSON to this file")
    .option('--list-users', 'every user, with their calls')
    .option('--list-sessions', 'every session (of --user when given), with their calls')
    .option('--list-sources', 'every source, with their calls')
    .option('--json', 'print one JSON object instead of tables')
    .option('--file <path>', 'a JSONL file to read instead of a server or the data directory')
    .option('--url <url>', 'a running Tally server, which must answer (default $TALLY_URL; else see below)')
    .option('--key <key>', 'an API key with read access, or the admin token (default $TALLY_API_KEY)')
    .option('--project <id>', 'project to read: on the data directory, or on a server with the admin token')
    .option('--data <dir>', 'data directory to read when no URL is given and no local server answers')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: UsageFlags) => {
      const q = questionOf(flags);
      const now = Date.now();
      const source = flags.file !== undefined ? fileSource(flags.file, now) : await openStore(env, flags, now, note);
      let answer: Answer;
      try {
        answer = await ask(source, q, flags);
      } finally {
        await source.close();
      }
      if (flags.export !== undefined) await writeFile(flags.export, JSON.stringify(answer.json, null, 2) + '\n');
      const report = skippedReport(answer.json.skipped, answer.json.skipped_total, flags.file ?? '');
      if (report) note(report);
      print(flags.json ? JSON.stringify(answer.json, null, 2) : answer.text);
    });
}

const note = (line: string) => console.error(line);
const within = (f: UsageFlags) => (f.days === undefined ? '' : `, last ${f.days} days`);
const LISTED: Record<string, [IdField, string]> = {
  'list-users': ['user_id', 'user'],
  'list-sessions': ['session_id', 'session'],
  'list-sources': ['source_id', 'source'],
};

/** Asks the source; the same answer, key for key, whichever source it is. */
async function ask(s: UsageSource, q: Question, f: UsageFlags): Promise<Answer> {
  const days = f.days ?? null;
  const stats = async (subject: Subject | null, title: string): Promise<Answer> => {
    const json = await s.stats(subject, days);
    return { json, text: `${title}\n\n${totalsBlock(json)}` };
  };
  switch (q) {
    case 'summary': {
      const json = await s.summary();
      return { json, text: summaryText(json) };
    }
    case 'user': {
      if (f.export === undefined) return stats({ field: 'user_id', id: f.user! }, `user ${f.user}${within(f)}`);
      const json = await s.report(f.user!);
      return { json, text: reportText(json, f.export) };
    }
    case 'session':
      return stats({ field: 'session_id', id: f.session! }, `session ${f.session}${within(f)}`);
    case 'source':
      return stats({ field: 'source_id', id: f.source! }, `source ${f.source}${within(f)}`);
    case 'days':
      return stats(null, `the last ${f.days} days`);
    default: {
      const [field, title] = LISTED[q]!;
      const json = await s.list(field, q === 'list-sessions' ? f.user : undefined);
      return { json, text: idTable(title, json) };
    }
  }
}
