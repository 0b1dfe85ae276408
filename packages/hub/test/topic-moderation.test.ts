import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const errorOf = (f: Frame) => (f.status === 'error' ? (f.content as { code: string; error: string }) : null);

describe('topic moderation', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('join request: owner and admins are told, approval makes a member and tells the requester', async () => {
    const owner = await connectAgent(hub);
    const admin = await connectAgent(hub);
    const asker = await connectAgent(hub, await register(hub, 'Asker'));
    const t = ok<{ topic_id: string }>(await owner.client.call(owner.agent.agentId, 'topic/create', { name: 'inner circle', join_method: 'invite_only' })).topic_id;
    ok(await owner.client.call(owner.agent.agentId, 'topic/invite', { topic_id: t, agent_id: admin.agent.agentId }));
    ok(await admin.client.call(admin.agent.agentId, 'topic/join', { topic_id: t }));
    ok(await owner.client.call(owner.agent.agentId, 'topic/role/set', { topic_id: t, agent_id: admin.agent.agentId, role: 'admin' }));

    // Asking twice at once, and again later, files one request and tells nobody twice.
    const both = await Promise.all([
      asker.client.call(asker.agent.agentId, 'topic/join', { topic_id: t }),
      call(hub, asker.agent, 'topic/join', { topic_id: t }),
    ]);
    for (const r of both) expect(ok(r)).toMatchObject({ status: 'requested' });
    expect(ok(await asker.client.call(asker.agent.agentId, 'topic/join', { topic_id: t }))).toMatchObject({ status: 'requested' });
    for (const m of [owner, admin]) {
      const push = await m.client.waitFrame((f) => f.event === 'topic.join_request', 5000, 'join request push');
      expect(push.data).toMatchObject({ topic_id: t, topic_name: 'inner circle', agent_id: asker.agent.agentId, name: 'Asker' });
    }
    const reqs = ok<{ requests: Array<{ agent_id: string; name: string }> }>(await admin.client.call(admin.agent.agentId, 'topic/requests', { topic_id: t }));
    expect(reqs.requests).toEqual([expect.objectContaining({ agent_id: asker.agent.agentId, name: 'Asker' })]);

    expect(ok(await admin.client.call(admin.agent.agentId, 'topic/approve', { topic_id: t, agent_id: asker.agent.agentId }))).toMatchObject({ status: 'approved' });
    const decision = await asker.client.waitFrame((f) => f.event === 'topic.join_decision', 5000, 'decision push');
    expect(decision.data).toMatchObject({ topic_id: t, approved: true, by: admin.agent.agentId });
    expect(ok<{ role: string }>(await asker.client.call(asker.agent.agentId, 'topic/get', { topic_id: t })).role).toBe('member');
    expect(ok<{ requests: unknown[] }>(await owner.client.call(owner.agent.agentId, 'topic/requests', { topic_id: t })).requests).toEqual([]);
    // A decided request is gone: deciding again is not_found.
    expect(errorOf(await owner.client.call(owner.agent.agentId, 'topic/reject', { topic_id: t, agent_id: asker.agent.agentId }))?.code).toBe('not_found');
    // Only join_request pushes went to the managers, one each.
    expect(owner.client.pushes().filter((f) => f.event === 'topic.join_request')).toHaveLength(1);
    for (const c of [owner, admin, asker]) c.client.close();
  });

  it('rejection tells the requester and leaves it outside; a withdrawn request disappears', async () => {
    const owner = await register(hub);
    const asker = await connectAgent(hub);
    const quitter = await register(hub);
    const t = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'vip', join_method: 'invite_only' })).topic_id;
    ok(await asker.client.call(asker.agent.agentId, 'topic/join', { topic_id: t }));
    ok(await call(hub, quitter, 'topic/join', { topic_id: t }));
    expect(ok(await call(hub, quitter, 'topic/leave', { topic_id: t }))).toEqual({ topic_id: t, left: true });
    expect(ok(await call(hub, owner, 'topic/reject', { topic_id: t, agent_id: asker.agent.agentId }))).toMatchObject({ status: 'rejected' });
    const decision = await asker.client.waitFrame((f) => f.event === 'topic.join_decision');
    expect(decision.data).toMatchObject({ approved: false });
    expect(ok<{ role: string | null }>(await asker.client.call(asker.agent.agentId, 'topic/get', { topic_id: t })).role).toBeNull();
    expect(ok<{ requests: unknown[] }>(await call(hub, owner, 'topic/requests', { topic_id: t })).requests).toEqual([]);
    asker.client.close();
  });

  it('an invitation is pushed, lets the agent into a private invite-only topic, and is used up', async () => {
    const owner = await register(hub);
    const guest = await connectAgent(hub);
    const t = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'war room', visibility: 'private', join_method: 'invite_only' })).topic_id;
    expect(errorOf(await call(hub, owner, 'topic/invite', { topic_id: t, agent_id: 'agt_' + 'q'.repeat(32) }))?.code).toBe('not_found');
    expect(ok(await call(hub, owner, 'topic/invite', { topic_id: t, agent_id: guest.agent.agentId }))).toMatchObject({ status: 'invited' });
    const inv = await guest.client.waitFrame((f) => f.event === 'topic.invitation');
    expect(inv.data).toMatchObject({ topic_id: t, topic_name: 'war room', by: owner.agentId });
    expect(ok(await guest.client.call(guest.agent.agentId, 'topic/join', { topic_id: t }))).toMatchObject({ status: 'joined', role: 'member' });
    expect(ok(await call(hub, owner, 'topic/invite', { topic_id: t, agent_id: guest.agent.agentId }))).toMatchObject({ status: 'already_member' });
    ok(await guest.client.call(guest.agent.agentId, 'topic/leave', { topic_id: t }));
    // The invitation was consumed by joining: after leaving, the topic is hidden again.
    expect(errorOf(await guest.client.call(guest.agent.agentId, 'topic/join', { topic_id: t }))?.code).toBe('not_found');
    guest.client.close();
  });

  it('blacklist: removes the member, tells it, blocks rejoining, and lifts on removal', async () => {
    const owner = await register(hub);
    const pest = await connectAgent(hub);
    const t = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'quiet room' })).topic_id;
    ok(await pest.client.call(pest.agent.agentId, 'topic/join', { topic_id: t }));
    const entry = ok<{ agent_id: string; reason: string; expires_at: string | null }>(
      await call(hub, owner, 'topic/blacklist/add', { topic_id: t, agent_id: pest.agent.agentId, reason: 'flooding' }),
    );
    expect(entry).toMatchObject({ agent_id: pest.agent.agentId, reason: 'flooding', expires_at: null, by: owner.agentId });
    const told = await pest.client.waitFrame((f) => f.event === 'topic.blacklisted');
    expect(told.data).toMatchObject({ topic_id: t, reason: 'flooding', expires_at: null });
    expect(ok<{ member_count: number }>(await call(hub, owner, 'topic/get', { topic_id: t })).member_count).toBe(1);
    expect(errorOf(await pest.client.call(pest.agent.agentId, 'topic/join', { topic_id: t }))).toMatchObject({ code: 'forbidden', error: 'you are barred from this topic' });
    // Invitations cannot route around a bar.
    expect(errorOf(await call(hub, owner, 'topic/invite', { topic_id: t, agent_id: pest.agent.agentId }))?.code).toBe('conflict');
    expect(ok(await call(hub, owner, 'topic/blacklist/remove', { topic_id: t, agent_id: pest.agent.agentId }))).toMatchObject({ removed: true });
    expect(ok(await call(hub, owner, 'topic/blacklist/remove', { topic_id: t, agent_id: pest.agent.agentId }))).toMatchObject({ removed: false });
    expect(ok(await pest.client.call(pest.agent.agentId, 'topic/join', { topic_id: t }))).toMatchObject({ status: 'joined' });
    pest.client.close();
  });

  it('a bar with a duration ends by itself', async () => {
    const owner = await register(hub);
    const pest = await register(hub);
    const t = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'timeout corner' })).topic_id;
    const entry = ok<{ created_at: string; expires_at: string }>(await call(hub, owner, 'topic/blacklist/add', { topic_id: t, agent_id: pest.agentId, duration_seconds: 1 }));
    expect(Date.parse(entry.expires_at) - Date.parse(entry.created_at)).toBe(1000);
    const refused = errorOf(await call(hub, pest, 'topic/join', { topic_id: t }));
    expect(refused?.error).toBe(`you are barred from this topic until ${entry.expires_at}`);
    // Wait (bounded) for the second to pass; then the same call succeeds and the list is empty.
    const deadline = Date.now() + 5000;
    while (Date.now() <= Date.parse(entry.expires_at) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ok(await call(hub, pest, 'topic/join', { topic_id: t }))).toMatchObject({ status: 'joined' });
    expect(ok<{ entries: unknown[] }>(await call(hub, owner, 'topic/blacklist/list', { topic_id: t })).entries).toEqual([]);
  });

  it('update pushes topic.updated to members; members list shows roles and online flags', async () => {
    const owner = await connectAgent(hub, await register(hub, 'Owner'));
    const offline = await register(hub, 'Sleeper');
    const t = ok<{ topic_id: string }>(await owner.client.call(owner.agent.agentId, 'topic/create', { name: 'before' })).topic_id;
    ok(await call(hub, offline, 'topic/join', { topic_id: t }));
    const updated = ok<{ name: string; role: string; visibility: string }>(
      await owner.client.call(owner.agent.agentId, 'topic/update', { topic_id: t, name: 'after', visibility: 'private' }),
    );
    expect(updated).toMatchObject({ name: 'after', visibility: 'private', role: 'owner' });
    const push = await owner.client.waitFrame((f) => f.event === 'topic.updated');
    expect(push.data).toMatchObject({ topic_id: t, name: 'after', visibility: 'private', member_count: 2, role: null });
    const members = ok<{ members: Array<{ name: string; role: string; online: boolean }> }>(await call(hub, offline, 'topic/members', { topic_id: t }));
    expect(members.members.map((m) => [m.name, m.role, m.online])).toEqual([
      ['Owner', 'owner', true],
      ['Sleeper', 'member', false],
    ]);
    owner.client.close();
  });

  it('topic/subscribed: most recently active first, unread counts that follow acks', async () => {
    const me = await connectAgent(hub);
    const other = await register(hub);
    const quiet = ok<{ topic_id: string }>(await call(hub, other, 'topic/create', { name: 'quiet' })).topic_id;
    const busy = ok<{ topic_id: string }>(await call(hub, other, 'topic/create', { name: 'busy' })).topic_id;
    for (const t of [quiet, busy]) ok(await me.client.call(me.agent.agentId, 'topic/join', { topic_id: t }));
    ok(await call(hub, other, 'topic/publish', { topic_id: quiet, content: 'q1' }));
    let last = 0;
    for (let i = 0; i < 3; i++) last = ok<{ seq: number }>(await call(hub, other, 'topic/publish', { topic_id: busy, content: `b${i}` })).seq;
    const subs = ok<{ topics: Array<{ topic_id: string; unread: number; last_message_at: string | null }> }>(await me.client.call(me.agent.agentId, 'topic/subscribed', {}));
    expect(subs.topics.map((t) => [t.topic_id, t.unread])).toEqual([
      [busy, 3],
      [quiet, 1],
    ]);
    me.client.send({ type: 'ack', cursors: { [`topic:${busy}`]: last - 1 } });
    // The ack is applied asynchronously; wait (bounded) for the count to follow.
    const deadline = Date.now() + 5000;
    let unread = 3;
    while (unread !== 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20)); // stay under the rate limit while waiting
      const s = ok<{ topics: Array<{ topic_id: string; unread: number }> }>(await me.client.call(me.agent.agentId, 'topic/subscribed', {}));
      unread = s.topics.find((t) => t.topic_id === busy)!.unread;
    }
    expect(unread).toBe(1);
    const page1 = ok<{ topics: Array<{ topic_id: string }>; next_cursor: string }>(await me.client.call(me.agent.agentId, 'topic/subscribed', { limit: 1 }));
    const page2 = ok<{ topics: Array<{ topic_id: string }>; next_cursor: string | null }>(
      await me.client.call(me.agent.agentId, 'topic/subscribed', { limit: 1, cursor: page1.next_cursor }),
    );
    expect([...page1.topics, ...page2.topics].map((t) => t.topic_id)).toEqual([busy, quiet]);
    expect(page2.next_cursor).toBeNull();
    // One's own messages are never unread, and inbox/poll passes over them.
    const mine = ok<{ seq: number }>(await me.client.call(me.agent.agentId, 'topic/publish', { topic_id: quiet, content: 'my own words' }));
    const after = ok<{ topics: Array<{ topic_id: string; unread: number }> }>(await me.client.call(me.agent.agentId, 'topic/subscribed', {}));
    expect(after.topics.find((x) => x.topic_id === quiet)!.unread).toBe(1); // q1 only
    const polled = ok<{ pushes: Array<{ stream: string; seq: number }>; cursors: Record<string, number> }>(
      await call(hub, other, 'inbox/poll', {}),
    );
    expect(polled.pushes.some((x) => x.stream === `topic:${quiet}` && x.seq === mine.seq)).toBe(true); // others do see it
    const ownPoll = ok<{ pushes: Array<{ stream: string; seq: number }>; cursors: Record<string, number> }>(await call(hub, me.agent, 'inbox/poll', {}));
    expect(ownPoll.pushes.some((x) => x.seq === mine.seq && x.stream === `topic:${quiet}`)).toBe(false);
    expect(ownPoll.cursors[`topic:${quiet}`]).toBe(mine.seq);
    me.client.close();
  });
});
