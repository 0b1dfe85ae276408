import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { connectAgent, stalledConsumer, startTestHub } from './helpers.js';

/**
 * A client that stops reading for longer than ws's own close handshake
 * timeout (30 s) must still read 4008 once it reads again. Slow by nature:
 * the stall is real time.
 */
describe('slow consumer stalled past 30 s', () => {
  const hubs: RunningHub[] = [];
  afterEach(async () => {
    for (const h of hubs.splice(0)) await h.close();
  });

  it('gets close code 4008 when it reads again, and resumes without loss', { timeout: 120_000 }, async () => {
    // Default closeTimeoutMs (60 s); a small queue so the stall trips 4008 quickly.
    const hub = await startTestHub({ maxQueuedBytes: 64 * 1024, rateLimit: false });
    hubs.push(hub);
    const { slow, sent, resume } = await stalledConsumer(hub);
    expect(sent).toBeLessThan(400);
    await new Promise((r) => setTimeout(r, 35_000));
    resume();
    expect(await slow.client.waitClose(30_000)).toBe(4008);
    // What was still queued at 4008 was dropped rather than sent ahead of the close frame.
    expect(slow.client.pushes().length).toBeLessThan(sent);
    const inbox = `agent:${slow.agent.agentId}`;
    const again = await connectAgent(hub, slow.agent, { [inbox]: 0 });
    expect(again.connected.resumed).toEqual({ [inbox]: { replayed: sent, gap: false } });
    await again.client.waitUntil(() => again.client.pushes().length === sent, 20_000);
    again.client.close();
  });
});
