import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['tally-source'] },
  ssr: { resolve: { conditions: ['tally-source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
