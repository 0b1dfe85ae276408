import { startHub, type HubOptions } from '@parley/hub';
import { hostServer } from './host.js';
import { BENCH_HUB_OPTIONS, PG_POOL_SIZE, writeDiagnostics } from './parley-hub.js';

/**
 * One hub of `parley-cluster`, in a process of its own as in a deployment.
 * servers/parley-cluster.ts starts it with its name and the cluster's
 * options (database, Redis, key prefix) as JSON, and talks to it as the
 * orchestrator talks to a server: ready with its port, memory and CPU on
 * request, graceful stop.
 */
const [name = '?', json = '{}'] = process.argv.slice(2);
hostServer(async () => {
  const hub = await startHub({ ...BENCH_HUB_OPTIONS, dbPoolSize: PG_POOL_SIZE, ...(JSON.parse(json) as HubOptions) });
  return {
    port: hub.port,
    async close() {
      try {
        console.error(`    hub ${name}: ${await writeDiagnostics(hub.url, { pgPool: PG_POOL_SIZE, cluster: true })}`);
      } finally {
        await hub.close();
      }
    },
  };
});
