import { loadConfig } from './config.js';
import { buildApp } from './app.js';
import { openTally } from './tally.js';

/** Builds the app on an in-memory store and returns the OpenAPI document generated from the route schemas. */
export async function generateOpenApi(): Promise<unknown> {
  const opened = await openTally(loadConfig({ TALLY_STORE: ':memory:', TALLY_ADMIN_TOKEN: 'openapi-generator-token' }));
  try {
    const app = await buildApp(opened.ctx, { logger: false });
    await app.ready();
    const spec = app.swagger();
    await app.close();
    return spec;
  } finally {
    await opened.close();
  }
}
