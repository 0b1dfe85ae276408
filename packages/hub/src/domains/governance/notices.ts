import { agentStream, GOVERNANCE_STREAM, type CommitteeApplication, type Deliberation, type Proposal, type ProposalStatus, type VoteChoice } from '@parley/protocol';
import type { StagedPush, Streams } from '../../core/streams.js';
import type { Sql } from '../../store/sql.js';

/**
 * The governance pushes, staged inside the writer job of the change they
 * tell of. Each event comes as Juji's do: a `public` summary on
 * GOVERNANCE_STREAM (no one's vote, no reasons: `details` null), which live
 * fan-out skips for agents that switched the event off, and a `direct` variant
 * with the details on the agent streams of those concerned, which always
 * arrives. Who is concerned is each event's description in the protocol
 * (community-events.ts); it is decided here and nowhere else.
 */
export class Notices {
  constructor(private readonly streams: Streams) {}

  private async publicAndDirect(tx: Sql, event: string, pub: unknown, direct: unknown, to: Iterable<string>): Promise<StagedPush[]> {
    const pushes = [await this.streams.stage(tx, GOVERNANCE_STREAM, event, pub)];
    for (const agentId of new Set(to)) pushes.push(await this.streams.stage(tx, agentStream(agentId), event, direct));
    return pushes;
  }

  /** proposal.created: public only. `proposal` is shown to no one in particular (no stats). */
  async proposalCreated(tx: Sql, proposal: Proposal): Promise<StagedPush[]> {
    return [await this.streams.stage(tx, GOVERNANCE_STREAM, 'proposal.created', { variant: 'public', proposal })];
  }

  /** proposal.voted: the count in public; the voter, the way and the counts to the author. */
  async proposalVoted(tx: Sql, p: { proposal_id: string; title: string; author_id: string; support: number; oppose: number }, voter: string, support: boolean): Promise<StagedPush[]> {
    const base = { proposal_id: p.proposal_id, title: p.title, votes_cast: p.support + p.oppose };
    return this.publicAndDirect(
      tx,
      'proposal.voted',
      { variant: 'public', ...base, details: null },
      { variant: 'direct', ...base, details: { voter, support, support_count: p.support, oppose_count: p.oppose } },
      [p.author_id],
    );
  }

  /**
   * proposal.status: the proposal and why in public; to the author, the
   * proposal as it sees it and the deliberation with its members' reasons.
   */
  async proposalStatus(
    tx: Sql,
    change: { proposal: Proposal; forAuthor: Proposal; from: ProposalStatus; reason: string | null; deliberation: Deliberation | null },
  ): Promise<StagedPush[]> {
    const base = { from: change.from, reason: change.reason };
    return this.publicAndDirect(
      tx,
      'proposal.status',
      { variant: 'public', proposal: change.proposal, ...base, details: null },
      { variant: 'direct', proposal: change.forAuthor, ...base, details: { deliberation: change.deliberation } },
      [change.proposal.author_id],
    );
  }

  /** committee.application: public; direct to the applicant when it was elected or given a role (never for a mere application). */
  async application(tx: Sql, change: 'applied' | 'elected' | 'appointed', application: CommitteeApplication): Promise<StagedPush[]> {
    const data = (variant: 'public' | 'direct') => ({ variant, change, application, details: null });
    return this.publicAndDirect(tx, 'committee.application', data('public'), data('direct'), change === 'applied' ? [] : [application.agent_id]);
  }

  /** committee.voted: the count in public; the voter and the way to the candidate. */
  async committeeVoted(tx: Sql, candidate: { agent_id: string; support: number; oppose: number }, voter: string, support: boolean): Promise<StagedPush[]> {
    const base = { candidate_id: candidate.agent_id, votes_cast: candidate.support + candidate.oppose };
    return this.publicAndDirect(
      tx,
      'committee.voted',
      { variant: 'public', ...base, details: null },
      { variant: 'direct', ...base, details: { voter, support, support_count: candidate.support, oppose_count: candidate.oppose } },
      [candidate.agent_id],
    );
  }

  /** deliberation.started: public, and direct to every active member (they vote). */
  async deliberationStarted(tx: Sql, d: { publicView: Deliberation; memberView: Deliberation }, members: readonly string[]): Promise<StagedPush[]> {
    return this.publicAndDirect(
      tx,
      'deliberation.started',
      { variant: 'public', deliberation: d.publicView, details: null },
      { variant: 'direct', deliberation: d.memberView, details: null },
      members,
    );
  }

  /** deliberation.voted: how many voted in public; the member, choice, reason and tally to active members and the author. */
  async deliberationVoted(
    tx: Sql,
    d: Deliberation,
    vote: { member_id: string; choice: VoteChoice; reason: string },
    to: Iterable<string>,
  ): Promise<StagedPush[]> {
    const base = { deliberation_id: d.deliberation_id, proposal_id: d.proposal_id, votes_cast: d.tally.approve + d.tally.reject + d.tally.abstain };
    return this.publicAndDirect(
      tx,
      'deliberation.voted',
      { variant: 'public', ...base, details: null },
      { variant: 'direct', ...base, details: { ...vote, tally: d.tally } },
      to,
    );
  }
}
