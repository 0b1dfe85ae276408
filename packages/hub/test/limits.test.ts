import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { RawClient, connectAgent, register, rpc, stalledConsumer, startTestHub, uid } from './helpers.js';

describe('limits', () => {
  const hubs: RunningHub[] = [];
  afterEach(async () => {
    for (const h of hubs.splice(0)) await h.close();
  });

  it('rate limits per agent with retry_after_ms, and a rate-limited u_id can be retried', async () => {
    const hub = await startTestHub({ rateLimit: { perSecond: 5, burst: 3 } });
    hubs.push(hub);
    const { agent, client } = await connectAgent(hub);
    const other = await register(hub);
    const u = Array.from({ length: 5 }, () => uid());
    for (const id of u) client.send({ agent_id: agent.agentId, u_id: id, params: { action: 'agent/whoami' } });
    const responses = await client.waitUntil(() => {
      const r = u.map((id) => client.frames.find((f) => f.u_id === id));
      return r.every(Boolean) ? r : null;
    });
    const limited = responses.filter((r) => r!.status === 'error');
    expect(responses.filter((r) => r!.status === 'success')).toHaveLength(3);
    expect(limited.length).toBe(2);
    for (const r of limited) {
      expect(r).toMatchObject({ content: { code: 'rate_limited' } });
      const retry = (r!.content as { details: { retry_after_ms: number } }).details.retry_after_ms;
      expect(Number.isInteger(retry)).toBe(true);
      expect(retry).toBeGreaterThan(0);
    }
    // Another agent has its own bucket.
    expect((await rpc(hub, other, 'agent/whoami')).body.status).toBe('success');
    // rate_limited is transient: after waiting, the same u_id runs for real.
    const retryAfter = (limited[0]!.content as { details: { retry_after_ms: number } }).details.retry_after_ms;
    await new Promise((r) => setTimeout(r, retryAfter + 50));
    const again = await client.call(agent.agentId, 'agent/whoami', undefined, limited[0]!.u_id as string);
    expect(again.status).toBe('success');
    client.close();
  });

  it('closes a silent connection with 4408', async () => {
    const hub = await startTestHub({ heartbeatMs: 100 });
    hubs.push(hub);
    const { client, connected } = await connectAgent(hub);
    expect(connected.heartbeat_ms).toBe(100);
    const started = Date.now();
    expect(await client.waitClose(3000)).toBe(4408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('keeps a connection that pings; JSON and text ping both answered', async () => {
    const hub = await startTestHub({ heartbeatMs: 100 });
    hubs.push(hub);
    const { client } = await connectAgent(hub);
    const until = Date.now() + 600;
    let i = 0;
    while (Date.now() < until) {
      const before = client.texts.length;
      if (i++ % 2 === 0) {
        client.send({ type: 'ping' });
        await client.waitUntil(() => client.texts.slice(before).includes('{"type":"pong"}'), 2000, 'json pong');
      } else {
        client.send('ping');
        await client.waitUntil(() => client.texts.slice(before).includes('pong'), 2000, 'text pong');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(client.closeCode).toBeNull();
    client.close();
  });

  it('closes a consumer that does not drain its queue with 4008', async () => {
    const hub = await startTestHub({ maxQueuedBytes: 64 * 1024, rateLimit: false });
    hubs.push(hub);
    const { slow, sent, resume } = await stalledConsumer(hub);
    expect(sent).toBeLessThan(400);
    expect(sent).toBeGreaterThan(1);
    resume();
    expect(await slow.client.waitClose(10_000)).toBe(4008);
    // What was still queued at 4008 was dropped, not sent ahead of the close frame: the client resumes for it.
    expect(slow.client.pushes().length).toBeLessThan(sent);
    // Nothing is lost: a resume gets every push.
    const inbox = `agent:${slow.agent.agentId}`;
    const again = await connectAgent(hub, slow.agent, { [inbox]: 0 });
    expect(again.connected.resumed).toEqual({ [inbox]: { replayed: sent, gap: false } });
    await again.client.waitUntil(() => again.client.pushes().length === sent, 10_000);
    again.client.close();
  });

  it('a second hub instance in the same process works independently', async () => {
    const h1 = await startTestHub();
    const h2 = await startTestHub();
    hubs.push(h1, h2);
    expect(h1.epoch).not.toBe(h2.epoch);
    const c = RawClient.connect(h2);
    await c.challenge();
    c.close();
  });
});
