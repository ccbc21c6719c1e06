import { randomBytes } from 'node:crypto';
import { prepareCallEvent, type CallEvent } from '@tally/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetTracker } from '../src/budgets/budget-tracker.js';
import { RedisBudgetTracker } from '../src/budgets/redis-budget-tracker.js';
import { loadConfig } from '../src/config.js';
import { RedisKeys } from '../src/queue/redis-client.js';
import { openTally, type OpenTally } from '../src/tally.js';
import { ADMIN } from './helpers.js';

// Hard budgets counted in a real Redis by two trackers, as two API replicas hold them.
const REDIS_URL = process.env['TALLY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `tally-test-${randomBytes(6).toString('hex')}:`;

let admin: Redis;
let other: Redis;
let opened: OpenTally;
/** Replica A's tracker (the one openTally built) and replica B's, on its own Redis connection. */
let a: BudgetTracker;
let b: BudgetTracker;

beforeAll(async () => {
  admin = new Redis(REDIS_URL);
  other = new Redis(REDIS_URL);
  opened = await openTally(
    loadConfig({
      TALLY_STORE: ':memory:',
      TALLY_ADMIN_TOKEN: ADMIN,
      TALLY_REDIS_URL: REDIS_URL,
      TALLY_REDIS_PREFIX: prefix,
    }),
  );
  const { ctx } = opened;
  a = ctx.budgetTracker;
  b = new RedisBudgetTracker(other, new RedisKeys(prefix), ctx.budgets, ctx.analytics, ctx.notifier, ctx.alertLog);
});

afterAll(async () => {
  await a?.idle();
  await b?.idle();
  await opened?.close();
  other.disconnect();
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

let counter = 0;
function call(projectId: string, fields: Record<string, unknown> = {}): CallEvent {
  const p = prepareCallEvent(
    {
      id: `budget-${counter++}`,
      timestamp: Date.now() - 1000,
      model: 'gpt-4o',
      input_tokens: 10,
      output_tokens: 5,
      ...fields,
    },
    {
      projectId,
      now: Date.now(),
      ingestSource: 'proxy',
      capturePolicy: 'full',
      priceBook: opened.ctx.projects.priceBook(projectId),
    },
  );
  if (!p.ok) throw new Error(JSON.stringify(p.errors));
  return p.value;
}

const request = (projectId: string) => ({ projectId, userId: null, agentName: null, apiKeyId: null, model: 'gpt-4o' });

describe('hard budgets shared through Redis', () => {
  it('admits exactly as many concurrent requests through two trackers as the limit has left', async () => {
    const { ctx } = opened;
    const project = await ctx.projects.create({ name: 'Shared gate', id: 'shared-gate' });
    const budget = await ctx.budgets.create(project.id, {
      name: 'Daily calls',
      metric: 'calls',
      limit: 20,
      period: 'day',
      hard: true,
    });
    // 10 of the 20 calls are used already.
    await ctx.writer.write({ calls: Array.from({ length: 10 }, () => call(project.id)) });

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).admit(request(project.id))),
    );
    const admitted = answers.filter((x) => x.ok);
    expect(admitted).toHaveLength(10);
    const refusals = answers.flatMap((x) => (x.ok ? [] : [x.refusal]));
    expect(refusals).toHaveLength(40);
    expect(refusals[0]).toMatchObject({ budgetId: budget.id, limit: 20, used: 10 });
    expect(refusals[0]!.message).toContain('10 held by requests in flight');

    // Requests that end without a call give their reservation back; one more request is admitted then.
    for (const x of admitted.slice(0, 1)) if (x.ok) x.admission.settle(null);
    await a.idle();
    await b.idle();
    const again = await b.admit(request(project.id));
    expect(again.ok).toBe(true);

    // The rest end with calls: the budget is used up for every replica, and the usage says so.
    for (const x of [...admitted.slice(1), again]) if (x.ok) x.admission.settle(call(project.id));
    await a.idle();
    await b.idle();
    const last = await a.admit(request(project.id));
    expect(last.ok).toBe(false);
    expect(await b.usage(budget)).toMatchObject({ used: 20, inFlight: 0 });
  });

  it('counts a settled call once, whether its commit comes before or after a reload', async () => {
    const { ctx } = opened;
    const project = await ctx.projects.create({ name: 'Token budget', id: 'token-budget' });
    const budget = await ctx.budgets.create(project.id, {
      name: 'Tokens',
      metric: 'tokens',
      limit: 1000,
      period: 'month',
      hard: true,
    });

    const first = await a.admit(request(project.id));
    expect(first.ok).toBe(true);
    const spent = call(project.id, { input_tokens: 500, output_tokens: 100 });
    if (first.ok) first.admission.settle(spent);
    await a.idle();
    // Replica B sees the settled call before any worker stored it.
    expect(await b.usage(budget)).toMatchObject({ used: 600, inFlight: 0 });

    // The worker's commit of the same call does not count it again, on either replica.
    await ctx.writer.write({ calls: [spent] });
    await a.idle();
    expect(await b.usage(budget)).toMatchObject({ used: 600 });
    expect(await a.usage(budget)).toMatchObject({ used: 600 });

    // 600 of 1000 used: the next request reserves the average call (600) and is admitted; a third is refused.
    const second = await b.admit(request(project.id));
    expect(second.ok).toBe(true);
    const third = await a.admit(request(project.id));
    expect(third.ok).toBe(false);
    if (second.ok) second.admission.settle(null);
    await b.idle();
  });
});
