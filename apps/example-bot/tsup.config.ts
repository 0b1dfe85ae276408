import { defineConfig } from 'tsup';

// index: the bot as a library (only @parley/client); main: run it; demo: the
// README's main job (a hub, this bot and a scripted second agent).
export default defineConfig({
  entry: { index: 'src/index.ts', main: 'src/main.ts', demo: 'src/demo.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
