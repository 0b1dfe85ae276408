import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { answerAsks, toParent } from './ipc.js';
import type { ParentMessage } from './types.js';

/**
 * A TCP proxy in front of the server under test, so the storm can cut every
 * client's connection at the same instant (as a network failure would) while
 * the server and the publisher, which connects directly, carry on.
 */
const target = Number(process.argv[2]);
if (!Number.isInteger(target) || target <= 0) throw new Error('usage: proxy <target port>');

const pairs = new Set<[Socket, Socket]>();
const server = createServer((down) => {
  const up = connect(target, '127.0.0.1');
  const pair: [Socket, Socket] = [down, up];
  pairs.add(pair);
  const drop = () => {
    pairs.delete(pair);
    down.destroy();
    up.destroy();
  };
  down.on('error', drop).on('close', drop);
  up.on('error', drop).on('close', drop);
  down.pipe(up);
  up.pipe(down);
});

answerAsks({
  cut: async () => {
    const n = pairs.size;
    for (const [down, up] of [...pairs]) {
      down.destroy();
      up.destroy();
    }
    pairs.clear();
    return n;
  },
});
process.on('message', (m: ParentMessage) => {
  if (m.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => toParent({ type: 'ready', port: (server.address() as AddressInfo).port }));
