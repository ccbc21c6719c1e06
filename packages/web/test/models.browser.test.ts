import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';
import { ADMIN, apiGet, expectNoProblems, openPage, screenshot, TIME_ZONE, useSeededBrowser } from './harness.js';

let browser: Browser;
let server: TestServer;

useSeededBrowser((b, s) => ([browser, server] = [b, s]));

const tz = TIME_ZONE;
const METRICS =
  'calls,errors,error_rate,input_tokens,output_tokens,total_tokens,cost_usd,unpriced_calls,avg_duration_ms,p50_duration_ms,p95_duration_ms,p99_duration_ms';

/**
 * The number a cell shows, with the margin its rounding allows: `$0.003632` is 0.003632 ± 0.0000005, `1.75 s` is
 * 1750 ± 5 ms, `15.0%` is 0.15 ± 0.0005, `30,270` is exactly 30270.
 */
function shown(text: string | null): { value: number; margin: number } {
  const t = (text ?? '').replace(/[\s,$*]/g, '');
  const m = /^(-?\d+(?:\.(\d+))?)(ms|s|min|%)?$/.exec(t);
  if (!m) return { value: NaN, margin: 0 };
  const scale = { ms: 1, s: 1000, min: 60_000, '%': 0.01 }[m[3] ?? ''] ?? 1;
  const decimals = m[2]?.length ?? 0;
  return { value: Number(m[1]) * scale, margin: 0.5 * 10 ** -decimals * scale + 1e-12 };
}

/** Waits (the machine may be busy) for something the page shows after an answer arrives. */
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 200 });

async function ready(page: Page) {
  await page.locator('[data-page="models"][data-ready="true"]').waitFor();
}

const table = (page: Page) => page.getByTestId('model-table');
const rowOf = (page: Page, provider: string, model: string) =>
  table(page)
    .locator('tbody tr')
    .filter({ has: page.locator('[data-col="provider"]', { hasText: new RegExp(`^${provider}$`) }) })
    .filter({ has: page.locator('[data-col="model"]', { hasText: new RegExp(`^${model}$`) }) });

/** The table's rows as the user reads them: each figure by its column. */
function cells(page: Page): Promise<Record<string, string>[]> {
  return table(page)
    .locator('tbody tr')
    .evaluateAll((trs: any[]) =>
      trs.map((tr) =>
        Object.fromEntries([...tr.querySelectorAll('[data-col]')].map((e: any) => [e.dataset.col, e.textContent])),
      ),
    )
    .catch(() => []);
}

/** The API's figures per provider and model: a model breakdown per provider, as the page asks for them. */
async function expected(query: string) {
  const providers = await apiGet(server, `/api/v1/analytics/breakdown?${query}&by=provider&metrics=calls&limit=100`);
  const rows: { provider: string; row: any }[] = [];
  for (const p of providers.rows) {
    const q = new URLSearchParams(query);
    q.set('provider', p.value);
    const models = await apiGet(server, `/api/v1/analytics/breakdown?${q}&by=model&metrics=${METRICS}&limit=1000`);
    for (const row of models.rows) rows.push({ provider: p.value, row });
  }
  return rows;
}

/** What differs between the table on screen and the API's rows; empty when every figure matches. */
function differences(shownRows: Record<string, string>[], want: Awaited<ReturnType<typeof expected>>): string[] {
  const problems: string[] = [];
  if (shownRows.length !== want.length) problems.push(`${shownRows.length} rows shown for ${want.length}`);
  for (const { provider, row } of want) {
    const what = `${provider} ${row.value}`;
    const tr = shownRows.find((c) => c['provider'] === provider && c['model'] === row.value);
    if (!tr) {
      problems.push(`no row for ${what}`);
      continue;
    }
    const exact = { calls: row.calls, input: row.input_tokens, output: row.output_tokens, tokens: row.total_tokens };
    for (const [col, n] of Object.entries(exact)) {
      if (tr[col] !== n.toLocaleString('en-US')) problems.push(`${what} ${col}: ${tr[col]} for ${n}`);
    }
    const per1k = row.cost_usd === null || !row.total_tokens ? null : (row.cost_usd / row.total_tokens) * 1000;
    const near = {
      cost: row.cost_usd,
      per1k,
      avg: row.avg_duration_ms,
      p50: row.p50_duration_ms,
      p95: row.p95_duration_ms,
      p99: row.p99_duration_ms,
      'error-rate': row.error_rate,
    };
    for (const [col, n] of Object.entries(near)) {
      const text = tr[col] ?? null;
      if (n === null) {
        if (text !== '—') problems.push(`${what} ${col}: ${text} for none`);
        continue;
      }
      const { value, margin } = shown(text);
      if (!(Math.abs(value - n) <= margin)) problems.push(`${what} ${col}: ${text} for ${n}`);
    }
  }
  return problems;
}

/** Every row of the table holds the API's numbers for its provider and model, and nothing else is listed. */
async function expectTable(page: Page, query: string) {
  const want = await expected(query);
  await poll(async () => differences(await cells(page), want)).toEqual([]);
  return want;
}

describe('Models & providers', () => {
  it(
    'compares every provider and model with the numbers the API returns, with its charts',
    { timeout: 60_000 },
    async () => {
      const opened = await openPage(browser, server, '/models', { key: ADMIN });
      const { page } = opened;
      await ready(page);
      const rows = await expectTable(page, `hours=24&tz=${tz}`);
      expect(rows.map((r) => `${r.provider}/${r.row.value}`).sort()).toEqual([
        'anthropic/claude-sonnet-4-5',
        'openai/gpt-4o',
        'openai/gpt-4o-mini',
      ]);

      // The provider toggle lists each provider with its calls.
      const providers = await apiGet(server, `/api/v1/analytics/breakdown?hours=24&tz=${tz}&by=provider`);
      const toggle = page.getByTestId('provider-toggle');
      for (const p of providers.rows) {
        await poll(() => toggle.locator(`[data-provider="${p.value}"]`).textContent()).toContain(`${p.calls} calls`);
      }
      expect(await toggle.getByRole('button', { name: 'All providers' }).getAttribute('aria-pressed')).toBe('true');

      for (const chart of ['Cost by model', 'p95 latency by model', 'Calls over time per model']) {
        await poll(() => page.locator(`[data-chart="${chart}"] canvas`).count()).toBe(1);
      }

      // Sorting by cost puts the most expensive model first, then the cheapest.
      const byCost = [...rows].sort((a, b) => b.row.cost_usd - a.row.cost_usd).map((r) => r.row.value);
      const models = () => table(page).locator('tbody [data-col="model"]').allTextContents();
      await table(page).getByRole('button', { name: 'Cost', exact: true }).click();
      await poll(models).toEqual(byCost);
      await table(page).getByRole('button', { name: /^Cost/ }).first().click();
      await poll(models).toEqual([...byCost].reverse());

      await screenshot(page, 'models');
      expectNoProblems(opened);
      await opened.context.close();
    },
  );

  it('reads well in the dark theme', { timeout: 60_000 }, async () => {
    const dark = await openPage(browser, server, '/models', { key: ADMIN, colorScheme: 'dark' });
    await ready(dark.page);
    expect(await dark.page.locator('html').getAttribute('data-theme')).toBe('dark');
    await expectTable(dark.page, `hours=24&tz=${tz}`);
    await screenshot(dark.page, 'models-dark');
    expectNoProblems(dark);
    await dark.context.close();
  });

  it('narrows to a provider from the toggle, and back to all', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/models', { key: ADMIN });
    const { page } = opened;
    await ready(page);
    const toggle = page.getByTestId('provider-toggle');
    await toggle.getByRole('button', { name: /anthropic/ }).click();
    await poll(async () => new URL(page.url()).searchParams.get('provider')).toBe('anthropic');
    expect(await toggle.getByRole('button', { name: /anthropic/ }).getAttribute('aria-pressed')).toBe('true');
    await expectTable(page, `hours=24&tz=${tz}&provider=anthropic`);
    await toggle.getByRole('button', { name: 'All providers' }).click();
    await poll(async () => new URL(page.url()).searchParams.get('provider')).toBeNull();
    await expectTable(page, `hours=24&tz=${tz}`);
    expectNoProblems(opened);
    await opened.context.close();
  });

  it(
    'narrows to a model from a row chosen with the keyboard, and a link reproduces it',
    { timeout: 60_000 },
    async () => {
      const opened = await openPage(browser, server, '/models', { key: ADMIN });
      const { page } = opened;
      await ready(page);
      await poll(() => rowOf(page, 'openai', 'gpt-4o-mini').count()).toBe(1);
      await rowOf(page, 'openai', 'gpt-4o-mini').focus();
      await page.keyboard.press('Enter');
      await poll(async () => new URL(page.url()).searchParams.get('model')).toBe('gpt-4o-mini');
      expect(new URL(page.url()).searchParams.get('provider')).toBe('openai');
      await expectTable(page, `hours=24&tz=${tz}&provider=openai&model=gpt-4o-mini`);

      const link = new URL(page.url());
      const again = await openPage(browser, server, link.pathname + link.search, { key: ADMIN });
      await ready(again.page);
      await expectTable(again.page, `hours=24&tz=${tz}&provider=openai&model=gpt-4o-mini`);
      expectNoProblems(opened);
      expectNoProblems(again);
      await opened.context.close();
      await again.context.close();
    },
  );

  it('follows a shared filter and a time-range change with the API’s new numbers', { timeout: 60_000 }, async () => {
    const opened = await openPage(browser, server, '/models', { key: ADMIN });
    const { page } = opened;
    await ready(page);
    await page.getByTestId('filter-field').selectOption('tag');
    await page.getByTestId('filter-value').fill('chat');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await poll(async () => new URL(page.url()).searchParams.get('tag')).toBe('chat');
    const day = await expectTable(page, `hours=24&tz=${tz}&tag=chat`);

    await page.getByTestId('range-select').selectOption('7d');
    await poll(async () => new URL(page.url()).searchParams.get('range')).toBe('7d');
    const week = await expectTable(page, `hours=168&tz=${tz}&tag=chat`);
    const calls = (rows: typeof day) => rows.reduce((n, r) => n + r.row.calls, 0);
    expect(calls(week)).toBeGreaterThan(calls(day));
    await screenshot(page, 'models-filtered');
    expectNoProblems(opened);
    await opened.context.close();
  });
});
