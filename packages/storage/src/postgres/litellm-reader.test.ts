import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiteLLMReader, cursorTime, type LiteLLMCursor, type LiteLLMReadError } from './litellm-reader.js';
import { TEST_SERVER_URL } from './test/test-database.js';

/**
 * The LiteLLM reader against a real PostgreSQL: each variant of LiteLLM's table (the baseline column set and the
 * current one, from the fixtures `tally sync litellm`'s tests use) lives in a database of its own,
 * `tally_litellm_<random>`, dropped afterwards.
 */
const fixture = (variant: 'old' | 'current') =>
  readFileSync(new URL(`../../../server/test/fixtures/litellm/spend-logs-${variant}.sql`, import.meta.url), 'utf8');

interface Database {
  url: string;
  admin: pg.Client;
  drop(): Promise<void>;
}

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createDatabase(setup: string): Promise<Database> {
  const name = `tally_litellm_${randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE "${name}"`);
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(setup);
  return {
    url: url.toString(),
    admin,
    drop: async () => {
      await admin.end();
      await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Inserts minimal rows: (request_id, startTime as UTC wall-clock text). */
async function insert(db: Database, rows: [string, string][], extra = ''): Promise<void> {
  for (const [id, start] of rows) {
    await db.admin.query(
      `INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, "startTime", "endTime", model${extra ? ', metadata' : ''})
       VALUES ($1, 'acompletion', $2::timestamp, $2::timestamp + interval '1.5 seconds', 'gpt-4o'${extra ? ', $3' : ''})`,
      extra ? [id, start, extra] : [id, start],
    );
  }
}

const checksum = async (db: Database) =>
  (
    await db.admin.query(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY request_id), '')) AS sum
         FROM "LiteLLM_SpendLogs" t`,
    )
  ).rows[0] as { n: number; sum: string };

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().replace('Z', '');

describe('LiteLLMReader', () => {
  let current: Database;
  let old: Database;
  beforeAll(async () => {
    current = await createDatabase(fixture('current'));
    old = await createDatabase(fixture('old'));
    // A non-UTC database clock: the reader must still read LiteLLM's UTC wall-clock times as UTC.
    await current.admin.query(
      `ALTER DATABASE "${new URL(current.url).pathname.slice(1)}" SET timezone TO 'Asia/Kolkata'`,
    );
  });
  afterAll(async () => {
    await current?.drop();
    await old?.drop();
  });

  it('finds which columns each LiteLLM version has and selects only those', async () => {
    await insert(old, [['old-1', '2025-01-10 08:00:00.250']]);
    const reader = await LiteLLMReader.open(old.url);
    try {
      expect(reader.columns.has('metadata')).toBe(true);
      for (const missing of ['session_id', 'status', 'proxy_server_request', 'request_duration_ms', 'agent_id'])
        expect(reader.columns.has(missing)).toBe(false);
      const { rows, last } = await reader.page({ after: null, settleSeconds: 0 }, 10);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ request_id: 'old-1', startTime: '2025-01-10T08:00:00.250Z', model: 'gpt-4o' });
      expect(rows[0]).not.toHaveProperty('session_id');
      expect(last).toEqual({ startTime: '2025-01-10T08:00:00.250000', requestId: 'old-1' });
    } finally {
      await reader.close();
    }

    const newer = await LiteLLMReader.open(current.url);
    try {
      for (const present of ['session_id', 'status', 'proxy_server_request', 'request_duration_ms', 'agent_id'])
        expect(newer.columns.has(present)).toBe(true);
      expect(newer.columns.has('litellm_call_id')).toBe(false);
    } finally {
      await newer.close();
    }
  });

  it('pages by ("startTime", request_id) without gaps or repeats, and reads times as UTC whatever the zone', async () => {
    await current.admin.query('TRUNCATE "LiteLLM_SpendLogs"');
    // Three rows share a start time: the request_id breaks the tie, so a page boundary inside them loses nothing.
    const rows: [string, string][] = [
      ['b', '2024-12-05 14:30:00.123'],
      ['a', '2024-12-05 14:30:00.123'],
      ['c', '2024-12-05 14:30:00.123'],
      ['d', '2024-12-05 23:59:59.999'],
      ['e', '2024-12-06 00:00:00.000'],
    ];
    await insert(current, rows, JSON.stringify({ spend_logs_metadata: { agent_name: 'Calculator Bot' } }));
    const reader = await LiteLLMReader.open(current.url);
    try {
      expect(await reader.count({ after: null, settleSeconds: 0 })).toBe(5);
      const seen: string[] = [];
      let after: LiteLLMCursor | null = null;
      for (;;) {
        const page = await reader.page({ after, settleSeconds: 0 }, 2);
        seen.push(...page.rows.map((r) => `${r.request_id}@${r.startTime}`));
        if (page.last === null) break;
        after = page.last;
      }
      expect(seen).toEqual([
        'a@2024-12-05T14:30:00.123Z',
        'b@2024-12-05T14:30:00.123Z',
        'c@2024-12-05T14:30:00.123Z',
        'd@2024-12-05T23:59:59.999Z',
        'e@2024-12-06T00:00:00.000Z',
      ]);
      expect(after).toEqual({ startTime: '2024-12-06T00:00:00.000000', requestId: 'e' });
      expect(
        await reader.count({ after: { startTime: '2024-12-05T14:30:00.123000', requestId: 'b' }, settleSeconds: 0 }),
      ).toBe(3);

      const [first] = (await reader.page({ after: null, settleSeconds: 0 }, 1)).rows;
      expect(first?.metadata).toEqual({ spend_logs_metadata: { agent_name: 'Calculator Bot' } });
      expect(first?.endTime).toBe('2024-12-05T14:30:01.623Z');
      expect(first?.spend).toBe(0);
      expect(first?.request_tags).toEqual([]);
      expect(await reader.query('SHOW TimeZone')).toEqual([{ TimeZone: 'UTC' }]);
    } finally {
      await reader.close();
    }
  });

  it('leaves out rows of calls that started within the settle time', async () => {
    await current.admin.query('TRUNCATE "LiteLLM_SpendLogs"');
    await insert(current, [
      ['settled', ago(10)],
      ['recent', ago(1)],
    ]);
    const reader = await LiteLLMReader.open(current.url);
    try {
      const ids = async (settleSeconds: number) =>
        (await reader.page({ after: null, settleSeconds }, 10)).rows.map((r) => r.request_id);
      expect(await ids(300)).toEqual(['settled']);
      expect(await ids(0)).toEqual(['settled', 'recent']);
      expect(await reader.count({ after: null, settleSeconds: 300 })).toBe(1);
    } finally {
      await reader.close();
    }
  });

  it('cannot write, create or lock rows through its connection', async () => {
    await insert(current, [['kept', '2024-01-01 00:00:00']]);
    const before = await checksum(current);
    const reader = await LiteLLMReader.open(current.url);
    try {
      expect(await reader.query('SHOW default_transaction_read_only')).toEqual([
        { default_transaction_read_only: 'on' },
      ]);
      const attempts = [
        `INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, "startTime", "endTime") VALUES ('x', 'y', now(), now())`,
        `UPDATE "LiteLLM_SpendLogs" SET spend = 1`,
        `DELETE FROM "LiteLLM_SpendLogs"`,
        `CREATE TABLE tally_was_here (id int)`,
        `SELECT * FROM "LiteLLM_SpendLogs" FOR UPDATE`,
        // Out of the READ ONLY transaction: the session's default still refuses.
        `COMMIT; DELETE FROM "LiteLLM_SpendLogs"`,
      ];
      for (const sql of attempts) {
        const failure = await reader.query(sql).then(
          () => null,
          (e: { code?: string }) => e,
        );
        expect(failure?.code, sql).toBe('25006');
      }
    } finally {
      await reader.close();
    }
    expect(await checksum(current)).toEqual(before);
    const tables = await current.admin.query(`SELECT to_regclass('tally_was_here') AS t`);
    expect(tables.rows[0].t).toBeNull();
  });

  it("reads the schema LiteLLM's Prisma URL names with ?schema=", async () => {
    await current.admin.query(
      `CREATE SCHEMA litellm; SET search_path TO litellm; ${fixture('current')}; RESET search_path`,
    );
    await current.admin.query(
      `INSERT INTO litellm."LiteLLM_SpendLogs" (request_id, call_type, "startTime", "endTime") VALUES ('in-schema', 'acompletion', '2025-02-01', '2025-02-01')`,
    );
    const url = new URL(current.url);
    url.searchParams.set('schema', 'litellm');
    url.searchParams.set('connection_limit', '5');
    const reader = await LiteLLMReader.open(url.toString());
    try {
      const { rows } = await reader.page({ after: null, settleSeconds: 0 }, 10);
      expect(rows.map((r) => r.request_id)).toEqual(['in-schema']);
    } finally {
      await reader.close();
    }
  });

  it('says which database it cannot use, never with the password', async () => {
    const failure = (url: string) =>
      LiteLLMReader.open(url).then(
        () => null,
        (e: LiteLLMReadError) => e,
      );
    const refused = await failure('postgres://litellm:hunter2@127.0.0.1:1/litellm');
    expect(refused?.code).toBe('cannot_connect');
    expect(refused?.message).toMatch(
      /cannot connect to the LiteLLM database postgres:\/\/litellm:\*\*\*@127\.0\.0\.1:1\/litellm/,
    );
    expect(refused?.message).not.toMatch(/hunter2/);

    const empty = new URL(TEST_SERVER_URL);
    empty.password = 'hunter2';
    const noTable = await failure(empty.toString());
    expect(noTable?.code).toBe('no_table');
    expect(noTable?.message).toMatch(/has no "LiteLLM_SpendLogs" table/);
    expect(noTable?.message).not.toMatch(/hunter2/);

    expect((await failure('mysql://root@db/litellm'))?.code).toBe('bad_url');
  });

  it('turns an ISO time into a cursor time', () => {
    expect(cursorTime('2025-01-01')).toBe('2025-01-01T00:00:00.000000');
    expect(cursorTime('2025-01-01T05:30:00+05:30')).toBe('2025-01-01T00:00:00.000000');
    expect(cursorTime('yesterday')).toBeNull();
  });
});
