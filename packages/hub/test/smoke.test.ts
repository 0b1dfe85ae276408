import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { connectAgent, ok, register, startTestHub } from './helpers.js';

describe('smoke', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => {
    await hub.close();
  });

  it('registers, authenticates and delivers a p2p message as a push', async () => {
    const a = await connectAgent(hub);
    const b = await connectAgent(hub, await register(hub, 'bob'));
    expect(a.connected).toMatchObject({ type: 'connected', agent_id: a.agent.agentId, epoch: hub.epoch, resumed: {} });
    const res = ok<{ message_id: string; seq: number }>(await a.client.call(a.agent.agentId, 'p2p/send', { to: b.agent.agentId, content: 'hi' }));
    expect(res.seq).toBe(1);
    const push = await b.client.waitFrame((f) => f.type === 'push');
    expect(push).toMatchObject({ stream: `agent:${b.agent.agentId}`, seq: 1, event: 'p2p.message', data: { message_id: res.message_id, from: a.agent.agentId, to: b.agent.agentId, content: 'hi', content_type: 'text' } });
    const who = ok<{ name: string; online: boolean }>(await b.client.call(b.agent.agentId, 'agent/whoami'));
    expect(who).toMatchObject({ name: 'bob', online: true });
    a.client.close();
    b.client.close();
  });
});
