import type { Conn } from '../drivers/driver.js';
import { Samples, mapLimit } from '../stats.js';
import type { Measurement } from '../types.js';
import type { Scenario } from './scenario.js';

/**
 * Request/response: closed-loop callers, each keeping one call in flight.
 * Cases: one connection with 1, 16 and 256 calls in flight, then N connections
 * each with a few in flight. Connection i calls i+1 (mod N), so every call also
 * delivers a push to a live connection.
 */
export const reqres: Scenario = async ({ driver, url, params }) => {
  const p = params.reqres;
  const n = Math.max(2, p.connections);
  await driver.prepare(n);
  const conns = await mapLimit(n, 16, (i) => driver.open(i, url));
  let pushes = 0;
  for (const c of conns) c.onMessage(() => pushes++);

  const measurements: Measurement[] = [];
  const record = (label: string, r: RunResult) => {
    measurements.push(
      { case: label, metric: 'throughput', unit: 'calls/s', better: 'higher', value: r.perSecond },
      { case: label, metric: 'p50 latency', unit: 'ms', better: 'lower', value: r.p50 },
      { case: label, metric: 'p99 latency', unit: 'ms', better: 'lower', value: r.p99 },
    );
  };
  for (const inFlight of p.inFlight) {
    record(`1 conn, ${inFlight} in flight`, await closedLoop([[conns[0]!, 1]], inFlight, p.warmupMs, p.durationMs));
  }
  const all = conns.map((c, i): [Conn, number] => [c, (i + 1) % n]);
  record(`${n} conns, ${p.inFlightPerConnection} in flight each`, await closedLoop(all, p.inFlightPerConnection, p.warmupMs, p.durationMs));
  await Promise.all(conns.map((c) => c.close()));
  return { measurements, notes: [`${pushes} pushes received by the callees`] };
};

interface RunResult {
  perSecond: number;
  p50: number;
  p99: number;
}

async function closedLoop(targets: Array<[Conn, number]>, perConn: number, warmupMs: number, durationMs: number): Promise<RunResult> {
  const samples = new Samples();
  let recording = false;
  let done = 0;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  const caller = async (conn: Conn, to: number) => {
    while (true) {
      const t0 = performance.now();
      if (t0 >= end) return;
      await conn.request(to);
      const t1 = performance.now();
      if (t0 >= measureFrom && t1 <= end) {
        recording = true;
        samples.add(t1 - t0);
        done++;
      }
    }
  };
  await Promise.all(targets.flatMap(([conn, to]) => Array.from({ length: perConn }, () => caller(conn, to))));
  if (!recording) throw new Error('no call completed inside the measurement window');
  return { perSecond: (done * 1000) / durationMs, p50: samples.percentile(50), p99: samples.percentile(99) };
}
