import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, type OpenedPage, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

useSeededBrowser((b, s) => ([browser, server] = [b, s]));

/** Opens the Settings page signed in with `key` (the admin token unless told; null: no key at all). */
async function openSettings(path = '/settings', key: string | null = ADMIN, dark = false): Promise<OpenedPage> {
  const opened = await openPage(browser, server, path, {
    ...(key ? { key } : {}),
    colorScheme: dark ? 'dark' : 'light',
  });
  await opened.page.locator('[data-page="settings"][data-ready="true"]').waitFor();
  return opened;
}

/** Waits for what arrives asynchronously; patient, as the machine may be busy with other tests. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });

const row = (page: Page, table: string, text: string) => page.getByTestId(table).locator('tbody tr', { hasText: text });
const projectRow = (page: Page, id: string) =>
  page.getByTestId('projects-table').locator(`tbody tr:has([data-project="${id}"])`);

// The tests run in order against one server: it starts in open mode (no project key), the first test creates the
// first key from a tab without any, and the later ones sign in with the admin token or a project key.
describe('Settings', { timeout: 60_000 }, () => {
  it('on an open server, creates the first key, shows it once, then asks to sign in', async () => {
    const before = await apiGet(server, '/api/v1/status');
    expect(before.auth.mode).toBe('open');
    const opened = await openSettings('/settings?tab=keys', null);
    const { page } = opened;
    await poll(() => page.getByTestId('status-auth').textContent()).toContain('Open');
    await poll(() => page.getByTestId('new-key-form').textContent()).toContain('no keys yet');
    await page.getByTestId('new-key-form').getByLabel('Label').fill('first ingest key');
    await page.getByTestId('new-key-scope').selectOption('ingest');
    await page.getByRole('button', { name: 'Create key' }).click();
    const box = page.getByTestId('new-key');
    await poll(() => box.textContent()).toContain('will not be shown again');
    expect(await box.textContent()).toContain('when you close this box, the dashboard asks you to sign in');
    const key = await page.getByTestId('new-key-value').inputValue();
    expect(key).toMatch(/^tly_/);
    // The key shown is a real ingest key of the default project.
    const sent = await server.call('POST', '/api/v1/ingest/llm', {
      key,
      body: { id: 'via-new-key', timestamp: new Date().toISOString(), provider: 'openai', model: 'gpt-4o' },
    });
    expect([200, 201, 202]).toContain(sent.status);
    expect((await apiGet(server, '/api/v1/status')).auth.mode).toBe('protected');

    await page.getByRole('button', { name: 'Done, I have copied it' }).click();
    await page.getByTestId('signin-key').waitFor();
    // Refused with 401 on the way to the sign-in form: the browser reports that response, nothing else.
    expect(opened.problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
    await opened.context.close();
  });

  it('shows the server status, the projects and what the selected one holds, as the API returns them', async () => {
    const opened = await openSettings();
    const { page } = opened;
    const status = await apiGet(server, '/api/v1/status');
    await poll(() => page.getByTestId('status-version').textContent()).toBe(status.version);
    expect(await page.getByTestId('status-store').textContent()).toContain(status.store.kind);
    expect(await page.getByTestId('status-auth').textContent()).toContain('Protected');
    expect(await page.getByTestId('status-cache').textContent()).toMatch(/hits/);

    const { projects } = await apiGet(server, '/api/v1/projects');
    for (const p of projects) await poll(() => projectRow(page, p.id).count()).toBe(1);
    const stats = await apiGet(server, '/analytics/stats');
    await poll(() => page.getByTestId('project-calls').textContent()).toBe(String(stats.total_events));
    expect(await page.getByTestId('selected-project').textContent()).toBe('Default');
    await screenshot(page, 'settings');
    expectNoProblems(opened);
    await opened.context.close();

    const dark = await openSettings('/settings?tab=keys', ADMIN, true);
    expect(await dark.page.locator('html').getAttribute('data-theme')).toBe('dark');
    await poll(() => row(dark.page, 'keys-table', 'first ingest key').count()).toBe(1);
    await screenshot(dark.page, 'settings-dark');
    expectNoProblems(dark);
    await dark.context.close();
  });

  it('creates a project, changes its settings, and deletes it after a confirmation that names it', async () => {
    const opened = await openSettings();
    const { page } = opened;
    await page.getByRole('button', { name: 'New project' }).click();
    const drawer = page.getByRole('dialog', { name: 'New project' });
    await drawer.getByLabel('Name').fill('Acme Support');
    await drawer.getByLabel('ID (optional)').fill('acme');
    await drawer.getByLabel('Retention (days)').fill('30');
    await drawer.getByRole('radio', { name: /Redacted/ }).check();
    await drawer.getByRole('button', { name: 'Create project' }).click();
    await poll(() => page.url()).toContain('project=acme');
    await poll(() => page.getByTestId('selected-project').textContent()).toBe('Acme Support');
    let acme = (await apiGet(server, '/api/v1/projects')).projects.find((p: { id: string }) => p.id === 'acme');
    expect(acme).toMatchObject({ name: 'Acme Support', capture_policy: 'redacted', retention_days: 30 });

    // A value the API refuses is not sent; the form says what to fix.
    const form = page.getByTestId('edit-project-form');
    await form.getByLabel('Retention (days)').fill('0');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await poll(() => form.getByRole('alert').textContent()).toContain('whole number from 1');

    await form.getByLabel('Name').fill('Acme Help');
    await form.getByLabel('Retention (days)').fill('');
    await form.getByLabel('Most calls kept').fill('5000');
    await form.getByRole('radio', { name: /None/ }).check();
    await form.getByRole('button', { name: 'Save changes' }).click();
    await poll(() => form.getByRole('status').textContent()).toBe('Saved.');
    acme = (await apiGet(server, '/api/v1/projects')).projects.find((p: { id: string }) => p.id === 'acme');
    expect(acme).toMatchObject({ name: 'Acme Help', capture_policy: 'none', retention_days: null, max_events: 5000 });
    await poll(() => projectRow(page, 'acme').textContent()).toContain('Acme Help');

    await page.getByRole('button', { name: 'Delete project…' }).click();
    const confirm = page.getByTestId('confirm-delete-project');
    await poll(() => confirm.textContent()).toContain('Delete project “Acme Help”?');
    expect(await confirm.textContent()).toContain('acme');
    // Cancel first: nothing is deleted.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect((await apiGet(server, '/api/v1/projects')).projects.map((p: { id: string }) => p.id)).toContain('acme');
    await page.getByRole('button', { name: 'Delete project…' }).click();
    await confirm.getByRole('button', { name: 'Delete Acme Help' }).click();
    await poll(() => page.url()).not.toContain('project=acme');
    await poll(() => projectRow(page, 'acme').count()).toBe(0);
    expect((await apiGet(server, '/api/v1/projects')).projects.map((p: { id: string }) => p.id)).not.toContain('acme');
    await poll(() => page.getByTestId('selected-project').textContent()).toBe('Default');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('creates a key shown once with a copy button, lists it without its secret, and revokes it after a confirmation', async () => {
    const opened = await openSettings('/settings?tab=keys');
    const { page, context } = opened;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.getByTestId('new-key-form').getByLabel('Label').fill('dashboard reader');
    await page.getByTestId('new-key-scope').selectOption('read');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('new-key-value').inputValue();
    expect(key).toMatch(/^tly_/);
    expect(await page.getByTestId('new-key').textContent()).toContain('will not be shown again');
    expect((await server.call('GET', '/api/v1/analytics/summary?hours=24', { key })).status).toBe(200);

    await page.getByTestId('new-key').getByRole('button', { name: 'Copy' }).click();
    await poll(() => page.getByTestId('new-key').textContent()).toContain('Copied to the clipboard');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(key);

    const listed = (await apiGet(server, '/api/v1/projects/default/keys')).keys.find(
      (k: { name: string }) => k.name === 'dashboard reader',
    );
    const keyRow = row(page, 'keys-table', 'dashboard reader');
    await poll(() => keyRow.textContent()).toContain(listed.prefix);
    expect(await keyRow.textContent()).toContain('read');
    await page.getByRole('button', { name: 'Done, I have copied it' }).click();
    await poll(() => page.getByTestId('new-key').count()).toBe(0);
    // Once the box is closed, the key is nowhere on the page.
    expect(await page.content()).not.toContain(key);

    await keyRow.getByRole('button', { name: /Revoke/ }).click();
    const confirm = page.getByTestId('confirm-revoke-key');
    await poll(() => confirm.textContent()).toContain('Revoke key “dashboard reader”?');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await poll(() => keyRow.textContent()).toContain('revoked');
    expect((await server.call('GET', '/api/v1/analytics/summary?hours=24', { key })).status).toBe(401);
    await screenshot(page, 'settings-keys');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('adds and removes a price override of the selected project', async () => {
    const opened = await openSettings('/settings?tab=prices');
    const { page } = opened;
    await poll(() => page.getByTestId('prices-table').count()).toBe(0);
    const form = page.getByTestId('new-price-form');
    await form.getByLabel('Model').fill('gpt-4o');
    await form.getByLabel('Provider').fill('openai');
    await form.getByLabel('Input (USD / 1M tokens)').fill('2.5');
    await form.getByLabel('Output (USD / 1M tokens)').fill('10');
    await form.getByLabel('Cache read (USD / 1M)').fill('1.25');
    await form.getByRole('button', { name: 'Add price' }).click();
    const priceRow = row(page, 'prices-table', 'gpt-4o');
    await poll(() => priceRow.textContent()).toContain('$10.00');
    const [stored] = (await apiGet(server, '/api/v1/projects/default/prices')).prices;
    expect(stored).toMatchObject({
      model: 'gpt-4o',
      provider: 'openai',
      input_per_mtok: 2.5,
      output_per_mtok: 10,
      cache_read_per_mtok: 1.25,
      cache_write_per_mtok: null,
    });
    const text = await priceRow.textContent();
    expect(text).toContain('$2.50');
    expect(text).toContain('$1.25');
    expect(text).toContain('openai');
    await screenshot(page, 'settings-prices');

    await priceRow.getByRole('button', { name: /Remove/ }).click();
    await page.getByTestId('confirm-remove-price').getByRole('button', { name: 'Remove price' }).click();
    await poll(() => page.getByTestId('prices-table').count()).toBe(0);
    expect((await apiGet(server, '/api/v1/projects/default/prices')).prices).toEqual([]);
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('follows the project switcher and the row chosen in the list, and a link reproduces the view', async () => {
    const created = await server.call('POST', '/api/v1/projects', {
      key: ADMIN,
      body: { id: 'beta', name: 'Beta', capture_policy: 'none' },
    });
    expect(created.status).toBe(201);
    const price = { model: 'llama-3.1-70b', effective_from: '2025-01-01T00:00:00Z', input_per_mtok: 0.4 };
    await server.call('POST', '/api/v1/projects/beta/prices', {
      key: ADMIN,
      body: { ...price, output_per_mtok: 0.8 },
    });

    const opened = await openSettings('/settings?tab=prices');
    const { page } = opened;
    await poll(() => page.getByTestId('selected-project').textContent()).toBe('Default');
    await page.getByTestId('project-select').selectOption('beta');
    await poll(() => page.url()).toContain('project=beta');
    await poll(() => page.getByTestId('selected-project').textContent()).toBe('Beta');
    await poll(() => row(page, 'prices-table', 'llama-3.1-70b').textContent()).toContain('$0.80');

    // The same view from its link, in a new tab.
    const again = await openSettings(new URL(page.url()).pathname + new URL(page.url()).search);
    await poll(() => row(again.page, 'prices-table', 'llama-3.1-70b').count()).toBe(1);
    expectNoProblems(again);
    await again.context.close();

    // Enter on a row of the list selects that project.
    await projectRow(page, 'default').focus();
    await page.keyboard.press('Enter');
    await poll(() => page.url()).not.toContain('project=beta');
    await poll(() => page.getByTestId('selected-project').textContent()).toBe('Default');
    await poll(() => page.getByTestId('prices-table').count()).toBe(0);
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('with a project key, shows the 403 and that the admin token is needed instead of the forms', async () => {
    const made = await server.call('POST', '/api/v1/projects/beta/keys', {
      key: ADMIN,
      body: { scope: 'read', name: 'beta reader' },
    });
    expect(made.status).toBe(201);
    // Signed in through the form, as a user would: the key then lives in this tab's sessionStorage only.
    const opened = await openPage(browser, server, '/settings');
    await opened.page.getByTestId('signin-key').fill(made.body.key);
    await opened.page.getByRole('button', { name: 'Sign in' }).click();
    await opened.page.locator('[data-page="settings"][data-ready="true"]').waitFor();
    const { page } = opened;
    const notice = page.getByTestId('admin-needed');
    await poll(() => notice.textContent()).toContain('this needs the admin token');
    expect(await notice.textContent()).toContain('sign in with the admin token');
    // The key's own project, read-only: no forms that would fail.
    expect(await page.getByTestId('selected-project').textContent()).toBe('Beta');
    expect(await projectRow(page, 'default').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'New project' }).count()).toBe(0);
    expect(await page.getByTestId('edit-project-form').count()).toBe(0);
    expect(await page.getByTestId('new-key-form').count()).toBe(0);
    await poll(() => page.getByTestId('status-version').count()).toBe(1);
    await screenshot(page, 'settings-project-key');
    // The one refusal is the 403 this page shows.
    expect(opened.problems.filter((p) => !p.includes('status of 403'))).toEqual([]);

    await notice.getByRole('button', { name: 'Sign in with the admin token' }).click();
    await page.getByTestId('signin-key').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'New project' }).waitFor();
    await opened.context.close();
  });
});
