/**
 * The dashboard's shared behaviour, across pages: signing in, the project switcher, the first-event instructions,
 * dark mode, the keyboard, readable API errors, every page loading, deep links and auto-refresh.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, type OpenedPage, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

useSeededBrowser((b, s) => ([browser, server] = [b, s]));

const tz = 'America/New_York';

/** The pages of the navigation, with their labels, as the shell lists them. */
const NAV = [
  ['/', 'Overview'],
  ['/models', 'Models & providers'],
  ['/agents', 'Agents'],
  ['/users', 'Users'],
  ['/sessions', 'Sessions'],
  ['/errors', 'Errors'],
  ['/explorer', 'Explorer'],
  ['/live', 'Live'],
  ['/budgets', 'Budgets & alerts'],
  ['/settings', 'Settings'],
] as const;

/** Waits for what arrives asynchronously; patient, as the machine may be busy with other tests. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });

const kpiCalls = (page: Page) => page.getByTestId('kpi-calls').locator('[data-kpi-value]').textContent();

async function overviewReady(page: Page): Promise<void> {
  await page.locator('[data-page="overview"][data-ready="true"]').waitFor();
}

/** The browser reports refused requests (401, 403, 422) as console errors; only those the test expects are let by. */
function expectOnlyRefusals(opened: OpenedPage, ...statuses: number[]): void {
  expect(opened.problems.filter((p) => !statuses.some((s) => p.includes(`status of ${s}`)))).toEqual([]);
}

async function createKey(project: string, scope: 'ingest' | 'read' | 'manage', name: string): Promise<string> {
  const r = await server.call('POST', `/api/v1/projects/${project}/keys`, { key: ADMIN, body: { scope, name } });
  expect(r.status).toBe(201);
  return r.body.key as string;
}

/** A project with a few calls of its own, through the public API as a user would create it. */
async function projectWithCalls(id: string, name: string, calls: number): Promise<void> {
  expect((await server.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name } })).status).toBe(201);
  if (calls === 0) return;
  const events = Array.from({ length: calls }, (_, i) => ({
    id: `${id}-${i}`,
    timestamp: new Date(Date.now() - (i + 1) * 3_600_000).toISOString(),
    provider: 'openai',
    model: 'gpt-4o-mini',
    input_tokens: 100,
    output_tokens: 20,
    user_id: 'someone',
  }));
  const r = await server.call('POST', '/api/v1/ingest/llm/bulk', {
    key: ADMIN,
    headers: { 'x-tally-project': id },
    body: { events },
  });
  expect([200, 201, 207]).toContain(r.status);
}

// One server for the file: it starts open (no project key), and the first test creates a key, which protects it.
describe('the dashboard shell', { timeout: 60_000 }, () => {
  it('needs no sign-in while the server is open (no project key yet)', async () => {
    expect((await apiGet(server, '/api/v1/status')).auth.mode).toBe('open');
    const open = await openPage(browser, server, '/');
    await overviewReady(open.page);
    expect(await open.page.getByTestId('signin-key').count()).toBe(0);
    expectNoProblems(open);
    await open.context.close();
  });

  it('signs in with a read key kept in this tab only, after refusing a wrong key', async () => {
    const readKey = await createKey('default', 'read', 'shell test reader');
    const opened = await openPage(browser, server, '/');
    const { page, context } = opened;
    await page.getByTestId('signin-key').fill('tly_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('That key was not accepted');
    expect(await page.getByTestId('signin-key').count()).toBe(1);
    await screenshot(page, 'shell-signin-refused');

    await page.getByTestId('signin-key').fill(readKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await overviewReady(page);
    const summary = await server.call('GET', `/api/v1/analytics/summary?hours=24&tz=${tz}`, { key: readKey });
    await poll(() => kpiCalls(page)).toBe(String(summary.body.metrics.calls));
    // A project key sees its own project only: no switcher.
    expect(await page.getByTestId('project-select').count()).toBe(0);

    expect(await page.evaluate<string | null>("sessionStorage.getItem('tally.key')")).toBe(readKey);
    const local = await page.evaluate<string>('JSON.stringify(Object.entries(localStorage))');
    expect(local).not.toContain(readKey);
    // The same tab keeps it across a reload…
    await page.reload();
    await overviewReady(page);
    // …but another tab, or another browser profile, asks again.
    const tab = await context.newPage();
    await tab.goto(`${server.url}/`);
    await tab.getByTestId('signin-key').waitFor();
    const other = await openPage(browser, server, '/');
    await other.page.getByTestId('signin-key').waitFor();
    expectOnlyRefusals(opened, 401);
    expectNoProblems(other);
    await other.context.close();
    await context.close();
  });

  it("lists the projects for the admin and switching shows the other project's numbers", async () => {
    await projectWithCalls('second', 'Second project', 3);
    const opened = await openPage(browser, server, '/', { key: ADMIN });
    const { page } = opened;
    await overviewReady(page);
    const select = page.getByTestId('project-select');
    const { projects } = await apiGet(server, '/api/v1/projects');
    await poll(() => select.locator('option').allTextContents()).toEqual(projects.map((p: { name: string }) => p.name));
    const first = await apiGet(server, `/api/v1/analytics/summary?hours=24&tz=${tz}`);
    await poll(() => kpiCalls(page)).toBe(String(first.metrics.calls));

    await select.selectOption('second');
    await poll(() => page.url()).toContain('project=second');
    const second = await server.call('GET', `/api/v1/analytics/summary?hours=24&tz=${tz}`, {
      key: ADMIN,
      headers: { 'x-tally-project': 'second' },
    });
    expect(second.body.metrics.calls).toBe(3);
    await poll(() => kpiCalls(page)).toBe('3');
    // The project follows the user to another page.
    await page.getByRole('link', { name: 'Agents' }).click();
    await poll(() => page.url()).toContain('/agents?project=second');
    expect(await select.inputValue()).toBe('second');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it("shows how to send a first call, with this server's address, in an empty project", async () => {
    await projectWithCalls('empty', 'Empty project', 0);
    const opened = await openPage(browser, server, '/?project=empty', { key: ADMIN });
    const { page } = opened;
    const first = page.getByTestId('first-event');
    await first.waitFor();
    const text = (await first.textContent()) ?? '';
    expect(text).toContain(`curl -s -X POST ${server.url}/api/v1/ingest/llm`);
    expect(text).toContain(`TALLY_URL=${server.url}`);
    expect(text).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT=${server.url}`);
    expect(text).toContain(`OPENAI_BASE_URL=${server.url}/proxy/openai/v1`);
    expect(text).toContain(`ANTHROPIC_BASE_URL=${server.url}/proxy/anthropic`);
    await screenshot(page, 'shell-first-event');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('switches to dark mode and keeps it after a reload', async () => {
    const opened = await openPage(browser, server, '/', { key: ADMIN });
    const { page } = opened;
    await overviewReady(page);
    const theme = () => page.locator('html').getAttribute('data-theme');
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(await theme()).toBe('light');
    const light = await background();
    await page.getByRole('button', { name: 'Use dark mode' }).click();
    await poll(theme).toBe('dark');
    const dark = await background();
    expect(dark).not.toBe(light);
    await page.reload();
    await overviewReady(page);
    expect(await theme()).toBe('dark');
    expect(await background()).toBe(dark);
    await screenshot(page, 'shell-dark');
    await page.getByRole('button', { name: 'Use light mode' }).click();
    await poll(theme).toBe('light');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('reaches the skip link and the navigation with Tab, and Enter on a link opens its page', async () => {
    const opened = await openPage(browser, server, '/?range=7d', { key: ADMIN });
    const { page } = opened;
    await overviewReady(page);
    const focused = () => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    const seen: string[] = [];
    for (let i = 0; i < NAV.length && !seen.includes('Errors'); i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
    }
    expect(seen).toEqual(NAV.slice(0, seen.length).map(([, label]) => label));
    await page.keyboard.press('Enter');
    await poll(() => new URL(page.url()).pathname).toBe('/errors');
    // The link carried the time range.
    expect(new URL(page.url()).searchParams.get('range')).toBe('7d');
    await poll(() => page.locator('main h1').textContent()).toBe('Errors');
    expect(await page.getByRole('link', { name: 'Errors' }).getAttribute('aria-current')).toBe('page');
    expectNoProblems(opened);
    await opened.context.close();
  });

  it("shows the API's message when it refuses a request", async () => {
    const opened = await openPage(browser, server, '/?model=!', { key: ADMIN });
    const { page } = opened;
    const refused = await server.call('GET', `/api/v1/analytics/summary?hours=24&tz=${tz}&model=!`, { key: ADMIN });
    expect(refused.status).toBe(422);
    const error = page.getByRole('alert').first();
    await poll(() => error.textContent()).toContain(refused.body.error.message);
    expect(await error.textContent()).toContain('(422)');
    await screenshot(page, 'shell-api-error');
    expectOnlyRefusals(opened, 422);
    await opened.context.close();
  });

  it('asks to sign in again, saying why, when the key of the tab is revoked', async () => {
    const key = await createKey('default', 'read', 'revoked while in use');
    const inUse = await openPage(browser, server, '/', { key });
    await overviewReady(inUse.page);
    const { keys } = await apiGet(server, '/api/v1/projects/default/keys');
    const id = keys.find((k: { name: string }) => k.name === 'revoked while in use').id;
    expect((await server.call('DELETE', `/api/v1/projects/default/keys/${id}`, { key: ADMIN })).status).toBe(200);
    // The next request (a new time range) is refused: the tab forgets the key and asks for another.
    await inUse.page.getByTestId('range-select').selectOption('7d');
    await poll(() => inUse.page.getByRole('alert').textContent()).toContain('no longer accepts the key');
    expect(await inUse.page.getByTestId('signin-key').count()).toBe(1);
    expectOnlyRefusals(inUse, 401);
    await inUse.context.close();
  });

  // In two halves, each a tab of its own, so that one test does not load ten pages on a busy machine.
  for (const pages of [NAV.slice(0, 5), NAV.slice(5)]) {
    it(`loads ${pages.map(([, label]) => label).join(', ')} without console errors`, async () => {
      const opened = await openPage(browser, server, '/?range=7d', { key: ADMIN });
      const { page } = opened;
      for (const [path, label] of pages) {
        await page.goto(`${server.url}${path}?range=7d`);
        await page.locator('main h1').first().waitFor();
        expect((await page.locator('main h1').first().textContent())?.trim()).not.toBe('');
        expect(await page.getByRole('link', { name: label, exact: true }).getAttribute('aria-current')).toBe('page');
        // Pages that say when their data is in wait for it, so late errors are caught too.
        if ((await page.locator('[data-page]').count()) > 0) {
          await poll(() => page.locator('[data-page][data-ready="true"]').count()).toBe(1);
        }
        expect(await page.getByTestId('range-select').inputValue()).toBe('7d');
        expect(opened.problems, `console errors on ${path}`).toEqual([]);
      }
      await opened.context.close();
    });
  }

  it('opens deep links with a range and filters directly', async () => {
    const opened = await openPage(browser, server, '/models?range=7d&model=gpt-4o', { key: ADMIN });
    const { page } = opened;
    await page.locator('main h1').first().waitFor();
    expect(await page.getByTestId('range-select').inputValue()).toBe('7d');
    // The shared view travels with every link of the navigation.
    const href = (await page.getByRole('link', { name: 'Overview' }).getAttribute('href')) ?? '';
    expect(new URLSearchParams(href.split('?')[1]).get('model')).toBe('gpt-4o');
    expect(new URLSearchParams(href.split('?')[1]).get('range')).toBe('7d');
    for (const detail of ['/users/user-1?range=7d', '/sessions/sess-1?range=7d', '/overview?range=7d&model=gpt-4o']) {
      await page.goto(`${server.url}${detail}`);
      await page.locator('main h1').first().waitFor();
    }
    // The Overview deep link shows the filtered numbers.
    const week = await apiGet(server, `/api/v1/analytics/summary?hours=168&tz=${tz}&model=gpt-4o`);
    await poll(() => kpiCalls(page)).toBe(String(week.metrics.calls));
    expectNoProblems(opened);
    await opened.context.close();
  });

  it('puts the auto-refresh period in the URL', async () => {
    const opened = await openPage(browser, server, '/', { key: ADMIN });
    const { page } = opened;
    await overviewReady(page);
    const refresh = page.getByRole('combobox', { name: 'Auto-refresh' });
    await refresh.selectOption({ label: 'Refresh: 30 s' });
    await poll(() => new URL(page.url()).searchParams.get('refresh')).toBe('30');
    // The period is part of the link: it is chosen again on reload.
    await page.reload();
    await overviewReady(page);
    expect(await refresh.inputValue()).toBe('30');
    await refresh.selectOption({ label: 'Refresh: off' });
    await poll(() => new URL(page.url()).searchParams.get('refresh')).toBe(null);
    expectNoProblems(opened);
    await opened.context.close();
  });
});
