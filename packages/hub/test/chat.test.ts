import type { ChatConversation, ChatRequest, Turn } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type RawClient, type TestAgent, connectAgent, ok, register, rpc, startTestHub, tempDir } from './helpers.js';

type Request = ChatRequest;
type Conversation = ChatConversation;
type Online = { agent: TestAgent; client: RawClient };

const errorOf = (f: Frame) => (f.status === 'error' ? (f.content as { code: string; error: string }) : null);
const codeOf = (f: Frame) => errorOf(f)?.code ?? 'success';
const call = (x: Online, action: string, params?: unknown) => x.client.call(x.agent.agentId, action, params);
const online = async (hub: RunningHub, name: string, policy?: string): Promise<Online> => {
  const x = await connectAgent(hub, await register(hub, name));
  if (policy) ok(await call(x, 'agent/update', { contact_policy: policy }));
  return x;
};
/** Pushes of one event on the agent's own stream, in stream order. */
const events = (x: Online, event: string) => x.client.pushes(`agent:${x.agent.agentId}`).filter((f) => f.event === event);
const waitEvent = (x: Online, event: string, pred: (data: Record<string, unknown>) => boolean = () => true, ms = 5000) =>
  x.client.waitFrame((f) => f.type === 'push' && f.event === event && pred(f.data as Record<string, unknown>), ms, event);
const convOf = (f: Frame) => (f.data as { conversation: Conversation }).conversation;

describe('chat requests and conversations', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  /** A world both agents belong to, with the episode policy given. */
  async function sharedWorld(owner: Online, member: Online, policy: Record<string, unknown> = {}): Promise<string> {
    const world = ok<{ world_id: string }>(
      await call(owner, 'world/create', {
        display_name: 'Salon',
        world_context_text: 'Talk about books.',
        participant_context_text: 'I read novels.',
        ...(Object.keys(policy).length ? { episode_policy: policy } : {}),
      }),
    ).world_id;
    ok(await call(member, 'world/join', { world_id: world, participant_context_text: 'I read novels too.' }));
    return world;
  }

  /** An accepted conversation between a (requester) and b (approval_required target). */
  async function conversation(a: Online, b: Online, policy: Record<string, unknown> = {}): Promise<Conversation> {
    const asked = ok<{ request: Request }>(
      await call(a, 'chat/request', { target_agent_id: b.agent.agentId, opening_message: 'Talk about Dune?', ...(Object.keys(policy).length ? { episode_policy: policy } : {}) }),
    );
    return ok<{ conversation: Conversation }>(await call(b, 'chat/accept', { request_id: asked.request.request_id })).conversation;
  }

  it('two members meet as candidates, ask, accept, take turns to the end, and read the same transcript', async () => {
    const ann = await online(hub, 'Ann', 'approval_required');
    const bo = await online(hub, 'Bo', 'approval_required');
    const cy = await online(hub, 'Cy');
    const world = ok<{ world_id: string }>(
      await call(ann, 'world/create', {
        display_name: 'Stargazers',
        world_context_text: 'Amateur astronomy.',
        participant_context_text: 'I photograph nebulae with a small refractor.',
        episode_policy: { max_turns: 4 },
      }),
    ).world_id;
    const joined = ok<{ candidates: { candidates: Array<{ target_agent_id: string }> } }>(
      await call(bo, 'world/join', { world_id: world, participant_context_text: 'Nebulae and galaxies through a refractor telescope.' }),
    );
    expect(joined.candidates.candidates.map((c) => c.target_agent_id)).toEqual([ann.agent.agentId]);
    ok(await call(cy, 'world/join', { world_id: world, participant_context_text: 'Meteor showers.' }));
    const seen = ok<{ candidates: Array<{ target_agent_id: string }> }>(await call(ann, 'world/candidates', { world_id: world }));
    expect(seen.candidates.map((c) => c.target_agent_id)).toEqual([bo.agent.agentId, cy.agent.agentId]);
    // Cy goes offline: no longer a candidate.
    cy.client.close();
    await cy.client.closed;
    let after: string[] = [];
    for (let i = 0; i < 50; i++) {
      after = ok<{ candidates: Array<{ target_agent_id: string }> }>(await call(ann, 'world/candidates', { world_id: world })).candidates.map((c) => c.target_agent_id);
      if (!after.includes(cy.agent.agentId)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(after).toEqual([bo.agent.agentId]);

    // Ann asks Bo (approval required): pending, Bo is told.
    const asked = ok<{ request: Request; conversation: null }>(
      await call(ann, 'chat/request', { target_agent_id: bo.agent.agentId, world_id: world, opening_message: 'Compare nebula photos?' }),
    );
    expect(asked.request).toMatchObject({ status: 'pending', from: ann.agent.agentId, to: bo.agent.agentId, world_id: world, conversation_id: null });
    expect(asked.conversation).toBeNull();
    const told = await waitEvent(bo, 'chat.request');
    expect(told.data).toMatchObject({ request_id: asked.request.request_id, opening_message: 'Compare nebula photos?', from_name: 'Ann' });
    const inbound = ok<{ requests: Request[] }>(await call(bo, 'chat/list', { direction: 'inbound', status: 'pending' }));
    expect(inbound.requests.map((r) => r.request_id)).toEqual([asked.request.request_id]);
    const outbound = ok<{ requests: Request[] }>(await call(ann, 'chat/list', { direction: 'outbound' }));
    expect(outbound.requests.map((r) => r.request_id)).toEqual([asked.request.request_id]);
    // Only the target accepts.
    expect(codeOf(await call(ann, 'chat/accept', { request_id: asked.request.request_id }))).toBe('forbidden');
    expect(codeOf(await call(bo, 'chat/accept', { request_id: 'chr_nope' }))).toBe('not_found');

    const accepted = ok<{ request: Request; conversation: Conversation }>(await call(bo, 'chat/accept', { request_id: asked.request.request_id }));
    const conv = accepted.conversation;
    expect(accepted.request).toMatchObject({ status: 'accepted', conversation_id: conv.conversation_id });
    // The world's episode policy is the conversation's.
    expect(conv).toMatchObject({ status: 'active', turns_taken: 0, next_turn: ann.agent.agentId, requester_id: ann.agent.agentId, target_id: bo.agent.agentId });
    expect(conv.policy).toEqual({ max_turns: 4, turn_timeout_ms: 120_000, timeout_behavior: 'skip_turn', end_mode: 'dual' });
    // Ann hears "accepted", then her kickoff turn carrying the opening message, in that order on her stream.
    const kickoff = await waitEvent(ann, 'conversation.turn');
    expect((kickoff.data as { turn: Turn }).turn).toMatchObject({ turn: 0, kind: 'kickoff', from: null, text: 'Compare nebula photos?' });
    const update = await waitEvent(ann, 'chat.request_updated');
    expect(update.data).toMatchObject({ status: 'accepted', conversation_id: conv.conversation_id });
    expect(Number(update.seq)).toBeLessThan(Number(kickoff.seq));

    // Alternating turns; each goes to the other side with whose turn it is now.
    const texts = ['Here is my Orion nebula.', 'Lovely! Mine is the Lagoon.', 'What exposure did you use?', 'Forty subs of two minutes.'];
    const sides = [ann, bo, ann, bo];
    for (const [i, text] of texts.entries()) {
      const me = sides[i]!;
      const peer = sides[(i + 1) % 2]!;
      const sent = ok<{ turn: Turn; conversation: Conversation; duplicate: boolean }>(
        await call(me, 'chat/send', { conversation_id: conv.conversation_id, text, client_message_id: `m${i}` }),
      );
      expect(sent.duplicate).toBe(false);
      expect(sent.turn).toMatchObject({ turn: i + 1, kind: 'message', from: me.agent.agentId, text });
      const got = await waitEvent(peer, 'conversation.turn', (d) => (d.turn as Turn).turn === i + 1);
      expect((got.data as { turn: Turn }).turn.text).toBe(text);
      if (i < 3) expect(convOf(got).next_turn).toBe(peer.agent.agentId);
    }
    // Four turns of four: over, both told why, after the last turn.
    for (const side of [ann, bo]) {
      const ended = await waitEvent(side, 'conversation.ended');
      expect(ended.data).toMatchObject({ reason: 'max_turns', conversation: { status: 'ended', turns_taken: 4, next_turn: null } });
    }
    const lastTurn = events(ann, 'conversation.turn').find((f) => (f.data as { turn: Turn }).turn.turn === 4)!;
    expect(Number(lastTurn.seq)).toBeLessThan(Number(events(ann, 'conversation.ended')[0]!.seq));

    const a = ok<{ conversation: Conversation; turns: Turn[] }>(await call(ann, 'chat/get', { conversation_id: conv.conversation_id }));
    const b = ok<{ conversation: Conversation; turns: Turn[] }>(await call(bo, 'chat/get', { conversation_id: conv.conversation_id }));
    expect(a.turns).toEqual(b.turns);
    expect(a.turns.map((t) => [t.kind, t.text])).toEqual([['kickoff', 'Compare nebula photos?'], ...texts.map((t) => ['message', t])]);
    expect(a.conversation).toMatchObject({ status: 'ended', ended_reason: 'max_turns' });
    // Nobody else reads it.
    const eve = await online(hub, 'Eve');
    expect(codeOf(await call(eve, 'chat/get', { conversation_id: conv.conversation_id }))).toBe('not_found');
    expect(codeOf(await call(eve, 'chat/send', { conversation_id: conv.conversation_id, text: 'hi', client_message_id: 'x' }))).toBe('not_found');

    // Each side rates it; a rating can be changed.
    ok(await call(ann, 'chat/rate', { conversation_id: conv.conversation_id, rating: 'dislike' }));
    ok(await call(ann, 'chat/rate', { conversation_id: conv.conversation_id, rating: 'like' }));
    const rated = ok<{ conversation: Conversation }>(await call(bo, 'chat/rate', { conversation_id: conv.conversation_id, rating: 'like' }));
    expect(rated.conversation.ratings).toEqual({ [ann.agent.agentId]: 'like', [bo.agent.agentId]: 'like' });
    const mine = ok<{ conversations: Conversation[] }>(await call(bo, 'chat/conversations', { status: 'ended' }));
    expect(mine.conversations.map((c) => c.conversation_id)).toEqual([conv.conversation_id]);
    expect(ok<{ conversations: Conversation[] }>(await call(bo, 'chat/conversations', { status: 'active' })).conversations).toEqual([]);
    for (const x of [ann, bo, eve]) x.client.close();
  });

  it('out-of-turn sends are refused; a resent client_message_id is answered once and pushed once', async () => {
    const a = await online(hub, 'A');
    const b = await online(hub, 'B', 'approval_required');
    const conv = await conversation(a, b);
    // The requester speaks first (after the kickoff).
    const early = await call(b, 'chat/send', { conversation_id: conv.conversation_id, text: 'me first', client_message_id: 'b1' });
    expect(codeOf(early)).toBe('conflict');
    expect(errorOf(early)!.error).toContain('not your turn');
    const first = ok<{ turn: Turn; duplicate: boolean }>(await call(a, 'chat/send', { conversation_id: conv.conversation_id, text: 'hello', client_message_id: 'a1' }));
    // Sent again (a retry after a lost response): same turn, nothing new.
    const again = ok<{ turn: Turn; duplicate: boolean; conversation: Conversation }>(
      await call(a, 'chat/send', { conversation_id: conv.conversation_id, text: 'hello', client_message_id: 'a1' }),
    );
    expect(again.duplicate).toBe(true);
    expect(again.turn).toEqual(first.turn);
    expect(again.conversation.turns_taken).toBe(1);
    // A new id out of turn is refused.
    expect(codeOf(await call(a, 'chat/send', { conversation_id: conv.conversation_id, text: 'and more', client_message_id: 'a2' }))).toBe('conflict');
    await waitEvent(b, 'conversation.turn');
    ok(await call(b, 'chat/send', { conversation_id: conv.conversation_id, text: 'hi back', client_message_id: 'a1' })); // ids are per sender
    await new Promise((r) => setTimeout(r, 50));
    expect(events(b, 'conversation.turn')).toHaveLength(1);
    const t = ok<{ turns: Turn[] }>(await call(a, 'chat/get', { conversation_id: conv.conversation_id })).turns;
    expect(t.map((x) => x.text)).toEqual(['Talk about Dune?', 'hello', 'hi back']);
    // Ended: new sends are refused, the old id still answers with its turn.
    ok(await call(a, 'chat/end', { conversation_id: conv.conversation_id }));
    ok(await call(b, 'chat/end', { conversation_id: conv.conversation_id }));
    expect(codeOf(await call(a, 'chat/send', { conversation_id: conv.conversation_id, text: 'late', client_message_id: 'a9' }))).toBe('conflict');
    expect(ok<{ duplicate: boolean }>(await call(a, 'chat/send', { conversation_id: conv.conversation_id, text: 'hello', client_message_id: 'a1' })).duplicate).toBe(true);
    a.client.close();
    b.client.close();
  });

  it('contact policies: open accepts at once, approval_required waits, closed refuses, world-only needs a shared world', async () => {
    const asker = await online(hub, 'Asker');
    const open = await online(hub, 'Open');
    const res = ok<{ request: Request; conversation: Conversation }>(await call(asker, 'chat/request', { target_agent_id: open.agent.agentId, opening_message: 'hi' }));
    expect(res.request.status).toBe('accepted');
    expect(res.conversation).toMatchObject({ status: 'active', next_turn: asker.agent.agentId });
    // The open target hears of it as an already accepted request; the asker gets its kickoff.
    expect((await waitEvent(open, 'chat.request')).data).toMatchObject({ status: 'accepted', conversation_id: res.conversation.conversation_id });
    await waitEvent(asker, 'conversation.turn', (d) => (d.turn as Turn).kind === 'kickoff');

    const closed = await online(hub, 'Closed', 'closed');
    const refused = await call(asker, 'chat/request', { target_agent_id: closed.agent.agentId, opening_message: 'hi' });
    expect(codeOf(refused)).toBe('forbidden');
    expect(errorOf(refused)!.error).toContain('closed');
    expect(ok<{ requests: Request[] }>(await call(closed, 'chat/list', {})).requests).toEqual([]);

    const picky = await online(hub, 'Picky');
    ok(await call(picky, 'agent/update', { world_requests_only: true }));
    expect(ok<{ world_requests_only: boolean }>(await call(picky, 'agent/whoami')).world_requests_only).toBe(true);
    const noWorld = await call(asker, 'chat/request', { target_agent_id: picky.agent.agentId, opening_message: 'hi' });
    expect(codeOf(noWorld)).toBe('forbidden');
    expect(errorOf(noWorld)!.error).toContain('world_id');
    // A world the asker is in but Picky is not: refused too.
    const other = ok<{ world_id: string }>(await call(asker, 'world/create', { display_name: 'Elsewhere', world_context_text: 'x' })).world_id;
    const notMember = await call(asker, 'chat/request', { target_agent_id: picky.agent.agentId, world_id: other, opening_message: 'hi' });
    expect(codeOf(notMember)).toBe('forbidden');
    expect(errorOf(notMember)!.error).toContain('not a member');
    const world = await sharedWorld(picky, asker);
    expect(ok<{ request: Request }>(await call(asker, 'chat/request', { target_agent_id: picky.agent.agentId, world_id: world, opening_message: 'hi' })).request.status).toBe(
      'accepted',
    );

    expect(codeOf(await call(asker, 'chat/request', { target_agent_id: asker.agent.agentId, opening_message: 'me?' }))).toBe('conflict');
    expect(codeOf(await call(asker, 'chat/request', { target_agent_id: 'agt_' + 'a'.repeat(32), opening_message: 'hi' }))).toBe('not_found');
    expect(codeOf(await call(asker, 'chat/request', { target_agent_id: open.agent.agentId, opening_message: '' }))).toBe('invalid_params');
    for (const x of [asker, open, closed, picky]) x.client.close();
  });

  it('one open request or conversation per pair, whichever side asks', async () => {
    const a = await online(hub, 'A', 'approval_required');
    const b = await online(hub, 'B', 'approval_required');
    const first = ok<{ request: Request }>(await call(a, 'chat/request', { target_agent_id: b.agent.agentId, opening_message: 'one' }));
    const twice = await call(a, 'chat/request', { target_agent_id: b.agent.agentId, opening_message: 'two' });
    expect(codeOf(twice)).toBe('conflict');
    expect(errorOf(twice)!.error).toContain(first.request.request_id);
    const back = await call(b, 'chat/request', { target_agent_id: a.agent.agentId, opening_message: 'you?' });
    expect(codeOf(back)).toBe('conflict');
    expect(errorOf(back)!.error).toContain(`chat/accept ${first.request.request_id}`);
    ok(await call(b, 'chat/accept', { request_id: first.request.request_id }));
    expect(codeOf(await call(b, 'chat/accept', { request_id: first.request.request_id }))).toBe('conflict');
    const during = await call(b, 'chat/request', { target_agent_id: a.agent.agentId, opening_message: 'again' });
    expect(codeOf(during)).toBe('conflict');
    expect(errorOf(during)!.error).toContain('active conversation');
    // A rejected request leaves the pair free again.
    const c = await online(hub, 'C', 'approval_required');
    const r = ok<{ request: Request }>(await call(a, 'chat/request', { target_agent_id: c.agent.agentId, opening_message: 'hey' }));
    const rejected = ok<{ request: Request }>(await call(c, 'chat/reject', { request_id: r.request.request_id, reason: 'busy today' }));
    expect(rejected.request).toMatchObject({ status: 'rejected', reason: 'busy today' });
    expect((await waitEvent(a, 'chat.request_updated', (d) => d.status === 'rejected')).data).toMatchObject({ reason: 'busy today' });
    expect(ok<{ request: Request }>(await call(a, 'chat/request', { target_agent_id: c.agent.agentId, opening_message: 'tomorrow?' })).request.status).toBe('pending');
    for (const x of [a, b, c]) x.client.close();
  });

  it('raise-hand modes: dual needs both, single needs the requester, either needs one', async () => {
    const a = await online(hub, 'A');
    const b = await online(hub, 'B', 'approval_required');

    const dual = await conversation(a, b, { end_mode: 'dual' });
    const one = ok<{ conversation: Conversation }>(await call(b, 'chat/end', { conversation_id: dual.conversation_id }));
    expect(one.conversation).toMatchObject({ status: 'active', hands_raised: [b.agent.agentId] });
    const raised = await waitEvent(a, 'conversation.hand_raised');
    expect(raised.data).toMatchObject({ by: b.agent.agentId });
    // Raising it again changes nothing and tells nobody again.
    ok(await call(b, 'chat/end', { conversation_id: dual.conversation_id }));
    const both = ok<{ conversation: Conversation }>(await call(a, 'chat/end', { conversation_id: dual.conversation_id }));
    expect(both.conversation).toMatchObject({ status: 'ended', ended_reason: 'hands_raised' });
    expect(events(a, 'conversation.hand_raised')).toHaveLength(1);
    for (const x of [a, b]) await waitEvent(x, 'conversation.ended', (d) => (d.conversation as Conversation).conversation_id === dual.conversation_id);

    const single = await conversation(a, b, { end_mode: 'single' });
    const target = ok<{ conversation: Conversation }>(await call(b, 'chat/end', { conversation_id: single.conversation_id }));
    expect(target.conversation.status).toBe('active');
    const requester = ok<{ conversation: Conversation }>(await call(a, 'chat/end', { conversation_id: single.conversation_id }));
    expect(requester.conversation).toMatchObject({ status: 'ended', ended_reason: 'hands_raised' });

    const single2 = await conversation(a, b, { end_mode: 'single' });
    expect(ok<{ conversation: Conversation }>(await call(a, 'chat/end', { conversation_id: single2.conversation_id })).conversation.status).toBe('ended');

    const either = await conversation(a, b, { end_mode: 'either' });
    const ended = ok<{ conversation: Conversation }>(await call(b, 'chat/end', { conversation_id: either.conversation_id }));
    expect(ended.conversation).toMatchObject({ status: 'ended', ended_reason: 'hands_raised', hands_raised: [b.agent.agentId] });
    const pushed = await waitEvent(a, 'conversation.ended', (d) => (d.conversation as Conversation).conversation_id === either.conversation_id);
    expect(pushed.data).toMatchObject({ reason: 'hands_raised' });
    // Ending an ended conversation is not an error: it is already what was asked.
    expect(ok<{ conversation: Conversation }>(await call(a, 'chat/end', { conversation_id: either.conversation_id })).conversation.status).toBe('ended');
    a.client.close();
    b.client.close();
  });

  it('a turn timeout skips the silent side (and counts as a turn), or ends the episode', async () => {
    const a = await online(hub, 'A');
    const b = await online(hub, 'B', 'approval_required');
    const skip = await conversation(a, b, { turn_timeout_ms: 1000, timeout_behavior: 'skip_turn', max_turns: 3 });
    // A says nothing: after a second the turn passes to B, and both hear of it.
    const skipped = await waitEvent(b, 'conversation.turn', (d) => (d.turn as Turn).kind === 'skipped', 5000);
    expect((skipped.data as { turn: Turn }).turn).toMatchObject({ turn: 1, kind: 'skipped', from: a.agent.agentId, text: '' });
    expect(convOf(skipped)).toMatchObject({ turns_taken: 1, next_turn: b.agent.agentId, status: 'active' });
    await waitEvent(a, 'conversation.turn', (d) => (d.turn as Turn).kind === 'skipped');
    // Too late for A now.
    expect(codeOf(await call(a, 'chat/send', { conversation_id: skip.conversation_id, text: 'sorry', client_message_id: 'late' }))).toBe('conflict');
    ok(await call(b, 'chat/send', { conversation_id: skip.conversation_id, text: 'still there?', client_message_id: 'b1' }));
    // A stays silent again: the third turn is skipped too, and that is the last of three.
    const ended = await waitEvent(a, 'conversation.ended', (d) => (d.conversation as Conversation).conversation_id === skip.conversation_id, 5000);
    expect(ended.data).toMatchObject({ reason: 'max_turns', conversation: { turns_taken: 3 } });
    const turns = ok<{ turns: Turn[] }>(await call(b, 'chat/get', { conversation_id: skip.conversation_id })).turns;
    expect(turns.map((t) => t.kind)).toEqual(['kickoff', 'skipped', 'message', 'skipped']);

    const end = await conversation(a, b, { turn_timeout_ms: 1000, timeout_behavior: 'end' });
    ok(await call(a, 'chat/send', { conversation_id: end.conversation_id, text: 'ping', client_message_id: 'p' }));
    const over = await waitEvent(a, 'conversation.ended', (d) => (d.conversation as Conversation).conversation_id === end.conversation_id, 5000);
    expect(over.data).toMatchObject({ reason: 'turn_timeout', conversation: { turns_taken: 1, status: 'ended' } });
    a.client.close();
    b.client.close();
  });

  it('a request expires after its TTL: both are told, and it can no longer be accepted', async () => {
    const a = await online(hub, 'A');
    const b = await online(hub, 'B', 'approval_required');
    const r = ok<{ request: Request & { expires_at: string; created_at: string } }>(
      await call(a, 'chat/request', { target_agent_id: b.agent.agentId, opening_message: 'quick one', ttl_ms: 1000 }),
    );
    expect(Date.parse(r.request.expires_at) - Date.parse(r.request.created_at)).toBe(1000);
    for (const x of [a, b]) {
      const upd = await waitEvent(x, 'chat.request_updated', (d) => d.request_id === r.request.request_id, 5000);
      expect(upd.data).toMatchObject({ status: 'expired' });
    }
    const late = await call(b, 'chat/accept', { request_id: r.request.request_id });
    expect(codeOf(late)).toBe('conflict');
    expect(errorOf(late)!.error).toContain('expired');
    expect(ok<{ requests: Request[] }>(await call(b, 'chat/list', { status: 'expired' })).requests.map((x) => x.request_id)).toEqual([r.request.request_id]);
    // Expired frees the pair.
    ok(await call(a, 'chat/request', { target_agent_id: b.agent.agentId, opening_message: 'again' }));
    a.client.close();
    b.client.close();
  });

  it('a paused world takes no requests, holds its pending ones, and ends its conversations', async () => {
    const owner = await online(hub, 'Owner');
    const a = await online(hub, 'A');
    const b = await online(hub, 'B', 'approval_required');
    const world = await sharedWorld(owner, a);
    ok(await call(b, 'world/join', { world_id: world, participant_context_text: 'hello' }));
    const running = ok<{ conversation: Conversation }>(await call(b, 'chat/request', { target_agent_id: a.agent.agentId, world_id: world, opening_message: 'hi' })).conversation;
    const pending = ok<{ request: Request }>(await call(owner, 'chat/request', { target_agent_id: b.agent.agentId, world_id: world, opening_message: 'hi' })).request;
    ok(await call(owner, 'world/moderate', { world_id: world, action: 'pause' }));
    for (const x of [a, b]) {
      const ended = await waitEvent(x, 'conversation.ended', (d) => (d.conversation as Conversation).conversation_id === running.conversation_id);
      expect(ended.data).toMatchObject({ reason: 'world_paused' });
    }
    const refused = await call(a, 'chat/request', { target_agent_id: owner.agent.agentId, world_id: world, opening_message: 'hi' });
    expect(codeOf(refused)).toBe('conflict');
    expect(errorOf(refused)!.error).toContain('paused');
    expect(codeOf(await call(b, 'chat/accept', { request_id: pending.request_id }))).toBe('conflict');
    ok(await call(owner, 'world/moderate', { world_id: world, action: 'resume' }));
    expect(ok<{ request: Request }>(await call(b, 'chat/accept', { request_id: pending.request_id })).request.status).toBe('accepted');
    for (const x of [owner, a, b]) x.client.close();
  });

  it('a ban ends the banned member’s conversations in the world and rejects its pending requests there', async () => {
    const owner = await online(hub, 'Owner');
    const a = await online(hub, 'A');
    const b = await online(hub, 'B', 'approval_required');
    const world = await sharedWorld(owner, a);
    ok(await call(b, 'world/join', { world_id: world, participant_context_text: 'hello' }));
    const conv = ok<{ conversation: Conversation }>(await call(b, 'chat/request', { target_agent_id: a.agent.agentId, world_id: world, opening_message: 'hi' })).conversation;
    const pending = ok<{ request: Request }>(await call(owner, 'chat/request', { target_agent_id: b.agent.agentId, world_id: world, opening_message: 'hi' })).request;
    // A conversation outside the world is not touched.
    const outside = ok<{ conversation: Conversation }>(await call(owner, 'chat/request', { target_agent_id: a.agent.agentId, opening_message: 'hi' })).conversation;
    ok(await call(owner, 'world/moderate', { world_id: world, action: 'ban', agent_id: b.agent.agentId, reason: 'spam' }));
    await waitEvent(b, 'world.banned');
    const ended = await waitEvent(a, 'conversation.ended', (d) => (d.conversation as Conversation).conversation_id === conv.conversation_id);
    expect(ended.data).toMatchObject({ reason: 'banned' });
    const rejected = await waitEvent(owner, 'chat.request_updated', (d) => d.request_id === pending.request_id);
    expect(rejected.data).toMatchObject({ status: 'rejected' });
    expect((rejected.data as Request).reason).toContain('banned');
    expect(ok<{ conversation: Conversation }>(await call(a, 'chat/get', { conversation_id: outside.conversation_id })).conversation.status).toBe('active');
    // The banned agent can no longer ask anyone there.
    const refused = await call(b, 'chat/request', { target_agent_id: owner.agent.agentId, world_id: world, opening_message: 'let me back' });
    expect(codeOf(refused)).toBe('forbidden');
    expect(errorOf(refused)!.error).toContain('banned');
    for (const x of [owner, a, b]) x.client.close();
  });

  it('broadcast replies follow the reply policy: none under zero, one under at_most_one', async () => {
    const owner = await online(hub, 'Owner');
    const a = await online(hub, 'A');
    const outsider = await online(hub, 'Out');
    const world = await sharedWorld(owner, a);
    const zero = ok<{ broadcast_id: string }>(await call(owner, 'world/broadcast', { world_id: world, content: 'Closing at ten.' }));
    expect(codeOf(await call(a, 'world/reply', { broadcast_id: zero.broadcast_id, content: 'ok' }))).toBe('forbidden');
    const once = ok<{ broadcast_id: string }>(await call(owner, 'world/broadcast', { world_id: world, content: 'Who comes Friday?', reply_policy: 'at_most_one' }));
    const replied = ok<{ to: string }>(await call(a, 'world/reply', { broadcast_id: once.broadcast_id, content: 'Me!' }));
    expect(replied.to).toBe(owner.agent.agentId);
    const heard = await waitEvent(owner, 'world.broadcast_reply');
    expect(heard.data).toMatchObject({ broadcast_id: once.broadcast_id, from: a.agent.agentId, from_name: 'A', content: 'Me!', world_id: world });
    const second = await call(a, 'world/reply', { broadcast_id: once.broadcast_id, content: 'Me again!' });
    expect(codeOf(second)).toBe('conflict');
    expect(errorOf(second)!.error).toContain('at_most_one');
    expect(codeOf(await call(outsider, 'world/reply', { broadcast_id: once.broadcast_id, content: 'me?' }))).toBe('not_found');
    // A member who joined after it was sent never received it.
    ok(await call(outsider, 'world/join', { world_id: world, participant_context_text: 'new here' }));
    expect(codeOf(await call(outsider, 'world/reply', { broadcast_id: once.broadcast_id, content: 'me?' }))).toBe('not_found');
    // Paused: no replies until resumed.
    const later = ok<{ broadcast_id: string }>(await call(owner, 'world/broadcast', { world_id: world, content: 'Any ideas?', reply_policy: 'at_most_one' }));
    ok(await call(owner, 'world/moderate', { world_id: world, action: 'pause' }));
    expect(codeOf(await call(outsider, 'world/reply', { broadcast_id: later.broadcast_id, content: 'one' }))).toBe('conflict');
    ok(await call(owner, 'world/moderate', { world_id: world, action: 'resume' }));
    ok(await call(outsider, 'world/reply', { broadcast_id: later.broadcast_id, content: 'one' }));
    expect(codeOf(await call(owner, 'world/reply', { broadcast_id: once.broadcast_id, content: 'me' }))).toBe('conflict');
    await new Promise((r) => setTimeout(r, 50));
    await waitEvent(owner, 'world.broadcast_reply', (d) => d.broadcast_id === later.broadcast_id);
    expect(events(owner, 'world.broadcast_reply')).toHaveLength(2);
    for (const x of [owner, a, outsider]) x.client.close();
  });

  it('feedback is stored with its sender', async () => {
    const a = await register(hub, 'Reporter');
    const res = await rpc(hub, a, 'feedback/submit', { category: 'abuse', title: 'Rude agent', details: 'It insulted me.', context_ids: ['cnv_abc', 'cnv_abc'] });
    const fb = ok<{ feedback_id: string; submitted_at: string }>(res.body);
    expect(fb.feedback_id).toMatch(/^fbk_/);
    expect(codeOf((await rpc(hub, a, 'feedback/submit', { category: 'abuse', title: '', details: 'x' })).body)).toBe('invalid_params');
  });
});

describe('chat deadlines across a hub restart', () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a pending request still expires and a turn deadline still fires after the hub restarts', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    let hub = await startTestHub({ dbPath: undefined, dataDir: dir });
    const a = await register(hub, 'A');
    const b = await register(hub, 'B');
    const c = await register(hub, 'C');
    for (const x of [b, c]) ok((await rpc(hub, x, 'agent/update', { contact_policy: 'approval_required' })).body);
    const req = ok<{ request: Request }>((await rpc(hub, a, 'chat/request', { target_agent_id: b.agentId, opening_message: 'hi', ttl_ms: 1500 })).body).request;
    const r2 = ok<{ request: Request }>((await rpc(hub, a, 'chat/request', { target_agent_id: c.agentId, opening_message: 'hi', episode_policy: { turn_timeout_ms: 1500, timeout_behavior: 'end' } })).body);
    const conv = ok<{ conversation: Conversation }>((await rpc(hub, c, 'chat/accept', { request_id: r2.request.request_id })).body).conversation;
    const port = hub.port;
    await hub.close();
    hub = await startTestHub({ dbPath: undefined, dataDir: dir, port });
    cleanups.push(() => hub.close());
    // From the start of its stream: the expiry may land before the socket is up.
    const watcher = await connectAgent(hub, a, { [`agent:${a.agentId}`]: 0 });
    await watcher.client.waitFrame((f) => f.event === 'chat.request_updated' && (f.data as Request).request_id === req.request_id, 5000, 'expiry after restart');
    const ended = await watcher.client.waitFrame((f) => f.event === 'conversation.ended', 5000, 'turn timeout after restart');
    expect(ended.data).toMatchObject({ reason: 'turn_timeout', conversation: { conversation_id: conv.conversation_id } });
    watcher.client.close();
  });
});
