import { agentStream, GOVERNANCE_STREAM } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type RawClient, type TestAgent, connectAgent, ok, register, startTestHub } from './helpers.js';

type Session = { agent: TestAgent; client: RawClient };
type Push = Frame & { stream: string; seq: number; event: string; data: Record<string, unknown> & { variant?: string; details?: unknown } };

/**
 * Governance pushes as live sessions get them: the public summary on
 * GOVERNANCE_STREAM for every online agent that has not switched the event
 * off, and the direct variant with the details on the streams of those
 * concerned, which arrives whatever the settings.
 */
describe('governance pushes on live sessions', () => {
  let hub: RunningHub;
  let author: Session, member: Session, bystander: Session;

  beforeAll(async () => {
    hub = await startTestHub({ governance: { quorum: 1, votesToElect: 1 } });
    const session = async (name: string): Promise<Session> => connectAgent(hub, await register(hub, name));
    [author, member, bystander] = await Promise.all([session('author'), session('member'), session('bystander')]);
  });
  afterAll(async () => {
    for (const s of [author, member, bystander]) s.client.close();
    await hub.close();
  });

  const pushes = (s: Session, stream: string, event?: string) =>
    s.client.pushes(stream).filter((p) => event === undefined || p.event === event) as Push[];
  const waitPush = (s: Session, stream: string, event: string, pred: (p: Push) => boolean = () => true) =>
    s.client.waitFrame((f) => f.type === 'push' && f.stream === stream && f.event === event && pred(f as Push), 5000, `${event} on ${stream}`) as Promise<Push>;
  const callAs = async (s: Session, action: string, params: unknown) => ok<Record<string, unknown>>(await s.client.call(s.agent.agentId, action, params));

  it('committee: applied in public only; each vote to the candidate with the voter; elected in public and directly', async () => {
    await callAs(member, 'committee/apply', { statement: 'I can help' });
    for (const s of [author, bystander, member]) {
      expect((await waitPush(s, GOVERNANCE_STREAM, 'committee.application')).data).toMatchObject({ variant: 'public', change: 'applied', details: null });
    }
    await callAs(bystander, 'committee/vote', { candidate: member.agent.agentId, support: true });
    const direct = await waitPush(member, agentStream(member.agent.agentId), 'committee.voted');
    expect(direct.data).toEqual({
      variant: 'direct',
      candidate_id: member.agent.agentId,
      votes_cast: 1,
      details: { voter: bystander.agent.agentId, support: true, support_count: 1, oppose_count: 0 },
    });
    const pub = await waitPush(author, GOVERNANCE_STREAM, 'committee.voted');
    expect(pub.data).toEqual({ variant: 'public', candidate_id: member.agent.agentId, votes_cast: 1, details: null });
    // Elected by that vote (votes_to_elect 1), as the first chair.
    const elected = await waitPush(member, agentStream(member.agent.agentId), 'committee.application');
    expect(elected.data).toMatchObject({ variant: 'direct', change: 'elected', application: { agent_id: member.agent.agentId, status: 'ACTIVE', role: 'chair' } });
    await waitPush(bystander, GOVERNANCE_STREAM, 'committee.application', (p) => (p.data as { change: string }).change === 'elected');
    // Nobody else heard directly.
    expect(pushes(author, agentStream(author.agent.agentId))).toEqual([]);
    expect(pushes(bystander, agentStream(bystander.agent.agentId))).toEqual([]);
  });

  it('a switched-off public event is not pushed live while its direct variant still arrives; details never go public', async () => {
    ok(await author.client.call(author.agent.agentId, 'notification/subscription/set', { event: 'proposal.voted', enabled: false }));
    const p = await callAs(author, 'proposal/create', { title: 'Open the archive', description: 'to everyone' });
    for (const s of [author, member, bystander]) {
      expect((await waitPush(s, GOVERNANCE_STREAM, 'proposal.created')).data).toMatchObject({ variant: 'public', proposal: { proposal_id: p.proposal_id, stats: null } });
    }

    // The bystander's vote passes the rule (quorum 1): voted, then deliberating, then the deliberation starts.
    await callAs(bystander, 'proposal/vote', { proposal_id: p.proposal_id, support: true });
    const mine = agentStream(author.agent.agentId);
    expect((await waitPush(author, mine, 'proposal.voted')).data).toEqual({
      variant: 'direct',
      proposal_id: p.proposal_id,
      title: 'Open the archive',
      votes_cast: 1,
      details: { voter: bystander.agent.agentId, support: true, support_count: 1, oppose_count: 0 },
    });
    const status = await waitPush(author, mine, 'proposal.status');
    expect(status.data).toMatchObject({ variant: 'direct', from: 'open', proposal: { status: 'deliberating' }, details: { deliberation: { status: 'pending', votes: [] } } });
    // Public pushes come in seq order: once the author has the public status change, a public vote push would have come before it.
    await waitPush(author, GOVERNANCE_STREAM, 'proposal.status');
    expect(pushes(author, GOVERNANCE_STREAM, 'proposal.voted')).toEqual([]);
    const seen = await waitPush(bystander, GOVERNANCE_STREAM, 'proposal.voted');
    expect(seen.data).toEqual({ variant: 'public', proposal_id: p.proposal_id, title: 'Open the archive', votes_cast: 1, details: null });
    expect(pushes(bystander, GOVERNANCE_STREAM).map((x) => x.event).slice(-3)).toEqual(['proposal.voted', 'proposal.status', 'deliberation.started']);

    // The deliberation starts: public, and directly to the one active member.
    const started = await waitPush(member, agentStream(member.agent.agentId), 'deliberation.started');
    expect(started.data).toMatchObject({ variant: 'direct', deliberation: { proposal_id: p.proposal_id, tally: { seats: 1 }, votes: [] } });
    const publicStart = await waitPush(bystander, GOVERNANCE_STREAM, 'deliberation.started');
    expect((publicStart.data as { deliberation: { votes: unknown } }).deliberation.votes).toBeNull();
    const did = (started.data as { deliberation: { deliberation_id: string } }).deliberation.deliberation_id;

    // The member's vote, with its reason: to members and the author; the public hears only the count. It decides (one seat).
    await callAs(member, 'deliberation/vote', { deliberation_id: did, choice: 'APPROVE', reason: 'long overdue' });
    for (const s of [author, member]) {
      expect((await waitPush(s, agentStream(s.agent.agentId), 'deliberation.voted')).data).toEqual({
        variant: 'direct',
        deliberation_id: did,
        proposal_id: p.proposal_id,
        votes_cast: 1,
        details: { member_id: member.agent.agentId, choice: 'APPROVE', reason: 'long overdue', tally: { approve: 1, reject: 0, abstain: 0, seats: 1 } },
      });
    }
    expect((await waitPush(bystander, GOVERNANCE_STREAM, 'deliberation.voted')).data).toEqual({
      variant: 'public',
      deliberation_id: did,
      proposal_id: p.proposal_id,
      votes_cast: 1,
      details: null,
    });
    const approved = await waitPush(author, mine, 'proposal.status', (x) => (x.data as { from: string }).from === 'deliberating');
    expect(approved.data).toMatchObject({
      proposal: { status: 'approved' },
      details: { deliberation: { status: 'approved', votes: [{ member_id: member.agent.agentId, choice: 'APPROVE', reason: 'long overdue' }] } },
    });

    // Executed: the result, in public and to the author.
    await callAs(member, 'deliberation/execute', { deliberation_id: did, result: 'archive opened' });
    const done = await waitPush(bystander, GOVERNANCE_STREAM, 'proposal.status', (x) => (x.data as { from: string }).from === 'approved');
    expect(done.data).toMatchObject({ variant: 'public', proposal: { status: 'executed', result: 'archive opened' }, reason: 'archive opened', details: null });
    await waitPush(author, mine, 'proposal.status', (x) => (x.data as { from: string }).from === 'approved');

    // Nothing public carries a vote's direction or a reason; the bystander heard nothing directly.
    for (const x of pushes(bystander, GOVERNANCE_STREAM)) expect(x.data.details ?? null).toBeNull();
    expect(JSON.stringify(pushes(bystander, GOVERNANCE_STREAM))).not.toContain('long overdue');
    expect(pushes(bystander, agentStream(bystander.agent.agentId))).toEqual([]);
  });

  it('appointment: each member whose role changed hears directly; the public hears too', async () => {
    const other = await connectAgent(hub, await register(hub, 'second'));
    await callAs(other, 'committee/apply', {});
    await callAs(other, 'committee/vote_for_self', { support: true });
    await waitPush(other, agentStream(other.agent.agentId), 'committee.application', (p) => (p.data as { change: string }).change === 'elected');
    await callAs(member, 'committee/appoint', { chair: other.agent.agentId });
    for (const s of [member, other]) {
      const a = await waitPush(s, agentStream(s.agent.agentId), 'committee.application', (p) => (p.data as { change: string }).change === 'appointed');
      expect((a.data as { application: { role: string } }).application.role).toBe(s === other ? 'chair' : 'member');
    }
    await waitPush(bystander, GOVERNANCE_STREAM, 'committee.application', (p) => (p.data as { change: string }).change === 'appointed');
    other.client.close();
  });
});
