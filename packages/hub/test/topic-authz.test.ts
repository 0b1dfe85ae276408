import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, ok, register, rpc, startTestHub } from './helpers.js';

/**
 * The authorization matrix of issue 4, case by case: who may see, read,
 * publish to, join, manage and delete which kind of topic. Each row is one
 * call by one actor, checked for its outcome; then state checks show a
 * refused call changed nothing.
 */

type Who = 'owner' | 'admin' | 'member' | 'outsider' | 'barred' | 'invited';
type Outcome = 'success' | 'forbidden' | 'not_found' | 'conflict';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const outcome = (f: Frame) => (f.status === 'error' ? (f.content as { code: string }).code : 'success');

describe('topic authorization matrix', () => {
  let hub: RunningHub;
  const as = {} as Record<Who, TestAgent>;
  const topic = {} as Record<'pub' | 'priv' | 'bcast' | 'collab' | 'invite', string>;
  let privWord = '';

  beforeAll(async () => {
    hub = await startTestHub();
    for (const who of ['owner', 'admin', 'member', 'outsider', 'barred', 'invited'] as Who[]) as[who] = await register(hub, who);
    const create = async (params: Record<string, unknown>) => ok<{ topic_id: string }>(await call(hub, as.owner, 'topic/create', params)).topic_id;
    privWord = 'zanzibarquill';
    topic.pub = await create({ name: 'open discussion', description: 'about pelicans' });
    topic.priv = await create({ name: `secret ${privWord}`, description: 'hidden plans', visibility: 'private', join_method: 'invite_only' });
    topic.bcast = await create({ name: 'announcements', type: 'broadcast' });
    topic.collab = await create({ name: 'workbench', type: 'collaborative' });
    topic.invite = await create({ name: 'club', join_method: 'invite_only' });

    // Everyone but the outsider is made a member everywhere, the admin promoted,
    // then the barred agent barred (which also removes it) and one agent invited.
    for (const t of Object.values(topic)) {
      for (const who of ['admin', 'member', 'barred'] as Who[]) {
        // A private topic is joined by invitation.
        if (t === topic.priv) ok(await call(hub, as.owner, 'topic/invite', { topic_id: t, agent_id: as[who].agentId }));
        const joined = ok<{ status: string }>(await call(hub, as[who], 'topic/join', { topic_id: t })).status;
        if (joined === 'requested') ok(await call(hub, as.owner, 'topic/approve', { topic_id: t, agent_id: as[who].agentId }));
      }
      ok(await call(hub, as.owner, 'topic/role/set', { topic_id: t, agent_id: as.admin.agentId, role: 'admin' }));
      ok(await call(hub, as.owner, 'topic/blacklist/add', { topic_id: t, agent_id: as.barred.agentId, reason: 'spam' }));
    }
    ok(await call(hub, as.owner, 'topic/invite', { topic_id: topic.priv, agent_id: as.invited.agentId }));
    ok(await call(hub, as.owner, 'topic/publish', { topic_id: topic.priv, content: `the ${privWord} plan is ready` }));
    ok(await call(hub, as.owner, 'topic/publish', { topic_id: topic.pub, content: 'pelicans fly in formation' }));
  });
  afterAll(() => hub.close());

  const cases: Array<[string, Who, string, (t: typeof topic) => Record<string, unknown>, Outcome]> = [
    // A private topic is invisible to non-members (invited agents may look before joining).
    ['get private: member', 'member', 'topic/get', (t) => ({ topic_id: t.priv }), 'success'],
    ['get private: outsider', 'outsider', 'topic/get', (t) => ({ topic_id: t.priv }), 'not_found'],
    ['get private: barred', 'barred', 'topic/get', (t) => ({ topic_id: t.priv }), 'not_found'],
    ['get private: invited', 'invited', 'topic/get', (t) => ({ topic_id: t.priv }), 'success'],
    ['history private: outsider', 'outsider', 'topic/history', (t) => ({ topic_id: t.priv }), 'not_found'],
    ['history private: invited, not yet a member', 'invited', 'topic/history', (t) => ({ topic_id: t.priv }), 'forbidden'],
    ['history private: member', 'member', 'topic/history', (t) => ({ topic_id: t.priv }), 'success'],
    ['members private: outsider', 'outsider', 'topic/members', (t) => ({ topic_id: t.priv }), 'not_found'],
    ['export private: outsider', 'outsider', 'topic/export', (t) => ({ topic_id: t.priv }), 'not_found'],
    ['publish private: outsider', 'outsider', 'topic/publish', (t) => ({ topic_id: t.priv, content: 'x' }), 'not_found'],
    ['join private: outsider', 'outsider', 'topic/join', (t) => ({ topic_id: t.priv }), 'not_found'],
    ['join private: barred', 'barred', 'topic/join', (t) => ({ topic_id: t.priv }), 'not_found'],

    // Public topics: anyone not barred reads; members publish.
    ['history public: outsider', 'outsider', 'topic/history', (t) => ({ topic_id: t.pub }), 'success'],
    ['history public: barred', 'barred', 'topic/history', (t) => ({ topic_id: t.pub }), 'forbidden'],
    ['export public: barred', 'barred', 'topic/export', (t) => ({ topic_id: t.pub }), 'forbidden'],
    ['publish discussion: member', 'member', 'topic/publish', (t) => ({ topic_id: t.pub, content: 'hi' }), 'success'],
    ['publish discussion: outsider', 'outsider', 'topic/publish', (t) => ({ topic_id: t.pub, content: 'hi' }), 'forbidden'],
    ['publish discussion: barred', 'barred', 'topic/publish', (t) => ({ topic_id: t.pub, content: 'hi' }), 'forbidden'],
    ['publish collaborative: member', 'member', 'topic/publish', (t) => ({ topic_id: t.collab, content: 'hi' }), 'success'],
    ['publish collaborative: outsider', 'outsider', 'topic/publish', (t) => ({ topic_id: t.collab, content: 'hi' }), 'forbidden'],
    ['publish broadcast: member', 'member', 'topic/publish', (t) => ({ topic_id: t.bcast, content: 'hi' }), 'forbidden'],
    ['publish broadcast: admin', 'admin', 'topic/publish', (t) => ({ topic_id: t.bcast, content: 'hi' }), 'success'],
    ['publish broadcast: owner', 'owner', 'topic/publish', (t) => ({ topic_id: t.bcast, content: 'hi' }), 'success'],
    ['join public: barred', 'barred', 'topic/join', (t) => ({ topic_id: t.pub }), 'forbidden'],
    ['join invite-only: barred', 'barred', 'topic/join', (t) => ({ topic_id: t.invite }), 'forbidden'],

    // Managing: owner and admins; the owner alone for roles and deletion.
    ['update: member', 'member', 'topic/update', (t) => ({ topic_id: t.pub, description: 'x' }), 'forbidden'],
    ['update: outsider', 'outsider', 'topic/update', (t) => ({ topic_id: t.pub, description: 'x' }), 'forbidden'],
    ['update: admin', 'admin', 'topic/update', (t) => ({ topic_id: t.pub, description: 'about pelicans and gulls' }), 'success'],
    ['invite: member', 'member', 'topic/invite', (t) => ({ topic_id: t.invite, agent_id: as.outsider.agentId }), 'forbidden'],
    ['requests: member', 'member', 'topic/requests', (t) => ({ topic_id: t.invite }), 'forbidden'],
    ['requests: admin', 'admin', 'topic/requests', (t) => ({ topic_id: t.invite }), 'success'],
    ['role: admin', 'admin', 'topic/role/set', (t) => ({ topic_id: t.pub, agent_id: as.member.agentId, role: 'admin' }), 'forbidden'],
    ['role of the owner', 'owner', 'topic/role/set', (t) => ({ topic_id: t.pub, agent_id: as.owner.agentId, role: 'member' }), 'conflict'],
    ['blacklist list: member', 'member', 'topic/blacklist/list', (t) => ({ topic_id: t.pub }), 'forbidden'],
    ['blacklist the owner: admin', 'admin', 'topic/blacklist/add', (t) => ({ topic_id: t.pub, agent_id: as.owner.agentId }), 'forbidden'],
    ['blacklist an admin: admin', 'admin', 'topic/blacklist/add', (t) => ({ topic_id: t.collab, agent_id: as.admin.agentId }), 'conflict'],
    ['blacklist: member', 'member', 'topic/blacklist/add', (t) => ({ topic_id: t.pub, agent_id: as.outsider.agentId }), 'forbidden'],
    ['delete: member', 'member', 'topic/delete', (t) => ({ topic_id: t.pub }), 'forbidden'],
    ['delete: admin', 'admin', 'topic/delete', (t) => ({ topic_id: t.pub }), 'forbidden'],
    ['delete: outsider', 'outsider', 'topic/delete', (t) => ({ topic_id: t.pub }), 'forbidden'],
    ['delete private: outsider', 'outsider', 'topic/delete', (t) => ({ topic_id: t.priv }), 'not_found'],
    ['leave: owner', 'owner', 'topic/leave', (t) => ({ topic_id: t.pub }), 'conflict'],
  ];

  it.each(cases)('%s', async (_name, who, action, params, expected) => {
    expect(outcome(await call(hub, as[who], action, params(topic)))).toBe(expected);
  });

  it('refused calls changed nothing', async () => {
    const pub = ok<{ description: string; member_count: number }>(await call(hub, as.owner, 'topic/get', { topic_id: topic.pub }));
    expect(pub.description).toBe('about pelicans and gulls'); // the admin's update only
    const members = ok<{ members: Array<{ agent_id: string; role: string }> }>(await call(hub, as.owner, 'topic/members', { topic_id: topic.pub }));
    expect(members.members.map((m) => [m.agent_id, m.role])).toEqual([
      [as.owner.agentId, 'owner'],
      [as.admin.agentId, 'admin'],
      [as.member.agentId, 'member'],
    ]);
    const bcast = ok<{ messages: Array<{ from: string }> }>(await call(hub, as.owner, 'topic/history', { topic_id: topic.bcast }));
    expect(bcast.messages.map((m) => m.from).sort()).toEqual([as.admin.agentId, as.owner.agentId].sort());
    const bars = ok<{ entries: Array<{ agent_id: string }> }>(await call(hub, as.owner, 'topic/blacklist/list', { topic_id: topic.pub }));
    expect(bars.entries.map((e) => e.agent_id)).toEqual([as.barred.agentId]);
  });

  it('list and search never show a private topic to a non-member, and do show it to members', async () => {
    for (const who of ['outsider', 'barred', 'invited'] as Who[]) {
      const listed = ok<{ topics: Array<{ topic_id: string }> }>(await call(hub, as[who], 'topic/list', { limit: 200 }));
      expect(listed.topics.map((t) => t.topic_id)).not.toContain(topic.priv);
      // The word is in the private topic's name and in a message of it.
      const found = ok<{ results: unknown[] }>(await call(hub, as[who], 'topic/search', { query: privWord }));
      expect(found.results).toEqual([]);
      const plans = ok<{ results: unknown[] }>(await call(hub, as[who], 'topic/search', { query: 'plan ready' }));
      expect(plans.results).toEqual([]);
    }
    const listed = ok<{ topics: Array<{ topic_id: string }> }>(await call(hub, as.member, 'topic/list', {}));
    expect(listed.topics.map((t) => t.topic_id)).toContain(topic.priv);
    const found = ok<{ results: Array<{ topic: { topic_id: string }; matches: Array<{ snippet: string }> }> }>(
      await call(hub, as.member, 'topic/search', { query: 'plan ready' }),
    );
    expect(found.results.map((r) => r.topic.topic_id)).toEqual([topic.priv]);
    expect(found.results[0]!.matches[0]!.snippet).toContain('[plan]');
  });

  it('a barred agent sees a public topic by name but none of its messages', async () => {
    const byName = ok<{ results: Array<{ topic: { topic_id: string }; matches: unknown[] }> }>(await call(hub, as.barred, 'topic/search', { query: 'open discussion' }));
    expect(byName.results.map((r) => r.topic.topic_id)).toEqual([topic.pub]);
    expect(byName.results[0]!.matches).toEqual([]);
    const byMessage = ok<{ results: unknown[] }>(await call(hub, as.barred, 'topic/search', { query: 'formation' }));
    expect(byMessage.results).toEqual([]);
    const outsider = ok<{ results: Array<{ topic: { topic_id: string }; matches: Array<{ snippet: string }> }> }>(
      await call(hub, as.outsider, 'topic/search', { query: 'formation' }),
    );
    expect(outsider.results.map((r) => r.topic.topic_id)).toEqual([topic.pub]);
    expect(outsider.results[0]!.matches[0]!.snippet).toBe('pelicans fly in [formation]');
  });

  it('only the owner deletes, and deleting tells the members and removes everything', async () => {
    const t = ok<{ topic_id: string }>(await call(hub, as.owner, 'topic/create', { name: 'doomed walrus' })).topic_id;
    ok(await call(hub, as.member, 'topic/join', { topic_id: t }));
    ok(await call(hub, as.member, 'topic/publish', { topic_id: t, content: 'walrus facts' }));
    expect(outcome(await call(hub, as.member, 'topic/delete', { topic_id: t }))).toBe('forbidden');
    expect(ok(await call(hub, as.owner, 'topic/delete', { topic_id: t }))).toEqual({ topic_id: t, deleted: true });
    expect(outcome(await call(hub, as.member, 'topic/get', { topic_id: t }))).toBe('not_found');
    expect(outcome(await call(hub, as.owner, 'topic/history', { topic_id: t }))).toBe('not_found');
    expect(ok<{ results: unknown[] }>(await call(hub, as.owner, 'topic/search', { query: 'walrus' })).results).toEqual([]);
    // The member was offline: the news waits in its inbox, on its own agent stream.
    const inbox = ok<{ pushes: Array<{ stream: string; event: string; data: unknown }> }>(await call(hub, as.member, 'inbox/poll', {}));
    expect(inbox.pushes.filter((p) => p.event === 'topic.deleted')).toEqual([
      expect.objectContaining({ stream: `agent:${as.member.agentId}`, data: { topic_id: t, name: 'doomed walrus', by: as.owner.agentId } }),
    ]);
    // The topic is gone, so its stream is no longer readable: a gap, not the data.
    const poll = await fetch(`${hub.url}/v1/poll?cursors=${encodeURIComponent(JSON.stringify({ [`topic:${t}`]: 1 }))}&wait=0`, {
      headers: { authorization: `Bearer ${as.member.token}` },
    });
    expect(((await poll.json()) as { gaps: string[] }).gaps).toContain(`topic:${t}`);
  });
});
