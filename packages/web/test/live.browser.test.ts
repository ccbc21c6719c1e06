import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, type OpenedPage, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;
const OTHER = 'live-other';

useSeededBrowser((b, s) => ([browser, server] = [b, s]), {
  setUp: async (s) => {
    const r = await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id: OTHER, name: 'Live other' } });
    if (r.status !== 201) throw new Error(`creating project ${OTHER}: ${r.status} ${JSON.stringify(r.body)}`);
  },
});

let sequence = 0;

/** A call as an application would send it, stamped now, with a unique id. */
function call(id: string, fields: Record<string, unknown>) {
  sequence++;
  return {
    id,
    timestamp: new Date(Date.now() + sequence).toISOString(),
    provider: 'openai',
    model: 'gpt-4o',
    input_tokens: 100 + sequence * 7,
    output_tokens: 20 + sequence,
    duration_ms: 300 + sequence,
    status: 'success',
    user_id: 'user-live',
    input_text: `live question ${id}`,
    output_text: `live answer ${id}`,
    ...fields,
  };
}

async function ingest(project: string | null, events: Record<string, unknown>[]): Promise<void> {
  const r = await server.call('POST', '/api/v1/ingest/llm/bulk', {
    key: ADMIN,
    headers: project ? { 'x-tally-project': project } : {},
    body: { events },
  });
  if (r.status !== 207 && r.status !== 200 && r.status !== 201) {
    throw new Error(`ingest: ${r.status} ${JSON.stringify(r.body)}`);
  }
  expect(r.body.rejected ?? 0).toBe(0);
}

/** The ids of the calls the page lists, top to bottom. */
const shownIds = (page: Page) =>
  page.locator('[data-call-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-call-id')));

const kpi = (page: Page, id: string) => page.getByTestId(id).locator('[data-kpi-value]').textContent();
const asNumber = (text: string | null) => Number((text ?? '').replace(/[$,]/g, ''));

/** A dollar amount on screen equals `value` to the digits it shows. */
function expectMoney(text: string | null, value: number): void {
  const digits = (text ?? '').split('.')[1]?.length ?? 0;
  expect(Math.abs(asNumber(text) - value)).toBeLessThanOrEqual(0.5 * 10 ** -digits + 1e-12);
}

/** Waits until the page's stream is open with exactly these filters (the server confirmed them). */
async function liveWith(page: Page, filters: string): Promise<void> {
  await page.locator(`[data-testid="live-state"][data-state="live"][data-filters="${filters}"]`).waitFor();
}

describe('Live', () => {
  it(
    'shows exactly the new calls of its project that match the filter, with their totals',
    { timeout: 60_000 },
    async () => {
      const opened = await openPage(browser, server, '/live?model=gpt-4o-mini', { key: ADMIN });
      const { page } = opened;
      await page.locator('[data-page="live"][data-ready="true"]').waitFor();
      await liveWith(page, 'model=gpt-4o-mini');
      expect(await page.getByTestId('filter-bar').textContent()).toContain('gpt-4o-mini');
      // Nothing from before: the seeded calls are not new.
      expect(await shownIds(page)).toEqual([]);
      expect(await kpi(page, 'live-calls')).toBe('0');

      const matching = ['live-a-1', 'live-a-2', 'live-a-3'];
      await ingest(null, [
        call('live-a-1', { model: 'gpt-4o-mini', status: 'error', error_type: 'RateLimitError', status_code: 429 }),
        call('live-x-1', { model: 'gpt-4o' }),
        call('live-a-2', { model: 'gpt-4o-mini' }),
      ]);
      await ingest(OTHER, [call('live-o-1', { model: 'gpt-4o-mini' })]);
      await ingest(null, [call('live-x-2', { model: 'claude-sonnet-4-5', provider: 'anthropic' })]);
      await ingest(null, [call('live-a-3', { model: 'gpt-4o-mini' })]);

      await expect.poll(async () => [...(await shownIds(page))].sort()).toEqual(matching);
      // Newest on top: the last one stored is first.
      expect((await shownIds(page))[0]).toBe('live-a-3');

      // The totals are those of the same calls as the events API lists them.
      const listed = (await apiGet(server, '/api/v1/analytics/events?model=gpt-4o-mini&limit=100')).events.filter(
        (e: { id: string }) => matching.includes(e.id),
      );
      expect(listed).toHaveLength(3);
      const tokens = listed.reduce((s: number, e: any) => s + e.total_tokens, 0);
      const cost = listed.reduce((s: number, e: any) => s + (e.cost_usd ?? 0), 0);
      await expect.poll(() => kpi(page, 'live-calls')).toBe('3');
      expect(asNumber(await kpi(page, 'live-tokens'))).toBe(tokens);
      expectMoney(await kpi(page, 'live-cost'), cost);
      expect(await kpi(page, 'live-errors')).toBe('1');

      // The other project's call is stored there, and never shows here.
      const other = await server.call('GET', '/api/v1/events/live-o-1', {
        key: ADMIN,
        headers: { 'x-tally-project': OTHER },
      });
      expect(other.status).toBe(200);
      expect(await shownIds(page)).not.toContain('live-o-1');

      // A row opens its details from the keyboard.
      await page.locator('[data-call-id="live-a-1"]').locator('xpath=ancestor::tr').focus();
      await page.keyboard.press('Enter');
      const detail = page.getByTestId('call-detail');
      await detail.waitFor();
      expect(await detail.textContent()).toContain('live question live-a-1');
      expect(await detail.textContent()).toContain('RateLimitError');
      await screenshot(page, 'live-detail');
      await page.keyboard.press('Escape');
      await detail.waitFor({ state: 'detached' });

      await screenshot(page, 'live');
      expectNoProblems(opened);
      await opened.context.close();
    },
  );

  it('subscribes again when a filter changes, ignores the time range, and pauses', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/live', { key: ADMIN, colorScheme: 'dark' });
    const { page } = opened;
    await liveWith(page, '');

    await page.getByTestId('filter-field').selectOption('user_id');
    await page.getByTestId('filter-value').fill('user-live-b');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await expect.poll(() => page.url()).toContain('user_id=user-live-b');
    await liveWith(page, 'user_id=user-live-b');

    await ingest(null, [call('live-b-1', { user_id: 'user-live-b' }), call('live-y-1', { user_id: 'user-live-c' })]);
    await expect.poll(() => shownIds(page)).toEqual(['live-b-1']);
    const first = await apiGet(server, '/api/v1/events/live-b-1');
    expect(asNumber(await kpi(page, 'live-tokens'))).toBe(first.total_tokens);

    // The time range does not apply to new calls: changing it keeps the stream and what it showed.
    await page.getByTestId('range-select').selectOption('7d');
    await expect.poll(() => page.url()).toContain('range=7d');
    await liveWith(page, 'user_id=user-live-b');
    expect(await shownIds(page)).toEqual(['live-b-1']);

    // Paused: calls keep coming and are counted, but the list stays as it was until resumed.
    await page.getByTestId('live-pause').click();
    await ingest(null, [call('live-b-2', { user_id: 'user-live-b' }), call('live-b-3', { user_id: 'user-live-b' })]);
    await expect.poll(() => page.getByTestId('live-waiting').textContent()).toContain('2 new calls waiting');
    expect(await kpi(page, 'live-calls')).toBe('3');
    expect(await shownIds(page)).toEqual(['live-b-1']);
    await screenshot(page, 'live-paused-dark');
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => shownIds(page)).toEqual(['live-b-3', 'live-b-2', 'live-b-1']);
    expect(await page.getByTestId('live-waiting').count()).toBe(0);

    // Removing the filter starts a new count of every call of the project.
    await page.getByRole('button', { name: 'Remove filter User' }).click();
    await liveWith(page, '');
    await expect.poll(() => kpi(page, 'live-calls')).toBe('0');
    await ingest(null, [call('live-z-1', { user_id: 'user-live-d' })]);
    await expect.poll(() => shownIds(page)).toEqual(['live-z-1']);

    expectNoProblems(opened);
    await opened.context.close();
  });

  it('says why the stream failed, reconnects, and shows the calls again', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/live', { key: ADMIN });
    const { page } = opened;
    await liveWith(page, '');
    // The network fails every new live stream from now on; changing the filter opens one.
    const isLive = (url: URL) => url.pathname === '/api/v1/live';
    await page.route(isLive, (route) => route.abort('connectionfailed'));
    await page.getByTestId('filter-field').selectOption('user_id');
    await page.getByTestId('filter-value').fill('user-live-r');
    await page.getByRole('button', { name: 'Add filter' }).click();
    const reconnecting = page.locator('[data-testid="live-state"][data-state="reconnecting"]');
    await reconnecting.waitFor();
    await expect.poll(() => reconnecting.textContent()).toContain('could not be reached');
    await screenshot(page, 'live-reconnecting');

    await page.unroute(isLive);
    // Between tries the button skips the pause; while a try is under way there is none, and that try succeeds.
    const now = page.getByRole('button', { name: 'Reconnect now' });
    if (await now.isVisible()) await now.click({ timeout: 2_000 }).catch(() => undefined);
    await liveWith(page, 'user_id=user-live-r');
    await ingest(null, [call('live-r-1', { user_id: 'user-live-r' })]);
    await expect.poll(() => shownIds(page)).toEqual(['live-r-1']);
    // The failed attempts are the only problems: the browser logs each one.
    expect(opened.problems.filter((p) => !p.includes('net::ERR_'))).toEqual([]);
    await opened.context.close();
  });

  it('stops with the API message when the filter is invalid', { timeout: 60_000 }, async () => {
    const opened: OpenedPage = await openPage(browser, server, '/live?model=,', { key: ADMIN });
    const { page } = opened;
    const status = page.locator('[data-testid="live-state"][data-state="stopped"]');
    await status.waitFor();
    expect(await status.textContent()).toContain('422');
    expect(await status.textContent()).toContain('model');
    await screenshot(page, 'live-stopped');
    // The refused requests are the only problems: the browser logs each failed response.
    expect(opened.problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
    await opened.context.close();
  });
});
