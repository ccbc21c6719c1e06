import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

useSeededBrowser((b, s) => ([browser, server] = [b, s]));

const tz = 'America/New_York';

describe('Overview', () => {
  it('shows the totals, changes, charts and top lists the API returns', async () => {
    const opened = await openPage(browser, server, '/', { key: ADMIN });
    const { page } = opened;
    await page.locator('[data-page="overview"][data-ready="true"]').waitFor();
    const summary = await apiGet(server, `/api/v1/analytics/summary?hours=24&tz=${tz}&compare=previous`);
    expect(summary.metrics.calls).toBe(60);
    await expect.poll(() => page.getByTestId('kpi-calls').locator('[data-kpi-value]').textContent()).toBe('60');
    const changeText = await page.getByTestId('kpi-calls').textContent();
    expect(changeText).toContain(`+${(summary.change.calls * 100).toFixed(1)}%`);
    expect(await page.getByTestId('kpi-cost').locator('[data-kpi-value]').textContent()).toContain(
      `$${summary.metrics.cost_usd.toFixed(2)}`.slice(0, 4),
    );
    expect(await page.locator('[data-chart="Requests and errors over time"] canvas').count()).toBe(1);
    const models = await apiGet(server, `/api/v1/analytics/breakdown?hours=24&tz=${tz}&by=model&limit=5`);
    const topModels = page.getByTestId('top-model');
    for (const row of models.rows) await expect.poll(() => topModels.textContent()).toContain(row.value);
    await screenshot(page, 'overview');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('follows a filter change and a time-range change, and keeps them in the URL', async () => {
    const opened = await openPage(browser, server, '/', { key: ADMIN });
    const { page } = opened;
    await page.locator('[data-page="overview"][data-ready="true"]').waitFor();
    await page.getByTestId('filter-field').selectOption('model');
    await page.getByTestId('filter-value').fill('gpt-4o-mini');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await expect.poll(() => page.url()).toContain('model=gpt-4o-mini');
    const filtered = await apiGet(server, `/api/v1/analytics/summary?hours=24&tz=${tz}&model=gpt-4o-mini`);
    await expect
      .poll(() => page.getByTestId('kpi-calls').locator('[data-kpi-value]').textContent())
      .toBe(String(filtered.metrics.calls));

    await page.getByTestId('range-select').selectOption('7d');
    await expect.poll(() => page.url()).toContain('range=7d');
    const week = await apiGet(server, `/api/v1/analytics/summary?hours=168&tz=${tz}&model=gpt-4o-mini`);
    expect(week.metrics.calls).toBeGreaterThan(filtered.metrics.calls);
    await expect
      .poll(() => page.getByTestId('kpi-calls').locator('[data-kpi-value]').textContent())
      .toBe(String(week.metrics.calls));

    // The link reproduces the view in a new tab.
    const again = await openPage(browser, server, new URL(page.url()).pathname + new URL(page.url()).search, {
      key: ADMIN,
    });
    await expect
      .poll(() => again.page.getByTestId('kpi-calls').locator('[data-kpi-value]').textContent())
      .toBe(String(week.metrics.calls));
    await screenshot(page, 'overview-filtered');
    expectNoProblems(opened);
    expectNoProblems(again);
    await opened.context.close();
    await again.context.close();
  });
});
