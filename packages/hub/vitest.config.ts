import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// PARLEY_TEST_STORE=postgres: the run's database is made before the tests and dropped after (src/testing.ts).
export default mergeConfig(shared, defineConfig({ test: { globalSetup: ['./test/store-setup.ts'] } }));
