import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['tally-source'] },
  ssr: { resolve: { conditions: ['tally-source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // The dashboard's browser tests serve the built app: build it first when a source changed.
    globalSetup: ['packages/web/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
