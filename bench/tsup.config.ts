import { defineConfig } from 'tsup';

// Every process the harness starts is its own entry: the orchestrator, the
// load generator, each server and the proxy that cuts connections.
export default defineConfig({
  entry: {
    run: 'src/run.ts',
    load: 'src/load.ts',
    proxy: 'src/proxy.ts',
    'servers/parley': 'src/servers/parley.ts',
    'servers/parley-pg': 'src/servers/parley-pg.ts',
    'servers/socketio': 'src/servers/socketio.ts',
    'servers/ws': 'src/servers/ws.ts',
  },
  format: ['esm'],
  clean: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
});
