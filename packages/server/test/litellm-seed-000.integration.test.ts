import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, tempDir, type TestServer } from './helpers.js';
import { createLiteLLMDatabase, literal, queryJson, type LiteLLMDatabase } from './litellm-database.js';
import { DAY, agentCalls, spendLogRow, type AgentSpec } from './litellm-rows.js';

/**
 * Seed 000's service answers from LiteLLM's database with SQL; after `tally sync litellm`, Tally's seed 000 routes
 * must answer the same from Tally's store. Both are asked here, over the same synced data, field by field.
 *
 * The SQL is the seed's own query (its "Example SQL Queries"), and the other routes' queries written the same way
 * over its `agent_data` CTE. Two corrections make it run against LiteLLM's real table: `"startTime"` is quoted (the
 * seed's bare `startTime` folds to `starttime`, which does not exist), and an agent whose client metadata LiteLLM
 * keeps under `spend_logs_metadata` (where LiteLLM puts it) is read there too.
 */
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const NOW = Date.now();
const DAYS = [1, 2, 7, 15, 20];

const AGENTS: AgentSpec[] = [
  { name: 'Calculator Bot', version: '1.0.0', at: 'top', sessions: 6, users: 4, calls: 90, prefix: 'calc' },
  { name: 'Calculator Bot', version: '0.9.0', at: 'top', sessions: 2, users: 2, calls: 15, prefix: 'calc09' },
  {
    name: 'Support Agent',
    version: '2.1.0',
    at: 'spend_logs_metadata',
    sessions: 5,
    users: 3,
    calls: 70,
    prefix: 'sup',
  },
];

let s: TestServer;
let db: LiteLLMDatabase;
const PROJECT = 'seed000-litellm';

beforeAll(async () => {
  db = await createLiteLLMDatabase('current');
  const noise = [0, 1, 2, 3].map((i) =>
    spendLogRow({ id: `no-agent-${i}`, start: NOW - (i + 1) * 0.9 * DAY, prompt: 10, completion: 3 }),
  );
  await db.insert([...AGENTS.flatMap((a, i) => agentCalls(a, NOW, 100 + i)), ...noise]);
  s = await startTestServer();
  const created = await s.call('POST', '/api/v1/projects', {
    key: ADMIN,
    body: { id: PROJECT, name: 'LiteLLM', capture_policy: 'full' },
  });
  expect(created.status).toBe(201);
  const r = await promisify(execFile)(process.execPath, [
    '--conditions=tally-source',
    '--import',
    'tsx',
    cli,
    'sync',
    'litellm',
    '--from',
    db.url,
    '--url',
    s.url,
    '--key',
    ADMIN,
    '--project',
    PROJECT,
    '--state',
    join(tempDir('tally-litellm-'), 'state.json'),
    '--batch',
    '40',
  ]);
  expect(r.stdout).toMatch(/^179 synced \(0 already present\)/);
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await db?.drop();
});

/** The agent field as seed 000 reads it, or also where LiteLLM keeps client metadata. */
function field(agent: AgentSpec, key: string): string {
  return agent.at === 'top'
    ? `metadata->>${literal(key)}`
    : `coalesce(metadata->>${literal(key)}, metadata->'spend_logs_metadata'->>${literal(key)})`;
}

/** Seed 000's CTE: the agent's calls in the range, `"startTime"` quoted. */
function agentData(agent: AgentSpec, days: number): string {
  const from = new Date(NOW - days * DAY).toISOString().replace('Z', '');
  const to = new Date(NOW).toISOString().replace('Z', '');
  return `WITH agent_data AS (
    SELECT
        ${field(agent, 'agent_session_id')} as session_id,
        ${field(agent, 'agent_user_id')} as user_id,
        "startTime" as request_time,
        "endTime" as end_time,
        request_id, prompt_tokens, completion_tokens, total_tokens, model,
        ${field(agent, 'agent_name')} as agent_name,
        response->'choices'->0->'message'->>'content' as reply
    FROM "LiteLLM_SpendLogs"
    WHERE ${field(agent, 'agent_name')} = ${literal(agent.name)}
        AND ${field(agent, 'agent_version')} = ${literal(agent.version)}
        AND "startTime" >= ${literal(from)}
        AND "startTime" < ${literal(to)}
        AND ${field(agent, 'agent_session_id')} IS NOT NULL
)`;
}

const day = `to_char(request_time, 'YYYY-MM-DD')`;
const second = `to_char(request_time, 'YYYY-MM-DD"T"HH24:MI:SS')`;

/** A route's answer; null where seed 000 answers 404 (the agent made no calls in the range). */
async function tally(path: string, agent: AgentSpec, days: number) {
  const q = `agent_name=${encodeURIComponent(agent.name)}&agent_version=${encodeURIComponent(agent.version)}&days=${days}`;
  const r = await s.call('GET', `${path}?${q}`, { key: ADMIN, headers: { 'x-tally-project': PROJECT } });
  expect([200, 404], `${path} ${agent.name} ${agent.version} ${days}`).toContain(r.status);
  return r.status === 404 ? null : r.body;
}

/** How many calls the seed SQL finds for the agent in the range. */
async function callCount(agent: AgentSpec, days: number): Promise<number> {
  const [row] = await queryJson(db.url, `${agentData(agent, days)} SELECT COUNT(*)::int AS n FROM agent_data`);
  return row!['n'] as number;
}

/** A daily series as Tally gives it (every date of the range) from SQL rows (only dates with calls). */
function everyDate<T extends { date: string }>(dates: { date: string }[], rows: T[], zero: Omit<T, 'date'>): T[] {
  const byDate = new Map(rows.map((r) => [r.date, r]));
  expect(rows.every((r) => dates.some((d) => d.date === r.date))).toBe(true);
  return dates.map((d) => byDate.get(d.date) ?? ({ date: d.date, ...zero } as T));
}

describe.each(AGENTS.map((a) => [`${a.name} ${a.version}`, a] as const))(
  'seed 000 over synced LiteLLM data: %s',
  (_, agent) => {
    it.each(DAYS)('/analytics/agent answers what the seed SQL does (days=%i)', async (days) => {
      const [sql] = await queryJson(
        db.url,
        `${agentData(agent, days)}
       SELECT COUNT(DISTINCT session_id) as total_sessions, COUNT(*) as total_messages,
              COUNT(DISTINCT user_id) as total_users, MIN(request_time) as earliest_request,
              MAX(request_time) as latest_request
         FROM agent_data`,
      );
      const answer = await tally('/analytics/agent', agent, days);
      if (sql!['total_messages'] === 0) return expect(answer).toBeNull();
      expect(answer.metrics).toEqual({
        total_sessions: sql!['total_sessions'],
        total_messages: sql!['total_messages'],
        avg_daily_messages: Math.round((sql!['total_messages'] / days) * 100) / 100,
        total_users: sql!['total_users'],
      });
    });

    it('/activitytimeline, /tokens-usage and /total-tokens answer what SQL over the same rows does', async () => {
      for (const days of DAYS) {
        const timeline = await tally('/activitytimeline', agent, days);
        if ((await callCount(agent, days)) === 0) {
          expect([
            timeline,
            await tally('/tokens-usage', agent, days),
            await tally('/total-tokens', agent, days),
          ]).toEqual([null, null, null]);
          continue;
        }
        const sessions = await queryJson<{ date: string; sessions: number }>(
          db.url,
          `${agentData(agent, days)} SELECT ${day} AS date, COUNT(DISTINCT session_id)::int AS sessions
           FROM agent_data GROUP BY 1 ORDER BY 1`,
        );
        expect(timeline.daily_sessions).toEqual(everyDate(timeline.daily_sessions, sessions, { sessions: 0 }));

        const tokens = await tally('/tokens-usage', agent, days);
        const daily = await queryJson<{ date: string; prompt_tokens: number; completion_tokens: number }>(
          db.url,
          `${agentData(agent, days)} SELECT ${day} AS date, SUM(prompt_tokens)::int AS prompt_tokens,
                SUM(completion_tokens)::int AS completion_tokens
           FROM agent_data GROUP BY 1 ORDER BY 1`,
        );
        expect(tokens.daily_tokens).toEqual(
          everyDate(tokens.daily_tokens, daily, { prompt_tokens: 0, completion_tokens: 0 }),
        );

        const total = await tally('/total-tokens', agent, days);
        const [sum] = await queryJson(
          db.url,
          `${agentData(agent, days)} SELECT coalesce(SUM(prompt_tokens), 0)::int AS total_prompt_tokens,
                coalesce(SUM(completion_tokens), 0)::int AS total_completion_tokens FROM agent_data`,
        );
        expect({
          total_prompt_tokens: total.total_prompt_tokens,
          total_completion_tokens: total.total_completion_tokens,
        }).toEqual(sum);
      }
    });

    it('/detailed-usage and /recentmessages list the same calls as SQL, newest first', async () => {
      let listed = 0;
      for (const days of DAYS) {
        const usage = await tally('/detailed-usage', agent, days);
        if ((await callCount(agent, days)) === 0) {
          expect([usage, await tally('/recentmessages', agent, days)]).toEqual([null, null]);
          continue;
        }
        const logs = await queryJson(
          db.url,
          `${agentData(agent, days)} SELECT ${second} AS timestamp, agent_name, total_tokens, prompt_tokens,
                completion_tokens, EXTRACT(EPOCH FROM (end_time - request_time))::float8 AS duration_seconds
           FROM agent_data ORDER BY request_time DESC, request_id DESC LIMIT 100`,
        );
        expect(usage.usage_logs).toEqual(logs);

        const recent = await tally('/recentmessages', agent, days);
        const messages = await queryJson(
          db.url,
          `${agentData(agent, days)} SELECT ${second} AS timestamp, session_id, char_length(reply) AS message_length,
                agent_name, model AS model_name, reply AS message
           FROM agent_data WHERE reply <> '' ORDER BY request_time DESC, request_id DESC LIMIT 100`,
        );
        expect(recent.messages).toEqual(messages);
        listed += recent.messages.length;
      }
      expect(listed).toBeGreaterThan(0);
    });
  },
);
