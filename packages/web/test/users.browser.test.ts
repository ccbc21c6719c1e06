import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

useSeededBrowser((b, s) => ([browser, server] = [b, s]));

const tz = 'America/New_York';
const LIST = 'by=user_id&metrics=calls,sessions,total_tokens,cost_usd,errors,error_rate&limit=1000';
const DAY_MS = 86_400_000;
const SCALE: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9, '%': 0.01 };

/** The cells of each body row of a table, as the user reads them. */
async function rowsOf(page: Page, testId: string): Promise<string[][]> {
  const rows = page.getByTestId(testId).locator('tbody tr');
  const out: string[][] = [];
  for (let i = 0, n = await rows.count(); i < n; i++) out.push(await rows.nth(i).locator('td').allTextContents());
  return out;
}

/**
 * That a number on screen ("$0.0655", "22.6K", "26.7%", "1,234") is the API's value as rounded for display: within
 * half a unit of its last shown digit.
 */
function expectShows(text: string, value: number): void {
  const m = /^\$?(-?[\d,]*\.?\d+)\s*([KMB%])?/.exec(text.trim());
  if (!m) throw new Error(`expected a number on screen, found "${text}"`);
  const digits = m[1]!.replace(/,/g, '');
  const decimals = digits.includes('.') ? digits.split('.')[1]!.length : 0;
  const scale = SCALE[m[2] ?? ''] ?? 1;
  const tolerance = 0.5 * 10 ** -decimals * scale * 1.0001;
  expect(Math.abs(Number(digits) * scale - value), `"${text}" should show ${value}`).toBeLessThanOrEqual(tolerance);
}

/** Waits for what arrives asynchronously; generous, since the machine may be busy with other tests. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });

const kpi = (page: Page, id: string) => page.getByTestId(id).locator('[data-kpi-value]').textContent();

/** That the users table holds the breakdown's named rows, in its order, with its numbers. */
async function expectUserRows(page: Page, breakdown: any): Promise<void> {
  const expected = breakdown.rows.filter((r: any) => r.value !== null);
  await poll(async () => (await rowsOf(page, 'users-table')).map((cells) => cells[1])).toEqual(
    expected.map((r: any) => r.value),
  );
  const rows = await rowsOf(page, 'users-table');
  expected.forEach((r: any, i: number) => {
    const [rank, , calls, sessions, tokens, cost, errorRate] = rows[i]!;
    expect(rank).toBe(String(i + 1));
    expect(calls).toBe(String(r.calls));
    expect(sessions).toBe(String(r.sessions));
    expectShows(tokens!, r.total_tokens);
    expectShows(cost!, r.cost_usd);
    expectShows(errorRate!, r.error_rate);
  });
}

describe('Users', () => {
  it('ranks the users the API returns by the chosen metric, and searches them', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/users', { key: ADMIN });
    const { page } = opened;
    await page.locator('[data-page="users"][data-ready="true"]').waitFor();
    const byCalls = await apiGet(server, `/api/v1/analytics/breakdown?hours=24&tz=${tz}&${LIST}&order=calls`);
    expect(byCalls.rows.length).toBe(4);
    await expectUserRows(page, byCalls);
    expect(await kpi(page, 'kpi-users')).toBe('4');
    expect(await kpi(page, 'kpi-calls')).toBe(String(byCalls.total.calls));
    expectShows((await kpi(page, 'kpi-cost'))!, byCalls.total.cost_usd);
    expect(await page.locator('[data-chart="Top users by calls"] canvas').count()).toBe(1);

    await page.getByTestId('rank-select').selectOption('cost_usd');
    await poll(() => page.url()).toContain('rank=cost_usd');
    const byCost = await apiGet(server, `/api/v1/analytics/breakdown?hours=24&tz=${tz}&${LIST}&order=cost_usd`);
    await expectUserRows(page, byCost);
    expect(await page.locator('[data-chart="Top users by cost"] canvas').count()).toBe(1);

    await page.getByTestId('user-search').fill('ER-3');
    await poll(() => page.url()).toContain('q=ER-3');
    await poll(async () => (await rowsOf(page, 'users-table')).map((c) => c[1])).toEqual(['user-3']);
    await poll(() => page.locator('#users-all').textContent()).toBe('1 of 4 users');
    await page.getByTestId('user-search').fill('nobody');
    await poll(() => page.getByText('No user id contains “nobody”.').count()).toBe(1);
    await page.getByTestId('user-search').fill('');
    await screenshot(page, 'users');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('follows a filter change and a time-range change, and keeps them in the URL', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/users', { key: ADMIN });
    const { page } = opened;
    await page.locator('[data-page="users"][data-ready="true"]').waitFor();
    await page.getByTestId('filter-field').selectOption('model');
    await page.getByTestId('filter-value').fill('gpt-4o');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await poll(() => page.url()).toContain('model=gpt-4o');
    const day = await apiGet(server, `/api/v1/analytics/breakdown?hours=24&tz=${tz}&${LIST}&order=calls&model=gpt-4o`);
    expect(day.total.calls).toBe(20);
    await poll(() => kpi(page, 'kpi-calls')).toBe(String(day.total.calls));
    await expectUserRows(page, day);

    await page.getByTestId('range-select').selectOption('7d');
    await poll(() => page.url()).toContain('range=7d');
    const week = await apiGet(
      server,
      `/api/v1/analytics/breakdown?hours=168&tz=${tz}&${LIST}&order=calls&model=gpt-4o`,
    );
    expect(week.total.calls).toBeGreaterThan(day.total.calls);
    await poll(() => kpi(page, 'kpi-calls')).toBe(String(week.total.calls));
    await expectUserRows(page, week);

    // The link reproduces the view in a new tab.
    const url = new URL(page.url());
    const again = await openPage(browser, server, url.pathname + url.search, { key: ADMIN });
    await poll(() => kpi(again.page, 'kpi-calls')).toBe(String(week.total.calls));
    expectNoProblems(opened);
    expectNoProblems(again);
    await opened.context.close();
    await again.context.close();
  });

  it("opens a user from the list with Enter and shows the API's view of that user", { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/users?range=7d', { key: ADMIN });
    const { page } = opened;
    await page.locator('[data-page="users"][data-ready="true"]').waitFor();
    await page.getByTestId('users-table').locator('tbody tr', { hasText: 'user-2' }).focus();
    await page.keyboard.press('Enter');
    await poll(() => new URL(page.url()).pathname).toBe('/users/user-2');
    expect(new URL(page.url()).search).toBe('?range=7d');
    await page.locator('[data-page="user"][data-ready="true"]').waitFor();

    const usage = await apiGet(server, `/api/v1/analytics/users/user-2?hours=168&tz=${tz}`);
    await poll(() => kpi(page, 'kpi-calls')).toBe(String(usage.totals.calls));
    expect(await kpi(page, 'kpi-sessions')).toBe(String(usage.totals.sessions));
    expectShows((await kpi(page, 'kpi-cost'))!, usage.totals.cost_usd);
    expectShows((await kpi(page, 'kpi-error-rate'))!, usage.totals.error_rate);
    expect(await page.locator('[data-chart="Calls and cost per day"] canvas').count()).toBe(1);
    const models = await rowsOf(page, 'user-models');
    expect(models.map((c) => c[0])).toEqual(usage.models.map((m: any) => m.model));
    expect(models.map((c) => c[1])).toEqual(usage.models.map((m: any) => String(m.calls)));
    // Each recent session links to its own page, keeping the view's range.
    const links = page.getByTestId('user-sessions').locator('tbody a');
    expect(await links.allTextContents()).toEqual(usage.sessions.map((s: any) => s.session_id));
    expect(await links.first().getAttribute('href')).toBe(`/sessions/${usage.sessions[0].session_id}?range=7d`);

    // The agent-run view covers every UTC day the range touches.
    const runsPanel = page.locator('[data-testid="agent-runs"][data-ready="true"]');
    await runsPanel.waitFor();
    const utcDays = Math.floor(Date.now() / DAY_MS) - Math.floor((Date.now() - 7 * DAY_MS) / DAY_MS) + 1;
    const runs = await apiGet(server, `/api/v1/analytics/user/user-2?days=${utcDays}`);
    await poll(() => kpi(page, 'runs-total')).toBe(String(runs.summary.total_agent_runs));
    expectShows((await kpi(page, 'runs-cost'))!, runs.summary.total_cost);
    expectShows((await kpi(page, 'runs-success'))!, runs.summary.success_rate);
    for (const [outcome, n] of Object.entries(runs.agent_runs_by_outcome)) {
      expect(await page.locator(`[data-outcome="${outcome}"] strong`).textContent()).toBe(String(n));
    }
    const conversations = await rowsOf(page, 'conversations');
    expect(conversations.map((c) => c[1])).toEqual(runs.conversation_stats.map((s: any) => String(s.count)));
    expect(await page.locator('[data-chart="Agent run cost per UTC day"] canvas').count()).toBe(1);

    // The newest calls, newest first; one opens with all its fields.
    const raw = await apiGet(server, `/api/v1/analytics/user/user-2/raw?days=${Math.min(30, utcDays)}&limit=50`);
    const calls = page.getByTestId('user-calls').locator('tbody tr');
    await poll(() => calls.count()).toBe(raw.length);
    await calls.first().click();
    const fields = page.getByTestId('call-fields');
    await poll(() => fields.locator('[data-field="id"] dd').textContent()).toBe(raw[0].id);
    expect(await fields.locator('[data-field="input_text"] dd').textContent()).toBe(raw[0].input_text);
    await page.keyboard.press('Escape');
    await poll(() => fields.count()).toBe(0);

    // A shorter range asks again.
    await page.getByTestId('range-select').selectOption('24h');
    const day = await apiGet(server, `/api/v1/analytics/users/user-2?hours=24&tz=${tz}`);
    expect(day.totals.calls).toBeLessThan(usage.totals.calls);
    await poll(() => kpi(page, 'kpi-calls')).toBe(String(day.totals.calls));
    await screenshot(page, 'user-detail');

    await page.getByRole('link', { name: '← All users' }).click();
    await poll(() => new URL(page.url()).pathname).toBe('/users');
    expect(new URL(page.url()).searchParams.get('range')).toBe('24h');
    await page.locator('[data-page="users"][data-ready="true"]').waitFor();
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('shows a user in dark mode, and says so when the user has no calls', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/users/user-4?range=7d', { key: ADMIN, colorScheme: 'dark' });
    const { page } = opened;
    await page.locator('[data-page="user"][data-ready="true"]').waitFor();
    const usage = await apiGet(server, `/api/v1/analytics/users/user-4?hours=168&tz=${tz}`);
    await poll(() => kpi(page, 'kpi-calls')).toBe(String(usage.totals.calls));
    await page.locator('[data-testid="agent-runs"][data-ready="true"]').waitFor();
    await screenshot(page, 'user-detail-dark');

    await page.goto(`${server.url}/users/nobody-at-all`);
    await page.locator('[data-page="user"][data-ready="true"]').waitFor();
    await poll(() => page.getByText('This user made no calls in this range').count()).toBe(1);
    await poll(() => page.getByText('No agent runs in these days.').count()).toBe(1);
    expectNoProblems(opened);
    await opened.context.close();
  });
});
