import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type RawClient, type TestAgent, connectAgent, identity, ok, register, rpc, startTestHub } from './helpers.js';

interface Grant {
  agent_id: string;
  manager_id: string;
  can_publish: boolean;
  can_p2p: boolean;
  created_at: string;
}
interface Sent {
  message_id: string;
  seq: number;
  via: string;
}
interface Message {
  message_id: string;
  from: string;
  content: string;
  via: string | null;
}

function errorOf(res: { body: Frame }): { code: string; error: string } {
  if (res.body.status !== 'error') throw new Error(`expected an error, got ${JSON.stringify(res.body)}`);
  return res.body.content as { code: string; error: string };
}

const pushOf = (client: RawClient, event: string, messageId: string) =>
  client.waitFrame((f) => f.type === 'push' && f.event === event && (f.data as Message).message_id === messageId, 5000, `${event} ${messageId}`);

describe('delegate: act-as grants', () => {
  let hub: RunningHub;
  let agent: TestAgent;
  let manager: TestAgent;
  let stranger: TestAgent;
  beforeAll(async () => {
    hub = await startTestHub({ rateLimit: false });
    agent = await register(hub, 'agent');
    manager = await register(hub, 'manager');
    stranger = await register(hub, 'stranger');
  });
  afterAll(() => hub.close());

  it('grant, list (given and held), replace and revoke', async () => {
    const other = await register(hub, 'other');
    const g = ok<Grant>((await rpc(hub, other, 'delegate/grant', { manager: manager.agentId, can_publish: true })).body);
    expect(g).toMatchObject({ agent_id: other.agentId, manager_id: manager.agentId, can_publish: true, can_p2p: false });

    expect(ok<{ given: Grant[]; held: Grant[] }>((await rpc(hub, other, 'delegate/list', {})).body)).toEqual({ given: [g], held: [] });
    const held = ok<{ given: Grant[]; held: Grant[] }>((await rpc(hub, manager, 'delegate/list', {})).body).held;
    expect(held.filter((x) => x.agent_id === other.agentId)).toEqual([g]);

    // A second grant to the same manager replaces the first.
    const g2 = ok<Grant>((await rpc(hub, other, 'delegate/grant', { manager: manager.agentId, can_p2p: true })).body);
    expect(g2).toMatchObject({ can_publish: false, can_p2p: true });
    expect(ok<{ given: Grant[] }>((await rpc(hub, other, 'delegate/list', {})).body).given).toEqual([g2]);

    // Refused: oneself, an unknown manager, a grant of nothing.
    expect(errorOf(await rpc(hub, other, 'delegate/grant', { manager: other.agentId, can_p2p: true })).code).toBe('invalid_params');
    expect(errorOf(await rpc(hub, other, 'delegate/grant', { manager: identity().agentId, can_p2p: true })).code).toBe('not_found');
    expect(errorOf(await rpc(hub, other, 'delegate/grant', { manager: manager.agentId })).code).toBe('invalid_params');

    expect(ok((await rpc(hub, other, 'delegate/revoke', { manager: manager.agentId })).body)).toEqual({ manager_id: manager.agentId, revoked: true });
    expect(ok((await rpc(hub, other, 'delegate/revoke', { manager: manager.agentId })).body)).toEqual({ manager_id: manager.agentId, revoked: false });
    expect(ok((await rpc(hub, other, 'delegate/list', {})).body)).toEqual({ given: [], held: [] });
  });

  it('publish_as and p2p_as act as the granting agent, carry via, and need the matching grant', async () => {
    const topicId = ok<{ topic_id: string }>((await rpc(hub, agent, 'topic/create', { name: 'act-as' })).body).topic_id;
    const { agent: reader, client: readerClient } = await connectAgent(hub);
    ok((await rpc(hub, reader, 'topic/join', { topic_id: topicId })).body);
    const { agent: peer, client: peerClient } = await connectAgent(hub);

    // No grant at all.
    expect(errorOf(await rpc(hub, manager, 'delegate/publish_as', { as: agent.agentId, topic_id: topicId, content: 'hi' }))).toEqual({
      code: 'forbidden',
      error: `${agent.agentId} has not granted you can_publish`,
    });
    expect(errorOf(await rpc(hub, manager, 'delegate/p2p_as', { as: agent.agentId, to: peer.agentId, content: 'hi' })).code).toBe('forbidden');

    // can_publish only: publishing works, direct messages do not.
    ok((await rpc(hub, agent, 'delegate/grant', { manager: manager.agentId, can_publish: true })).body);
    const pub = ok<Sent>((await rpc(hub, manager, 'delegate/publish_as', { as: agent.agentId, topic_id: topicId, content: 'posted for agent' })).body);
    expect(pub.via).toBe(manager.agentId);
    const topicPush = await pushOf(readerClient, 'topic.message', pub.message_id);
    expect(topicPush).toMatchObject({ stream: `topic:${topicId}`, seq: pub.seq });
    expect(topicPush.data).toMatchObject({ from: agent.agentId, via: manager.agentId, content: 'posted for agent' });
    const history = ok<{ messages: Message[] }>((await rpc(hub, reader, 'topic/history', { topic_id: topicId })).body).messages;
    expect(history.find((m) => m.message_id === pub.message_id)).toMatchObject({ from: agent.agentId, via: manager.agentId });
    expect(errorOf(await rpc(hub, manager, 'delegate/p2p_as', { as: agent.agentId, to: peer.agentId, content: 'hi' }))).toEqual({
      code: 'forbidden',
      error: `${agent.agentId} has not granted you can_p2p`,
    });
    // A grant to someone else is no grant to the stranger.
    expect(errorOf(await rpc(hub, stranger, 'delegate/publish_as', { as: agent.agentId, topic_id: topicId, content: 'x' })).code).toBe('forbidden');

    // can_p2p only (the grant is replaced): now the other way round.
    ok((await rpc(hub, agent, 'delegate/grant', { manager: manager.agentId, can_p2p: true })).body);
    const dm = ok<Sent>((await rpc(hub, manager, 'delegate/p2p_as', { as: agent.agentId, to: peer.agentId, content: 'direct for agent' })).body);
    expect(dm.via).toBe(manager.agentId);
    const dmPush = await pushOf(peerClient, 'p2p.message', dm.message_id);
    expect(dmPush).toMatchObject({ stream: `agent:${peer.agentId}`, seq: dm.seq });
    expect(dmPush.data).toMatchObject({ from: agent.agentId, to: peer.agentId, via: manager.agentId, content: 'direct for agent' });
    const dms = ok<{ messages: Message[] }>((await rpc(hub, agent, 'p2p/history', { with: peer.agentId })).body).messages;
    expect(dms.find((m) => m.message_id === dm.message_id)).toMatchObject({ from: agent.agentId, via: manager.agentId });
    expect(errorOf(await rpc(hub, manager, 'delegate/publish_as', { as: agent.agentId, topic_id: topicId, content: 'x' })).code).toBe('forbidden');

    // Revoked: nothing more.
    ok((await rpc(hub, agent, 'delegate/revoke', { manager: manager.agentId })).body);
    expect(errorOf(await rpc(hub, manager, 'delegate/p2p_as', { as: agent.agentId, to: peer.agentId, content: 'again' })).code).toBe('forbidden');
    readerClient.close();
    peerClient.close();
  });

  it("the acting agent's own rules still apply", async () => {
    ok((await rpc(hub, agent, 'delegate/grant', { manager: manager.agentId, can_publish: true, can_p2p: true })).body);
    // Not a member of the topic: forbidden, though the manager is a member.
    const foreign = ok<{ topic_id: string }>((await rpc(hub, manager, 'topic/create', { name: 'managers-only' })).body).topic_id;
    expect(errorOf(await rpc(hub, manager, 'delegate/publish_as', { as: agent.agentId, topic_id: foreign, content: 'sneak' })).code).toBe('forbidden');
    ok((await rpc(hub, manager, 'topic/publish', { topic_id: foreign, content: 'the manager may' })).body);

    // A broadcast topic the agent only joined: members do not publish there.
    const broadcast = ok<{ topic_id: string }>((await rpc(hub, stranger, 'topic/create', { name: 'announcements', type: 'broadcast' })).body).topic_id;
    ok((await rpc(hub, agent, 'topic/join', { topic_id: broadcast })).body);
    expect(errorOf(await rpc(hub, manager, 'delegate/publish_as', { as: agent.agentId, topic_id: broadcast, content: 'x' })).code).toBe('forbidden');

    // A recipient that takes no direct messages.
    const closed = await register(hub, 'closed');
    ok((await rpc(hub, closed, 'agent/update', { contact_policy: 'closed' })).body);
    expect(errorOf(await rpc(hub, manager, 'delegate/p2p_as', { as: agent.agentId, to: closed.agentId, content: 'x' })).code).toBe('forbidden');
    // An unknown one.
    expect(errorOf(await rpc(hub, manager, 'delegate/p2p_as', { as: agent.agentId, to: identity().agentId, content: 'x' })).code).toBe('not_found');
    ok((await rpc(hub, agent, 'delegate/revoke', { manager: manager.agentId })).body);
  });
});
