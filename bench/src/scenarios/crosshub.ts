import { withTimeout } from '../drivers/driver.js';
import { Samples, mapLimit, sleep } from '../stats.js';
import type { Measurement } from '../types.js';
import type { Scenario } from './scenario.js';

/** A push that has not arrived this long after its call is lost: the case fails rather than wait for the cell's timeout. */
const PUSH_TIMEOUT_MS = 30_000;

/**
 * Across hubs: what a direct message costs when its sender and its receiver
 * are on different hubs of one cluster, against both on one hub. Pairs of
 * agents; in each the sender calls `p2p/send` and waits until the receiver
 * has the push (and the call its answer), `k` such messages in flight per
 * pair (closed loop). Latency runs from the call to the push's arrival at
 * the receiver, on one clock (both ends are in this process).
 *
 * With two hubs (`urls`), pair p's sender is on hub p mod 2 and its
 * receiver on the other: the one-pair cases send from hub A to hub B, and
 * with many pairs half send each way, so both hubs write and both deliver.
 * With one hub, everyone is on it. Every message then crosses hubs or none
 * does; the two-hub figure also carries cluster mode's own work per push
 * (a Redis publish, heard by every hub).
 *
 * Hub CPU per call: the CPU time of every hub process over the measured
 * seconds, divided by the messages delivered in them. PostgreSQL's and
 * Redis's own CPU are not in it: they are shared servers.
 */
export const crosshub: Scenario = async ({ driver, urls, params, serverCpu }) => {
  const p = params.crosshub;
  const pairs = Math.max(1, p.pairs);
  // Connection 2p sends, 2p + 1 receives.
  const hubOf = (conn: number) => urls[((conn >> 1) + (conn & 1)) % urls.length]!;
  await driver.prepare(2 * pairs);
  const conns = await mapLimit(2 * pairs, 16, (i) => driver.open(i, hubOf(i)));
  const arrivals = new Map<string, (at: number) => void>();
  let pushes = 0;
  for (const c of conns) {
    c.onMessage((content) => {
      pushes++;
      const arrived = arrivals.get(content);
      arrivals.delete(content);
      arrived?.(performance.now());
    });
  }

  let nextId = 0;
  /** One message from pair `pair`'s sender to its receiver: resolves with its delivery latency in ms. */
  const message = async (pair: number): Promise<number> => {
    const sender = conns[2 * pair]!;
    if (!sender.send) throw new Error('the cross-hub scenario needs a driver that sends direct messages (Parley)');
    const id = `m${nextId++}`;
    const arrived = new Promise<number>((resolve) => arrivals.set(id, resolve));
    const t0 = performance.now();
    const receiver = conns[2 * pair + 1]!;
    const connectedThen = receiver.connected;
    let answered = false;
    const call = sender.send(2 * pair + 1, id).then(() => void (answered = true));
    const push = withTimeout(arrived, PUSH_TIMEOUT_MS, `message ${id}`).catch((err: unknown) => {
      const where = `from connection ${2 * pair} (${hubOf(2 * pair)}) to ${2 * pair + 1} (${hubOf(2 * pair + 1)})`;
      const state = `the call ${answered ? 'was answered' : 'was not answered'}; the receiver was ${connectedThen ? '' : 'not '}connected when it was sent and is ${receiver.connected ? '' : 'not '}now`;
      throw new Error(`${(err as Error).message} ${where}: no push; ${state}`);
    });
    const [at] = await Promise.all([push, call]);
    return at - t0;
  };

  const measurements: Measurement[] = [];
  const record = (label: string, r: RunResult) => {
    measurements.push(
      { case: label, metric: 'throughput', unit: 'calls/s', better: 'higher', value: r.perSecond },
      { case: label, metric: 'p50 delivery latency', unit: 'ms', better: 'lower', value: r.p50 },
      { case: label, metric: 'p99 delivery latency', unit: 'ms', better: 'lower', value: r.p99 },
      { case: label, metric: 'hub CPU per call', unit: 'µs', better: 'lower', value: r.cpuPerCall },
    );
  };
  const loop = (pairList: number[], perPair: number) => closedLoop(pairList, perPair, message, serverCpu, p.warmupMs, p.durationMs);
  for (const inFlight of p.inFlight) record(`1 pair, ${inFlight} in flight`, await loop([0], inFlight));
  record(
    `${pairs} pairs, ${p.inFlightPerPair} in flight each`,
    await loop(
      Array.from({ length: pairs }, (_, i) => i),
      p.inFlightPerPair,
    ),
  );
  await Promise.all(conns.map((c) => c.close()));
  return {
    measurements,
    notes: [
      urls.length > 1
        ? `${urls.length} hubs: every message crosses from its sender's hub to its receiver's (one pair: A to B; ${pairs} pairs: half each way)`
        : `1 hub: senders and receivers on it`,
      `${pushes} pushes received`,
    ],
  };
};

interface RunResult {
  perSecond: number;
  p50: number;
  p99: number;
  cpuPerCall: number | null;
}

async function closedLoop(
  pairList: number[],
  perPair: number,
  message: (pair: number) => Promise<number>,
  serverCpu: () => Promise<number>,
  warmupMs: number,
  durationMs: number,
): Promise<RunResult> {
  const samples = new Samples();
  let done = 0;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  // The hubs' CPU clock read as the measured seconds begin and end.
  const cpuAt = async (t: number) => {
    await sleep(t - performance.now());
    return { at: performance.now(), cpu: await serverCpu() };
  };
  const cpu = Promise.all([cpuAt(measureFrom), cpuAt(end)]);
  const caller = async (pair: number) => {
    while (true) {
      const t0 = performance.now();
      if (t0 >= end) return;
      const latency = await message(pair);
      if (t0 >= measureFrom && performance.now() <= end) {
        samples.add(latency);
        done++;
      }
    }
  };
  await Promise.all(pairList.flatMap((pair) => Array.from({ length: perPair }, () => caller(pair))));
  const [from, to] = await cpu;
  if (done === 0) throw new Error('no message was delivered inside the measurement window');
  // Calls per second of the CPU reading's own window (the two reads are a few ms off the measured seconds).
  const cpuPerCall = to.at > from.at ? (to.cpu - from.cpu) / ((done * (to.at - from.at)) / durationMs) : null;
  return { perSecond: (done * 1000) / durationMs, p50: samples.percentile(50), p99: samples.percentile(99), cpuPerCall };
}
