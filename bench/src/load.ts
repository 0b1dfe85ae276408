import type { Driver } from './drivers/driver.js';
import { JETSTREAM_MODES, JetStreamDriver } from './drivers/jetstream.js';
import { ParleyDriver } from './drivers/parley.js';
import { SocketIoDriver } from './drivers/socketio.js';
import { WsDriver } from './drivers/ws.js';
import { ask, toParent } from './ipc.js';
import { connections } from './scenarios/connections.js';
import { crosshub } from './scenarios/crosshub.js';
import { fanout } from './scenarios/fanout.js';
import { reqres } from './scenarios/reqres.js';
import type { Scenario } from './scenarios/scenario.js';
import { storm } from './scenarios/storm.js';
import type { LoadJob, MemoryReport, ParentMessage, ScenarioName } from './types.js';

/** The load generator: its own process, so its CPU and memory are never counted as the server's. */
const scenarios: Record<ScenarioName, Scenario> = { reqres, fanout, connections, storm, crosshub };

function driverFor({ server, url, scenario }: LoadJob): Driver {
  switch (server) {
    case 'parley':
    case 'parley-pg':
    case 'parley-cluster':
      // Identities are registered through the first hub; every hub of a cluster shares the database.
      return new ParleyDriver(url);
    case 'jetstream':
      if (scenario === 'crosshub') throw new Error('the cross-hub scenario runs on Parley only');
      return new JetStreamDriver(url, JETSTREAM_MODES[scenario]);
    case 'socketio':
    case 'socketio-sqlite':
      return new SocketIoDriver();
    case 'ws':
      return new WsDriver();
  }
}

async function run(job: LoadJob): Promise<void> {
  const out = await scenarios[job.scenario]({
    driver: driverFor(job),
    url: job.url,
    urls: job.urls,
    ...(job.proxyUrl ? { proxyUrl: job.proxyUrl } : {}),
    params: job.params,
    serverMemory: async () => (await ask('server', 'mem')) as MemoryReport,
    serverCpu: async () => Number(await ask('server', 'cpu')),
    cutProxy: async () => Number(await ask('proxy', 'cut')),
  });
  toParent({ type: 'result', ...out });
}

process.on('message', (m: ParentMessage) => {
  if (m.type !== 'run') return;
  run(m.job).then(
    // Clients may keep timers (reconnect, heartbeat) alive; the result is in, so stop here.
    () => setTimeout(() => process.exit(0), 50),
    (err: unknown) => {
      toParent({ type: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) });
      setTimeout(() => process.exit(1), 50);
    },
  );
});
process.on('disconnect', () => process.exit(0));
