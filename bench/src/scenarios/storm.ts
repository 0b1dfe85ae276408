import { mapLimit, sleep } from '../stats.js';
import type { Scenario } from './scenario.js';

/**
 * Reconnect storm: N subscribers reach the server through a proxy; a publisher
 * connected directly sends at a steady rate. Mid-way the proxy cuts every
 * subscriber at once; they reconnect with their library's own policy (and
 * resume, where the library can). Afterwards every subscriber should hold
 * every message: count what is missing and how long it took.
 */
export const storm: Scenario = async ({ driver, url, proxyUrl, params, cutProxy }) => {
  if (!proxyUrl) throw new Error('the storm needs the proxy');
  const { clients: n, ratePerSecond, beforeCutMs, afterCutMs } = params.storm;
  // Deliveries may pause for the server's redelivery timer, where it has one; silence shorter than that is not loss.
  const patienceMs = Math.max(3000, (driver.redeliveryMs ?? 0) + 3000);
  const deadlineMs = Math.max(params.storm.deadlineMs, afterCutMs + patienceMs + 10_000);
  const total = Math.round((ratePerSecond * (beforeCutMs + afterCutMs)) / 1000);
  await driver.prepare(n + 1);
  const publisher = await driver.open(0, url);
  const room = await driver.createRoom(publisher);

  const seen = Array.from({ length: n }, () => new Uint8Array(total));
  const counts = new Uint32Array(n);
  // Per message: when it was sent, and when the last subscriber to get it got it.
  const sentAt = new Float64Array(total);
  const lastArrivalAt = new Float64Array(total);
  let duplicates = 0;
  let lastDeliveryAt = 0;
  const subs = await mapLimit(n, 32, async (i) => {
    const c = await driver.open(i + 1, proxyUrl);
    c.onMessage((content) => {
      const k = Number(content);
      if (!(k >= 0 && k < total)) return;
      lastDeliveryAt = performance.now();
      if (seen[i]![k]) duplicates++;
      else {
        seen[i]![k] = 1;
        counts[i]!++;
        lastArrivalAt[k] = lastDeliveryAt;
      }
    });
    await c.join(room);
    return c;
  });

  // Open loop: message k goes out at start + k/rate, whatever the subscribers do.
  const start = performance.now();
  const published = (async () => {
    const calls: Array<Promise<void>> = [];
    for (let k = 0; k < total; k++) {
      const due = start + (k * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sentAt[k] = performance.now();
      calls.push(publisher.publish(room, String(k)));
    }
    await Promise.all(calls);
  })();

  await sleep(beforeCutMs);
  const cutAt = performance.now();
  const cut = await cutProxy();
  // Watch the clients come back (they may not notice the cut for a moment).
  let reconnectedAt = 0;
  const watch = (async () => {
    await sleep(20);
    while (subs.some((s) => !s.connected)) {
      if (performance.now() - cutAt > deadlineMs) return;
      await sleep(10);
    }
    reconnectedAt = performance.now();
  })();
  await published;
  const publishedAt = performance.now();

  // Wait until everyone has everything, or until deliveries stop for good.
  let completeAt = 0;
  while (performance.now() - cutAt < deadlineMs) {
    if (counts.every((c) => c === total)) {
      completeAt = performance.now();
      break;
    }
    const quiet = performance.now() - Math.max(lastDeliveryAt, publishedAt);
    if (reconnectedAt && quiet > patienceMs) break;
    await sleep(10);
  }
  await watch;
  let lost = 0;
  for (const c of counts) lost += total - c;
  // Caught up: every subscriber holds every message sent before the last of
  // them was back. Unlike "all have all", this does not wait for the rest of
  // the run's messages (sent until afterCutMs after the cut): it is how long
  // the storm itself took to heal.
  let caughtUpAt = 0;
  if (reconnectedAt && lost === 0) {
    for (let k = 0; k < total && sentAt[k]! <= reconnectedAt; k++) caughtUpAt = Math.max(caughtUpAt, lastArrivalAt[k]!, reconnectedAt);
  }
  await Promise.all([publisher, ...subs].map((c) => c.close()));

  const label = `${n} clients cut at once`;
  return {
    measurements: [
      { case: label, metric: 'messages lost', unit: 'messages', better: 'zero', value: lost },
      { case: label, metric: 'time until all caught up', unit: 'ms', better: 'lower', value: caughtUpAt ? caughtUpAt - cutAt : null },
      { case: label, metric: 'time until all have all', unit: 'ms', better: 'lower', value: completeAt ? completeAt - cutAt : null },
      { case: label, metric: 'time until all reconnected', unit: 'ms', better: 'lower', value: reconnectedAt ? reconnectedAt - cutAt : null },
      { case: label, metric: 'duplicates delivered', unit: 'messages', better: 'zero', value: duplicates },
    ],
    notes: [
      `${total} messages at ${ratePerSecond}/s to ${n} subscribers; cut ${cut} proxied connections after ${beforeCutMs} ms; sending goes on ${afterCutMs} ms after the cut, so "all have all" is at least that`,
      ...(completeAt ? [] : [`${lost} of ${total * n} deliveries never arrived`]),
    ],
  };
};
