import { defineConfig } from 'tsup';

// Every process the harness starts is its own entry: the orchestrator, the
// load generator, each server (and each hub of the two-hub server) and the
// proxy that cuts connections; and the flame graph tool for the profiles
// `--profile` writes.
export default defineConfig({
  entry: {
    run: 'src/run.ts',
    load: 'src/load.ts',
    proxy: 'src/proxy.ts',
    flamegraph: 'src/flamegraph.ts',
    'servers/parley': 'src/servers/parley.ts',
    'servers/parley-pg': 'src/servers/parley-pg.ts',
    'servers/parley-cluster': 'src/servers/parley-cluster.ts',
    'servers/cluster-hub': 'src/servers/cluster-hub.ts',
    'servers/jetstream': 'src/servers/jetstream.ts',
    'servers/socketio': 'src/servers/socketio.ts',
    'servers/socketio-sqlite': 'src/servers/socketio-sqlite.ts',
    'servers/ws': 'src/servers/ws.ts',
  },
  format: ['esm'],
  clean: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
});
