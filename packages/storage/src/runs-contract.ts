import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { AgentRun, CallEvent } from '@tally/core';
import type { EventStore } from './event-store.js';
import { makeCall, makeRun } from './test-events.js';

/**
 * Agent runs and the calls beneath them, for every backend: a call takes the agent, version, conversation and user
 * of the run above it (its parent run, else the innermost run whose time holds it) when it has none of its own,
 * whatever order the spans arrive in.
 */
export function runsContract(getStore: () => EventStore): void {
  const t0 = Date.now() - 3_600_000;
  const trace = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const runs = (p: string): AgentRun[] => [
    makeRun(p, {
      id: 'aaaa000000000001',
      trace_id: trace,
      timestamp: t0,
      end_time: t0 + 10_000,
      agent_name: 'planner',
      agent_version: '1.0',
      session_id: 'conv-1',
      user_id: 'alice',
    }),
    makeRun(p, {
      id: 'bbbb000000000002',
      trace_id: trace,
      parent_span_id: 'aaaa000000000001',
      timestamp: t0 + 2_000,
      end_time: t0 + 6_000,
      agent_name: 'researcher',
      agent_version: '2.1',
      session_id: 'conv-1',
      status: 'error',
      error_type: 'ModelHTTPError',
    }),
  ];
  const call = (p: string, id: string, parent: string, offset: number, own: Partial<CallEvent> = {}) =>
    makeCall(p, {
      id,
      trace_id: trace,
      span_id: id,
      parent_span_id: parent,
      timestamp: t0 + offset,
      duration_ms: 500,
      ...own,
    } as Record<string, unknown>);
  const calls = (p: string): CallEvent[] => [
    call(p, 'c1', 'aaaa000000000001', 1_000),
    call(p, 'c2', 'bbbb000000000002', 3_000),
    call(p, 'c3', 'ffff00000000000f', 4_000), // beneath a tool span Tally never sees, inside the inner run
    call(p, 'c4', 'bbbb000000000002', 4_500, { agent_name: 'own-agent', user_id: 'bob' }),
    call(p, 'c5', 'aaaa000000000001', 5_000), // the outer run's own call, made while the inner one ran
    call(p, 'c6', 'ffff00000000000f', 20_000), // after both runs: nothing to inherit
  ];
  const expected = {
    c1: ['planner', '1.0', 'conv-1', 'alice'],
    c2: ['researcher', '2.1', 'conv-1', null],
    c3: ['researcher', '2.1', 'conv-1', null],
    c4: ['own-agent', '2.1', 'conv-1', 'bob'],
    c5: ['planner', '1.0', 'conv-1', 'alice'],
    c6: [null, null, null, null],
  };

  async function inherited(store: EventStore, p: string) {
    const page = await store.events({ projectId: p, order: 'asc', limit: 100 });
    return Object.fromEntries(
      page.events.map((e) => [e.id, [e.agent_name, e.agent_version, e.session_id, e.user_id]] as const),
    );
  }

  const orders: [string, (p: string) => Parameters<EventStore['write']>[0][]][] = [
    ['runs first', (p) => [{ runs: runs(p) }, { calls: calls(p) }]],
    ['calls first', (p) => [{ calls: calls(p) }, { runs: runs(p) }]],
    ['inner run, calls, outer run', (p) => [{ runs: [runs(p)[1]!] }, { calls: calls(p) }, { runs: [runs(p)[0]!] }]],
    ['outer run, calls, inner run', (p) => [{ runs: [runs(p)[0]!] }, { calls: calls(p) }, { runs: [runs(p)[1]!] }]],
    ['one batch', (p) => [{ runs: runs(p), calls: calls(p) }]],
    [
      'spans one by one, reversed',
      (p) => [
        ...calls(p)
          .reverse()
          .map((c) => ({ calls: [c] })),
        { runs: runs(p) },
      ],
    ],
  ];
  for (const [name, batches] of orders) {
    it(`links calls to the agent runs above them the same way whatever the order (${name})`, async () => {
      const store = getStore();
      const p = `p-${randomUUID()}`;
      for (const b of batches(p)) await store.write(b);
      expect(await inherited(store, p)).toEqual(expected);
    });
  }

  it('counts agent runs apart from calls, and a retried run once', async () => {
    const store = getStore();
    const p = `p-${randomUUID()}`;
    await store.write({ runs: runs(p), calls: calls(p) });
    await store.write({ runs: runs(p) });
    const range = { projectId: p, from: t0 - 1000, to: t0 + 60_000 };
    const [runTotals] = await store.query({
      ...range,
      dataset: 'agent_runs',
      metrics: ['calls', 'errors', 'avg_duration_ms', 'sessions'],
    });
    expect(runTotals).toMatchObject({ calls: 2, errors: 1, avg_duration_ms: 7000, sessions: 1 });
    const byAgent = await store.query({ ...range, dataset: 'agent_runs', groupBy: ['agent_name'], metrics: ['calls'] });
    expect(byAgent).toEqual([
      { agent_name: 'planner', calls: 1 },
      { agent_name: 'researcher', calls: 1 },
    ]);
    const [callTotals] = await store.query({ ...range, metrics: ['calls'] });
    expect(callTotals?.['calls']).toBe(6);
    await expect(store.query({ ...range, dataset: 'agent_runs', metrics: ['cost_usd'] })).rejects.toThrow(
      /agent runs have no metric cost_usd/,
    );
  });

  it('deletes agent runs with the rest of a project’s data', async () => {
    const store = getStore();
    const p = `p-${randomUUID()}`;
    await store.write({ runs: runs(p) });
    await store.clear(p);
    const [row] = await store.query({
      projectId: p,
      from: t0 - 1000,
      to: t0 + 60_000,
      dataset: 'agent_runs',
      metrics: ['calls'],
    });
    expect(row?.['calls']).toBe(0);
  });
}
