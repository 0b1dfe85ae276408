import { Samples, mapLimit } from '../stats.js';
import type { Scenario } from './scenario.js';

/**
 * Fan-out: one publisher, N subscribers in one room/topic. The publisher keeps
 * at most `window` messages that have not yet reached every subscriber, so the
 * figure is the rate the server sustains end to end, not how fast it can queue.
 * Content is "<index>:<send time>"; latency is publish call to receipt, on one clock.
 */
export const fanout: Scenario = async ({ driver, url, params }) => {
  const { subscribers: n, messages: total, window } = params.fanout;
  await driver.prepare(n + 1);
  const publisher = await driver.open(0, url);
  const room = await driver.createRoom(publisher);

  const delivered = new Uint32Array(total);
  const latency = new Samples();
  const warm = Math.min(50, Math.floor(total / 10));
  let complete = 0;
  let wake: (() => void) | null = null;
  let completeAt = 0;
  let stray = 0;
  const onMessage = (content: string) => {
    const now = performance.now();
    const sep = content.indexOf(':');
    const k = Number(content.slice(0, sep));
    if (!(k >= 0 && k < total)) return void stray++;
    if (k >= warm) latency.add(now - Number(content.slice(sep + 1)));
    const got = (delivered[k] = (delivered[k] ?? 0) + 1);
    if (got === n) {
      complete++;
      if (complete === total) completeAt = now;
      const w = wake;
      wake = null;
      w?.();
    }
  };
  const subs = await mapLimit(n, 32, async (i) => {
    const c = await driver.open(i + 1, url);
    c.onMessage(onMessage);
    await c.join(room);
    return c;
  });

  let startAt = 0;
  let failure: unknown = null;
  const fail = (err: unknown) => {
    failure ??= err;
    wake?.();
  };
  const deadline = setTimeout(() => fail(new Error(`fan-out: only ${complete}/${total} messages reached every subscriber in 120 s`)), 120_000);
  for (let k = 0; k < total && !failure; k++) {
    // Wait while `window` messages are still on their way to someone.
    while (k - complete >= window && !failure) await new Promise<void>((r) => (wake = r));
    if (k === warm) startAt = performance.now();
    publisher.publish(room, `${k}:${performance.now()}`).catch(fail);
  }
  while (complete < total && !failure) await new Promise<void>((r) => (wake = r));
  clearTimeout(deadline);
  if (failure) throw failure;
  const seconds = (completeAt - startAt) / 1000;
  const perSecond = (total - warm) / seconds;
  await Promise.all([publisher, ...subs].map((c) => c.close()));
  const label = `1 → ${n} subscribers`;
  return {
    measurements: [
      { case: label, metric: 'messages to all', unit: 'msg/s', better: 'higher', value: perSecond },
      { case: label, metric: 'deliveries', unit: 'deliveries/s', better: 'higher', value: perSecond * n },
      { case: label, metric: 'p50 latency', unit: 'ms', better: 'lower', value: latency.percentile(50) },
      { case: label, metric: 'p99 latency', unit: 'ms', better: 'lower', value: latency.percentile(99) },
    ],
    notes: [`${total} messages, window ${window}, first ${warm} excluded as warm-up${stray ? `, ${stray} unexpected messages` : ''}`],
  };
};
