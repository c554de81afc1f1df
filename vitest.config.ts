import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
    // One real PostgreSQL for the whole run (test/setup/postgres-global-setup.ts).
    globalSetup: ['test/setup/postgres-global-setup.ts'],
  },
});
