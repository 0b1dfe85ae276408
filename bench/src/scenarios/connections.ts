import { mapLimit, sleep } from '../stats.js';
import type { Measurement } from '../types.js';
import type { Scenario } from './scenario.js';

/** Number of connection attempts in flight at once while opening, like a load tool's connect rate limit. */
const OPENING = 100;

/**
 * Connections: open N authenticated connections (at most 100 handshakes at a
 * time), leave them idle, and read the server's resident memory before and
 * after (each after a full GC in the server). Identities are registered
 * before the baseline, so their rows are not counted as connection memory.
 * For a server that is not a Node process (nats-server) the server reports
 * its own RSS, which no GC precedes, and has no JavaScript heap: that figure
 * is "n/a", not zero.
 */
export const connections: Scenario = async ({ driver, url, params, serverMemory }) => {
  const { count, settleMs } = params.connections;
  await driver.prepare(count);
  const before = await serverMemory();
  const t0 = performance.now();
  const conns = await mapLimit(count, OPENING, (i) => driver.open(i, url));
  const openMs = performance.now() - t0;
  await sleep(settleMs);
  const after = await serverMemory();
  const alive = conns.filter((c) => c.connected).length;
  if (alive !== count) throw new Error(`only ${alive}/${count} connections were still up after ${settleMs} ms idle`);
  await mapLimit(count, 500, (i) => conns[i]!.close());
  const label = `${count} idle connections`;
  const heap: Measurement = { case: label, metric: 'heap per connection', unit: 'KiB', better: 'lower', value: null };
  if (before.heapUsed === null || after.heapUsed === null) heap.notApplicable = 'no JavaScript heap: the server is not a Node process';
  else heap.value = (after.heapUsed - before.heapUsed) / count / 1024;
  return {
    measurements: [
      { case: label, metric: 'memory per connection', unit: 'KiB', better: 'lower', value: (after.rss - before.rss) / count / 1024 },
      heap,
      { case: label, metric: 'time to open all', unit: 'ms', better: 'lower', value: openMs },
    ],
    notes: [
      `server RSS ${mib(before.rss)} → ${mib(after.rss)} MiB` +
        (before.heapUsed === null || after.heapUsed === null ? ' (no JavaScript heap)' : `, heap ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB`),
    ],
  };
};

const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
