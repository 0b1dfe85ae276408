import { defineConfig } from 'vitest/config';

/** The vitest settings every package uses; each package's vitest.config.ts re-exports this. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real hubs and child processes; each wait inside
    // them is bounded on its own, these are only the outer safety nets.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report lets `npm test` print one honest total for the whole repo;
    // the pass on PostgreSQL (PARLEY_TEST_STORE=postgres) keeps its own.
    reporters: ['default', 'json'],
    outputFile: { json: process.env.PARLEY_TEST_STORE === 'postgres' ? './.vitest-results.postgres.json' : './.vitest-results.json' },
  },
});
