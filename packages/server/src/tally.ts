import { readFileSync } from 'node:fs';
import { GroupWriter, createStore } from '@tally/storage';
import { Analytics } from './analytics/analytics.js';
import { AuthService } from './auth/auth-service.js';
import { OPEN_GATE } from './budgets/budget-gate.js';
import type { TallyConfig } from './config.js';
import type { TallyContext } from './context.js';
import { ProjectService } from './projects/project-service.js';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface OpenTally {
  ctx: TallyContext;
  /** The admin token generated at this start (first start only), to be shown once. */
  generatedAdminToken: string | null;
  /** Flushes queued writes and closes the store. */
  close(): Promise<void>;
}

/** Opens the store and the services on it. Used by `tally serve` and by CLI commands that run without a server. */
export async function openTally(config: TallyConfig): Promise<OpenTally> {
  const store = createStore(config.store, { memoryLimit: config.duckdbMemoryLimit });
  await store.init();
  try {
    const auth = new AuthService(store);
    const generatedAdminToken = await auth.init(config.adminToken);
    const projects = new ProjectService(store, auth, config.capturePolicy);
    await projects.init();
    const writer = new GroupWriter(store);
    const analytics = new Analytics(store, config.queryCacheSeconds * 1000);
    writer.onCommit((projectIds) => {
      for (const p of projectIds) analytics.invalidate(p);
    });
    const ctx: TallyContext = {
      config,
      store,
      writer,
      analytics,
      auth,
      projects,
      budgetGate: OPEN_GATE,
      version: VERSION,
      startedAt: Date.now(),
    };
    return {
      ctx,
      generatedAdminToken,
      async close() {
        await writer.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}
