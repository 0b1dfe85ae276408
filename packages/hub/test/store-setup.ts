// vitest globalSetup (vitest.config.ts): on PostgreSQL, the test run's database.
export { setupTestStore as default } from '../src/testing.js';
