import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const code = (f: Frame) => (f.status === 'error' ? (f.content as { code: string }).code : 'success');

describe('domains', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('topic rules: visibility, join methods, broadcast, membership, owner leave', async () => {
    const owner = await register(hub, 'owner');
    const other = await register(hub, 'other');
    const pub = ok<{ topic_id: string; role: string; member_count: number }>(await call(hub, owner, 'topic/create', { name: 'public one', description: 'd' }));
    expect(pub).toMatchObject({ role: 'owner', member_count: 1, type: 'discussion', visibility: 'public', join_method: 'open', owner_id: owner.agentId });
    expect(pub.topic_id).toMatch(/^top_[a-z0-9]+$/);
    const priv = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'secret', visibility: 'private', join_method: 'invite_only' }));
    const invite = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'invite', join_method: 'invite_only' }));
    const bcast = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'news', type: 'broadcast' }));

    // Private topics do not exist for non-members.
    expect(code(await call(hub, other, 'topic/get', { topic_id: priv.topic_id }))).toBe('not_found');
    expect(code(await call(hub, other, 'topic/join', { topic_id: priv.topic_id }))).toBe('not_found');
    expect(code(await call(hub, other, 'topic/history', { topic_id: priv.topic_id }))).toBe('not_found');
    expect(code(await call(hub, other, 'topic/publish', { topic_id: priv.topic_id, content: 'x' }))).toBe('not_found');
    const listed = ok<{ topics: Array<{ topic_id: string }> }>(await call(hub, other, 'topic/list', {}));
    expect(listed.topics.map((t) => t.topic_id)).not.toContain(priv.topic_id);
    expect(listed.topics.map((t) => t.topic_id)).toContain(pub.topic_id);
    const ownerList = ok<{ topics: Array<{ topic_id: string; role: string | null }> }>(await call(hub, owner, 'topic/list', { mine: true }));
    expect(ownerList.topics.map((t) => t.topic_id).sort()).toEqual([pub.topic_id, priv.topic_id, invite.topic_id, bcast.topic_id].sort());

    // Invite-only: joining files a request instead of joining.
    expect(ok(await call(hub, other, 'topic/join', { topic_id: invite.topic_id }))).toEqual({ topic_id: invite.topic_id, status: 'requested', role: null, seq: null });
    expect(ok<{ role: string | null }>(await call(hub, other, 'topic/get', { topic_id: invite.topic_id })).role).toBeNull();
    // Publishing requires membership.
    expect(code(await call(hub, other, 'topic/publish', { topic_id: pub.topic_id, content: 'x' }))).toBe('forbidden');
    ok(await call(hub, owner, 'topic/publish', { topic_id: pub.topic_id, content: 'first' }));
    const joined = ok<{ role: string; seq: number }>(await call(hub, other, 'topic/join', { topic_id: pub.topic_id }));
    expect(joined).toEqual({ topic_id: pub.topic_id, status: 'joined', role: 'member', seq: 1 });
    expect(ok(await call(hub, other, 'topic/join', { topic_id: pub.topic_id }))).toEqual(joined);
    expect(ok<{ member_count: number; role: string }>(await call(hub, other, 'topic/get', { topic_id: pub.topic_id }))).toMatchObject({ member_count: 2, role: 'member' });
    const sent = ok<{ seq: number; message_id: string }>(await call(hub, other, 'topic/publish', { topic_id: pub.topic_id, content: 'second', semantic_type: 'note' }));
    expect(sent.seq).toBe(2);
    const reply = ok<{ seq: number }>(await call(hub, owner, 'topic/publish', { topic_id: pub.topic_id, content: 're', reply_to: sent.message_id, content_type: 'markdown' }));
    expect(reply.seq).toBe(3);

    // Broadcast: only the owner publishes.
    ok(await call(hub, other, 'topic/join', { topic_id: bcast.topic_id }));
    expect(code(await call(hub, other, 'topic/publish', { topic_id: bcast.topic_id, content: 'x' }))).toBe('forbidden');
    ok(await call(hub, owner, 'topic/publish', { topic_id: bcast.topic_id, content: 'news' }));

    // History: oldest first, paged backwards with `before`.
    const h = ok<{ messages: Array<{ seq: number; content: string; semantic_type: string | null; reply_to: string | null }>; has_more: boolean }>(
      await call(hub, other, 'topic/history', { topic_id: pub.topic_id, limit: 2 }),
    );
    expect(h.messages.map((m) => m.seq)).toEqual([2, 3]);
    expect(h.has_more).toBe(true);
    expect(h.messages[0]).toMatchObject({ semantic_type: 'note', reply_to: null });
    expect(h.messages[1]).toMatchObject({ reply_to: sent.message_id });
    const older = ok<{ messages: Array<{ seq: number }>; has_more: boolean }>(await call(hub, other, 'topic/history', { topic_id: pub.topic_id, before: 2 }));
    expect(older).toMatchObject({ messages: [{ seq: 1, content: 'first' }], has_more: false });

    // Leave: owner cannot, member can, twice is harmless.
    expect(code(await call(hub, owner, 'topic/leave', { topic_id: pub.topic_id }))).toBe('conflict');
    expect(ok(await call(hub, other, 'topic/leave', { topic_id: pub.topic_id }))).toEqual({ topic_id: pub.topic_id, left: true });
    expect(ok(await call(hub, other, 'topic/leave', { topic_id: pub.topic_id }))).toEqual({ topic_id: pub.topic_id, left: false });
    expect(code(await call(hub, other, 'topic/publish', { topic_id: pub.topic_id, content: 'x' }))).toBe('forbidden');
    expect(code(await call(hub, other, 'topic/get', { topic_id: 'top_doesnotexist' }))).toBe('not_found');
  });

  it('topic pushes go to members only, live', async () => {
    const owner = await connectAgent(hub);
    const member = await connectAgent(hub);
    const outsider = await connectAgent(hub);
    const t = ok<{ topic_id: string }>(await owner.client.call(owner.agent.agentId, 'topic/create', { name: 'live' }));
    ok(await member.client.call(member.agent.agentId, 'topic/join', { topic_id: t.topic_id }));
    const pubd = ok<{ seq: number; message_id: string }>(await owner.client.call(owner.agent.agentId, 'topic/publish', { topic_id: t.topic_id, content: 'hello members' }));
    const push = await member.client.waitFrame((f) => f.type === 'push');
    expect(push).toMatchObject({ stream: `topic:${t.topic_id}`, seq: pubd.seq, event: 'topic.message', data: { message_id: pubd.message_id, from: owner.agent.agentId, content: 'hello members' } });
    await owner.client.waitFrame((f) => f.type === 'push');
    ok(await outsider.client.call(outsider.agent.agentId, 'agent/whoami'));
    expect(outsider.client.pushes()).toEqual([]);
    for (const c of [owner, member, outsider]) c.client.close();
  });

  it('p2p: history paging, unknown recipient, closed contact policy', async () => {
    const a = await register(hub);
    const b = await register(hub);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const from = i % 2 === 0 ? a : b;
      const to = i % 2 === 0 ? b : a;
      ids.push(ok<{ message_id: string }>(await call(hub, from, 'p2p/send', { to: to.agentId, content: `m${i}`, content_type: 'text' })).message_id);
    }
    const page = ok<{ messages: Array<{ message_id: string; content: string; from: string }>; has_more: boolean }>(await call(hub, a, 'p2p/history', { with: b.agentId, limit: 3 }));
    expect(page.messages.map((m) => m.content)).toEqual(['m2', 'm3', 'm4']);
    expect(page.has_more).toBe(true);
    const before = ok<{ messages: Array<{ content: string }>; has_more: boolean }>(await call(hub, b, 'p2p/history', { with: a.agentId, before: page.messages[0]!.message_id }));
    expect(before).toMatchObject({ messages: [{ content: 'm0', from: a.agentId, to: b.agentId }, { content: 'm1' }], has_more: false });

    expect(code(await call(hub, a, 'p2p/send', { to: 'agt_' + 'c'.repeat(32), content: 'x' }))).toBe('not_found');
    ok(await call(hub, b, 'agent/update', { contact_policy: 'closed' }));
    expect(code(await call(hub, a, 'p2p/send', { to: b.agentId, content: 'x' }))).toBe('forbidden');
  });

  it('agent: presence, last_seen_at, update and list filters', async () => {
    const name = `finder-${Date.now()}`;
    const a = await register(hub, name);
    const before = ok<{ online: boolean; last_seen_at: string | null }>(await call(hub, a, 'agent/whoami'));
    expect(before.online).toBe(false);
    const { client } = await connectAgent(hub, a);
    const b = await register(hub);
    expect(ok<{ online: boolean }>(await call(hub, b, 'agent/get', { agent_id: a.agentId })).online).toBe(true);
    const online = ok<{ agents: Array<{ agent_id: string }> }>(await call(hub, b, 'agent/list', { online: true }));
    expect(online.agents.map((x) => x.agent_id)).toContain(a.agentId);
    expect(online.agents.map((x) => x.agent_id)).not.toContain(b.agentId);
    const byName = ok<{ agents: Array<{ agent_id: string }> }>(await call(hub, b, 'agent/list', { query: name }));
    expect(byName.agents.map((x) => x.agent_id)).toEqual([a.agentId]);
    client.close();
    await client.waitClose();
    // Presence drops when the socket closes.
    let seen: { online: boolean; last_seen_at: string | null } | undefined;
    for (let i = 0; i < 100; i++) {
      seen = ok(await call(hub, b, 'agent/get', { agent_id: a.agentId }));
      if (!seen!.online) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen!.online).toBe(false);
    expect(seen!.last_seen_at).not.toBeNull();

    const updated = ok(await call(hub, a, 'agent/update', { name: 'renamed', description: 'desc', capabilities: ['x.y', 'a.b'], contact_policy: 'approval_required' }));
    expect(updated).toMatchObject({ name: 'renamed', description: 'desc', capabilities: ['a.b', 'x.y'], contact_policy: 'approval_required' });
    expect(code(await call(hub, a, 'agent/update', {}))).toBe('invalid_params');

    // Paging: newest first with a cursor.
    const p1 = ok<{ agents: Array<{ agent_id: string }>; next_cursor: string | null }>(await call(hub, a, 'agent/list', { limit: 2 }));
    expect(p1.agents).toHaveLength(2);
    expect(p1.next_cursor).not.toBeNull();
    const p2 = ok<{ agents: Array<{ agent_id: string }> }>(await call(hub, a, 'agent/list', { limit: 2, cursor: p1.next_cursor }));
    for (const x of p2.agents) expect(p1.agents.map((y) => y.agent_id)).not.toContain(x.agent_id);
  });
});
