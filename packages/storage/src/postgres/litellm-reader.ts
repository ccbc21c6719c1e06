import pg from 'pg';
import { postgresDialect as d } from './postgres-dialect.js';
import { maskUrl, sqlState } from './postgres-pool.js';

/**
 * Reads the spend logs a LiteLLM proxy writes to its PostgreSQL database (`"LiteLLM_SpendLogs"`), for
 * `tally sync litellm`. That database belongs to LiteLLM: the reader never writes, creates or locks anything in it.
 * It only runs SELECTs; its session is read-only (`default_transaction_read_only = on`), so PostgreSQL itself refuses
 * any write or row lock, and every read runs in a short `BEGIN READ ONLY` transaction of its own, so the ACCESS SHARE
 * lock every SELECT takes lasts one page and never holds up LiteLLM's inserts or its vacuum.
 */

/** The table LiteLLM writes one row per request to. */
export const LITELLM_SPEND_LOGS = 'LiteLLM_SpendLogs';

/**
 * Where a sync stands: the `"startTime"` (UTC, microseconds, no zone: `2024-12-05T14:30:00.123000`) and
 * `request_id` of the last row read. Rows come in that order, so the next page starts after it.
 */
export interface LiteLLMCursor {
  startTime: string;
  requestId: string;
}

/**
 * One spend-log row as plain values. Times are ISO 8601 UTC with milliseconds (`2024-12-05T14:30:00.123Z`), JSON
 * columns are parsed, numbers are numbers. A column the installed LiteLLM version does not have is absent.
 */
export interface LiteLLMSpendRow {
  request_id: string;
  startTime: string;
  endTime?: string | null;
  completionStartTime?: string | null;
  call_type?: string | null;
  api_key?: string | null;
  spend?: number | null;
  total_tokens?: number | null;
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  request_duration_ms?: number | null;
  model?: string | null;
  model_id?: string | null;
  model_group?: string | null;
  custom_llm_provider?: string | null;
  api_base?: string | null;
  user?: string | null;
  metadata?: unknown;
  cache_hit?: string | null;
  request_tags?: unknown;
  team_id?: string | null;
  organization_id?: string | null;
  end_user?: string | null;
  requester_ip_address?: string | null;
  messages?: unknown;
  response?: unknown;
  proxy_server_request?: unknown;
  session_id?: string | null;
  status?: string | null;
  mcp_namespaced_tool_name?: string | null;
  agent_id?: string | null;
  litellm_call_id?: string | null;
}

/** Which rows a read covers. */
export interface LiteLLMWindow {
  /** Rows after this position; null: from the first row. */
  after: LiteLLMCursor | null;
  /**
   * Leave out rows that started less than this many seconds ago (by the database's clock). LiteLLM writes a row when
   * its call ends, so a long call's row can appear after rows of calls that started later; reading only rows old
   * enough keeps the cursor from passing a row that is not written yet.
   */
  settleSeconds: number;
}

export interface LiteLLMPage {
  rows: LiteLLMSpendRow[];
  /** Position after the last row of the page; null when the page is empty. */
  last: LiteLLMCursor | null;
}

type ColumnKind = 'text' | 'number' | 'json' | 'time';

/** The columns the reader knows, with how each is read. Any of them but the first two may be missing. */
const KNOWN_COLUMNS: Readonly<Record<keyof LiteLLMSpendRow, ColumnKind>> = {
  request_id: 'text',
  startTime: 'time',
  endTime: 'time',
  completionStartTime: 'time',
  call_type: 'text',
  api_key: 'text',
  spend: 'number',
  total_tokens: 'number',
  prompt_tokens: 'number',
  completion_tokens: 'number',
  request_duration_ms: 'number',
  model: 'text',
  model_id: 'text',
  model_group: 'text',
  custom_llm_provider: 'text',
  api_base: 'text',
  user: 'text',
  metadata: 'json',
  cache_hit: 'text',
  request_tags: 'json',
  team_id: 'text',
  organization_id: 'text',
  end_user: 'text',
  requester_ip_address: 'text',
  messages: 'json',
  response: 'json',
  proxy_server_request: 'json',
  session_id: 'text',
  status: 'text',
  mcp_namespaced_tool_name: 'text',
  agent_id: 'text',
  litellm_call_id: 'text',
};

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const CURSOR_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US'`;
const CURSOR_COLUMN = '__tally_cursor_time';
const CURSOR_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/** Why the reader could not do what was asked; `code` tells the kind. */
export class LiteLLMReadError extends Error {
  readonly code: 'bad_url' | 'cannot_connect' | 'no_table' | 'read_failed';
  constructor(code: LiteLLMReadError['code'], message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'LiteLLMReadError';
    this.code = code;
  }
}

/**
 * A read-only connection to a LiteLLM database. Open it with {@link LiteLLMReader.open}; it finds which columns the
 * installed version has and selects only those. A dropped connection is opened again on the next read, so a
 * long-running sync survives a restart of the database.
 *
 * @example
 *   const reader = await LiteLLMReader.open('postgres://tally_ro@db:5432/litellm');
 *   const { rows, last } = await reader.page({ after: null, settleSeconds: 300 }, 1000);
 *   await reader.close();
 */
export class LiteLLMReader {
  /** The database as it may be shown: the password replaced by `***`. */
  readonly location: string;
  /** The spend-log columns this installation has, of those the reader knows. */
  readonly columns: ReadonlySet<string>;
  private client: pg.Client | null;
  private readonly config: pg.ClientConfig;
  private readonly schema: string | null;
  private readonly selectList: string;
  private readonly table: string;

  private constructor(init: {
    location: string;
    config: pg.ClientConfig;
    schema: string | null;
    client: pg.Client;
    table: string;
    columns: Map<string, string>;
  }) {
    this.location = init.location;
    this.config = init.config;
    this.schema = init.schema;
    this.client = init.client;
    this.table = init.table;
    this.columns = new Set(init.columns.keys());
    this.selectList = selectList(init.columns);
  }

  /**
   * Connects, makes the session read-only and UTC, and checks that the database has LiteLLM's spend-log table.
   * Errors name the database with its password masked.
   */
  static async open(url: string): Promise<LiteLLMReader> {
    const { config, location, schema } = parseUrl(url);
    const client = await connectReadOnly(config, location, schema);
    try {
      const table = await findTable(client, location);
      const columns = await readColumns(client, table);
      for (const required of ['request_id', 'startTime']) {
        if (!columns.has(required)) {
          throw new LiteLLMReadError(
            'no_table',
            `${table} in ${location} has no ${d.ident(required)} column: it is not a LiteLLM spend-log table`,
          );
        }
      }
      return new LiteLLMReader({ location, config, schema, client, table, columns });
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  }

  /** How many rows the window holds (`count(*)` past the cursor). */
  async count(window: LiteLLMWindow): Promise<number> {
    const { where, params } = windowClause(window);
    const [row] = await this.query(`SELECT count(*)::float8 AS n FROM ${this.table} WHERE ${where}`, params);
    return Number(row?.['n'] ?? 0);
  }

  /** The next `limit` rows of the window in (`"startTime"`, request_id) order: keyset paging, no OFFSET. */
  async page(window: LiteLLMWindow, limit: number): Promise<LiteLLMPage> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a page holds at least one row; got ${limit}`);
    const { where, params } = windowClause(window);
    const raw = await this.query(
      `SELECT ${this.selectList} FROM ${this.table} WHERE ${where}
        ORDER BY "startTime", request_id LIMIT ${limit}`,
      params,
    );
    const rows: LiteLLMSpendRow[] = [];
    let last: LiteLLMCursor | null = null;
    for (const r of raw) {
      last = { startTime: String(r[CURSOR_COLUMN]), requestId: String(r['request_id']) };
      delete r[CURSOR_COLUMN];
      rows.push(r as unknown as LiteLLMSpendRow);
    }
    return { rows, last };
  }

  /**
   * Runs one statement in a `BEGIN READ ONLY` transaction of its own and returns its rows. Writes fail there
   * (SQLSTATE 25006), and so they do outside it: the session's default is read-only too.
   */
  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const client = await this.connection();
    try {
      await client.query('BEGIN READ ONLY');
      try {
        const result = await client.query(sql, params as unknown[]);
        await client.query('COMMIT');
        return (Array.isArray(result) ? result.at(-1)?.rows : result.rows) ?? [];
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    } catch (e) {
      if (isConnectionError(e)) await this.drop();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.drop();
  }

  private async connection(): Promise<pg.Client> {
    this.client ??= await connectReadOnly(this.config, this.location, this.schema);
    return this.client;
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

/** The reader's own format of a cursor time, from an ISO 8601 instant (any zone): UTC, microseconds, no zone. */
export function cursorTime(iso: string): string | null {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return null;
  return new Date(ms).toISOString().replace('Z', '000');
}

/** Whether `value` is a cursor time as the reader writes it. */
export function isCursorTime(value: unknown): value is string {
  return typeof value === 'string' && CURSOR_TEXT.test(value);
}

function parseUrl(url: string): { config: pg.ClientConfig; location: string; schema: string | null } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LiteLLMReadError(
      'bad_url',
      `not a PostgreSQL URL (${maskUrl(url)}); give one such as postgres://user@host:5432/litellm`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new LiteLLMReadError(
      'bad_url',
      `not a PostgreSQL URL (${maskUrl(url)}): it must start with postgres:// or postgresql://`,
    );
  }
  // LiteLLM's DATABASE_URL is a Prisma URL: `?schema=` picks the schema, and Prisma's pool settings mean nothing here.
  const schema = parsed.searchParams.get('schema');
  for (const prismaOnly of ['schema', 'connection_limit', 'pool_timeout', 'connect_timeout', 'pgbouncer'])
    parsed.searchParams.delete(prismaOnly);
  return {
    config: { connectionString: parsed.toString(), application_name: 'tally-litellm-sync' },
    location: maskUrl(url),
    schema: schema || null,
  };
}

async function connectReadOnly(config: pg.ClientConfig, location: string, schema: string | null): Promise<pg.Client> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 15_000 });
  // A connection the server drops between reads emits an error; the next read opens a new one.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    await client.end().catch(() => undefined);
    throw new LiteLLMReadError(
      'cannot_connect',
      `cannot connect to the LiteLLM database ${location}: ${(cause as Error).message || sqlState(cause) || 'no answer'}; ` +
        'check the host, port, database name and user (a password can come from the URL, PGPASSWORD or ~/.pgpass)',
      { cause },
    );
  }
  try {
    // Read-only by default for the whole session, and UTC: LiteLLM's times are `timestamp without time zone`
    // holding UTC, and a timestamptz column (partitioned installs) then reads the same way.
    await client.query(
      `SET default_transaction_read_only = on; SET TimeZone = 'UTC'; SET lock_timeout = '10s'` +
        (schema ? `; SET search_path TO ${d.ident(schema)}` : ''),
    );
  } catch (cause) {
    await client.end().catch(() => undefined);
    throw new LiteLLMReadError(
      'cannot_connect',
      `connected to ${location} but could not make the session read-only: ${(cause as Error).message}`,
      { cause },
    );
  }
  return client;
}

/** The spend-log table as the session's search_path finds it, schema-qualified. */
async function findTable(client: pg.Client, location: string): Promise<string> {
  await client.query('BEGIN READ ONLY');
  try {
    const { rows } = await client.query(
      `SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = to_regclass($1)`,
      [d.ident(LITELLM_SPEND_LOGS)],
    );
    const schema = rows[0]?.schema as string | undefined;
    if (schema === undefined) {
      throw new LiteLLMReadError(
        'no_table',
        `${location} has no ${d.ident(LITELLM_SPEND_LOGS)} table: point --from at the database LiteLLM's proxy ` +
          'writes to (its DATABASE_URL), with ?schema= if it is not in the search path',
      );
    }
    return `${d.ident(schema)}.${d.ident(LITELLM_SPEND_LOGS)}`;
  } finally {
    await client.query('COMMIT').catch(() => undefined);
  }
}

/** The known columns the table has, with their types. */
async function readColumns(client: pg.Client, table: string): Promise<Map<string, string>> {
  await client.query('BEGIN READ ONLY');
  try {
    const { rows } = await client.query(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
      [table],
    );
    const known = new Map<string, string>();
    for (const r of rows as { name: string; type: string }[]) if (r.name in KNOWN_COLUMNS) known.set(r.name, r.type);
    return known;
  } finally {
    await client.query('COMMIT').catch(() => undefined);
  }
}

/** The SELECT list: times as UTC text (no local-time shift anywhere), numbers as float8, JSON parsed by the driver. */
function selectList(columns: Map<string, string>): string {
  const parts = [`to_char("startTime", ${CURSOR_FORMAT}) AS ${CURSOR_COLUMN}`];
  for (const [name, kind] of Object.entries(KNOWN_COLUMNS)) {
    if (!columns.has(name)) continue;
    const col = d.ident(name);
    const type = columns.get(name) ?? '';
    if (kind === 'time') parts.push(`to_char(${col}, ${ISO_MS}) AS ${col}`);
    else if (kind === 'number') parts.push(`${col}::float8 AS ${col}`);
    // Some versions kept JSON in text columns: parse it here when it is JSON, else keep the text.
    else if (kind === 'json' && !type.startsWith('json')) parts.push(`${jsonOfText(col)} AS ${col}`);
    else parts.push(col);
  }
  return parts.join(', ');
}

function jsonOfText(col: string): string {
  return `CASE WHEN ${col} ~ '^\\s*[\\[{]' THEN ${col}::jsonb ELSE to_jsonb(${col}) END`;
}

function windowClause(window: LiteLLMWindow): { where: string; params: unknown[] } {
  const settle = Math.max(0, window.settleSeconds);
  if (!Number.isFinite(settle)) throw new RangeError('settleSeconds must be a finite number');
  // LOCALTIMESTAMP is the database's clock in the session's zone, UTC: the same clock LiteLLM's rows were written by.
  const params: unknown[] = [settle];
  const clauses = [`"startTime" <= LOCALTIMESTAMP - make_interval(secs => $1)`];
  if (window.after !== null) {
    if (!isCursorTime(window.after.startTime))
      throw new RangeError(`not a cursor time: ${JSON.stringify(window.after.startTime)}`);
    params.push(window.after.startTime, window.after.requestId);
    // The first clause is implied by the second; it lets installs with only the "startTime" index (older LiteLLM
    // versions lack the ("startTime", request_id) one) start the index scan at the cursor instead of the table's start.
    clauses.push(`"startTime" >= $2::timestamp`, `("startTime", request_id) > ($2::timestamp, $3::text)`);
  }
  return { where: clauses.join(' AND '), params };
}

function isConnectionError(e: unknown): boolean {
  const code = sqlState(e) ?? '';
  if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('E')) return true;
  return /connection terminated|not queryable|Connection terminated/i.test((e as Error | null)?.message ?? '');
}
