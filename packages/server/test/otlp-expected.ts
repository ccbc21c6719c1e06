import { expect } from 'vitest';
import { dayIn } from './dataset.js';
import { DAY, type ExpectedCall } from './otlp-fixtures.js';

const sumOf = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);

/** Seed 001's answer for a user, computed here from the runs and calls as sent. */
export function expectedUserAnalytics(
  tomorrow: number,
  user: string,
  runs: { start: number; ms: number; failed: boolean }[],
  calls: ExpectedCall[],
  days = 30,
) {
  const from = tomorrow - days * DAY;
  const dates = Array.from({ length: days }, (_, i) => dayIn(from + i * DAY));
  const cost = (xs: ExpectedCall[]) => sumOf(xs, (c) => c.cost ?? 0);
  const sessionsOn = (date: string) => calls.filter((c) => dayIn(c.at) === date);
  const errors = runs.filter((r) => r.failed).length;
  return {
    user_id: user,
    period: {
      start: `${new Date(from).toISOString().slice(0, 19)}Z`,
      end: `${new Date(tomorrow).toISOString().slice(0, 19)}Z`,
      days,
    },
    summary: {
      total_cost: Number(cost(calls).toFixed(6)),
      total_agent_runs: runs.length,
      avg_duration_ms: Number((sumOf(runs, (r) => r.ms) / runs.length).toFixed(2)),
      success_rate: Number(((runs.length - errors) / runs.length).toFixed(4)),
    },
    daily_costs: dates.map((date) => ({
      date,
      cost: Number(cost(calls.filter((c) => dayIn(c.at) === date)).toFixed(6)),
      run_count: runs.filter((r) => dayIn(r.start) === date).length,
    })),
    agent_runs_by_outcome: { success: runs.length - errors, error: errors },
    conversation_stats: dates
      .filter((date) => sessionsOn(date).length > 0)
      .map((date) => {
        const count = new Set(sessionsOn(date).map((c) => c.session)).size;
        return { date, count, avg_messages: Number((sessionsOn(date).length / count).toFixed(2)) };
      }),
  };
}

/** Costs summed in a different order differ in the last bits: compare them to the cent's ten-thousandth. */
export function expectSameAnalytics(actual: any, expected: ReturnType<typeof expectedUserAnalytics>) {
  const costs = (x: any) => [x.summary.total_cost, ...x.daily_costs.map((d: any) => d.cost)];
  const [got, want] = [costs(actual), costs(expected)];
  expect(got).toHaveLength(want.length);
  got.forEach((c: number, i: number) => expect(c, `cost ${i}`).toBeCloseTo(want[i]!, 6));
  const strip = (x: any) => ({
    ...x,
    summary: { ...x.summary, total_cost: 0 },
    daily_costs: x.daily_costs.map((d: any) => ({ ...d, cost: 0 })),
  });
  expect(strip(actual)).toEqual(strip(expected));
}
