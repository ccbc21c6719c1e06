import { writeFile } from 'node:fs/promises';
import { UsageAnalyzer, type IdList } from '@tally/sdk';
import { Command, InvalidArgumentError } from 'commander';
import { DAY_MS, nowSecond } from '../analytics/params.js';
import { connectUsage, type UsageBackend, type UsageQuery } from './usage-backend.js';
import {
  dailyTable,
  fromBreakdown,
  fromRows,
  groupTable,
  idTable,
  metricsBlock,
  skippedReport,
  table,
  totalsBlock,
} from './usage-render.js';

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
  json: unknown;
  text: string;
}

const EXAMPLES = `
Reads a JSONL file with --file (the SDK's, or seed 002's format); otherwise a running server at --url
($TALLY_URL, default http://127.0.0.1:8000) through its analytics API; otherwise, when no server answers, the
data directory (--data, $TALLY_DATA_DIR or ./data). A server and its data directory give the same answers.
Without a question flag, --summary is answered. --days N alone gives the usage of the last N days; with
--user, --session or --source it narrows them to those days. Lines of a file that cannot be read are listed on
stderr with their line numbers and the reason, and the rest is counted.

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
    .option('--summary', 'overall totals, unique users/sessions/sources, per model, operation and provider')
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
    .option('--url <url>', 'a running Tally server (default $TALLY_URL or http://127.0.0.1:8000)')
    .option('--key <key>', 'an API key with read access, or the admin token (default $TALLY_API_KEY)')
    .option('--project <id>', 'project to read: on the data directory, or on a server with the admin token')
    .option('--data <dir>', 'data directory to read when no server answers (default $TALLY_DATA_DIR or ./data)')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: UsageFlags) => {
      const q = questionOf(flags);
      const answer = flags.file !== undefined ? await fromFile(flags.file, q, flags) : await fromStore(env, q, flags);
      print(flags.json ? JSON.stringify(answer.json, null, 2) : answer.text);
    });
}

async function fromFile(path: string, q: Question, f: UsageFlags): Promise<Answer> {
  const analyzer = new UsageAnalyzer({ path });
  const range = f.days === undefined ? {} : { start_date: new Date(Date.now() - f.days * DAY_MS) };
  let answer: Answer & { json: { skipped: { line: number; reason: string }[]; skipped_total: number } };
  switch (q) {
    case 'summary': {
      const s = await analyzer.getUsageSummary();
      const u = s.unique_counts;
      const head = `${path}: calls from ${s.time_range.first_call ?? '-'} to ${s.time_range.last_call ?? '-'}; ${u.users} users, ${u.sessions} sessions, ${u.sources} sources`;
      const byProvider = fromBreakdown(s.by_provider);
      answer = { json: s, text: [head, totalsBlock(s.overall_stats), groupTable('provider', byProvider)].join('\n\n') };
      break;
    }
    case 'user': {
      if (f.export !== undefined) {
        const r = await analyzer.exportUserReport(f.user!, f.export);
        const sessions = Object.entries(r.sessions).map(([id, p]) => [
          id,
          String(p.total_calls),
          String(p.total_tokens),
        ]);
        const text = [
          `user ${r.user_id}: report written to ${f.export}`,
          totalsBlock(r.overall_stats),
          `last 30 days: ${r.last_30_days.total_calls} calls, ${r.last_30_days.total_tokens} tokens`,
          r.total_sessions === 0 ? 'sessions: none' : table(['session', 'calls', 'total tokens'], sessions),
        ].join('\n\n');
        answer = { json: r, text };
        break;
      }
      const s = await analyzer.getUserUsage(f.user!, range);
      answer = { json: s, text: `user ${f.user}${within(f)}\n\n${totalsBlock(s)}` };
      break;
    }
    case 'session': {
      const s = await analyzer.getSessionUsage(f.session!, range);
      answer = { json: s, text: `session ${f.session}${within(f)}\n\n${totalsBlock(s)}` };
      break;
    }
    case 'source': {
      const s = await analyzer.getSourceUsage(f.source!, range);
      answer = { json: s, text: `source ${f.source}${within(f)}\n\n${totalsBlock(s)}` };
      break;
    }
    case 'days': {
      const s = await analyzer.getUsageByTimePeriod(f.days!);
      answer = { json: s, text: `the last ${f.days} days\n\n${totalsBlock(s)}` };
      break;
    }
    case 'list-users':
      answer = list('user', await analyzer.listUsers());
      break;
    case 'list-sessions':
      answer = list('session', await analyzer.listSessions(f.user));
      break;
    case 'list-sources':
      answer = list('source', await analyzer.listSources());
      break;
  }
  const report = skippedReport(answer.json.skipped, answer.json.skipped_total, path);
  if (report) console.error(report);
  return answer;
}

function list(title: string, l: IdList): Answer & { json: IdList } {
  return { json: l, text: idTable(title, l) };
}

const within = (f: UsageFlags) => (f.days === undefined ? '' : `, last ${f.days} days`);

async function fromStore(env: Record<string, string | undefined>, q: Question, f: UsageFlags): Promise<Answer> {
  const backend = await connectUsage(env, f, (s) => console.error(s));
  try {
    const answer = await ask(backend, q, f);
    if (f.export !== undefined) await writeFile(f.export, JSON.stringify(answer.json, null, 2) + '\n');
    return answer;
  } finally {
    await backend.close();
  }
}

/** Asks the backend; the same answer, key for key, whichever backend it is. */
async function ask(b: UsageBackend, q: Question, f: UsageFlags): Promise<Answer> {
  // Calls stamped slightly ahead of this clock still count as "all time".
  const to = nowSecond() + DAY_MS;
  const base: UsageQuery = {
    from: f.days === undefined ? 0 : nowSecond() - f.days * DAY_MS,
    to: f.days === undefined ? to : nowSecond(),
    filters: [],
  };
  const breakdowns = async (query: UsageQuery) => ({
    by_model: await b.breakdown(query, 'model'),
    by_operation: await b.breakdown(query, 'operation'),
  });
  const detail = async (title: string, query: UsageQuery, extra: Record<string, unknown> = {}) => {
    const totals = await b.summary(query);
    const groups = await breakdowns(query);
    const json = { ...extra, totals, ...groups };
    const text = [
      title,
      metricsBlock(totals),
      groupTable('model', fromRows(groups.by_model)),
      groupTable('operation', fromRows(groups.by_operation)),
    ];
    return { json, text };
  };
  switch (q) {
    case 'summary': {
      const sources = (await b.breakdown(base, 'source_id')).filter((r) => r.value !== null).length;
      const d = await detail('all calls', base);
      const t = d.json.totals;
      const unique_counts = { users: t['users'] ?? 0, sessions: t['sessions'] ?? 0, sources };
      const by_provider = await b.breakdown(base, 'provider');
      d.text.splice(1, 0, `${unique_counts.users} users, ${unique_counts.sessions} sessions, ${sources} sources`);
      d.text.push(groupTable('provider', fromRows(by_provider)));
      return { json: { ...d.json, unique_counts, by_provider }, text: d.text.join('\n\n') };
    }
    case 'user': {
      const query = { ...base, filters: [['user_id', f.user!]] } as UsageQuery;
      const d = await detail(`user ${f.user}${within(f)}`, query, { user_id: f.user });
      const sessions = (await b.breakdown(query, 'session_id')).filter((r) => r.value !== null);
      d.text.push(groupTable('session', fromRows(sessions)));
      return { json: { ...d.json, sessions }, text: d.text.join('\n\n') };
    }
    case 'session':
    case 'source': {
      const field = q === 'session' ? 'session_id' : 'source_id';
      const id = q === 'session' ? f.session! : f.source!;
      const d = await detail(`${q} ${id}${within(f)}`, { ...base, filters: [[field, id]] }, { [field]: id });
      return { json: d.json, text: d.text.join('\n\n') };
    }
    case 'days': {
      const d = await detail(`the last ${f.days} days`, base, { days: f.days });
      const daily = await b.daily(base);
      d.text.push(dailyTable(daily));
      return { json: { ...d.json, daily }, text: d.text.join('\n\n') };
    }
    default: {
      const by = q === 'list-users' ? 'user_id' : q === 'list-sessions' ? 'session_id' : 'source_id';
      const filters: UsageQuery['filters'] = q === 'list-sessions' && f.user !== undefined ? [['user_id', f.user]] : [];
      const rows = (await b.breakdown({ ...base, filters }, by)).filter((r) => r.value !== null);
      const ids = rows.map(({ value, ...m }) => ({ id: value!, calls: m['calls'] ?? 0, ...m }));
      ids.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      return { json: { ids }, text: idTable(q.slice(5, -1), { ids, skipped: [], skipped_total: 0 }) };
    }
  }
}
