import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * A LiteLLM database for the sync tests, on the PostgreSQL server the storage tests use
 * (`TALLY_TEST_POSTGRES_URL`, trust auth). The server package has no database driver: these helpers play the part
 * of LiteLLM's proxy (creating the table, writing rows) and of seed 000's service (running its SQL) through psql.
 */
export const TEST_POSTGRES_URL = process.env['TALLY_TEST_POSTGRES_URL'] || 'postgres://root@127.0.0.1:5432/test';

export type Variant = 'old' | 'current';

/** The columns of the baseline table; the current one has these and more. */
export const OLD_COLUMNS = new Set([
  'request_id',
  'call_type',
  'api_key',
  'spend',
  'total_tokens',
  'prompt_tokens',
  'completion_tokens',
  'startTime',
  'endTime',
  'completionStartTime',
  'model',
  'model_id',
  'model_group',
  'custom_llm_provider',
  'api_base',
  'user',
  'metadata',
  'cache_hit',
  'cache_key',
  'request_tags',
  'team_id',
  'end_user',
  'requester_ip_address',
  'messages',
  'response',
]);

/** Runs SQL through psql (stopping at the first error) and returns what it printed, unaligned, tuples only. */
export function psql(url: string, sql: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`the LiteLLM sync tests need psql on the PATH: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`psql failed (${code}): ${err}`))));
    child.stdin.end(sql);
  });
}

/** The rows of a query, as JSON objects. */
export async function queryJson<T = Record<string, any>>(url: string, sql: string): Promise<T[]> {
  const out = await psql(url, `SELECT coalesce(json_agg(q), '[]'::json) FROM (${sql}) q`);
  return JSON.parse(out.trim()) as T[];
}

/** A SQL literal of a value; objects and arrays become jsonb. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'object') return `${literal(JSON.stringify(value))}::jsonb`;
  const s = String(value).replace(/'/g, "''");
  return s.includes('\\') ? `E'${s.replace(/\\/g, '\\\\')}'` : `'${s}'`;
}

export interface LiteLLMDatabase {
  url: string;
  variant: Variant;
  /** Writes rows as LiteLLM's proxy does, leaving out the columns this variant does not have. */
  insert(rows: Record<string, unknown>[]): Promise<void>;
  /** Row count and a checksum of every row: what "unchanged" means for LiteLLM's table. */
  fingerprint(): Promise<{ rows: number; checksum: string }>;
  drop(): Promise<void>;
}

/** A new database `tally_litellm_<random>` with LiteLLM's table in the given variant (from the fixtures). */
export async function createLiteLLMDatabase(variant: Variant): Promise<LiteLLMDatabase> {
  const name = `tally_litellm_${randomBytes(6).toString('hex')}`;
  await psql(TEST_POSTGRES_URL, `CREATE DATABASE "${name}"`);
  const u = new URL(TEST_POSTGRES_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  await psql(url, readFileSync(new URL(`./fixtures/litellm/spend-logs-${variant}.sql`, import.meta.url), 'utf8'));
  return {
    url,
    variant,
    async insert(rows) {
      if (rows.length === 0) return;
      const statements = rows.map((row) => {
        const columns = Object.keys(row).filter((c) => variant === 'current' || OLD_COLUMNS.has(c));
        return `INSERT INTO "LiteLLM_SpendLogs" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns
          .map((c) => literal(row[c]))
          .join(', ')});`;
      });
      await psql(url, `BEGIN;\n${statements.join('\n')}\nCOMMIT;`);
    },
    async fingerprint() {
      const [r] = await queryJson<{ rows: number; checksum: string }>(
        url,
        `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY request_id), '')) AS checksum
           FROM "LiteLLM_SpendLogs" t`,
      );
      return r!;
    },
    drop: async () => void (await psql(TEST_POSTGRES_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}
