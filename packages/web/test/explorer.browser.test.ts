import { readFile } from 'node:fs/promises';
import type { Browser, Download, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, TIME_ZONE, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

useSeededBrowser((b, s) => ([browser, server] = [b, s]));

const plain = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
/** How the page writes a time: the browser's zone, en-US, medium date and time. */
const shown = (t: string | number) =>
  plain(new Date(t).toLocaleString('en-US', { timeZone: TIME_ZONE, dateStyle: 'medium', timeStyle: 'medium' }));

async function ready(page: Page) {
  await page.locator('[data-page="explorer"][data-ready="true"]').waitFor();
}

/** The range the page pinned, so the test asks the API for exactly the calls the page lists. */
async function pinnedRange(page: Page): Promise<string> {
  const root = page.locator('[data-page="explorer"]');
  const from = await root.getAttribute('data-from');
  const to = await root.getAttribute('data-to');
  return `from=${encodeURIComponent(from!)}&to=${encodeURIComponent(to!)}`;
}

/** Every call the API lists for a query, following next_cursor. */
async function allCalls(query: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await apiGet(
      server,
      `/api/v1/analytics/events?${query}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...page.events);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/** The table's rows as the cells a user reads: time, provider, model, status, …, user, session, agent. */
function tableRows(page: Page): Promise<string[][]> {
  return page
    .getByTestId('events-table')
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

/** A call as the table writes it (the columns the API's numbers do not need formatting for). */
const asRow = (c: any) => [shown(c.timestamp), c.provider, c.model, c.status, c.user_id, c.session_id];
const pick = (cells: string[]) => [plain(cells[0]!), cells[1], cells[2], cells[3], cells[7], cells[8]];

const rowCount = (page: Page) => page.getByTestId('events-table').locator('tbody tr').count();

describe('Explorer', () => {
  it('lists the API’s calls newest first, page by page', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/explorer', { key: ADMIN });
    const { page } = opened;
    await ready(page);
    const range = await pinnedRange(page);
    const first = await apiGet(server, `/api/v1/analytics/events?${range}&limit=50`);
    expect(first.next_cursor).not.toBeNull();
    await expect.poll(() => rowCount(page)).toBe(first.events.length);
    expect((await tableRows(page)).map(pick)).toEqual(first.events.map(asRow));
    await expect.poll(() => page.getByTestId('match-count').textContent()).toBe('60 calls');

    // "Load more" follows next_cursor to the end of the range.
    const every = await allCalls(range);
    expect(every).toHaveLength(60);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rowCount(page)).toBe(every.length);
    expect((await tableRows(page)).map(pick)).toEqual(every.map(asRow));
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    await screenshot(page, 'explorer');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('opens a call with every field from the keyboard, and its link opens it again', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/explorer', { key: ADMIN });
    const { page } = opened;
    await ready(page);
    const listed = await apiGet(server, `/api/v1/analytics/events?${await pinnedRange(page)}&limit=5`);
    const call = await apiGet(server, `/api/v1/events/${listed.events[3].id}`);
    await page.getByTestId('events-table').locator('tbody tr').nth(3).focus();
    await page.keyboard.press('Enter');
    const drawer = page.getByRole('dialog', { name: 'Call details' });
    const fields = drawer.getByTestId('event-fields');
    await expect.poll(() => fields.getAttribute('data-event-id')).toBe(call.id);
    await expect.poll(() => page.url()).toContain(`event=${call.id}`);
    for (const f of Object.keys(call)) {
      if (f === 'metadata' || f === 'tags') continue;
      expect(await fields.locator(`[data-field="${f}"]`).count(), `field ${f}`).toBe(1);
    }
    expect(await fields.locator('[data-field="model"]').textContent()).toBe(call.model);
    expect(plain(await fields.locator('[data-field="timestamp"]').textContent())).toBe(shown(call.timestamp));
    expect(await fields.locator('[data-field="metadata.customer"]').textContent()).toBe(call.metadata.customer);
    expect(await fields.locator('[data-field="tags"]').textContent()).toBe(call.tags.join(''));
    expect(await fields.locator('[data-field="input_text"]').textContent()).toBe(call.input_text);
    expect(await fields.locator('[data-field="output_text"]').textContent()).toBe(call.output_text);
    await screenshot(page, 'explorer-detail');

    // The link reproduces the open drawer (here in the dark theme); its session and user links lead to their pages.
    const again = await openPage(browser, server, new URL(page.url()).pathname + new URL(page.url()).search, {
      key: ADMIN,
      colorScheme: 'dark',
    });
    const againFields = again.page.getByRole('dialog', { name: 'Call details' }).getByTestId('event-fields');
    await expect.poll(() => againFields.getAttribute('data-event-id')).toBe(call.id);
    await expect.poll(() => againFields.locator('[data-field="input_text"]').textContent()).toBe(call.input_text);
    await screenshot(again.page, 'explorer-detail-dark');
    expect(await fields.getByRole('link', { name: call.user_id }).getAttribute('href')).toMatch(
      new RegExp(`^/users/${call.user_id}(\\?|$)`),
    );
    await fields.getByRole('link', { name: call.session_id }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/sessions/${call.session_id}`);
    expectNoProblems(opened);
    expectNoProblems(again);
    await opened.context.close();
    await again.context.close();
  });

  it('follows a metadata filter and a time-range change with the API’s calls', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/explorer', { key: ADMIN });
    const { page } = opened;
    await ready(page);
    await page.getByTestId('metadata-key').fill('customer');
    await page.getByTestId('metadata-value').fill('acme');
    await page.getByRole('button', { name: 'Add metadata filter' }).click();
    await expect.poll(() => page.url()).toContain('metadata.customer=acme');
    await ready(page);
    const day = await allCalls(`${await pinnedRange(page)}&metadata.customer=acme`);
    expect(day).toHaveLength(30);
    await expect.poll(() => rowCount(page)).toBe(day.length);
    expect((await tableRows(page)).map(pick)).toEqual(day.map(asRow));
    await expect.poll(() => page.getByTestId('match-count').textContent()).toBe('30 calls');

    const dayRange = await pinnedRange(page);
    await page.getByTestId('range-select').selectOption('7d');
    await expect.poll(() => page.url()).toContain('range=7d');
    await expect.poll(() => pinnedRange(page)).not.toBe(dayRange);
    await ready(page);
    const week = await allCalls(`${await pinnedRange(page)}&metadata.customer=acme`);
    expect(week.length).toBeGreaterThan(day.length);
    await expect.poll(() => rowCount(page)).toBe(week.length);
    expect((await tableRows(page)).map(pick)).toEqual(week.map(asRow));
    await expect.poll(() => page.getByTestId('match-count').textContent()).toBe(`${week.length} calls`);
    await screenshot(page, 'explorer-filtered');

    expectNoProblems(opened);
    await opened.context.close();
  });

  it('exports exactly the filtered calls as CSV, JSON and Parquet', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/explorer', { key: ADMIN });
    const { page } = opened;
    await ready(page);
    await page.getByTestId('filter-field').selectOption('model');
    await page.getByTestId('filter-value').fill('gpt-4o-mini');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await expect.poll(() => page.url()).toContain('model=gpt-4o-mini');
    await ready(page);
    const range = await pinnedRange(page);
    const expected = (await allCalls(`${range}&model=gpt-4o-mini`)).map((c) => c.id).sort();
    expect(expected).toHaveLength(20);

    const exportAs = async (format: string): Promise<Download> => {
      await page.getByTestId('export-format').selectOption(format);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export', exact: true }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(
        new RegExp(`^tally-export-\\d{8}T\\d{6}Z-\\d{8}T\\d{6}Z\\.${format}$`),
      );
      return download;
    };

    const csv = await readFile((await (await exportAs('csv')).path())!, 'utf8');
    const [header, ...lines] = csv.trim().split(/\r?\n/);
    expect(header!.split(',')[0]).toBe('id');
    const modelColumn = header!.split(',').indexOf('model');
    expect(lines.map((l) => l.split(',')[0]).sort()).toEqual(expected);
    expect(new Set(lines.map((l) => l.split(',')[modelColumn]))).toEqual(new Set(['gpt-4o-mini']));

    const json = JSON.parse(await readFile((await (await exportAs('json')).path())!, 'utf8'));
    expect(json.map((c: any) => c.id).sort()).toEqual(expected);

    const parquet = await readFile((await (await exportAs('parquet')).path())!);
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    expect(parquet.subarray(-4).toString()).toBe('PAR1');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).textContent()).toContain('.parquet');
    expectNoProblems(opened);
    await opened.context.close();
  });
});
