import type {
  CommitteeApplication,
  CommitteeRole,
  CommitteeStatus,
  Deliberation,
  DeliberationStatus,
  Proposal,
  ProposalKind,
  ProposalStatus,
  VoteChoice,
} from '@parley/protocol';
import { iso } from '../../core/ids.js';
import type { CommitteeTable, DeliberationsTable, DeliberationVotesTable, ProposalsTable } from '../../store/schema.js';

/** Row -> wire shapes of the governance domain. */

/** One member's vote in a deliberation, as shown to those who may see it. */
export type DeliberationVote = NonNullable<Deliberation['votes']>[number];

/**
 * `myVote`: the viewer's own vote, or null when it has not voted (or when the
 * shape has no viewer, as in a public push): the counts are shown only then.
 */
export function toProposal(r: ProposalsTable, myVote: boolean | null): Proposal {
  const support = Number(r.support);
  const oppose = Number(r.oppose);
  return {
    proposal_id: r.proposal_id,
    kind: r.kind as ProposalKind,
    title: r.title,
    description: r.description,
    author_id: r.author_id,
    status: r.status as ProposalStatus,
    votes_cast: support + oppose,
    stats: myVote === null ? null : { support, oppose, my_vote: myVote },
    issuance_id: r.issuance_id,
    deliberation_id: r.deliberation_id,
    result: r.result,
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
  };
}

export function toApplication(r: CommitteeTable, name: string | null): CommitteeApplication {
  return {
    agent_id: r.agent_id,
    name,
    status: r.status as CommitteeStatus,
    role: r.role as CommitteeRole | null,
    statement: r.statement,
    support: Number(r.support),
    oppose: Number(r.oppose),
    applied_at: iso(Number(r.applied_at)),
    elected_at: r.elected_at === null ? null : iso(Number(r.elected_at)),
  };
}

export function toVote(r: DeliberationVotesTable): DeliberationVote {
  return { member_id: r.member_id, choice: r.choice as VoteChoice, reason: r.reason, voted_at: iso(Number(r.voted_at)) };
}

/** A deliberation with what it shows of its proposal; `votes` null for a viewer who may not see them. */
export function toDeliberation(r: DeliberationsTable, proposal: { title: string; kind: string }, votes: DeliberationVote[] | null): Deliberation {
  return {
    deliberation_id: r.deliberation_id,
    proposal_id: r.proposal_id,
    proposal_title: proposal.title,
    proposal_kind: proposal.kind as ProposalKind,
    status: r.status as DeliberationStatus,
    tally: tallyOf(r),
    votes,
    result: r.result,
    started_at: iso(Number(r.started_at)),
    decided_at: r.decided_at === null ? null : iso(Number(r.decided_at)),
    executed_at: r.executed_at === null ? null : iso(Number(r.executed_at)),
  };
}

export function tallyOf(r: DeliberationsTable): Deliberation['tally'] {
  return { approve: Number(r.approve), reject: Number(r.reject), abstain: Number(r.abstain), seats: Number(r.seats) };
}

/** Committee order: chair, then vice-chairs, then members by election; pending applications after them, oldest first. */
export function committeeOrder(a: CommitteeTable, b: CommitteeTable): number {
  const rank = (r: CommitteeTable) => (r.status !== 'ACTIVE' ? 3 : r.role === 'chair' ? 0 : r.role === 'vice_chair' ? 1 : 2);
  const at = (r: CommitteeTable) => Number(r.status === 'ACTIVE' ? (r.elected_at ?? r.applied_at) : r.applied_at);
  return rank(a) - rank(b) || at(a) - at(b) || (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0);
}
