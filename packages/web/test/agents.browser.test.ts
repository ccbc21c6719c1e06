import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, TIME_ZONE, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

useSeededBrowser((b, s) => ([browser, server] = [b, s]));

const tz = TIME_ZONE;

/** Waits (the machine may be busy) for something the page shows after an answer arrives. */
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 200 });
/** Spaces as one kind, so the ICU of Node and of Chromium may differ on the space before AM/PM. */
const plain = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
const en = (n: number) => n.toLocaleString('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
/** Token counts as the list writes them: in full below 10,000, else `30.3K`. */
const tokens = (n: number) => (n < 10_000 ? en(n) : compact.format(n));
/** A seed 000 instant (UTC, no zone) as the page writes it: the browser's zone, en-US, medium date and time. */
const shownTime = (t: string) =>
  plain(new Date(`${t}Z`).toLocaleString('en-US', { timeZone: tz, dateStyle: 'medium', timeStyle: 'medium' }));
/** A seed 000 date as the page writes it. */
const shownDate = (d: string) => {
  const [y, m, day] = d.split('-').map(Number);
  return new Date(y!, m! - 1, day!).toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
};
const url = (page: Page) => new URL(page.url()).searchParams;
const kpi = (page: Page, id: string) => page.getByTestId(id).locator('[data-kpi-value]').textContent();

async function ready(page: Page) {
  await page.locator('[data-page="agents"][data-ready="true"]').waitFor();
}

/** The list's rows as the user reads them: each figure by its column. */
function listed(page: Page): Promise<Record<string, string>[]> {
  return page
    .getByTestId('agent-table')
    .locator('tbody tr')
    .evaluateAll((trs: any[]) =>
      trs.map((tr) =>
        Object.fromEntries([...tr.querySelectorAll('[data-col]')].map((e: any) => [e.dataset.col, e.textContent])),
      ),
    )
    .catch(() => []);
}

/** The list the page must show: each agent's versions, from a version breakdown per agent. */
async function expectedList(query: string): Promise<Record<string, string>[]> {
  const metrics = 'calls,users,sessions,total_tokens,cost_usd';
  const agents = await apiGet(server, `/api/v1/analytics/breakdown?${query}&by=agent_name&metrics=calls&limit=100`);
  const rows: Record<string, string>[] = [];
  for (const a of agents.rows) {
    if (a.value === null) continue;
    const q = new URLSearchParams(query);
    q.set('agent_name', a.value);
    const versions = await apiGet(
      server,
      `/api/v1/analytics/breakdown?${q}&by=agent_version&metrics=${metrics}&limit=1000`,
    );
    for (const v of versions.rows) {
      rows.push({
        name: a.value,
        version: v.value,
        calls: en(v.calls),
        users: en(v.users),
        sessions: en(v.sessions),
        tokens: tokens(v.total_tokens),
        cost: v.cost_usd === null ? '—' : `$${v.cost_usd.toFixed(6)}`,
      });
    }
  }
  return rows;
}

/** Costs are compared to the cent fraction shown: `$0.1475` is 0.14745 rounded. */
const costOf = (text: string) => Number(text.replace('$', ''));
function sameList(shown: Record<string, string>[], want: Record<string, string>[]): string[] {
  const problems: string[] = [];
  if (shown.length !== want.length) problems.push(`${shown.length} rows shown for ${want.length}`);
  for (const w of want) {
    const row = shown.find((s) => s['name'] === w['name'] && s['version'] === w['version']);
    if (!row) {
      problems.push(`no row for ${w['name']} ${w['version']}`);
      continue;
    }
    for (const col of ['calls', 'users', 'sessions', 'tokens']) {
      if (row[col] !== w[col]) problems.push(`${w['name']} ${w['version']} ${col}: ${row[col]} for ${w[col]}`);
    }
    const digits = (row['cost'] ?? '').split('.')[1]?.length ?? 0;
    if (!(Math.abs(costOf(row['cost'] ?? '') - costOf(w['cost']!)) <= 0.5 * 10 ** -digits + 1e-12)) {
      problems.push(`${w['name']} ${w['version']} cost: ${row['cost']} for ${w['cost']}`);
    }
  }
  return problems;
}

async function expectList(page: Page, query: string) {
  const want = await expectedList(query);
  await poll(async () => sameList(await listed(page), want)).toEqual([]);
  return want;
}

/** Seed 000's answers for one version over `days`, and the page showing the same sessions, messages and tokens. */
async function expectDetail(page: Page, name: string, version: string, days: number) {
  const q = `agent_name=${encodeURIComponent(name)}&agent_version=${encodeURIComponent(version)}&days=${days}&tz=${tz}`;
  const agent = await apiGet(server, `/analytics/agent?${q}`);
  const totals = await apiGet(server, `/total-tokens?${q}`);
  await poll(() => kpi(page, 'agent-messages')).toBe(en(agent.metrics.total_messages));
  expect(await kpi(page, 'agent-sessions')).toBe(en(agent.metrics.total_sessions));
  expect(await kpi(page, 'agent-users')).toBe(en(agent.metrics.total_users));
  expect(await kpi(page, 'agent-daily')).toBe(en(agent.metrics.avg_daily_messages));
  await poll(() => kpi(page, 'agent-total-tokens')).toBe(
    en(totals.total_prompt_tokens + totals.total_completion_tokens),
  );
  expect(await kpi(page, 'agent-prompt-tokens')).toBe(en(totals.total_prompt_tokens));
  expect(await kpi(page, 'agent-completion-tokens')).toBe(en(totals.total_completion_tokens));
  const range = `${shownDate(agent.date_range.start_date)} – ${shownDate(agent.date_range.end_date)}`;
  expect(plain(await page.getByTestId('seed-dates').textContent())).toBe(range);
  return { agent, q };
}

describe('Agents', () => {
  it(
    'lists every agent version with the API’s numbers, and opens one with seed 000’s views',
    { timeout: 60_000 },
    async () => {
      const opened = await openPage(browser, server, '/agents', { key: ADMIN });
      const { page } = opened;
      await ready(page);
      const list = await expectList(page, `hours=24&tz=${tz}`);
      expect(list.map((r) => `${r['name']} ${r['version']}`).sort()).toEqual([
        'Research Agent 0.3.0',
        'Support Bot 1.0.0',
        'Support Bot 1.1.0',
      ]);

      // A version chosen from the keyboard opens, and the URL names it.
      const row = page
        .getByTestId('agent-table')
        .locator('tbody tr')
        .filter({ has: page.locator('[data-col="version"]', { hasText: /^1\.1\.0$/ }) });
      await row.focus();
      await page.keyboard.press('Enter');
      await poll(async () => `${url(page).get('agent')} ${url(page).get('version')}`).toBe('Support Bot 1.1.0');
      await page.locator('[data-testid="agent-detail"][data-ready="true"]').waitFor();
      const { q } = await expectDetail(page, 'Support Bot', '1.1.0', 1);
      expect(plain(await page.getByTestId('seed-range').textContent())).toContain('the last 24 hours');

      // Its newest replies, at the time of the browser's zone.
      const recent = await apiGet(server, `/recentmessages?${q}&limit=25`);
      const messages = page.getByTestId('recent-messages').locator('tbody tr');
      await poll(() => messages.count()).toBe(recent.messages.length);
      const first = recent.messages[0];
      expect(await messages.first().locator('[data-col="message"]').textContent()).toBe(first.message);
      expect(plain(await messages.first().locator('[data-col="time"]').textContent())).toBe(shownTime(first.timestamp));
      expect(await messages.first().locator('[data-col="session"]').textContent()).toBe(first.session_id);
      for (const chart of ['Sessions per day', 'Prompt and completion tokens per day']) {
        await poll(() => page.locator(`[data-chart="${chart}"] canvas`).count()).toBe(1);
      }

      // The usage log is the other tab, kept in the URL.
      await page.getByRole('tab', { name: 'Usage log' }).click();
      await poll(async () => url(page).get('tab')).toBe('usage');
      const usage = await apiGet(server, `/detailed-usage?${q}&limit=25`);
      await poll(() => page.getByTestId('usage-log').locator('tbody tr').count()).toBe(usage.usage_logs.length);
      await page.getByRole('tab', { name: 'Recent messages' }).click();
      await poll(() => messages.count()).toBe(recent.messages.length);

      await screenshot(page, 'agents');
      expectNoProblems(opened);
      await opened.context.close();
    },
  );

  it('follows a time-range change in the list and in seed 000’s views', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/agents?agent=Support%20Bot&version=1.0.0', { key: ADMIN });
    const { page } = opened;
    await ready(page);
    await expectDetail(page, 'Support Bot', '1.0.0', 1);

    // A week: the list and the views both cover it.
    await page.getByTestId('range-select').selectOption('7d');
    await poll(async () => url(page).get('range')).toBe('7d');
    await expectList(page, `hours=168&tz=${tz}`);
    const week = await expectDetail(page, 'Support Bot', '1.0.0', 7);
    expect(week.agent.metrics.total_messages).toBeGreaterThan(20);
    await poll(async () => plain(await page.getByTestId('seed-range').textContent())).toContain('the last 7 days');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it(
    'follows a filter in the list, and says which period and calls seed 000’s views cover',
    { timeout: 60_000 },
    async () => {
      const opened = await openPage(browser, server, '/agents?range=7d&agent=Support%20Bot&version=1.0.0', {
        key: ADMIN,
      });
      const { page } = opened;
      await ready(page);

      // A filter narrows the list; the seed views, which take none, say so and keep showing the whole version.
      await page.getByTestId('filter-field').selectOption('model');
      await page.getByTestId('filter-value').fill('gpt-4o');
      await page.getByRole('button', { name: 'Add filter' }).click();
      await poll(async () => url(page).get('model')).toBe('gpt-4o');
      const filtered = await expectList(page, `hours=168&tz=${tz}&model=gpt-4o`);
      expect(filtered.map((r) => `${r['name']} ${r['version']}`)).toEqual(['Support Bot 1.0.0']);
      await poll(async () => plain(await page.getByTestId('seed-range').textContent())).toContain(
        'The filters above do not apply to them',
      );

      // Thirty days are more than the seed routes look back: the page says the views cover 20.
      await page.getByTestId('range-select').selectOption('30d');
      await poll(async () => url(page).get('range')).toBe('30d');
      await expectList(page, `hours=720&tz=${tz}&model=gpt-4o`);
      await expectDetail(page, 'Support Bot', '1.0.0', 20);
      expect(plain(await page.getByTestId('seed-range').textContent())).toContain(
        'These views cover the last 20 days, ending now, the longest they can',
      );
      await screenshot(page, 'agents-filtered');
      expectNoProblems(opened);
      await opened.context.close();
    },
  );

  it('opens a shared link, in the dark theme', { timeout: 60_000 }, async () => {
    const dark = await openPage(browser, server, '/agents?range=7d&agent=Research%20Agent&version=0.3.0', {
      key: ADMIN,
      colorScheme: 'dark',
    });
    await ready(dark.page);
    expect(await dark.page.locator('html').getAttribute('data-theme')).toBe('dark');
    await expectList(dark.page, `hours=168&tz=${tz}`);
    await expectDetail(dark.page, 'Research Agent', '0.3.0', 7);
    await screenshot(dark.page, 'agents-dark');
    expectNoProblems(dark);
    await dark.context.close();
  });

  it('says so when a version made no calls in the period, without a failed request', { timeout: 60_000 }, async () => {
    const none = await openPage(browser, server, '/agents?agent=Support%20Bot&version=9.9.9', { key: ADMIN });
    await ready(none.page);
    await poll(() => none.page.getByTestId('agent-detail').textContent()).toContain(
      'Support Bot 9.9.9 made no calls in the period these views cover',
    );
    expect(await none.page.getByRole('alert').count()).toBe(0);
    expectNoProblems(none);
    await none.context.close();
  });
});
