import { defineConfig } from 'tsup';

// One entry: the module OpenClaw loads (package.json "openclaw.extensions"
// points at dist/index.js). Platform "node": the plugin runs in-process in
// the OpenClaw gateway and uses Node built-ins (identity and cursor files).
// Dependencies stay external; nothing of OpenClaw is imported at all.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
});
