import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, TIME_ZONE, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

useSeededBrowser((b, s) => ([browser, server] = [b, s]));

const tz = TIME_ZONE;
/** Spaces as one kind, so the ICU of Node and of Chromium may differ on the space before AM/PM. */
const plain = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
/** How the page writes a time: the browser's zone, en-US, medium date and time. */
const shown = (t: string | number) =>
  plain(new Date(t).toLocaleString('en-US', { timeZone: tz, dateStyle: 'medium', timeStyle: 'medium' }));
const pct = (n: number) => `${(n * 100).toFixed(2)}%`;
const kpi = (page: Page, id: string) => page.getByTestId(id).locator('[data-kpi-value]').textContent();

async function ready(page: Page) {
  await page.locator('[data-page="errors"][data-ready="true"]').waitFor();
}

describe('Errors', () => {
  it(
    'shows the totals, groups and errors by model the API returns, and a group’s calls in a drawer',
    { timeout: 60_000 },
    async () => {
      const opened = await openPage(browser, server, '/errors', { key: ADMIN });
      const { page } = opened;
      await ready(page);
      const api = await apiGet(server, `/api/v1/analytics/errors?hours=24&tz=${tz}`);
      expect(api.calls).toBe(60);
      expect(api.errors).toBeGreaterThan(0);
      await expect.poll(() => kpi(page, 'kpi-calls')).toBe(String(api.calls));
      expect(await kpi(page, 'kpi-errors')).toBe(String(api.errors));
      expect(await kpi(page, 'kpi-error-rate')).toBe(pct(api.error_rate));
      for (const [status, n] of Object.entries(api.by_status)) {
        expect(plain(await page.getByTestId('kpi-by-status').locator(`[data-status="${status}"]`).textContent())).toBe(
          `${status} ${n}`,
        );
      }
      expect(await page.locator('[data-chart="Errors and error rate over time"] canvas').count()).toBe(1);

      // Each group is one row: its type, its count, and its first and last time in the browser's zone.
      const rows = page.getByTestId('error-groups').locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(api.groups.length);
      const texts = (await rows.allTextContents()).map(plain);
      for (const g of api.groups) {
        const row = texts.find(
          (t) => t.startsWith(g.error_type ?? '(no type)') && t.includes(g.pattern ?? '(no message)'),
        );
        expect(row, `a row for ${g.error_type} ${g.pattern}`).toBeDefined();
        expect(row).toContain(shown(g.first_seen));
        expect(row).toContain(shown(g.last_seen));
        expect(row).toContain(`${g.pattern ?? '(no message)'}${g.count}`);
      }
      const byModel = plain(await page.getByTestId('errors-by-model').textContent());
      for (const m of api.by_model) expect(byModel).toContain(`${m.provider}${m.model}${m.calls}${m.errors}`);

      // Opening a group from the keyboard shows its calls, each read by id, with every field one click away.
      const group = api.groups.find((g: any) => g.error_type === 'RateLimitError');
      await rows.filter({ hasText: 'RateLimitError' }).focus();
      await page.keyboard.press('Enter');
      const drawer = page.getByRole('dialog', { name: 'Error group: RateLimitError' });
      await drawer.waitFor();
      await expect.poll(() => page.url()).toContain('group=RateLimitError');
      expect(await drawer.getByTestId('group-count').textContent()).toBe(String(group.count));
      const samples = drawer.getByTestId('error-sample');
      await expect.poll(() => samples.count()).toBe(group.sample_ids.length);
      expect(await samples.evaluateAll((els) => els.map((e) => e.getAttribute('data-event-id')))).toEqual(
        group.sample_ids,
      );
      const first = await apiGet(server, `/api/v1/events/${group.sample_ids[0]}`);
      const sample = samples.first();
      await expect.poll(() => sample.textContent()).toContain(first.error_message);
      await sample.getByText(`Every field of ${first.id}`).click();
      await expect.poll(() => sample.locator('[data-field="input_text"]').textContent()).toBe(first.input_text);
      expect(await sample.locator('[data-field="metadata.customer"]').textContent()).toBe(first.metadata.customer);
      await screenshot(page, 'errors-group');

      await page.keyboard.press('Escape');
      await expect.poll(() => page.url()).not.toContain('group=');
      await screenshot(page, 'errors');
      expectNoProblems(opened);
      await opened.context.close();
    },
  );

  it('follows a filter change and a time-range change with the API’s new numbers', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/errors', { key: ADMIN });
    const { page } = opened;
    await ready(page);
    await page.getByTestId('filter-field').selectOption('model');
    await page.getByTestId('filter-value').fill('gpt-4o');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await expect.poll(() => page.url()).toContain('model=gpt-4o');
    const day = await apiGet(server, `/api/v1/analytics/errors?hours=24&tz=${tz}&model=gpt-4o`);
    await expect.poll(() => kpi(page, 'kpi-calls')).toBe(String(day.calls));
    expect(await kpi(page, 'kpi-errors')).toBe(String(day.errors));
    expect(await kpi(page, 'kpi-error-rate')).toBe(pct(day.error_rate));
    await expect.poll(() => page.getByTestId('error-groups').locator('tbody tr').count()).toBe(day.groups.length);

    await page.getByTestId('range-select').selectOption('7d');
    await expect.poll(() => page.url()).toContain('range=7d');
    const week = await apiGet(server, `/api/v1/analytics/errors?hours=168&tz=${tz}&model=gpt-4o`);
    expect(week.calls).toBeGreaterThan(day.calls);
    await expect.poll(() => kpi(page, 'kpi-calls')).toBe(String(week.calls));
    expect(await kpi(page, 'kpi-error-rate')).toBe(pct(week.error_rate));

    // The dark theme draws the same page with its own colours.
    const dark = await openPage(browser, server, new URL(page.url()).pathname + new URL(page.url()).search, {
      key: ADMIN,
      colorScheme: 'dark',
    });
    await ready(dark.page);
    await expect.poll(() => kpi(dark.page, 'kpi-calls')).toBe(String(week.calls));
    await screenshot(dark.page, 'errors-dark');
    expectNoProblems(opened);
    expectNoProblems(dark);
    await opened.context.close();
    await dark.context.close();
  });
});
