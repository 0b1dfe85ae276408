import { CannotStart, hostServer } from './host.js';
import { findNatsServer, natsMissing } from './nats-binary.js';
import { startNatsServer } from './nats-process.js';
import { NATS_TOKEN } from './token.js';

/**
 * NATS JetStream: this process only hosts a nats-server child (JetStream on,
 * file storage in a temporary directory) and reports its port; the clients
 * talk to nats-server directly. Memory figures are nats-server's own
 * resident memory: there is no JavaScript heap to report, and this wrapper's
 * memory is not the server's.
 */
hostServer(async () => {
  const binary = findNatsServer();
  if (!binary) throw new CannotStart(natsMissing());
  const nats = await startNatsServer(binary, NATS_TOKEN);
  return {
    port: nats.port,
    close: () => nats.stop(),
    memory: async () => ({ rss: nats.rss(), heapUsed: null }),
  };
});
