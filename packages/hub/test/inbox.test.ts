import { CONTENT_STREAM, GOVERNANCE_STREAM, PushFrame } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, RawClient, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

type PollResult = { pushes: Frame[]; cursors: Record<string, number>; has_more: boolean };
type Conversations = { conversations: Array<{ peer: string; unread: number }>; next_cursor: string | null };
type TopicsResult = { topics: Array<{ topic_id: string; unread: number }> };

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const contentOf = (p: Frame) => (p.data as { content: string }).content;
/** Lets the clock move on, so pushes sent one after another carry different timestamps. */
const nextMs = async () => {
  const t = Date.now();
  while (Date.now() === t) await new Promise((r) => setTimeout(r, 1));
};

describe('inbox/poll', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('returns unread pushes oldest first across the agent and topic streams, moves the cursors, honours limit', async () => {
    const me = await register(hub, 'me');
    const peer = await register(hub, 'peer');
    const topicId = ok<{ topic_id: string }>(await call(hub, peer, 'topic/create', { name: 'inbox topic' })).topic_id;
    ok(await call(hub, peer, 'topic/publish', { topic_id: topicId, content: 'before I joined' }));
    ok(await call(hub, me, 'topic/join', { topic_id: topicId }));
    const inbox = `agent:${me.agentId}`;
    const topic = `topic:${topicId}`;

    for (const [kind, content] of [['dm', 'd1'], ['topic', 't1'], ['dm', 'd2'], ['topic', 't2'], ['topic', 't3']] as const) {
      await nextMs();
      if (kind === 'dm') ok(await call(hub, peer, 'p2p/send', { to: me.agentId, content }));
      else ok(await call(hub, peer, 'topic/publish', { topic_id: topicId, content }));
    }

    const first = ok<PollResult>(await call(hub, me, 'inbox/poll', { limit: 3 }));
    expect(first.pushes.map(contentOf)).toEqual(['d1', 't1', 'd2']);
    expect(first.pushes.map((p) => [p.stream, p.seq])).toEqual([
      [inbox, 1],
      [topic, 2],
      [inbox, 2],
    ]);
    for (const p of first.pushes) expect(PushFrame.safeParse(p).success).toBe(true);
    expect(first.has_more).toBe(true);
    // Every stream the agent may read has a cursor, the public ones too (nothing on them yet).
    expect(first.cursors).toEqual({ [inbox]: 2, [topic]: 2, [GOVERNANCE_STREAM]: 0, [CONTENT_STREAM]: 0 });

    const second = ok<PollResult>(await call(hub, me, 'inbox/poll', { limit: 3 }));
    expect(second.pushes.map(contentOf)).toEqual(['t2', 't3']);
    expect(second).toMatchObject({ has_more: false, cursors: { [inbox]: 2, [topic]: 4, [GOVERNANCE_STREAM]: 0, [CONTENT_STREAM]: 0 } });

    const third = ok<PollResult>(await call(hub, me, 'inbox/poll', {}));
    expect(third).toEqual({ pushes: [], cursors: { [inbox]: 2, [topic]: 4, [GOVERNANCE_STREAM]: 0, [CONTENT_STREAM]: 0 }, has_more: false });

    // A limit cut inside one stream still leaves that stream gap-free.
    for (let i = 1; i <= 4; i++) ok(await call(hub, peer, 'p2p/send', { to: me.agentId, content: `burst ${i}` }));
    const cut = ok<PollResult>(await call(hub, me, 'inbox/poll', { limit: 3 }));
    expect(cut.pushes.map(contentOf)).toEqual(['burst 1', 'burst 2', 'burst 3']);
    expect(cut.has_more).toBe(true);
    const rest = ok<PollResult>(await call(hub, me, 'inbox/poll', { limit: 3 }));
    expect(rest.pushes.map(contentOf)).toEqual(['burst 4']);
    expect(rest.has_more).toBe(false);

    expect((await call(hub, me, 'inbox/poll', { limit: 0 })).status).toBe('error');
  });

  it('unread counts survive a disconnect and reconnect, and drop only on an ack or a poll', async () => {
    const me = await register(hub, 'me');
    const peer = await register(hub, 'peer');
    const topicId = ok<{ topic_id: string }>(await call(hub, peer, 'topic/create', { name: 'counted' })).topic_id;
    ok(await call(hub, me, 'topic/join', { topic_id: topicId }));
    const inbox = `agent:${me.agentId}`;
    const topic = `topic:${topicId}`;
    const counts = async () => {
      const conv = ok<Conversations>(await call(hub, me, 'p2p/conversations', {}));
      const topics = ok<TopicsResult>(await call(hub, me, 'notification/topics', {}));
      return { dm: conv.conversations.find((c) => c.peer === peer.agentId)?.unread, topic: topics.topics.find((t) => t.topic_id === topicId)?.unread };
    };

    const first = await connectAgent(hub, me);
    for (let i = 1; i <= 3; i++) ok(await call(hub, peer, 'p2p/send', { to: me.agentId, content: `dm ${i}` }));
    for (let i = 1; i <= 2; i++) ok(await call(hub, peer, 'topic/publish', { topic_id: topicId, content: `post ${i}` }));
    // Delivered live is not read: nothing was acked.
    await first.client.waitUntil(() => first.client.pushes().length >= 5, 5000, 'five pushes');
    expect(await counts()).toEqual({ dm: 3, topic: 2 });

    first.client.close();
    await first.client.waitClose();
    expect(await counts()).toEqual({ dm: 3, topic: 2 });

    // Reconnect and replay everything: still unread until acked.
    const again = RawClient.connect(hub);
    await again.authSig(me, { [inbox]: 0, [topic]: 0 });
    await again.waitUntil(() => again.pushes().length >= 5, 5000, 'replay');
    expect(await counts()).toEqual({ dm: 3, topic: 2 });

    // Ack frames get no reply; a call behind one on the same socket is handled after it.
    again.send({ type: 'ack', cursors: { [inbox]: 2 } });
    ok(await again.call(me.agentId, 'agent/whoami'));
    expect(await counts()).toEqual({ dm: 1, topic: 2 });
    again.send({ type: 'ack', cursors: { [topic]: 2 } });
    ok(await again.call(me.agentId, 'agent/whoami'));
    expect(await counts()).toEqual({ dm: 1, topic: 0 });

    // Disconnecting keeps the acked positions.
    again.close();
    await again.waitClose();
    expect(await counts()).toEqual({ dm: 1, topic: 0 });

    // inbox/poll returns the rest and reads it.
    const polled = ok<PollResult>(await call(hub, me, 'inbox/poll', {}));
    expect(polled.pushes.map(contentOf)).toEqual(['dm 3']);
    expect(await counts()).toEqual({ dm: 0, topic: 0 });
  });
});
