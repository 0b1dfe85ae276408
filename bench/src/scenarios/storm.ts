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
  const { clients: n, ratePerSecond, beforeCutMs, afterCutMs, deadlineMs } = params.storm;
  const total = Math.round((ratePerSecond * (beforeCutMs + afterCutMs)) / 1000);
  await driver.prepare(n + 1);
  const publisher = await driver.open(0, url);
  const room = await driver.createRoom(publisher);

  const seen = Array.from({ length: n }, () => new Uint8Array(total));
  const counts = new Uint32Array(n);
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
    if (reconnectedAt && quiet > 3000) break;
    await sleep(10);
  }
  await watch;
  let lost = 0;
  for (const c of counts) lost += total - c;
  await Promise.all([publisher, ...subs].map((c) => c.close()));

  const label = `${n} clients cut at once`;
  return {
    measurements: [
      { case: label, metric: 'messages lost', unit: 'messages', better: 'zero', value: lost },
      { case: label, metric: 'time until all have all', unit: 'ms', better: 'lower', value: completeAt ? completeAt - cutAt : null },
      { case: label, metric: 'time until all reconnected', unit: 'ms', better: 'lower', value: reconnectedAt ? reconnectedAt - cutAt : null },
      { case: label, metric: 'duplicates delivered', unit: 'messages', better: 'zero', value: duplicates },
    ],
    notes: [
      `${total} messages at ${ratePerSecond}/s to ${n} subscribers; cut ${cut} proxied connections after ${beforeCutMs} ms`,
      ...(completeAt ? [] : [`${lost} of ${total * n} deliveries never arrived`]),
    ],
  };
};
