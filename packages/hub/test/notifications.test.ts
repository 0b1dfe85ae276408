import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SUBSCRIPTIONS } from '@parley/protocol';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const code = (f: Frame) => (f.status === 'error' ? (f.content as { code: string }).code : 'success');

type Setting = { topic_id: string | null; event: string | null; enabled: boolean; updated_at: string };
type TopicsResult = { topics: Array<{ topic_id: string; name: string; push: boolean; unread: number }> };
type PollResult = { pushes: Frame[]; cursors: Record<string, number>; has_more: boolean };

async function createTopic(hub: RunningHub, owner: TestAgent, name: string): Promise<string> {
  return ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name })).topic_id;
}

describe('notification settings', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('set, list and topics; invalid input is refused and changes nothing', async () => {
    const owner = await register(hub, 'owner');
    const me = await register(hub, 'me');
    const alpha = await createTopic(hub, owner, 'alpha');
    const beta = await createTopic(hub, owner, 'beta');
    const notMine = await createTopic(hub, owner, 'not mine');
    ok(await call(hub, me, 'topic/join', { topic_id: alpha }));
    ok(await call(hub, me, 'topic/join', { topic_id: beta }));

    const empty = ok<{ settings: Setting[]; defaults: Record<string, boolean> }>(await call(hub, me, 'notification/subscription/list', {}));
    expect(empty).toEqual({ settings: [], defaults: DEFAULT_SUBSCRIPTIONS });
    expect(DEFAULT_SUBSCRIPTIONS).toMatchObject({ 'topic.message': true, 'topic.updated': true, 'agent.presence': false, 'proposal.voted': true });
    const before = ok<TopicsResult>(await call(hub, me, 'notification/topics', {}));
    expect(before.topics.map((t) => [t.topic_id, t.name, t.push, t.unread])).toEqual([
      [alpha, 'alpha', true, 0],
      [beta, 'beta', true, 0],
    ]);

    // Refused: both, neither, a topic the caller is not in, one that does not exist, an unknown kind.
    expect(code(await call(hub, me, 'notification/subscription/set', { topic_id: alpha, event: 'topic.message', enabled: false }))).toBe('invalid_params');
    expect(code(await call(hub, me, 'notification/subscription/set', { enabled: false }))).toBe('invalid_params');
    expect(code(await call(hub, me, 'notification/subscription/set', { topic_id: notMine, enabled: false }))).toBe('not_found');
    expect(code(await call(hub, me, 'notification/subscription/set', { topic_id: 'top_nosuchtopic', enabled: false }))).toBe('not_found');
    expect(code(await call(hub, me, 'notification/subscription/set', { event: 'topic.deleted', enabled: false }))).toBe('invalid_params');
    expect(ok<{ settings: Setting[] }>(await call(hub, me, 'notification/subscription/list', {})).settings).toEqual([]);
    expect(ok<TopicsResult>(await call(hub, me, 'notification/topics', {}))).toEqual(before);

    const off = ok<Setting>(await call(hub, me, 'notification/subscription/set', { topic_id: alpha, enabled: false }));
    expect(off).toMatchObject({ topic_id: alpha, event: null, enabled: false });
    expect(Number.isNaN(Date.parse(off.updated_at))).toBe(false);
    const presence = ok<Setting>(await call(hub, me, 'notification/subscription/set', { event: 'agent.presence', enabled: true }));
    expect(presence).toMatchObject({ topic_id: null, event: 'agent.presence', enabled: true });

    const listed = ok<{ settings: Setting[] }>(await call(hub, me, 'notification/subscription/list', {}));
    expect(listed.settings).toHaveLength(2);
    expect(listed.settings).toEqual(expect.arrayContaining([off, presence]));
    // Settings are the caller's own.
    expect(ok<{ settings: Setting[] }>(await call(hub, owner, 'notification/subscription/list', {})).settings).toEqual([]);

    const push = async () => Object.fromEntries(ok<TopicsResult>(await call(hub, me, 'notification/topics', {})).topics.map((t) => [t.topic_id, t.push]));
    expect(await push()).toEqual({ [alpha]: false, [beta]: true });
    // The topic.message kind switched off silences every topic; a topic switched off stays off when the kind comes back.
    ok(await call(hub, me, 'notification/subscription/set', { event: 'topic.message', enabled: false }));
    expect(await push()).toEqual({ [alpha]: false, [beta]: false });
    ok(await call(hub, me, 'notification/subscription/set', { event: 'topic.message', enabled: true }));
    expect(await push()).toEqual({ [alpha]: false, [beta]: true });
    // Setting again updates in place.
    ok(await call(hub, me, 'notification/subscription/set', { topic_id: alpha, enabled: true }));
    expect(await push()).toEqual({ [alpha]: true, [beta]: true });
    const final = ok<{ settings: Setting[] }>(await call(hub, me, 'notification/subscription/list', {})).settings;
    expect(final.map((s) => [s.topic_id ?? s.event, s.enabled]).sort()).toEqual([
      [alpha, true],
      ['agent.presence', true],
      ['topic.message', true],
    ].sort());
  });

  it('a muted topic sends no live pushes, but history and inbox/poll still have them; unmuting restores pushes', async () => {
    const owner = await connectAgent(hub);
    const muted = await connectAgent(hub);
    const other = await connectAgent(hub);
    const topicId = ok<{ topic_id: string }>(await owner.client.call(owner.agent.agentId, 'topic/create', { name: 'noisy' })).topic_id;
    const stream = `topic:${topicId}`;
    ok(await muted.client.call(muted.agent.agentId, 'topic/join', { topic_id: topicId }));
    ok(await other.client.call(other.agent.agentId, 'topic/join', { topic_id: topicId }));
    ok(await muted.client.call(muted.agent.agentId, 'notification/subscription/set', { topic_id: topicId, enabled: false }));

    const quiet = ok<{ message_id: string; seq: number }>(await owner.client.call(owner.agent.agentId, 'topic/publish', { topic_id: topicId, content: 'while muted' }));
    // Fan-out happens in commit order before publish answers, so once a later
    // direct message has arrived, a push of the topic message would have come before it.
    ok(await owner.client.call(owner.agent.agentId, 'p2p/send', { to: muted.agent.agentId, content: 'marker 1' }));
    await muted.client.waitFrame((f) => f.type === 'push' && (f.data as { content?: string }).content === 'marker 1');
    expect(muted.client.pushes(stream)).toEqual([]);
    const seen = await other.client.waitFrame((f) => f.type === 'push' && f.stream === stream);
    expect((seen.data as { message_id: string }).message_id).toBe(quiet.message_id);

    // Still stored: history, unread and inbox/poll show it.
    const history = ok<{ messages: Array<{ message_id: string }> }>(await muted.client.call(muted.agent.agentId, 'topic/history', { topic_id: topicId }));
    expect(history.messages.map((m) => m.message_id)).toEqual([quiet.message_id]);
    const brief = ok<TopicsResult>(await muted.client.call(muted.agent.agentId, 'notification/topics', {}));
    expect(brief.topics).toEqual([{ topic_id: topicId, name: 'noisy', push: false, unread: 1 }]);
    const polled = ok<PollResult>(await muted.client.call(muted.agent.agentId, 'inbox/poll', {}));
    expect(polled.pushes.filter((p) => p.stream === stream).map((p) => [p.seq, p.event, (p.data as { message_id: string }).message_id])).toEqual([
      [quiet.seq, 'topic.message', quiet.message_id],
    ]);

    // Switched back on: the next message arrives live.
    ok(await muted.client.call(muted.agent.agentId, 'notification/subscription/set', { topic_id: topicId, enabled: true }));
    const loud = ok<{ message_id: string; seq: number }>(await owner.client.call(owner.agent.agentId, 'topic/publish', { topic_id: topicId, content: 'unmuted' }));
    const live = await muted.client.waitFrame((f) => f.type === 'push' && f.stream === stream);
    expect(live).toMatchObject({ seq: loud.seq, event: 'topic.message' });
    expect(muted.client.pushes(stream)).toHaveLength(1);

    // The topic.message kind switched off: no live message pushes from any topic.
    ok(await muted.client.call(muted.agent.agentId, 'notification/subscription/set', { event: 'topic.message', enabled: false }));
    ok(await owner.client.call(owner.agent.agentId, 'topic/publish', { topic_id: topicId, content: 'kind muted' }));
    ok(await owner.client.call(owner.agent.agentId, 'p2p/send', { to: muted.agent.agentId, content: 'marker 2' }));
    await muted.client.waitFrame((f) => f.type === 'push' && (f.data as { content?: string }).content === 'marker 2');
    expect(muted.client.pushes(stream)).toHaveLength(1);

    // Muting never holds back a topic's deletion: its members must learn of it.
    ok(await muted.client.call(muted.agent.agentId, 'notification/subscription/set', { topic_id: topicId, enabled: false }));
    ok(await owner.client.call(owner.agent.agentId, 'topic/delete', { topic_id: topicId }));
    const deleted = await muted.client.waitFrame((f) => f.type === 'push' && f.event === 'topic.deleted');
    expect(deleted).toMatchObject({ stream: `agent:${muted.agent.agentId}`, data: { topic_id: topicId } });

    for (const c of [owner, muted, other]) c.client.close();
  });
});
