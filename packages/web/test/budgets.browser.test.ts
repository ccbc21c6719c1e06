import type { Browser, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, type OpenedPage, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

// Evaluated every second rather than every minute, so that thresholds and rules have a state within the test.
useSeededBrowser((b, s) => ([browser, server] = [b, s]), { env: { TALLY_ALERT_INTERVAL_SECONDS: '1' } });

/** Waits for a condition of the server's own state (not the page's), without asserting any timing. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let value = await read();
  await expect.poll(async () => ok((value = await read()))).toBe(true);
  return value;
}

const budgetRow = (page: Page, id: string) => page.locator('tr', { has: page.locator(`[data-budget-id="${id}"]`) });
const alertRow = (page: Page, id: string) => page.locator('tr', { has: page.locator(`[data-alert-id="${id}"]`) });
const field = (form: Locator, label: string) => form.getByLabel(label, { exact: true });

/** Problems other than the failed responses the test itself provoked (the browser logs each one). */
const unexpected = (opened: OpenedPage, status: number) =>
  opened.problems.filter((p) => !p.includes(`status of ${status}`));

async function openBudgets(path = '/budgets', key = ADMIN, colorScheme: 'light' | 'dark' = 'light') {
  const opened = await openPage(browser, server, path, { key, colorScheme });
  await opened.page.locator('[data-page="budgets"][data-ready="true"]').waitFor();
  return opened;
}

describe('Budgets & alerts', () => {
  it(
    'creates a budget, lists it with the usage the API reports, edits and deletes it',
    { timeout: 60_000 },
    async () => {
      const opened = await openBudgets();
      const { page } = opened;
      expect(await page.getByTestId('budget-list').count()).toBe(0);
      expect(await page.textContent('[data-page="budgets"]')).toContain('No budget yet');

      await page.getByRole('button', { name: 'New budget' }).click();
      const form = page.getByTestId('budget-form');
      await field(form, 'Name').fill('Research calls');
      await field(form, 'Counts').selectOption('calls');
      await field(form, 'Limit').fill('100');
      await field(form, 'Period').selectOption('rolling');
      await field(form, 'Window (hours)').fill('48');
      await field(form, 'Agent').fill('Research Agent');
      await field(form, 'Alert at (% of the limit)').fill('50, 100');
      await form.getByRole('button', { name: 'Create budget' }).click();
      await form.waitFor({ state: 'detached' });

      const created = (await apiGet(server, '/api/v1/budgets')).budgets.find((b: any) => b.name === 'Research calls');
      expect(created).toMatchObject({ metric: 'calls', limit: 100, period: 'rolling', window_hours: 48 });
      expect(created.agent_name).toBe('Research Agent');
      expect(created.used).toBeGreaterThan(0);
      const row = budgetRow(page, created.id);
      await expect.poll(() => row.getByTestId('budget-used').textContent()).toBe(`${created.used} of 100`);
      expect(await row.getByTestId('budget-percent').textContent()).toBe(`${created.percent.toFixed(1)}%`);
      expect(await row.textContent()).toContain('agent Research Agent');
      expect(await row.textContent()).toContain('Calls, rolling 48 h');

      // The time range of other pages does not change what a budget counts.
      await page.getByTestId('range-select').selectOption('7d');
      await expect.poll(() => page.url()).toContain('range=7d');
      expect(await row.getByTestId('budget-used').textContent()).toBe(`${created.used} of 100`);
      await screenshot(page, 'budgets');

      // Edit: a lower limit crosses the 50% threshold, which sends an alert the detail lists.
      await page.getByRole('button', { name: 'Edit Research calls' }).click();
      const edit = page.getByTestId('budget-form');
      expect(await field(edit, 'Limit').inputValue()).toBe('100');
      await field(edit, 'Limit').fill(String(created.used + 10));
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await edit.waitFor({ state: 'detached' });
      const limit = created.used + 10;
      const changed = (await apiGet(server, `/api/v1/budgets/${created.id}`)) as any;
      expect(changed.limit).toBe(limit);
      await expect.poll(() => row.getByTestId('budget-used').textContent()).toBe(`${changed.used} of ${limit}`);
      expect(await row.getByTestId('budget-percent').textContent()).toBe(`${changed.percent.toFixed(1)}%`);

      const detail = await until(
        () => apiGet(server, `/api/v1/budgets/${created.id}`),
        (d: any) => d.alerts.length > 0,
      );
      await page.locator(`[data-budget-id="${created.id}"]`).click();
      await expect.poll(() => page.url()).toContain(`budget=${created.id}`);
      const panel = page.getByTestId('budget-detail');
      await panel.waitFor();
      await expect
        .poll(() => panel.getByTestId('notifications').textContent())
        .toContain(`${detail.alerts[0].payload.threshold}% reached`);
      await screenshot(page, 'budgets-detail');
      // The link reproduces the open detail.
      const again = await openBudgets(new URL(page.url()).pathname + new URL(page.url()).search);
      await again.page.getByTestId('budget-detail').waitFor();
      expectNoProblems(again);
      await again.context.close();
      await page.keyboard.press('Escape');
      await expect.poll(() => page.url()).not.toContain('budget=');

      // Delete asks first, then removes the budget.
      await page.getByRole('button', { name: 'Delete Research calls' }).click();
      await page.getByRole('button', { name: 'Yes, delete' }).click();
      await row.waitFor({ state: 'detached' });
      expect((await apiGet(server, '/api/v1/budgets')).budgets).toEqual([]);

      expectNoProblems(opened);
      await opened.context.close();
    },
  );

  it('creates an alert rule and shows the state and last evaluation the API reports', { timeout: 60_000 }, async () => {
    const opened = await openBudgets('/budgets', ADMIN, 'dark');
    const { page } = opened;
    await page.getByRole('button', { name: 'New alert rule' }).click();
    const form = page.getByTestId('alert-form');
    await field(form, 'Name').fill('Errors above 5%');
    await field(form, 'Watches').selectOption('error_rate');
    await field(form, 'Threshold').fill('0.05');
    await field(form, 'Over the last (minutes)').fill('1440');
    await form.getByRole('button', { name: 'Create alert rule' }).click();
    await form.waitFor({ state: 'detached' });

    const created = (await apiGet(server, '/api/v1/alerts')).alerts.find((r: any) => r.name === 'Errors above 5%');
    expect(created).toMatchObject({ metric: 'error_rate', threshold: 0.05, window_minutes: 1440, comparison: 'gt' });
    const row = alertRow(page, created.id);
    await expect.poll(() => row.textContent()).toContain('Error rate > 5.0% over 24 h');

    // Once the server evaluated it, a new visit shows the state and value it found.
    const evaluated = await until(
      () => apiGet(server, `/api/v1/alerts/${created.id}`),
      (r: any) => r.last_evaluated_at !== null && r.notifications.length > 0,
    );
    await page.reload();
    await page.locator('[data-page="budgets"][data-ready="true"]').waitFor();
    const state = await row.getByTestId('alert-state').textContent();
    const now = (await apiGet(server, `/api/v1/alerts/${created.id}`)) as any;
    expect(state).toBe(now.state === 'firing' ? 'Firing' : 'OK');
    expect(evaluated.state).toBe('firing');
    expect(await row.textContent()).toContain(`${(now.last_value * 100).toFixed(1)}%`);
    await screenshot(page, 'budgets-alerts-dark');

    await page.locator(`[data-alert-id="${created.id}"]`).click();
    const detail = page.getByTestId('alert-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('notifications').textContent()).toContain('Firing');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Delete Errors above 5%' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await row.waitFor({ state: 'detached' });
    expectNoProblems(opened);
    await opened.context.close();
  });

  it(
    'shows the API’s field errors next to the fields, and creates once they are fixed',
    { timeout: 60_000 },
    async () => {
      const opened = await openBudgets();
      const { page } = opened;
      await page.getByRole('button', { name: 'New budget' }).click();
      const form = page.getByTestId('budget-form');
      await field(form, 'Name').fill('Token cap');
      await field(form, 'Counts').selectOption('tokens');
      await field(form, 'Limit').fill('0');
      await form.getByRole('button', { name: 'Create budget' }).click();
      const limitError = form.getByTestId('field-error-limit');
      await limitError.waitFor();
      expect(await limitError.textContent()).toMatch(/^Limit: must be > 0/);
      expect(await field(form, 'Limit').getAttribute('aria-invalid')).toBe('true');

      // The server's own checks read the same way: a token budget counts whole tokens.
      await field(form, 'Limit').fill('1500.5');
      await form.getByRole('button', { name: 'Create budget' }).click();
      await expect
        .poll(() => limitError.textContent())
        .toBe('Limit: must be a whole number for a tokens budget; got 1500.5');
      await field(form, 'Period').selectOption('rolling');
      await field(form, 'Window (hours)').fill('');
      await form.getByRole('button', { name: 'Create budget' }).click();
      await expect.poll(() => form.getByTestId('field-error-window_hours').textContent()).toContain('is required');
      await screenshot(page, 'budgets-field-errors');

      await field(form, 'Limit').fill('150000');
      await field(form, 'Window (hours)').fill('24');
      await form.getByRole('button', { name: 'Create budget' }).click();
      await form.waitFor({ state: 'detached' });
      const created = (await apiGet(server, '/api/v1/budgets')).budgets.find((b: any) => b.name === 'Token cap');
      expect(created).toMatchObject({ metric: 'tokens', limit: 150000, window_hours: 24 });
      await budgetRow(page, created.id).waitFor();
      expect(unexpected(opened, 422)).toEqual([]);
      await opened.context.close();
    },
  );

  it(
    'shows the lists to a read key and explains, in the API’s words, why changes are disabled',
    { timeout: 60_000 },
    async () => {
      const key = (await server.call('POST', '/api/v1/projects/default/keys', { key: ADMIN, body: { scope: 'read' } }))
        .body.key as string;
      expect(key).toBeTruthy();
      const made = await server.call('POST', '/api/v1/budgets', {
        key: ADMIN,
        body: { name: 'Monthly spend', metric: 'cost_usd', limit: 25 },
      });
      expect(made.status).toBe(201);
      const listed = (await apiGet(server, '/api/v1/budgets')).budgets;

      const opened = await openBudgets('/budgets', key);
      const { page } = opened;
      await budgetRow(page, listed[0].id).waitFor();
      await page.getByRole('button', { name: 'New budget' }).click();
      const form = page.getByTestId('budget-form');
      await field(form, 'Name').fill('Not allowed');
      await field(form, 'Limit').fill('5');
      await form.getByRole('button', { name: 'Create budget' }).click();
      const denied = form.getByTestId('manage-denied');
      await denied.waitFor();
      expect(await denied.textContent()).toContain('this key has the read scope');
      expect(await form.getByRole('button', { name: 'Create budget' }).isDisabled()).toBe(true);
      await form.getByRole('button', { name: 'Cancel' }).click();

      // Back on the page: the reason stays in view and every change is disabled.
      expect(await page.getByTestId('manage-denied').textContent()).toContain('manage scope');
      expect(await page.getByRole('button', { name: 'New budget' }).isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: `Edit ${listed[0].name}` }).isDisabled()).toBe(true);
      expect((await apiGet(server, '/api/v1/budgets')).budgets).toHaveLength(listed.length);
      await screenshot(page, 'budgets-read-key');
      expect(unexpected(opened, 403)).toEqual([]);
      await opened.context.close();
    },
  );
});
