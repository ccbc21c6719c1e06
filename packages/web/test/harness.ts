/**
 * Browser tests of the dashboard: a real Tally server (DuckDB on a temp directory) serving the built dashboard,
 * seeded with known calls through the public ingest API, driven by Debian's Chromium through playwright-core.
 * Screenshots go to artifacts/screenshots at the repository root, which CI keeps.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from '../../server/test/helpers.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCREENSHOTS = join(REPO, 'artifacts', 'screenshots');
const CHROMIUM = process.env.TALLY_CHROMIUM ?? '/usr/bin/chromium';

/** The flags Chromium needs on a closed network, as root, without a display. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM}: install it with \`apt-get install chromium\` (or point TALLY_CHROMIUM at one)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** The browser's time zone in every test: not UTC, so that days and hours in the browser's zone are exercised. */
export const TIME_ZONE = 'America/New_York';

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions the page produced; tests expect none. */
  problems: string[];
}

export async function openPage(
  browser: Browser,
  server: TestServer,
  path: string,
  options: { colorScheme?: 'light' | 'dark'; key?: string } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    timezoneId: TIME_ZONE,
    locale: 'en-US',
    viewport: { width: 1400, height: 1000 },
    colorScheme: options.colorScheme ?? 'light',
  });
  if (options.key) {
    // Runs in the page, where sessionStorage exists; written as a string so Node's types need not know the DOM.
    await context.addInitScript(`sessionStorage.setItem('tally.key', ${JSON.stringify(options.key)})`);
  }
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${server.url}${path}`);
  return { page, context, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Fails the test with the page's console errors, if it had any. */
export function expectNoProblems(opened: OpenedPage): void {
  expect(opened.problems).toEqual([]);
}

const HOUR = 3_600_000;

export interface SeedCall {
  id: string;
  timestamp: string;
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  duration_ms: number;
  ttft_ms?: number;
  status: 'success' | 'error' | 'timeout';
  status_code?: number;
  error_type?: string;
  error_message?: string;
  user_id: string;
  session_id: string;
  agent_name: string;
  agent_version: string;
  environment: string;
  tags: string[];
  metadata?: Record<string, string>;
  input_text?: string;
  output_text?: string;
}

/**
 * The known data: 60 calls in the last 24 hours and 20 in the day before (so the previous-period changes are
 * real), across three models of two providers, two agents with two versions, four users, eight sessions, errors
 * of two kinds and one timeout. Everything is derived from the index, so tests can recompute it.
 */
export function seedCalls(now = Date.now()): SeedCall[] {
  const models = [
    ['openai', 'gpt-4o'],
    ['openai', 'gpt-4o-mini'],
    ['anthropic', 'claude-sonnet-4-5'],
  ] as const;
  const agents = [
    ['Support Bot', '1.0.0'],
    ['Support Bot', '1.1.0'],
    ['Research Agent', '0.3.0'],
  ] as const;
  const calls: SeedCall[] = [];
  for (let i = 0; i < 80; i++) {
    const recent = i < 60;
    const at = recent ? now - ((i + 0.5) * (22 * HOUR)) / 60 : now - 24 * HOUR - (i - 60 + 0.5) * HOUR;
    const [provider, model] = models[i % 3]!;
    const [agent_name, agent_version] = agents[i % 3]!;
    const failed = i % 10 === 7;
    const timedOut = i === 33;
    calls.push({
      id: `seed-${String(i).padStart(3, '0')}`,
      timestamp: new Date(Math.floor(at)).toISOString(),
      provider,
      model,
      input_tokens: 1000 + i * 10,
      output_tokens: 200 + i,
      duration_ms: 400 + i * 25,
      ttft_ms: 100 + i,
      status: timedOut ? 'timeout' : failed ? 'error' : 'success',
      ...(failed
        ? {
            status_code: i % 20 === 7 ? 429 : 500,
            error_type: i % 20 === 7 ? 'RateLimitError' : 'InternalServerError',
            error_message: i % 20 === 7 ? `rate limit reached for request req_${i}` : 'the server had an error',
          }
        : {}),
      user_id: `user-${(i % 4) + 1}`,
      session_id: `sess-${(i % 8) + 1}`,
      agent_name,
      agent_version,
      environment: i % 5 === 0 ? 'staging' : 'production',
      tags: i % 2 === 0 ? ['chat'] : ['batch'],
      metadata: { customer: i % 2 === 0 ? 'acme' : 'globex' },
      input_text: `question number ${i}`,
      output_text: `answer number ${i}`,
    });
  }
  return calls;
}

/** A real server over a fresh data directory, serving the built dashboard, with the known calls ingested. */
export async function seededServer(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer({ TALLY_CAPTURE_POLICY: 'full', ...env });
  const r = await server.call('POST', '/api/v1/ingest/llm/bulk', { key: ADMIN, body: { events: seedCalls() } });
  if (r.status !== 200 && r.status !== 201 && r.status !== 207) {
    throw new Error(`seeding failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return server;
}

export { ADMIN };

/**
 * One Chromium and one seeded server for a test file: started together before its tests (then `setUp`, if given),
 * closed after them. `assign` hands them to the file's own variables.
 */
export function useSeededBrowser(
  assign: (browser: Browser, server: TestServer) => void,
  options: { env?: Record<string, string>; setUp?: (server: TestServer) => Promise<void> } = {},
): void {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(), seededServer(options.env)]);
    assign(browser, server);
    await options.setUp?.(server);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
}

/** GET of the public API as the admin, for the numbers a page must show. */
export async function apiGet(server: TestServer, path: string): Promise<any> {
  const r = await server.call('GET', path, { key: ADMIN });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
