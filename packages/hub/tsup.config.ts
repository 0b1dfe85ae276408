import { defineConfig } from 'tsup';

export default defineConfig({
  // testing: helpers for test suites that start hubs (which store they run on).
  entry: ['src/index.ts', 'src/testing.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
  // import.meta.url in the CommonJS build too (the checkpointer resolves better-sqlite3 for its worker).
  shims: true,
});
