import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from './event-store.js';
import { alertingContract } from './alerting-contract.js';
import { queryContract } from './query-contract.js';
import { runsContract } from './runs-contract.js';
import { makeCall } from './test-events.js';

export interface ContractOptions {
  /** Opens a new store on the same database as the last `makeStore`, to check durability across restarts. */
  reopen?: () => Promise<EventStore>;
}

/**
 * The behaviour every EventStore backend must show, run against a real database. Each test uses its own project
 * ids, so backends may share one database between test files.
 */
export function runStoreContract(
  name: string,
  makeStore: () => Promise<EventStore>,
  options: ContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    const project = () => `p-${randomUUID()}`;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store.close();
    });

    it('reads back every field of a written call exactly', async () => {
      const p = project();
      const call = makeCall(p, {
        id: 'call-1',
        trace_id: 't1',
        span_id: 's1',
        parent_span_id: 's0',
        end_time: Date.now() - 59_000,
        ttft_ms: 120.5,
        api_type: 'generative',
        operation: 'chat_answer',
        endpoint: '/v1/chat/completions',
        method: 'POST',
        stream: true,
        cache_read_tokens: 40,
        cache_write_tokens: 10,
        reasoning_tokens: 5,
        status_code: 200,
        user_id: 'u1',
        session_id: 'sess1',
        agent_name: 'Calculator Bot',
        agent_version: '1.0.0',
        app_name: 'app',
        source_id: 'doc-9',
        source_function: 'answer',
        environment: 'prod',
        tags: ['a', 'b'],
        temperature: 0.2,
        max_tokens: 512,
        message_count: 3,
        request_bytes: 256,
        response_bytes: 512,
        upstream_ms: 900,
        api_key_id: 'kh',
        api_key_label: 'prod',
        client_ip: '10.0.0.1',
        user_agent: 'curl/8',
        backend: 'openai',
        upstream_mode: 'chat',
        input_text: 'hi',
        output_text: 'hello',
        metadata: { nested: { a: [1, 2, { b: 'c' }] }, ok: true },
      });
      await store.write({ calls: [call] });
      expect(await store.getEvent(p, 'call-1')).toEqual(call);
    });

    it('never double counts a retried batch or a duplicate inside one batch', async () => {
      const p = project();
      const calls = Array.from({ length: 50 }, (_, i) => makeCall(p, { id: `e${i}` }));
      await store.write({ calls: [...calls, calls[0]!] });
      const again = await store.write({ calls });
      expect(again.calls).toBe(0);
      expect((await store.stats(p)).calls).toBe(50);
    });

    it('says which calls of a batch were stored before, or repeated within it', async () => {
      const p = project();
      const old = Array.from({ length: 3 }, (_, i) => makeCall(p, { id: `old${i}` }));
      await store.write({ calls: old });
      const fresh = makeCall(p, { id: 'fresh' });
      const r = await store.write({ calls: [old[1]!, fresh, old[0]!, fresh] });
      expect(r.calls).toBe(1);
      expect(r.duplicateCalls).toEqual([0, 2, 3]);
      expect((await store.write({ calls: [makeCall(p, { id: 'new' })] })).duplicateCalls).toEqual([]);
    });

    it('recognises a record by (project_id, id, timestamp): the same id at another time is another record', async () => {
      const p = project();
      const t = Date.now() - 120_000;
      await store.write({ calls: [makeCall(p, { id: 'twice', timestamp: t + 1000, model: 'later' })] });
      await store.write({ calls: [makeCall(p, { id: 'twice', timestamp: t, model: 'earlier' })] });
      expect((await store.stats(p)).calls).toBe(2);
      expect((await store.getEvent(p, 'twice'))?.model).toBe('earlier');
    });

    it('keeps projects apart', async () => {
      const a = project();
      const b = project();
      await store.write({
        calls: [makeCall(a, { id: 'same' }), makeCall(b, { id: 'same', model: 'claude-sonnet-4-5' })],
      });
      const pageA = await store.events({ projectId: a });
      expect(pageA.events.map((e) => e.model)).toEqual(['gpt-4o-mini']);
      expect((await store.getEvent(b, 'same'))?.model).toBe('claude-sonnet-4-5');
      await store.clear(a);
      expect((await store.stats(a)).calls).toBe(0);
      expect((await store.stats(b)).calls).toBe(1);
    });

    it('pages through events newest first without gaps or repeats', async () => {
      const p = project();
      const t0 = Date.now() - 3_600_000;
      // Two events share a timestamp, so the cursor must break ties by id.
      const calls = Array.from({ length: 25 }, (_, i) =>
        makeCall(p, { id: `e${String(i).padStart(2, '0')}`, timestamp: t0 + Math.floor(i / 2) * 1000 }),
      );
      await store.write({ calls });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.events({ projectId: p, limit: 7, cursor });
        seen.push(...page.events.map((e) => e.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(calls.map((c) => c.id).reverse());
      const window = await store.events({ projectId: p, from: t0 + 2000, to: t0 + 4000 });
      expect(window.events.map((e) => e.id).sort()).toEqual(['e04', 'e05', 'e06', 'e07']);
    });

    it('deletes events before a time', async () => {
      const p = project();
      const now = Date.now();
      await store.write({
        calls: [makeCall(p, { id: 'old', timestamp: now - 86_400_000 * 40 }), makeCall(p, { id: 'new' })],
      });
      expect(await store.deleteBefore(p, now - 86_400_000 * 30)).toBe(1);
      expect((await store.events({ projectId: p })).events.map((e) => e.id)).toEqual(['new']);
    });

    it('trims a project to its newest calls by (timestamp, id), leaving other projects alone', async () => {
      const p = project();
      const other = project();
      const t0 = Date.now() - 3_600_000;
      // Pairs share a timestamp, so the cut falls between two calls of the same instant and is decided by id.
      const calls = Array.from({ length: 21 }, (_, i) =>
        makeCall(p, { id: `t${String(i).padStart(2, '0')}`, timestamp: t0 + Math.floor(i / 2) * 1000 }),
      );
      await store.write({ calls: [...calls].reverse() });
      await store.write({ calls: calls.slice(0, 5).map((c) => makeCall(other, { id: c.id, timestamp: c.timestamp })) });
      expect(await store.trimCalls(p, 50)).toBe(0);
      expect(await store.trimCalls(p, 7)).toBe(14);
      const kept = (await store.events({ projectId: p, order: 'asc' })).events.map((e) => e.id);
      expect(kept).toEqual(['t14', 't15', 't16', 't17', 't18', 't19', 't20']);
      expect(await store.trimCalls(p, 7)).toBe(0);
      expect((await store.stats(other)).calls).toBe(5);
    });

    it('stores and changes the retention settings of a project', async () => {
      const id = project();
      const now = Date.now();
      await store.createProject({ id, name: 'Kept', description: null, capture_policy: 'full', created_at: now });
      expect(await store.getProject(id)).toMatchObject({ retention_days: null, max_events: null });
      const updated = await store.updateProject(id, { retention_days: 30, max_events: 1_000_000_000, name: 'Kept 30' });
      expect(updated).toEqual({
        id,
        name: 'Kept 30',
        description: null,
        capture_policy: 'full',
        created_at: now,
        retention_days: 30,
        max_events: 1_000_000_000,
      });
      await store.updateProject(id, { retention_days: null, description: 'no limit' });
      expect(await store.getProject(id)).toMatchObject({
        retention_days: null,
        max_events: 1_000_000_000,
        description: 'no limit',
      });
      expect(await store.updateProject(project(), { retention_days: 1 })).toBeNull();
      const withSettings = project();
      await store.createProject({
        id: withSettings,
        name: 'Short',
        description: null,
        capture_policy: 'none',
        created_at: now,
        retention_days: 7,
        max_events: 100,
      });
      expect((await store.listProjects()).find((x) => x.id === withSettings)).toMatchObject({
        retention_days: 7,
        max_events: 100,
      });
    });

    it('stores application logs and metric points idempotently', async () => {
      const p = project();
      const now = Date.now();
      const log = {
        id: 'l1',
        project_id: p,
        timestamp: now,
        level: 'ERROR' as const,
        message: 'boom',
        logger: 'app',
        service: 'api',
        trace_id: null,
        attributes: { k: 1 },
        ingested_at: now,
      };
      const metric = {
        id: 'm1',
        project_id: p,
        timestamp: now,
        name: 'queue.depth',
        value: 3.5,
        unit: null,
        tags: { host: 'a' },
        ingested_at: now,
      };
      await store.write({ logs: [log], metrics: [metric] });
      await store.write({ logs: [log], metrics: [metric] });
      expect(await store.stats(p)).toEqual({ calls: 0, logs: 1, metrics: 1 });
    });

    it('reads application logs back newest first, by level and time range, within one project', async () => {
      const p = project();
      const t0 = Date.now() - 3_600_000;
      const levels = ['INFO', 'ERROR', 'DEBUG', 'ERROR', 'WARNING', 'INFO'] as const;
      // l3 and l4 share a minute: the id breaks the tie.
      const minutes = [0, 1, 2, 3, 3, 4];
      const logs = levels.map((level, i) => ({
        id: `l${i}`,
        project_id: p,
        timestamp: t0 + minutes[i]! * 60_000,
        level,
        message: `message ${i}`,
        logger: i % 2 ? 'app' : null,
        service: 'api',
        trace_id: null,
        attributes: { i },
        ingested_at: t0,
      }));
      const other = { ...logs[5]!, id: 'other', project_id: project(), timestamp: t0 + 3_600_000 - 1 };
      await store.write({ logs: [...logs, other] });
      const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
      expect(await store.logs({ projectId: p, limit: 100 })).toEqual([...logs].reverse());
      expect(ids(await store.logs({ projectId: p, limit: 2 }))).toEqual(['l5', 'l4']);
      expect(ids(await store.logs({ projectId: p, level: 'ERROR', limit: 100 }))).toEqual(['l3', 'l1']);
      const window = await store.logs({ projectId: p, from: t0 + 60_000, to: t0 + 3 * 60_000, limit: 100 });
      expect(ids(window)).toEqual(['l2', 'l1']);
    });

    it('manages projects, keys and settings, and deleting a project deletes its data', async () => {
      const id = project();
      const now = Date.now();
      expect(
        await store.createProject({ id, name: 'Demo', description: null, capture_policy: 'none', created_at: now }),
      ).toBe(true);
      expect(
        await store.createProject({ id, name: 'Again', description: null, capture_policy: 'none', created_at: now }),
      ).toBe(false);
      expect((await store.getProject(id))?.name).toBe('Demo');
      await store.createKey({
        id: `k-${id}`,
        project_id: id,
        name: 'ci',
        scope: 'ingest',
        key_hash: `h-${id}`,
        prefix: 'tly_',
        created_at: now,
        revoked_at: null,
      });
      expect((await store.listKeys(id)).map((k) => k.scope)).toEqual(['ingest']);
      expect(await store.revokeKey(`k-${id}`, now)).toBe(true);
      expect((await store.listKeys(id))[0]?.revoked_at).toBe(now);
      await store.write({ calls: [makeCall(id)] });
      expect(await store.deleteProject(id)).toBe(true);
      expect(await store.getProject(id)).toBeNull();
      expect(await store.listKeys(id)).toEqual([]);
      expect((await store.stats(id)).calls).toBe(0);
      await store.setSetting(`s-${id}`, 'v1');
      await store.setSetting(`s-${id}`, 'v2');
      expect(await store.getSetting(`s-${id}`)).toBe('v2');
    });

    it('stores a setting only when it is absent, and tells every racing caller the one value that won', async () => {
      const name = `once-${project()}`;
      expect(await store.setSettingIfAbsent(name, 'first')).toBe('first');
      expect(await store.setSettingIfAbsent(name, 'second')).toBe('first');
      expect(await store.getSetting(name)).toBe('first');

      // Several processes generating an admin token at the same start: all of them must agree on the stored one.
      const raced = `race-${project()}`;
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.setSettingIfAbsent(raced, `value-${i}`)),
      );
      const stored = await store.getSetting(raced);
      expect(stored).toMatch(/^value-\d$/);
      expect(new Set(answers)).toEqual(new Set([stored]));
    });

    it('keeps per-project price overrides', async () => {
      const p = project();
      const o = {
        id: `po-${p}`,
        project_id: p,
        model: 'gpt-4o',
        provider: null,
        effective_from: '2026-01-01T00:00:00Z',
        input_per_mtok: 1,
        output_per_mtok: 2,
        cache_read_per_mtok: 0.5,
        cache_write_per_mtok: null,
        created_at: Date.now(),
      };
      await store.addPriceOverride(o);
      expect(await store.listPriceOverrides(p)).toEqual([o]);
      expect(await store.listPriceOverrides(project())).toEqual([]);
      expect(await store.deletePriceOverride(p, o.id)).toBe(true);
      expect(await store.listPriceOverrides(p)).toEqual([]);
    });

    it('exports a selection oldest first in chunks, and resumes strictly after a row', async () => {
      const p = project();
      const t0 = Date.now() - 7_200_000;
      // Pairs of calls share a start time, so order and resumption must break ties by id; chunks of 4 rows cut them.
      const calls = Array.from({ length: 23 }, (_, i) =>
        makeCall(p, { id: `x${String(22 - i).padStart(2, '0')}`, timestamp: t0 + Math.floor(i / 2) * 1000 }),
      );
      await store.write({ calls: [...calls, makeCall(project(), { id: 'elsewhere', timestamp: t0 })] });
      const text = async (body: AsyncIterable<Buffer>) => {
        const parts: Buffer[] = [];
        for await (const b of body) parts.push(b);
        return Buffer.concat(parts).toString('utf8');
      };
      const lines = async (after?: { timestamp: number; id: string }) => {
        const exp = await store.exportCalls({ projectId: p, after: after ?? null }, 'ndjson', { chunkRows: 4 });
        const rows = (await text(exp.body))
          .trimEnd()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
        return { count: exp.rows, rows: rows as { id: string; timestamp: string; project_id: string }[] };
      };
      const expected = [...calls].sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : 1));
      const all = await lines();
      expect(all.count).toBe(23);
      expect(all.rows.map((r) => r.id)).toEqual(expected.map((c) => c.id));
      expect(all.rows[0]?.timestamp).toBe(new Date(expected[0]!.timestamp).toISOString());
      const cut = expected[8]!;
      const rest = await lines({ timestamp: cut.timestamp, id: cut.id });
      expect(rest.count).toBe(14);
      expect(rest.rows.map((r) => r.id)).toEqual(expected.slice(9).map((c) => c.id));

      const csv = await store.exportCalls({ projectId: p, from: t0 + 2000, to: t0 + 6000 }, 'csv', { chunkRows: 3 });
      const records = (await text(csv.body)).split('\r\n').filter(Boolean);
      expect(records[0]?.startsWith('id,project_id,')).toBe(true);
      expect(records.slice(1).map((r) => r.split(',')[0])).toEqual(expected.slice(4, 12).map((c) => c.id));
      const noHeader = await store.exportCalls(
        { projectId: p, after: { timestamp: cut.timestamp, id: cut.id } },
        'csv',
        {
          header: false,
          chunkRows: 5,
        },
      );
      expect((await text(noHeader.body)).split('\r\n').filter(Boolean).length).toBe(14);
    });

    it('lets a reader drop an export part-way, and exports an empty selection as an empty file', async () => {
      const p = project();
      await store.write({ calls: Array.from({ length: 12 }, (_, i) => makeCall(p, { id: `s${i}` })) });
      const exp = await store.exportCalls({ projectId: p }, 'csv', { chunkRows: 2 });
      for await (const chunk of exp.body) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
      const again = await store.exportCalls(
        { projectId: p, filters: [{ field: 'model', op: 'in', values: ['none'] }] },
        'ndjson',
      );
      expect(again.rows).toBe(0);
      let bytes = 0;
      for await (const chunk of again.body) bytes += chunk.length;
      expect(bytes).toBe(0);
    });

    queryContract(() => store);
    runsContract(() => store);
    alertingContract(() => store);

    it('answers a health query', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    if (options.reopen) {
      const reopen = options.reopen;
      it('keeps written data across a close and reopen', async () => {
        const p = project();
        await store.write({ calls: [makeCall(p, { id: 'durable' })] });
        await store.close();
        store = await reopen();
        expect((await store.getEvent(p, 'durable'))?.id).toBe('durable');
      });
    }
  });
}
