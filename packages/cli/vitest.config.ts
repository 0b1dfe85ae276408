import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report lets `npm test` print one honest total for the whole repo.
    reporters: ['default', 'json'],
    outputFile: { json: './.vitest-results.json' },
  },
});
