import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { claimedAgent, newKey } from './account-client.js';
import { ok, RawClient, register, rpc, startTestHub, type TestAgent } from './helpers.js';

/**
 * A human's key (API key or console token) watches the agent: its socket gets
 * the agent's pushes, but the agent is not online because of it. Online is
 * what delegation routes by: a human watching in the console must not make an
 * agent whose own process is down look ready to answer.
 */
describe('sessions opened with a human key are watchers, not presence', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ maxSessionsPerAgent: 2, loginRateLimit: false, signupRateLimit: false, codeRateLimit: false });
  });
  afterAll(async () => {
    await hub.close();
  });

  const watch = async (agent: TestAgent, key: string) => {
    const c = RawClient.connect(hub);
    await c.challenge();
    c.send({ type: 'auth', agent_id: agent.agentId, token: key });
    return c;
  };
  const presence = async (agent: TestAgent) => {
    const other = await register(hub, 'observer');
    return ok<{ online: boolean; last_seen_at: string | null }>((await rpc(hub, other, 'agent/get', { agent_id: agent.agentId })).body);
  };

  it('a watcher gets the agent\'s pushes while the agent stays offline, and the agent is online once its own process connects', async () => {
    const { agent, human } = await claimedAgent(hub, undefined, 'sleeper');
    const before = await presence(agent);
    const ws = await watch(agent, (await newKey(human, agent, 'watch')).key);
    await ws.waitFrame((f) => f.type === 'connected');
    expect(await presence(agent)).toMatchObject({ online: false, last_seen_at: before.last_seen_at });

    const sender = await register(hub, 'sender');
    ok(await rpc(hub, sender, 'p2p/send', { to: agent.agentId, content: 'seen by the watcher' }).then((r) => r.body));
    const push = await ws.waitFrame((f) => f.type === 'push' && f.event === 'p2p.message');
    expect(push).toMatchObject({ data: { content: 'seen by the watcher' } });

    const own = RawClient.connect(hub);
    await own.authSig(agent);
    expect((await presence(agent)).online).toBe(true);
    own.close();
    await own.closed;
    // Its own session gone, the watcher still open: offline again.
    await expect.poll(async () => (await presence(agent)).online, { timeout: 10_000 }).toBe(false);
    ws.close();
  });

  it('watchers have their own cap: they never take the agent\'s own places', async () => {
    const { agent, human } = await claimedAgent(hub, undefined, 'popular');
    const key = (await newKey(human, agent, 'many')).key;
    const first = await watch(agent, key);
    const second = await watch(agent, key);
    await first.waitFrame((f) => f.type === 'connected');
    await second.waitFrame((f) => f.type === 'connected');
    const third = await watch(agent, key);
    expect(await third.closed).toBe(4429);
    // The agent's own two places are all still free.
    const a = RawClient.connect(hub);
    const b = RawClient.connect(hub);
    await a.authSig(agent);
    await b.authSig(agent);
    expect((await presence(agent)).online).toBe(true);
    for (const c of [first, second, a, b]) c.close();
  });
});
