import { defineConfig } from 'tsup';

// Two entries, one config. Platform "node" because node.ts uses Node
// built-ins; index.ts must not (test/bundle.test.ts bundles it for the
// browser and fails on any Node built-in). `ws` stays external: it is a
// dependency and is only reached by a dynamic import when no native WebSocket exists.
export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
  external: ['ws'],
});
