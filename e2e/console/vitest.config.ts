import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

/**
 * Each test file runs one Chromium against its own hub: one file at a time,
 * so a two-core CI machine is not asked for several browsers at once. A test
 * is a whole flow (sign up, claim, several live steps, each waited for with
 * Playwright's own 30 s bound), so its outer safety net is wider.
 */
export default mergeConfig(
  shared,
  defineConfig({
    test: {
      fileParallelism: false,
      testTimeout: 180_000,
      hookTimeout: 60_000,
    },
  }),
);
