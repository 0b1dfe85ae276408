// vitest globalSetup (vitest.config.ts): on PostgreSQL, the test run's database.
export { setupTestStore as default } from '@parley/hub/testing';
