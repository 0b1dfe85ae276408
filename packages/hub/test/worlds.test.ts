import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

type World = {
  world_id: string;
  display_name: string;
  status: string;
  role: string | null;
  member_count: number;
  online_count: number;
  admin_ids: string[];
  episode_policy: Record<string, unknown>;
};
type Candidate = { target_agent_id: string; score: number; participant_context_text: string };
type Page = { worlds: World[]; total: number; next_cursor: string | null };

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const errorOf = (f: Frame) => (f.status === 'error' ? (f.content as { code: string; error: string }) : null);
const codeOf = (f: Frame) => errorOf(f)?.code ?? 'success';

async function makeWorld(hub: RunningHub, owner: TestAgent, extra: Record<string, unknown> = {}): Promise<string> {
  return ok<World>(await call(hub, owner, 'world/create', { display_name: 'Tea house', world_context_text: 'A quiet place to talk about tea.', ...extra })).world_id;
}

describe('worlds', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('create stores the episode policy defaults; update changes only the fields given', async () => {
    const owner = await register(hub);
    const w = ok<World & { participant_context_field: string; join_policy: string; visibility: string }>(
      await call(hub, owner, 'world/create', { display_name: 'Debate club', world_context_text: 'Argue kindly.', episode_policy: { max_turns: 6 } }),
    );
    expect(w.world_id).toMatch(/^wld_/);
    expect(w).toMatchObject({ status: 'enabled', role: 'owner', member_count: 1, visibility: 'public', join_policy: 'open', admin_ids: [] });
    expect(w.episode_policy).toEqual({ max_turns: 6, turn_timeout_ms: 120_000, timeout_behavior: 'skip_turn', end_mode: 'dual' });
    expect(w.participant_context_field.length).toBeGreaterThan(0);
    const u = ok<World>(await call(hub, owner, 'world/update', { world_id: w.world_id, episode_policy: { end_mode: 'either', timeout_behavior: 'end' } }));
    expect(u.episode_policy).toEqual({ max_turns: 6, turn_timeout_ms: 120_000, timeout_behavior: 'end', end_mode: 'either' });
    expect(ok<World>(await call(hub, owner, 'world/get', { world_id: w.world_id })).episode_policy).toEqual(u.episode_policy);
  });

  it('members see each other as candidates, best context match first, and stop seeing one that goes offline', async () => {
    const owner = await register(hub);
    const world = await makeWorld(hub, owner);
    const a = await connectAgent(hub, await register(hub, 'Ann'));
    const b = await connectAgent(hub, await register(hub, 'Bo'));
    const c = await connectAgent(hub, await register(hub, 'Cy'));
    const join = (x: { agent: TestAgent; client: { call: (id: string, action: string, p: unknown) => Promise<Frame> } }, text: string) =>
      x.client.call(x.agent.agentId, 'world/join', { world_id: world, participant_context_text: text });

    const first = ok<{ status: string; candidates: { candidates: Candidate[] } }>(await join(a, 'I collect green tea from Japan, sencha and matcha.'));
    // The owner joined over HTTP only: it is offline, so not a candidate.
    expect(first).toMatchObject({ status: 'joined', candidates: { candidates: [] } });
    const second = ok<{ candidates: { candidates: Candidate[] } }>(await join(b, 'Matcha whisking and sencha brewing are my hobby.'));
    expect(second.candidates.candidates.map((x) => x.target_agent_id)).toEqual([a.agent.agentId]);
    ok(await join(c, 'Black coffee, espresso machines.'));

    const seen = ok<{ candidates: Candidate[] }>(await a.client.call(a.agent.agentId, 'world/candidates', { world_id: world }));
    expect(seen.candidates.map((x) => x.target_agent_id)).toEqual([b.agent.agentId, c.agent.agentId]);
    expect(seen.candidates[0]!.score).toBeGreaterThan(0);
    expect(seen.candidates[1]!.score).toBe(0);
    // Pages: one at a time, the cursor continues the ranking.
    const p1 = ok<{ candidates: Candidate[]; next_cursor: string }>(await a.client.call(a.agent.agentId, 'world/candidates', { world_id: world, limit: 1 }));
    const p2 = ok<{ candidates: Candidate[]; next_cursor: string | null }>(
      await a.client.call(a.agent.agentId, 'world/candidates', { world_id: world, limit: 1, cursor: p1.next_cursor }),
    );
    expect([...p1.candidates, ...p2.candidates].map((x) => x.target_agent_id)).toEqual([b.agent.agentId, c.agent.agentId]);
    expect(p2.next_cursor).toBeNull();

    // Changing one's context (joining again) changes the ranking.
    ok(await join(c, 'Sencha, matcha and gyokuro: Japanese green tea.'));
    const reranked = ok<{ candidates: Candidate[] }>(await b.client.call(b.agent.agentId, 'world/candidates', { world_id: world }));
    expect(reranked.candidates.map((x) => x.target_agent_id)).toContain(c.agent.agentId);
    expect(reranked.candidates.every((x) => x.score > 0)).toBe(true);

    b.client.close();
    await b.client.closed;
    const deadline = Date.now() + 5000;
    let ids: string[] = [];
    while (Date.now() < deadline) {
      ids = ok<{ candidates: Candidate[] }>(await a.client.call(a.agent.agentId, 'world/candidates', { world_id: world })).candidates.map((x) => x.target_agent_id);
      if (!ids.includes(b.agent.agentId)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(ids).toEqual([c.agent.agentId]);
    // Non-members get no candidates.
    expect(codeOf(await call(hub, await register(hub), 'world/candidates', { world_id: world }))).toBe('forbidden');
    a.client.close();
    c.client.close();
  });

  it('a paused world refuses joins and broadcasts, offers no candidates, and leaves listings for non-members', async () => {
    const owner = await register(hub);
    const world = await makeWorld(hub, owner, { display_name: 'Pausable' });
    const m = await connectAgent(hub);
    const n = await connectAgent(hub);
    ok(await m.client.call(m.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'hello' }));
    ok(await n.client.call(n.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'hello too' }));
    expect(codeOf(await call(hub, m.agent, 'world/moderate', { world_id: world, action: 'pause' }))).toBe('forbidden');
    const paused = ok<{ world: World }>(await call(hub, owner, 'world/moderate', { world_id: world, action: 'pause' }));
    expect(paused.world.status).toBe('paused');
    expect(codeOf(await call(hub, owner, 'world/moderate', { world_id: world, action: 'pause' }))).toBe('conflict');

    const outsider = await register(hub);
    const refused = errorOf(await call(hub, outsider, 'world/join', { world_id: world, participant_context_text: 'me' }));
    expect(refused).toMatchObject({ code: 'conflict', error: expect.stringMatching(/paused/) });
    expect(codeOf(await call(hub, owner, 'world/broadcast', { world_id: world, content: 'anyone?' }))).toBe('conflict');
    expect(ok<{ candidates: unknown[] }>(await m.client.call(m.agent.agentId, 'world/candidates', { world_id: world })).candidates).toEqual([]);
    // Still readable by id; listed for its members only.
    expect(ok<World>(await call(hub, outsider, 'world/get', { world_id: world })).status).toBe('paused');
    const listed = async (a: TestAgent) => ok<Page>(await call(hub, a, 'world/list', { limit: 100 })).worlds.some((w) => w.world_id === world);
    expect(await listed(outsider)).toBe(false);
    expect(await listed(m.agent)).toBe(true);

    ok(await call(hub, owner, 'world/moderate', { world_id: world, action: 'resume' }));
    expect(ok(await call(hub, outsider, 'world/join', { world_id: world, participant_context_text: 'me' }))).toMatchObject({ status: 'joined' });
    expect(ok<{ candidates: Candidate[] }>(await m.client.call(m.agent.agentId, 'world/candidates', { world_id: world })).candidates.map((c) => c.target_agent_id)).toEqual([
      n.agent.agentId,
    ]);
    m.client.close();
    n.client.close();
  });

  it('a banned member is told, removed, not a candidate, and cannot rejoin until unbanned', async () => {
    const owner = await register(hub);
    const world = await makeWorld(hub, owner);
    const bad = await connectAgent(hub);
    const good = await connectAgent(hub);
    for (const x of [bad, good]) ok(await x.client.call(x.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'tea' }));
    expect(codeOf(await call(hub, good.agent, 'world/moderate', { world_id: world, action: 'ban', agent_id: bad.agent.agentId }))).toBe('forbidden');
    expect(codeOf(await call(hub, owner, 'world/moderate', { world_id: world, action: 'ban', agent_id: owner.agentId }))).toBe('conflict');

    const res = ok<{ world: World; action: string; agent_id: string }>(
      await call(hub, owner, 'world/moderate', { world_id: world, action: 'ban', agent_id: bad.agent.agentId, reason: 'spam' }),
    );
    expect(res).toMatchObject({ action: 'ban', agent_id: bad.agent.agentId, world: { member_count: 2 } });
    const push = await bad.client.waitFrame((f) => f.event === 'world.banned', 5000, 'banned push');
    expect(push.data).toMatchObject({ world_id: world, by: owner.agentId, reason: 'spam' });
    expect(push.stream).toBe(`agent:${bad.agent.agentId}`);
    // Banned again: the reason changes, nobody is told twice.
    ok(await call(hub, owner, 'world/moderate', { world_id: world, action: 'ban', agent_id: bad.agent.agentId, reason: 'more spam' }));
    ok(await bad.client.call(bad.agent.agentId, 'agent/whoami'));
    expect(bad.client.pushes().filter((f) => f.event === 'world.banned')).toHaveLength(1);

    expect(ok<{ candidates: Candidate[] }>(await good.client.call(good.agent.agentId, 'world/candidates', { world_id: world })).candidates).toEqual([]);
    expect(codeOf(await bad.client.call(bad.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'sorry' }))).toBe('forbidden');
    expect(codeOf(await bad.client.call(bad.agent.agentId, 'world/candidates', { world_id: world }))).toBe('forbidden');
    expect(codeOf(await call(hub, owner, 'world/invite', { world_id: world, agent_id: bad.agent.agentId }))).toBe('conflict');
    // A public world it is banned from drops out of its listing.
    expect(ok<Page>(await bad.client.call(bad.agent.agentId, 'world/list', { limit: 100 })).worlds.some((w) => w.world_id === world)).toBe(false);

    ok(await call(hub, owner, 'world/moderate', { world_id: world, action: 'unban', agent_id: bad.agent.agentId }));
    expect(codeOf(await call(hub, owner, 'world/moderate', { world_id: world, action: 'unban', agent_id: bad.agent.agentId }))).toBe('not_found');
    expect(ok(await bad.client.call(bad.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'sorry' }))).toMatchObject({ status: 'joined' });
    bad.client.close();
    good.client.close();
  });

  it('admins: only the owner promotes; an admin moderates but cannot ban another admin or the owner', async () => {
    const owner = await register(hub);
    const world = await makeWorld(hub, owner);
    const [adm, adm2, member] = await Promise.all([register(hub), register(hub), register(hub)]);
    for (const x of [adm, adm2, member]) ok(await call(hub, x, 'world/join', { world_id: world, participant_context_text: 'x' }));
    expect(codeOf(await call(hub, adm, 'world/moderate', { world_id: world, action: 'promote', agent_id: adm.agentId }))).toBe('forbidden');
    ok(await call(hub, owner, 'world/moderate', { world_id: world, action: 'promote', agent_id: adm.agentId }));
    const w = ok<{ world: World }>(await call(hub, owner, 'world/moderate', { world_id: world, action: 'promote', agent_id: adm2.agentId })).world;
    expect(w.admin_ids.sort()).toEqual([adm.agentId, adm2.agentId].sort());
    expect(codeOf(await call(hub, adm, 'world/moderate', { world_id: world, action: 'ban', agent_id: adm2.agentId }))).toBe('forbidden');
    expect(codeOf(await call(hub, adm, 'world/moderate', { world_id: world, action: 'ban', agent_id: owner.agentId }))).toBe('forbidden');
    expect(codeOf(await call(hub, owner, 'world/moderate', { world_id: world, action: 'demote', agent_id: owner.agentId }))).toBe('conflict');
    ok(await call(hub, adm, 'world/moderate', { world_id: world, action: 'ban', agent_id: member.agentId }));
    ok(await call(hub, owner, 'world/moderate', { world_id: world, action: 'demote', agent_id: adm2.agentId }));
    expect(ok<World>(await call(hub, owner, 'world/get', { world_id: world })).admin_ids).toEqual([adm.agentId]);
    // The roster is for managers, with contexts and online flags.
    const roster = ok<{ members: Array<{ agent_id: string; role: string; online: boolean }>; total: number }>(
      await call(hub, adm, 'world/members', { world_id: world }),
    );
    expect(roster.total).toBe(3);
    expect(roster.members.map((m) => m.role)).toEqual(['owner', 'admin', 'member']);
    expect(codeOf(await call(hub, adm2, 'world/members', { world_id: world }))).toBe('forbidden');
  });

  it('a private world does not exist for non-members in get, list and search', async () => {
    const owner = await register(hub);
    const world = await makeWorld(hub, owner, { display_name: 'Hidden grove', world_context_text: 'Secret xylophone rehearsals.', visibility: 'private' });
    const stranger = await register(hub);
    expect(codeOf(await call(hub, stranger, 'world/get', { world_id: world }))).toBe('not_found');
    expect(codeOf(await call(hub, stranger, 'world/join', { world_id: world, participant_context_text: 'hi' }))).toBe('not_found');
    expect(ok<Page>(await call(hub, stranger, 'world/list', { limit: 100 })).worlds.some((w) => w.world_id === world)).toBe(false);
    expect(ok<Page>(await call(hub, stranger, 'world/search', { query: 'xylophone' }))).toMatchObject({ worlds: [], total: 0 });
    expect(ok<Page>(await call(hub, owner, 'world/search', { query: 'xylophone' })).worlds.map((w) => w.world_id)).toEqual([world]);
    expect(ok<Page>(await call(hub, owner, 'world/list', { limit: 100 })).worlds.some((w) => w.world_id === world)).toBe(true);
    // An invited agent may look at it (to decide), and join under the open policy.
    ok(await call(hub, owner, 'world/invite', { world_id: world, agent_id: stranger.agentId }));
    expect(ok<World>(await call(hub, stranger, 'world/get', { world_id: world })).role).toBeNull();
    expect(ok(await call(hub, stranger, 'world/join', { world_id: world, participant_context_text: 'hi' }))).toMatchObject({ status: 'joined' });
  });

  it('approval policy: join files a request that managers see and decide', async () => {
    const owner = await connectAgent(hub);
    const world = ok<World>(
      await owner.client.call(owner.agent.agentId, 'world/create', { display_name: 'Guild', world_context_text: 'Crafts.', join_policy: 'approval' }),
    ).world_id;
    const asker = await connectAgent(hub, await register(hub, 'Asker'));
    const r = ok(await asker.client.call(asker.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'I weave baskets.' }));
    expect(r).toEqual({ world_id: world, status: 'requested', role: null, candidates: null });
    // Asking again files no second request and tells nobody twice; the newest context is kept.
    ok(await asker.client.call(asker.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'I weave baskets and mats.' }));
    const push = await owner.client.waitFrame((f) => f.event === 'world.join_request', 5000, 'join request');
    expect(push.data).toMatchObject({ world_id: world, agent_id: asker.agent.agentId, name: 'Asker', participant_context_text: 'I weave baskets.' });
    const reqs = ok<{ requests: Array<{ agent_id: string; participant_context_text: string }> }>(
      await owner.client.call(owner.agent.agentId, 'world/requests', { world_id: world }),
    );
    expect(reqs.requests).toEqual([expect.objectContaining({ agent_id: asker.agent.agentId, participant_context_text: 'I weave baskets and mats.' })]);
    expect(codeOf(await asker.client.call(asker.agent.agentId, 'world/requests', { world_id: world }))).toBe('forbidden');
    expect(codeOf(await asker.client.call(asker.agent.agentId, 'world/candidates', { world_id: world }))).toBe('forbidden');

    expect(ok(await owner.client.call(owner.agent.agentId, 'world/approve', { world_id: world, agent_id: asker.agent.agentId }))).toMatchObject({ status: 'approved' });
    const decision = await asker.client.waitFrame((f) => f.event === 'world.join_decision', 5000, 'decision');
    expect(decision.data).toMatchObject({ world_id: world, approved: true, by: owner.agent.agentId });
    const mine = ok<{ memberships: Array<{ world: World; participant_context_text: string; role: string }>; total: number }>(
      await asker.client.call(asker.agent.agentId, 'world/memberships', {}),
    );
    expect(mine.total).toBe(1);
    expect(mine.memberships[0]).toMatchObject({ world: { world_id: world }, role: 'member', participant_context_text: 'I weave baskets and mats.' });
    expect(codeOf(await owner.client.call(owner.agent.agentId, 'world/reject', { world_id: world, agent_id: asker.agent.agentId }))).toBe('not_found');

    const other = await connectAgent(hub);
    ok(await other.client.call(other.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'spam' }));
    ok(await owner.client.call(owner.agent.agentId, 'world/reject', { world_id: world, agent_id: other.agent.agentId }));
    expect((await other.client.waitFrame((f) => f.event === 'world.join_decision')).data).toMatchObject({ approved: false });
    expect(ok<World>(await other.client.call(other.agent.agentId, 'world/get', { world_id: world })).role).toBeNull();
    expect(owner.client.pushes().filter((f) => f.event === 'world.join_request')).toHaveLength(2);
    for (const x of [owner, asker, other]) x.client.close();
  });

  it('invite policy: only invited agents join; the invitation is pushed and used up', async () => {
    const owner = await register(hub);
    const world = await makeWorld(hub, owner, { join_policy: 'invite' });
    const guest = await connectAgent(hub);
    expect(errorOf(await guest.client.call(guest.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'hi' }))).toMatchObject({
      code: 'forbidden',
      error: expect.stringMatching(/invite only/),
    });
    expect(codeOf(await call(hub, owner, 'world/invite', { world_id: world, agent_id: 'agt_' + 'q'.repeat(32) }))).toBe('not_found');
    expect(ok(await call(hub, owner, 'world/invite', { world_id: world, agent_id: guest.agent.agentId }))).toMatchObject({ status: 'invited' });
    const inv = await guest.client.waitFrame((f) => f.event === 'world.invitation');
    expect(inv.data).toMatchObject({ world_id: world, world_name: 'Tea house', by: owner.agentId });
    expect(ok(await guest.client.call(guest.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'hi' }))).toMatchObject({ status: 'joined' });
    expect(ok(await call(hub, owner, 'world/invite', { world_id: world, agent_id: guest.agent.agentId }))).toMatchObject({ status: 'already_member' });
    expect(ok(await guest.client.call(guest.agent.agentId, 'world/leave', { world_id: world }))).toEqual({ world_id: world, left: true });
    expect(codeOf(await guest.client.call(guest.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'hi' }))).toBe('forbidden');
    expect(codeOf(await call(hub, owner, 'world/leave', { world_id: world }))).toBe('conflict');
    // An invitation can be declined: leave removes it, and the invite-only world is closed again.
    const other = await connectAgent(hub);
    ok(await call(hub, owner, 'world/invite', { world_id: world, agent_id: other.agent.agentId }));
    expect(ok(await other.client.call(other.agent.agentId, 'world/leave', { world_id: world }))).toEqual({ world_id: world, left: true });
    expect(codeOf(await other.client.call(other.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'hi' }))).toBe('forbidden');
    other.client.close();
    guest.client.close();
  });

  it('broadcast reaches every other member as a push with its reply policy; members cannot broadcast', async () => {
    const owner = await connectAgent(hub);
    const world = ok<World>(await owner.client.call(owner.agent.agentId, 'world/create', { display_name: 'Radio', world_context_text: 'News.' })).world_id;
    const m1 = await connectAgent(hub);
    const m2 = await register(hub); // offline: finds it later on its stream
    ok(await m1.client.call(m1.agent.agentId, 'world/join', { world_id: world, participant_context_text: 'listener' }));
    ok(await call(hub, m2, 'world/join', { world_id: world, participant_context_text: 'listener' }));
    expect(codeOf(await m1.client.call(m1.agent.agentId, 'world/broadcast', { world_id: world, content: 'me too' }))).toBe('forbidden');

    const sent = ok<{ broadcast_id: string; recipients: number }>(
      await owner.client.call(owner.agent.agentId, 'world/broadcast', { world_id: world, content: 'Meetup at noon', reply_policy: 'at_most_one' }),
    );
    expect(sent.broadcast_id).toMatch(/^wbc_/);
    expect(sent.recipients).toBe(2);
    const push = await m1.client.waitFrame((f) => f.event === 'world.broadcast', 5000, 'broadcast');
    expect(push.stream).toBe(`agent:${m1.agent.agentId}`);
    expect(push.data).toMatchObject({ broadcast_id: sent.broadcast_id, world_id: world, world_name: 'Radio', from: owner.agent.agentId, content: 'Meetup at noon', reply_policy: 'at_most_one' });
    const polled = ok<{ pushes: Array<{ event: string; data: { reply_policy: string } }> }>(await call(hub, m2, 'inbox/poll', {}));
    expect(polled.pushes.filter((p) => p.event === 'world.broadcast').map((p) => p.data.reply_policy)).toEqual(['at_most_one']);
    // The sender does not hear itself.
    expect(owner.client.pushes().some((f) => f.event === 'world.broadcast')).toBe(false);
    // An admin may broadcast; the default reply policy is zero.
    ok(await owner.client.call(owner.agent.agentId, 'world/moderate', { world_id: world, action: 'promote', agent_id: m1.agent.agentId }));
    ok(await m1.client.call(m1.agent.agentId, 'world/broadcast', { world_id: world, content: 'from the admin' }));
    const second = await owner.client.waitFrame((f) => f.event === 'world.broadcast', 5000, 'admin broadcast');
    expect(second.data).toMatchObject({ from: m1.agent.agentId, reply_policy: 'zero' });
    owner.client.close();
    m1.client.close();
  });

  it('search finds a world by a word of its context; every word must match', async () => {
    const owner = await register(hub);
    const world = await makeWorld(hub, owner, { display_name: 'Stargazers', world_context_text: 'Amateur astronomy: telescopes, nebulae and comets.' });
    const anyone = await register(hub);
    const hits = ok<Page>(await call(hub, anyone, 'world/search', { query: 'nebulae' }));
    expect(hits.worlds.map((w) => w.world_id)).toEqual([world]);
    expect(hits.total).toBe(1);
    expect(ok<Page>(await call(hub, anyone, 'world/search', { query: 'telescope' })).worlds.map((w) => w.world_id)).toEqual([world]);
    expect(ok<Page>(await call(hub, anyone, 'world/search', { query: 'comets gardening' })).total).toBe(0);
    expect(codeOf(await call(hub, anyone, 'world/search', { query: '!!!' }))).toBe('invalid_params');
  });

  it('bad input gets clear errors and changes nothing', async () => {
    const owner = await register(hub);
    const world = await makeWorld(hub, owner);
    const before = ok<World>(await call(hub, owner, 'world/get', { world_id: world }));
    const bad = [
      ['world/update', { world_id: world, display_name: '' }],
      ['world/update', { world_id: world }],
      ['world/update', { world_id: world, episode_policy: { max_turns: 0 } }],
      ['world/update', { world_id: world, status: 'paused' }],
      ['world/create', { display_name: 'x' }],
      ['world/join', { world_id: world, participant_context_text: '   ' }],
      ['world/moderate', { world_id: world, action: 'ban' }],
      ['world/moderate', { world_id: world, action: 'pause', agent_id: owner.agentId }],
      ['world/broadcast', { world_id: world, content: '' }],
      ['world/get', { world_id: 'top_abc' }],
      ['world/list', { sort: 'random' }],
      ['world/list', { cursor: 'garbage' }],
      ['world/candidates', { world_id: world, cursor: 'garbage' }],
    ] as const;
    for (const [action, params] of bad) {
      const e = errorOf(await call(hub, owner, action, params));
      expect(e, `${action} ${JSON.stringify(params)}`).toMatchObject({ code: 'invalid_params', error: expect.any(String) });
    }
    expect(errorOf(await call(hub, owner, 'world/update', { world_id: world, episode_policy: { max_turns: 0 } }))!.error).toMatch(/max_turns/);
    // A hot cursor is not a latest cursor.
    const many = [await makeWorld(hub, owner), await makeWorld(hub, owner)];
    expect(many).toHaveLength(2);
    const hot = ok<Page>(await call(hub, owner, 'world/list', { limit: 1 }));
    expect(codeOf(await call(hub, owner, 'world/list', { sort: 'latest', cursor: hot.next_cursor }))).toBe('invalid_params');
    expect(codeOf(await call(hub, owner, 'world/get', { world_id: 'wld_nothere' }))).toBe('not_found');
    const after = ok<World>(await call(hub, owner, 'world/get', { world_id: world }));
    expect(after).toEqual(before);
    expect(ok<{ memberships: unknown[]; total: number }>(await call(hub, owner, 'world/memberships', {})).total).toBe(3);
  });

  it('who may do what (authorization table)', async () => {
    const owner = await register(hub);
    const world = await makeWorld(hub, owner);
    const member = await register(hub);
    const outsider = await register(hub);
    ok(await call(hub, member, 'world/join', { world_id: world, participant_context_text: 'x' }));
    const target = await register(hub);
    const rows: Array<[string, Record<string, unknown>, string, string, string]> = [
      // action, params, owner, member, outsider
      ['world/get', { world_id: world }, 'success', 'success', 'success'],
      ['world/update', { world_id: world, display_name: 'Renamed' }, 'success', 'forbidden', 'forbidden'],
      ['world/members', { world_id: world }, 'success', 'forbidden', 'forbidden'],
      ['world/requests', { world_id: world }, 'success', 'forbidden', 'forbidden'],
      ['world/candidates', { world_id: world }, 'success', 'success', 'forbidden'],
      ['world/invite', { world_id: world, agent_id: target.agentId }, 'success', 'forbidden', 'forbidden'],
      ['world/broadcast', { world_id: world, content: 'hi' }, 'success', 'forbidden', 'forbidden'],
      ['world/moderate', { world_id: world, action: 'unban', agent_id: target.agentId }, 'not_found', 'forbidden', 'forbidden'],
      ['world/approve', { world_id: world, agent_id: target.agentId }, 'not_found', 'forbidden', 'forbidden'],
    ];
    for (const [action, params, ...expected] of rows) {
      const got = [];
      for (const who of [owner, member, outsider]) got.push(codeOf(await call(hub, who, action, params)));
      expect(got, action).toEqual(expected);
    }
  });
});

describe('world/list sorting', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('hot ranks by members online, then members, then activity; latest by creation; both with totals', async () => {
    const owner = await register(hub);
    const quiet = await makeWorld(hub, owner, { display_name: 'Quiet' });
    const busy = await makeWorld(hub, owner, { display_name: 'Busy' });
    const live = await makeWorld(hub, owner, { display_name: 'Live' });
    const hidden = await makeWorld(hub, owner, { display_name: 'Hidden', visibility: 'private' });
    // Busy: two offline members. Live: one online member.
    for (const a of [await register(hub), await register(hub)]) ok(await call(hub, a, 'world/join', { world_id: busy, participant_context_text: 'x' }));
    const online = await connectAgent(hub);
    ok(await online.client.call(online.agent.agentId, 'world/join', { world_id: live, participant_context_text: 'x' }));

    const viewer = await register(hub);
    const hot = ok<Page>(await call(hub, viewer, 'world/list', {}));
    expect(hot.total).toBe(3);
    expect(hot.worlds.map((w) => w.world_id)).toEqual([live, busy, quiet]);
    expect(hot.worlds[0]).toMatchObject({ online_count: 1, member_count: 2 });
    const latest = ok<Page>(await call(hub, viewer, 'world/list', { sort: 'latest' }));
    expect(latest.worlds.map((w) => w.world_id)).toEqual([live, busy, quiet]);
    // The owner also sees its private world; pages of one add up to the same order.
    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page: Page = ok<Page>(await call(hub, owner, 'world/list', { sort: 'latest', limit: 1, ...(cursor ? { cursor } : {}) }));
      expect(page.total).toBe(4);
      seen.push(...page.worlds.map((w) => w.world_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([hidden, live, busy, quiet]);
    const hotPages: string[] = [];
    cursor = undefined;
    do {
      const page: Page = ok<Page>(await call(hub, viewer, 'world/list', { limit: 2, ...(cursor ? { cursor } : {}) }));
      hotPages.push(...page.worlds.map((w) => w.world_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(hotPages).toEqual([live, busy, quiet]);

    // The online member goes offline: Busy (3 members) now beats Live (2 members, nobody online).
    online.client.close();
    await online.client.closed;
    const deadline = Date.now() + 5000;
    let order: string[] = [];
    while (Date.now() < deadline) {
      order = ok<Page>(await call(hub, viewer, 'world/list', {})).worlds.map((w) => w.world_id);
      if (order[0] === busy) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(order).toEqual([busy, live, quiet]);
  });
});
