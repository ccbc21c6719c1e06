import type { Browser, Page } from 'playwright-core';
import { describe, expect, it, vi } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, TIME_ZONE, apiGet, expectNoProblems, openPage, screenshot, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

/** A session longer than one page of calls (100), so that "Load more" has something to load. */
const LONG = { id: 'sess-long', calls: 130 };

useSeededBrowser((b, s) => ([browser, server] = [b, s]), { setUp: addLongAndQuietSessions });

async function addLongAndQuietSessions(server: TestServer): Promise<void> {
  const now = Date.now();
  const events = Array.from({ length: LONG.calls }, (_, i) => ({
    id: `long-${String(i).padStart(3, '0')}`,
    timestamp: new Date(now - (LONG.calls - i) * 4 * 60_000).toISOString(),
    provider: 'openai',
    model: i % 2 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
    input_tokens: 500 + i,
    output_tokens: 100 + i,
    duration_ms: 300 + i * 7,
    status: i % 25 === 24 ? 'error' : 'success',
    user_id: 'user-9',
    session_id: LONG.id,
    input_text: `long question ${i}`,
    output_text: `long answer ${i}`,
  }));
  const long = await server.call('POST', '/api/v1/ingest/llm/bulk', { key: ADMIN, body: { events } });
  expect([200, 201, 207]).toContain(long.status);
  // A project that keeps no content: its calls must say why they have none.
  const created = await server.call('POST', '/api/v1/projects', {
    key: ADMIN,
    body: { id: 'quiet', name: 'Quiet', capture_policy: 'none' },
  });
  expect(created.status).toBe(201);
  const quiet = await server.call('POST', '/api/v1/ingest/llm', {
    key: ADMIN,
    headers: { 'x-tally-project': 'quiet' },
    body: {
      id: 'quiet-1',
      timestamp: new Date(now - 60_000).toISOString(),
      provider: 'openai',
      model: 'gpt-4o',
      input_tokens: 10,
      output_tokens: 5,
      session_id: 'quiet-sess',
      input_text: 'not to be kept',
      output_text: 'not to be kept either',
    },
  });
  expect([200, 201, 202]).toContain(quiet.status);
  // Ingested calls become readable once the write queue commits them.
  await vi.waitFor(
    async () => {
      const r = await server.call('GET', `/api/v1/analytics/sessions/${LONG.id}`, { key: ADMIN });
      if (r.body?.totals?.calls !== LONG.calls) throw new Error(`${LONG.id} is not readable yet`);
    },
    { timeout: 20_000, interval: 200 },
  );
}

const tz = TIME_ZONE;
const LIST = 'by=session_id&metrics=calls,users,total_tokens,cost_usd,errors&limit=1000';
const SCALE: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9, '%': 0.01 };

/** Waits for what arrives asynchronously; generous, since the machine may be busy with other tests. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });

const kpi = (page: Page, id: string) => page.getByTestId(id).locator('[data-kpi-value]').textContent();

/** An instant as the dashboard shows it: medium date and time in the browser's time zone (en-US in the tests). */
const shownTime = (ms: number) =>
  new Date(ms).toLocaleString('en-US', { timeZone: tz, dateStyle: 'medium', timeStyle: 'medium' });

async function rowsOf(page: Page, testId: string): Promise<string[][]> {
  const rows = page.getByTestId(testId).locator('tbody tr');
  const out: string[][] = [];
  for (let i = 0, n = await rows.count(); i < n; i++) out.push(await rows.nth(i).locator('td').allTextContents());
  return out;
}

/** That a number on screen ("$0.0655", "22.6K", "1,234") is the API's value rounded for display. */
function expectShows(text: string, value: number): void {
  const m = /^\$?(-?[\d,]*\.?\d+)\s*([KMB%])?/.exec(text.trim());
  if (!m) throw new Error(`expected a number on screen, found "${text}"`);
  const digits = m[1]!.replace(/,/g, '');
  const decimals = digits.includes('.') ? digits.split('.')[1]!.length : 0;
  const scale = SCALE[m[2] ?? ''] ?? 1;
  const tolerance = 0.5 * 10 ** -decimals * scale * 1.0001;
  expect(Math.abs(Number(digits) * scale - value), `"${text}" should show ${value}`).toBeLessThanOrEqual(tolerance);
}

/**
 * The sessions a user should see for a query string of range and filters: the breakdown's numbers, newest first by
 * the last call of each session in the range (read from the calls themselves).
 */
async function expectedSessions(query: string) {
  const b = await apiGet(server, `/api/v1/analytics/breakdown?${query}&${LIST}`);
  const filters = new URLSearchParams(query);
  for (const k of ['hours', 'tz']) filters.delete(k);
  const seen = new Map<string, { first: number; last: number }>();
  let cursor: string | null = null;
  do {
    const page: any = await apiGet(
      server,
      `/api/v1/analytics/events?from=${b.from}&to=${b.to}&limit=1000&${filters}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    for (const e of page.events) {
      if (!e.session_id) continue;
      const s = seen.get(e.session_id) ?? { first: e.timestamp, last: e.timestamp };
      seen.set(e.session_id, { first: Math.min(s.first, e.timestamp), last: Math.max(s.last, e.timestamp) });
    }
    cursor = page.next_cursor;
  } while (cursor);
  const rows = b.rows
    .filter((r: any) => r.value !== null)
    .map((r: any) => ({ ...r, ...seen.get(r.value) }))
    .sort((x: any, y: any) => y.last - x.last);
  return { rows, calls: rows.reduce((n: number, r: any) => n + r.calls, 0) };
}

async function expectSessionRows(page: Page, expected: Awaited<ReturnType<typeof expectedSessions>>) {
  await poll(async () => (await rowsOf(page, 'sessions-table')).map((c) => c[0])).toEqual(
    expected.rows.map((r: any) => r.value),
  );
  const rows = await rowsOf(page, 'sessions-table');
  expected.rows.forEach((r: any, i: number) => {
    const [, calls, users, tokens, cost, errors, first, last] = rows[i]!;
    expect(calls).toBe(String(r.calls));
    expect(users).toBe(String(r.users));
    expectShows(tokens!, r.total_tokens);
    expectShows(cost!, r.cost_usd);
    expect(errors).toBe(String(r.errors));
    expect(first).toBe(shownTime(r.first));
    expect(last).toBe(shownTime(r.last));
  });
}

describe('Sessions', () => {
  it(
    "lists the range's sessions newest first with the API's numbers, and searches them",
    { timeout: 60_000 },
    async () => {
      const opened = await openPage(browser, server, '/sessions', { key: ADMIN });
      const { page } = opened;
      await page.locator('[data-page="sessions"][data-ready="true"]').waitFor();
      const expected = await expectedSessions(`hours=24&tz=${tz}`);
      expect(expected.rows[0].value).toBe(LONG.id);
      expect(expected.rows.length).toBe(9);
      await expectSessionRows(page, expected);
      expect(await kpi(page, 'kpi-sessions')).toBe('9');
      expect(await kpi(page, 'kpi-calls')).toBe(String(expected.calls));

      await page.getByTestId('session-search').fill('SESS-3');
      await poll(() => page.url()).toContain('q=SESS-3');
      await poll(async () => (await rowsOf(page, 'sessions-table')).map((c) => c[0])).toEqual(['sess-3']);
      await page.getByTestId('session-search').fill('');
      await poll(async () => (await rowsOf(page, 'sessions-table')).length).toBe(9);
      await screenshot(page, 'sessions');
      expectNoProblems(opened);
      await opened.context.close();
    },
  );

  it('follows a filter change and a time-range change, and keeps them in the URL', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/sessions', { key: ADMIN });
    const { page } = opened;
    await page.locator('[data-page="sessions"][data-ready="true"]').waitFor();
    await page.getByTestId('filter-field').selectOption('model');
    await page.getByTestId('filter-value').fill('gpt-4o-mini');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await poll(() => page.url()).toContain('model=gpt-4o-mini');
    const day = await expectedSessions(`hours=24&tz=${tz}&model=gpt-4o-mini`);
    await poll(() => kpi(page, 'kpi-calls')).toBe(String(day.calls));
    await expectSessionRows(page, day);

    await page.getByTestId('range-select').selectOption('7d');
    await poll(() => page.url()).toContain('range=7d');
    const week = await expectedSessions(`hours=168&tz=${tz}&model=gpt-4o-mini`);
    expect(week.calls).toBeGreaterThan(day.calls);
    await poll(() => kpi(page, 'kpi-calls')).toBe(String(week.calls));
    await expectSessionRows(page, week);

    const url = new URL(page.url());
    const again = await openPage(browser, server, url.pathname + url.search, { key: ADMIN });
    await poll(() => kpi(again.page, 'kpi-calls')).toBe(String(week.calls));
    expectNoProblems(opened);
    expectNoProblems(again);
    await opened.context.close();
    await again.context.close();
  });

  it(
    'opens a session from the list with Enter: its totals, timeline and calls in order with their content',
    { timeout: 60_000 },
    async () => {
      const opened = await openPage(browser, server, '/sessions?range=7d', { key: ADMIN });
      const { page } = opened;
      await page.locator('[data-page="sessions"][data-ready="true"]').waitFor();
      await page.getByTestId('sessions-table').locator('tbody tr', { hasText: LONG.id }).focus();
      await page.keyboard.press('Enter');
      await poll(() => new URL(page.url()).pathname).toBe(`/sessions/${LONG.id}`);
      expect(new URL(page.url()).search).toBe('?range=7d');
      await page.locator('[data-page="session"][data-ready="true"]').waitFor();

      const first = await apiGet(server, `/api/v1/analytics/sessions/${LONG.id}?limit=100`);
      expect(await kpi(page, 'kpi-calls')).toBe(String(first.totals.calls));
      expectShows((await kpi(page, 'kpi-tokens'))!, first.totals.total_tokens);
      expectShows((await kpi(page, 'kpi-cost'))!, first.totals.cost_usd);
      expect(await kpi(page, 'kpi-errors')).toBe(String(first.totals.errors));
      expect(await page.locator('[data-chart="Duration of each call of the session over time"] canvas').count()).toBe(
        1,
      );

      // The calls in order, each with its time (in the browser's zone), model and content.
      const calls = page.getByTestId('session-call');
      await poll(() => calls.count()).toBe(100);
      expect(await page.getByTestId('calls-shown').textContent()).toBe(`100 of ${LONG.calls} calls`);
      expect(await calls.evaluateAll((els) => els.map((e) => e.getAttribute('data-call-id')))).toEqual(
        first.calls.map((c: any) => c.id),
      );
      const call0 = calls.first();
      expect(await call0.locator('.call-time').textContent()).toBe(shownTime(first.calls[0].timestamp));
      expect(await call0.locator('.call-model').textContent()).toBe(first.calls[0].model);
      expect(await call0.getByTestId('call-input').textContent()).toBe(first.calls[0].input_text);
      expect(await call0.getByTestId('call-output').textContent()).toBe(first.calls[0].output_text);

      await page.getByRole('link', { name: '← All sessions' }).click();
      await poll(() => new URL(page.url()).pathname).toBe('/sessions');
      expect(new URL(page.url()).searchParams.get('range')).toBe('7d');
      expectNoProblems(opened);
      await opened.context.close();
    },
  );

  it('loads more calls, and shows all fields of a call from its button', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, `/sessions/${LONG.id}`, { key: ADMIN });
    const { page } = opened;
    await page.locator('[data-page="session"][data-ready="true"]').waitFor();
    const first = await apiGet(server, `/api/v1/analytics/sessions/${LONG.id}?limit=100`);
    const calls = page.getByTestId('session-call');
    await poll(() => calls.count()).toBe(100);

    // Load more brings the rest, after the first page.
    await page.getByTestId('load-more').click();
    await poll(() => calls.count()).toBe(LONG.calls);
    expect(await calls.last().getAttribute('data-call-id')).toBe(`long-${LONG.calls - 1}`);
    await poll(() => page.getByTestId('load-more').count()).toBe(0);
    expect(await page.getByTestId('calls-shown').textContent()).toBe(`${LONG.calls} of ${LONG.calls} calls`);

    // A button per call shows and hides its fields; the open calls are in the URL.
    const toggle = calls.first().getByRole('button');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    await poll(() => toggle.getAttribute('aria-expanded')).toBe('true');
    await poll(() => page.url()).toContain(`open=${first.calls[0].id}`);
    const fields = calls.first().getByTestId('call-fields');
    expect(await fields.locator('[data-field="price_model_id"] dd').textContent()).toBe(first.calls[0].price_model_id);
    expect(await fields.locator('[data-field="session_id"] dd').textContent()).toBe(LONG.id);
    const second = calls.nth(1).getByRole('button');
    await second.focus();
    await page.keyboard.press('Enter');
    await poll(() => second.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Enter');
    await poll(() => second.getAttribute('aria-expanded')).toBe('false');

    await page.getByTestId('plot-select').selectOption('tokens');
    await poll(() => page.url()).toContain('plot=tokens');
    await poll(() => page.locator('[data-chart="Tokens of each call of the session over time"] canvas').count()).toBe(
      1,
    );
    await screenshot(page, 'session-detail');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('opens the calls a link names, in light and dark', { timeout: 60_000 }, async () => {
    const session = await apiGet(server, '/api/v1/analytics/sessions/sess-2');
    const failed = session.calls.find((c: any) => c.status === 'error');
    const opened = await openPage(browser, server, `/sessions/sess-2?open=${failed.id}`, { key: ADMIN });
    const { page } = opened;
    await page.locator('[data-page="session"][data-ready="true"]').waitFor();
    const call = page.locator(`[data-call-id="${failed.id}"]`);
    expect(await call.getByRole('button').getAttribute('aria-expanded')).toBe('true');
    expect(await call.locator('[data-field="error_message"] dd').textContent()).toBe(failed.error_message);
    expect(await call.locator('.call-error').textContent()).toBe(`${failed.error_type}: ${failed.error_message}`);
    expect(await page.getByTestId('session-call').count()).toBe(session.calls.length);
    await screenshot(page, 'session-detail');
    expectNoProblems(opened);
    await opened.context.close();

    const dark = await openPage(browser, server, `/sessions/sess-2?open=${failed.id}&plot=tokens`, {
      key: ADMIN,
      colorScheme: 'dark',
    });
    await dark.page.locator('[data-page="session"][data-ready="true"]').waitFor();
    await poll(() => dark.page.getByTestId('call-fields').count()).toBe(1);
    await screenshot(dark.page, 'session-detail-dark');
    expectNoProblems(dark);
    await dark.context.close();
  });

  it('says why a call has no content', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/sessions/quiet-sess?project=quiet', { key: ADMIN });
    const { page } = opened;
    await page.locator('[data-page="session"][data-ready="true"]').waitFor();
    await poll(() => page.getByTestId('call-content').textContent()).toBe(
      'content not captured (capture policy: none)',
    );
    expectNoProblems(opened);
    await opened.context.close();
  });

  it("shows the API's message for a session without calls", { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/sessions/no-such-session', { key: ADMIN });
    const { page } = opened;
    await poll(() => page.getByRole('alert').textContent()).toContain('has no calls in session no-such-session');
    // The failed request is the answer shown; the browser's own log of the 404 is the only console error.
    expect(opened.problems.every((p) => p.includes('404'))).toBe(true);
    await opened.context.close();
  });
});
