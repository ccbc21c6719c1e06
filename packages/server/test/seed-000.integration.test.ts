import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';
import { AGENTS, dayIn, generateCalls, ingest, ms, type RawCall } from './dataset.js';

/**
 * Seed 000's agent analytics routes against numbers computed here from the raw records. The ranges end "now", so
 * generated calls within a few minutes of any range start are dropped: the answers then cannot depend on how long
 * the test takes to run.
 */
const MINUTE = 60_000;
const DAY = 86_400_000;
const NOW = Date.now();
const ALLOWED_DAYS = [1, 2, 7, 15, 20];
const nearBoundary = (t: number) =>
  ALLOWED_DAYS.some((d) => t > NOW - d * DAY - 5_000 && t < NOW - d * DAY + 5 * MINUTE);

/** A UTC midnight two to three days ago: both sides of it are inside a 7-day range. */
const MIDNIGHT = Math.floor(NOW / DAY) * DAY - 2 * DAY;
const at = (t: number) => new Date(t).toISOString();
const midnight = { agent_name: 'Midnight Agent', agent_version: '1.0.0', model: 'gpt-4o' };
const EDGE: RawCall[] = [
  {
    ...midnight,
    id: 'mid-before',
    timestamp: at(MIDNIGHT - 10 * MINUTE),
    session_id: 'mid-s1',
    user_id: 'mid-u1',
    input_tokens: 100,
    output_tokens: 10,
    duration_ms: 1500,
    output_text: 'ok 👍 done',
  },
  {
    ...midnight,
    id: 'mid-after',
    timestamp: at(MIDNIGHT + 10 * MINUTE),
    session_id: 'mid-s2',
    user_id: 'mid-u2',
    input_tokens: 200,
    output_tokens: 20,
  },
  { id: 'old-1', timestamp: at(NOW - 3 * DAY), model: 'gpt-4o', agent_name: 'Old Agent', agent_version: '1.0.0' },
];

let s: TestServer;
let calls: RawCall[];

beforeAll(async () => {
  s = await startTestServer();
  calls = [...generateCalls(NOW, { count: 600, days: 22, seed: 11 }).filter((c) => !nearBoundary(ms(c))), ...EDGE];
  await ingest(s.call, calls);
  const other = await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id: 'other', name: 'Other' } });
  expect(other.status).toBe(201);
  const foreign = generateCalls(NOW, { count: 150, days: 22, seed: 99, idPrefix: 'o' });
  await ingest(s.call, [...foreign, { ...EDGE[0]!, id: 'o-mid' }], { project: 'other' });
});
afterAll(async () => {
  await s.stop();
});

const q = (agent: { agent_name: string; agent_version: string }, days: number, extra = '') =>
  `agent_name=${encodeURIComponent(agent.agent_name)}&agent_version=${encodeURIComponent(agent.agent_version)}&days=${days}${extra}`;

/** The agent's calls in the last `days` days, newest first (ties by id, descending). */
function mine(agent: { agent_name: string; agent_version: string }, days: number): RawCall[] {
  return calls
    .filter((c) => c.agent_name === agent.agent_name && c.agent_version === agent.agent_version)
    .filter((c) => ms(c) >= NOW - days * DAY)
    .sort((a, b) => ms(b) - ms(a) || (a.id < b.id ? 1 : -1));
}
const distinct = (xs: RawCall[], f: (c: RawCall) => string | undefined) => new Set(xs.map(f).filter(Boolean)).size;

/** Every date from start to end inclusive. */
function datesBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += DAY) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

function expectRange(body: any, days: number, tz = 'UTC') {
  expect(body.date_range).toEqual({ start_date: dayIn(Date.now() - days * DAY, tz), end_date: dayIn(Date.now(), tz) });
  return datesBetween(body.date_range.start_date, body.date_range.end_date);
}

describe('seed 000 agent analytics', () => {
  it('/analytics/agent counts sessions, messages and users of each agent version', async () => {
    for (const agent of AGENTS) {
      for (const days of [1, 7, 20]) {
        const r = await s.call('GET', `/analytics/agent?${q(agent, days)}`);
        expect(r.status).toBe(200);
        const xs = mine(agent, days);
        expect(xs.length).toBeGreaterThan(0);
        expect(r.body.agent_name).toBe(agent.agent_name);
        expect(r.body.agent_version).toBe(agent.agent_version);
        expect(r.body.metrics).toEqual({
          total_sessions: distinct(xs, (c) => c.session_id),
          total_messages: xs.length,
          avg_daily_messages: Math.round((xs.length / days) * 100) / 100,
          total_users: distinct(xs, (c) => c.user_id),
        });
        expectRange(r.body, days);
      }
    }
  });

  it('/activitytimeline lists every date with its distinct sessions, zeros included', async () => {
    const agent = AGENTS[1];
    const r = await s.call('GET', `/activitytimeline?${q(agent, 20)}`);
    expect(r.status).toBe(200);
    const dates = expectRange(r.body, 20);
    expect(dates).toHaveLength(21);
    expect(r.body.daily_sessions.map((d: any) => d.date)).toEqual(dates);
    const xs = mine(agent, 20);
    for (const d of r.body.daily_sessions) {
      expect(d.sessions, d.date).toBe(
        distinct(
          xs.filter((c) => dayIn(ms(c)) === d.date),
          (c) => c.session_id,
        ),
      );
    }
  });

  it('/tokens-usage and /total-tokens sum prompt and completion tokens per date and overall', async () => {
    for (const agent of AGENTS) {
      const xs = mine(agent, 15);
      const daily = await s.call('GET', `/tokens-usage?${q(agent, 15)}`);
      expect(daily.status).toBe(200);
      const dates = expectRange(daily.body, 15);
      expect(daily.body.daily_tokens).toEqual(
        dates.map((date) => {
          const day = xs.filter((c) => dayIn(ms(c)) === date);
          return {
            date,
            prompt_tokens: day.reduce((a, c) => a + (c.input_tokens ?? 0), 0),
            completion_tokens: day.reduce((a, c) => a + (c.output_tokens ?? 0), 0),
          };
        }),
      );
      const total = await s.call('GET', `/total-tokens?${q(agent, 15)}`);
      expect(total.status).toBe(200);
      expect(total.body.total_prompt_tokens).toBe(xs.reduce((a, c) => a + (c.input_tokens ?? 0), 0));
      expect(total.body.total_completion_tokens).toBe(xs.reduce((a, c) => a + (c.output_tokens ?? 0), 0));
      expect(total.body.date_range).toEqual(daily.body.date_range);
    }
  });

  it('puts calls ten minutes either side of UTC midnight on their own dates, and on one New York date', async () => {
    const utc = await s.call('GET', `/activitytimeline?${q(midnight, 7)}`);
    expect(utc.status).toBe(200);
    const busy = utc.body.daily_sessions.filter((d: any) => d.sessions > 0);
    expect(busy).toEqual([
      { date: dayIn(MIDNIGHT - DAY), sessions: 1 },
      { date: dayIn(MIDNIGHT), sessions: 1 },
    ]);
    const ny = await s.call('GET', `/activitytimeline?${q(midnight, 7, '&tz=America/New_York')}`);
    expect(ny.status).toBe(200);
    expectRange(ny.body, 7, 'America/New_York');
    expect(ny.body.daily_sessions.filter((d: any) => d.sessions > 0)).toEqual([
      { date: dayIn(MIDNIGHT, 'America/New_York'), sessions: 2 },
    ]);
  });

  it('a daily series in America/New_York groups by New York dates', async () => {
    const tz = 'America/New_York';
    const agent = AGENTS[0];
    const r = await s.call('GET', `/tokens-usage?${q(agent, 7, `&tz=${tz}`)}`);
    expect(r.status).toBe(200);
    const dates = expectRange(r.body, 7, tz);
    expect(r.body.daily_tokens.map((d: any) => d.date)).toEqual(dates);
    const xs = mine(agent, 7);
    for (const d of r.body.daily_tokens) {
      const day = xs.filter((c) => dayIn(ms(c), tz) === d.date);
      expect(d.prompt_tokens, d.date).toBe(day.reduce((a, c) => a + (c.input_tokens ?? 0), 0));
      expect(d.completion_tokens, d.date).toBe(day.reduce((a, c) => a + (c.output_tokens ?? 0), 0));
    }
    const sessions = await s.call('GET', `/activitytimeline?${q(agent, 7, `&tz=${tz}`)}`);
    for (const d of sessions.body.daily_sessions) {
      expect(d.sessions, d.date).toBe(
        distinct(
          xs.filter((c) => dayIn(ms(c), tz) === d.date),
          (c) => c.session_id,
        ),
      );
    }
  });

  it('/detailed-usage lists the newest calls first, with tokens and duration in seconds', async () => {
    const agent = AGENTS[2];
    const xs = mine(agent, 20);
    const usage = (c: RawCall) => ({
      timestamp: c.timestamp.slice(0, 19),
      agent_name: agent.agent_name,
      total_tokens: (c.input_tokens ?? 0) + (c.output_tokens ?? 0),
      prompt_tokens: c.input_tokens ?? 0,
      completion_tokens: c.output_tokens ?? 0,
      duration_seconds: c.duration_ms === undefined ? null : c.duration_ms / 1000,
    });
    const r = await s.call('GET', `/detailed-usage?${q(agent, 20)}`);
    expect(r.status).toBe(200);
    expect(xs.length).toBeGreaterThan(100);
    expect(r.body.usage_logs).toEqual(xs.slice(0, 100).map(usage));
    expect(r.body.usage_logs[0].timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    const few = await s.call('GET', `/detailed-usage?${q(agent, 2, '&limit=5')}`);
    expect(few.body.usage_logs).toEqual(mine(agent, 2).slice(0, 5).map(usage));
  });

  it('/recentmessages shows stored replies newest first and leaves out calls without text', async () => {
    const agent = AGENTS[0];
    const r = await s.call('GET', `/recentmessages?${q(agent, 20, '&limit=1000')}`);
    expect(r.status).toBe(200);
    const withText = mine(agent, 20).filter((c) => c.output_text);
    expect(withText.length).toBeLessThan(mine(agent, 20).length);
    expect(r.body.messages).toEqual(
      withText.map((c) => ({
        timestamp: c.timestamp.slice(0, 19),
        session_id: c.session_id ?? null,
        message_length: c.output_text!.length,
        agent_name: agent.agent_name,
        model_name: c.model,
        message: c.output_text,
      })),
    );
    const edge = await s.call('GET', `/recentmessages?${q(midnight, 7)}`);
    expect(edge.body.messages).toEqual([
      {
        timestamp: EDGE[0]!.timestamp.slice(0, 19),
        session_id: 'mid-s1',
        message_length: 9,
        agent_name: 'Midnight Agent',
        model_name: 'gpt-4o',
        message: 'ok 👍 done',
      },
    ]);
  });

  it('answers 404 for an agent version without calls in the range', async () => {
    for (const path of [
      '/analytics/agent',
      '/activitytimeline',
      '/tokens-usage',
      '/total-tokens',
      '/detailed-usage',
      '/recentmessages',
    ]) {
      const r = await s.call('GET', `${path}?${q({ agent_name: 'Calculator Bot', agent_version: '9.9.9' }, 7)}`);
      expect(r.status, path).toBe(404);
      expect(r.body.error.code).toBe('not_found');
      expect(r.body.error.message).toContain('Calculator Bot version 9.9.9 has no data in the last 7 days');
    }
    const old = { agent_name: 'Old Agent', agent_version: '1.0.0' };
    expect((await s.call('GET', `/analytics/agent?${q(old, 2)}`)).status).toBe(404);
    const week = await s.call('GET', `/analytics/agent?${q(old, 7)}`);
    expect(week.body.metrics).toEqual({
      total_sessions: 0,
      total_messages: 1,
      avg_daily_messages: 0.14,
      total_users: 0,
    });
  });

  it("never counts another project's calls under the same agent name", async () => {
    const own = await s.call('GET', `/analytics/agent?${q(midnight, 7)}`);
    expect(own.body.metrics.total_messages).toBe(2);
    const theirs = await s.call('GET', `/analytics/agent?${q(midnight, 7)}`, {
      headers: { 'x-tally-project': 'other' },
    });
    expect(theirs.body.metrics).toEqual({
      total_sessions: 1,
      total_messages: 1,
      avg_daily_messages: 0.14,
      total_users: 1,
    });
  });

  it('rejects bad parameters with 422 and says what is allowed', async () => {
    const agent = AGENTS[0];
    for (const days of ['3', '0', 'abc', '7.5', '']) {
      const r = await s.call('GET', `/analytics/agent?${q(agent, 7).replace('days=7', `days=${days}`)}`);
      expect(r.status, days).toBe(422);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.message).toContain('days must be one of 1, 2, 7, 15, 20; got');
    }
    const three = await s.call('GET', `/activitytimeline?${q(agent, 3)}`);
    expect(three.body.error.message).toBe('days must be one of 1, 2, 7, 15, 20; got 3');
    const noDays = await s.call('GET', `/tokens-usage?agent_name=x&agent_version=1`);
    expect(noDays.body.error.message).toBe('days must be one of 1, 2, 7, 15, 20; got nothing');
    const noName = await s.call('GET', `/total-tokens?agent_version=1.0.0&days=7`);
    expect(noName.status).toBe(422);
    expect(noName.body.error.message).toMatch(/^agent_name is required/);
    const noVersion = await s.call('GET', `/recentmessages?agent_name=x&days=7`);
    expect(noVersion.status).toBe(422);
    expect(noVersion.body.error.message).toMatch(/^agent_version is required/);
    const limit = await s.call('GET', `/detailed-usage?${q(agent, 7, '&limit=1001')}`);
    expect(limit.status).toBe(422);
    expect(limit.body.error.message).toBe('limit must be a whole number from 1 to 1000; got 1001');
    const tz = await s.call('GET', `/activitytimeline?${q(agent, 7, '&tz=Mars/Olympus')}`);
    expect(tz.status).toBe(422);
    expect(tz.body.error.message).toContain('tz must be an IANA time zone');
  });
});
