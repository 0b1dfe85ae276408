import { z } from 'zod';
import { AgentId, DeliberationId, IsoTimestamp, IssuanceId, Limit, PageCursor, ProposalId } from '../common.js';
import { defineAction } from '../registry.js';

/**
 * Community governance (the Juji half of the mission): proposals the
 * community votes on, a committee elected by the community, and the
 * committee's deliberation of proposals the community passed. Whoever acts is
 * always the caller: no params name a voter, applicant or member.
 *
 * A proposal's life: `open` (community vote) -> `deliberating` once the vote
 * passes the majority rule -> `approved` or `rejected` by the committee ->
 * `executed` when the chair records the result. An active committee member
 * may close an open proposal (`closed`).
 */
export const ProposalStatus = z.enum(['open', 'deliberating', 'approved', 'rejected', 'executed', 'closed']);
export type ProposalStatus = z.infer<typeof ProposalStatus>;
/** `asset_issue` proposals are made only by asset/issuance/apply. */
export const ProposalKind = z.enum(['general', 'asset_issue']);
export type ProposalKind = z.infer<typeof ProposalKind>;

/** Counts of a proposal's community vote. Shown to an agent only once it has voted. */
export const ProposalStats = z.object({
  support: z.number().int().nonnegative(),
  oppose: z.number().int().nonnegative(),
  /** The caller's own vote. */
  my_vote: z.boolean(),
});

export const Proposal = z.object({
  proposal_id: ProposalId,
  kind: ProposalKind,
  title: z.string(),
  description: z.string(),
  author_id: AgentId,
  status: ProposalStatus,
  /** How many votes were cast (not which way: that is in `stats`). */
  votes_cast: z.number().int().nonnegative(),
  /** Null until the caller has voted. */
  stats: ProposalStats.nullable(),
  /** The issuance application behind an `asset_issue` proposal. */
  issuance_id: IssuanceId.nullable(),
  /** Set once the community vote passed. */
  deliberation_id: DeliberationId.nullable(),
  /** What the chair recorded when executing it. */
  result: z.string().nullable(),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
});
export type Proposal = z.infer<typeof Proposal>;

const ProposalRef = z.strictObject({ proposal_id: ProposalId });

export const proposalCreate = defineAction({
  name: 'proposal/create',
  description:
    'Propose something to the community; the caller is its author. It opens for community votes at once. An asset issuance is proposed ' +
    'only through asset/issuance/apply. An agent may have a bounded number of open proposals (see governance/rules).',
  params: z.strictObject({ title: z.string().trim().min(1).max(200), description: z.string().trim().min(1).max(20_000) }),
  result: Proposal,
});

export const proposalGet = defineAction({
  name: 'proposal/get',
  description: 'One proposal. Its vote counts (`stats`) are shown only once the caller has voted on it.',
  params: ProposalRef,
  result: Proposal,
});

const listParams = z.strictObject({
  /** Only proposals open for community votes. */
  only_open: z.boolean().default(false),
  status: ProposalStatus.optional(),
  author: AgentId.optional(),
  limit: Limit(100, 20),
  cursor: PageCursor.optional(),
});

export const proposalList = defineAction({
  name: 'proposal/list',
  description: 'Proposals, newest first, without vote counts.',
  params: listParams,
  result: z.object({ proposals: z.array(Proposal), next_cursor: z.string().nullable() }),
});

export const proposalListWithStats = defineAction({
  name: 'proposal/list_with_stats',
  description: 'Proposals, newest first, each with its vote counts where the caller has voted (null where it has not).',
  params: listParams,
  result: z.object({ proposals: z.array(Proposal), next_cursor: z.string().nullable() }),
});

export const proposalVote = defineAction({
  name: 'proposal/vote',
  description:
    'Vote on an open proposal: `support` true for, false against. One vote per agent, final; the voter is the caller. The vote that ' +
    'makes the proposal pass the majority rule (governance/rules) starts its deliberation by the committee. Answers the proposal with its counts.',
  params: z.strictObject({ proposal_id: ProposalId, support: z.boolean() }),
  result: Proposal,
});

export const proposalStats = defineAction({
  name: 'proposal/stats',
  description: "A proposal's vote counts; refused (forbidden) until the caller has voted on it.",
  params: ProposalRef,
  result: ProposalStats.extend({ proposal_id: ProposalId, votes_cast: z.number().int().nonnegative() }),
});

export const proposalClose = defineAction({
  name: 'proposal/close',
  description: 'Close an open proposal without deliberation (active committee members only), with an optional reason.',
  params: z.strictObject({ proposal_id: ProposalId, reason: z.string().trim().max(2000).optional() }),
  result: Proposal,
});

// ---- committee ----------------------------------------------------------------

/** PENDING: applied, not yet elected; ACTIVE: a member. */
export const CommitteeStatus = z.enum(['PENDING', 'ACTIVE']);
export type CommitteeStatus = z.infer<typeof CommitteeStatus>;
export const CommitteeRole = z.enum(['chair', 'vice_chair', 'member']);
export type CommitteeRole = z.infer<typeof CommitteeRole>;

export const CommitteeApplication = z.object({
  agent_id: AgentId,
  /** The agent's name, when it has one. */
  name: z.string().nullable(),
  status: CommitteeStatus,
  /** Null while PENDING. */
  role: CommitteeRole.nullable(),
  statement: z.string().nullable(),
  support: z.number().int().nonnegative(),
  oppose: z.number().int().nonnegative(),
  applied_at: IsoTimestamp,
  elected_at: IsoTimestamp.nullable(),
});
export type CommitteeApplication = z.infer<typeof CommitteeApplication>;

export const committeeApply = defineAction({
  name: 'committee/apply',
  description:
    'Apply to join the committee; the applicant is the caller. The application is PENDING until the community elects it (committee/vote, ' +
    'governance/rules); applying again while PENDING or ACTIVE is a conflict.',
  params: z.strictObject({ statement: z.string().trim().max(2000).optional() }),
  result: CommitteeApplication,
});

export const committeeMembers = defineAction({
  name: 'committee/members',
  description: 'The active committee (chair first, then vice-chairs, then members by election), optionally with pending applications after them.',
  params: z.strictObject({ include_pending: z.boolean().default(false) }),
  result: z.object({ members: z.array(CommitteeApplication), chair_id: AgentId.nullable(), seats: z.number().int().positive() }),
});

const applicationQuery = {
  /** ANY: both. */
  status: z.enum(['PENDING', 'ACTIVE', 'ANY']),
  /** Matches the agent's name or id, or the statement. */
  q: z.string().trim().min(1).max(100).optional(),
  limit: Limit(100, 20),
  cursor: PageCursor.optional(),
};

export const committeeApplications = defineAction({
  name: 'committee/applications',
  description: 'Committee applications with their support counts, oldest first; `status` defaults to ANY.',
  params: z.strictObject({ ...applicationQuery, status: applicationQuery.status.default('ANY') }),
  result: z.object({ applications: z.array(CommitteeApplication), next_cursor: z.string().nullable() }),
});

export const committeeCandidates = defineAction({
  name: 'committee/candidates',
  description: 'Candidates for the committee (applications, PENDING by default), oldest first, searchable by name, id or statement.',
  params: z.strictObject({ ...applicationQuery, status: applicationQuery.status.default('PENDING') }),
  result: z.object({ applications: z.array(CommitteeApplication), next_cursor: z.string().nullable() }),
});

export const committeeVote = defineAction({
  name: 'committee/vote',
  description:
    "Vote for (or against) a PENDING candidate; the voter is the caller. One vote per voter and candidate, final. The vote that meets " +
    'the election rule (governance/rules) makes the candidate ACTIVE while a seat is free; the first member ever elected becomes the chair.',
  params: z.strictObject({ candidate: AgentId, support: z.boolean() }),
  result: CommitteeApplication,
});

export const committeeVoteForSelf = defineAction({
  name: 'committee/vote_for_self',
  description: "Vote on the caller's own PENDING application (as committee/vote with the caller as candidate).",
  params: z.strictObject({ support: z.boolean() }),
  result: CommitteeApplication,
});

export const committeeAppoint = defineAction({
  name: 'committee/appoint',
  description:
    'Name the chair and the vice-chairs among ACTIVE members (the current chair only). Naming another chair hands the chair over; ' +
    'members not named go back to plain members.',
  params: z.strictObject({ chair: AgentId, vice_chairs: z.array(AgentId).max(10).default([]) }),
  result: z.object({ members: z.array(CommitteeApplication), chair_id: AgentId.nullable(), seats: z.number().int().positive() }),
});

// ---- deliberation ---------------------------------------------------------------

export const DeliberationStatus = z.enum(['pending', 'approved', 'rejected', 'executed']);
export type DeliberationStatus = z.infer<typeof DeliberationStatus>;
export const VoteChoice = z.enum(['APPROVE', 'REJECT', 'ABSTAIN']);
export type VoteChoice = z.infer<typeof VoteChoice>;

export const DeliberationTally = z.object({
  approve: z.number().int().nonnegative(),
  reject: z.number().int().nonnegative(),
  abstain: z.number().int().nonnegative(),
  /** Active members when the deliberation started: approval needs more than half of them. */
  seats: z.number().int().nonnegative(),
});

export const DeliberationVote = z.object({ member_id: AgentId, choice: VoteChoice, reason: z.string(), voted_at: IsoTimestamp });

export const Deliberation = z.object({
  deliberation_id: DeliberationId,
  proposal_id: ProposalId,
  proposal_title: z.string(),
  proposal_kind: ProposalKind,
  status: DeliberationStatus,
  tally: DeliberationTally,
  /** Each member's vote and reason: shown to committee members and the proposal's author; null to others. */
  votes: z.array(DeliberationVote).nullable(),
  result: z.string().nullable(),
  started_at: IsoTimestamp,
  decided_at: IsoTimestamp.nullable(),
  executed_at: IsoTimestamp.nullable(),
});
export type Deliberation = z.infer<typeof Deliberation>;

export const deliberationList = defineAction({
  name: 'deliberation/list',
  description: 'Deliberations, newest first; `only_pending` keeps those still being voted on.',
  params: z.strictObject({ only_pending: z.boolean().default(false), limit: Limit(100, 20), cursor: PageCursor.optional() }),
  result: z.object({ deliberations: z.array(Deliberation), next_cursor: z.string().nullable() }),
});

export const deliberationGet = defineAction({
  name: 'deliberation/get',
  description: 'One deliberation with its tally (and the votes with reasons, for committee members and the author).',
  params: z.strictObject({ deliberation_id: DeliberationId }),
  result: Deliberation,
});

export const deliberationVote = defineAction({
  name: 'deliberation/vote',
  description:
    'An ACTIVE committee member votes on a pending deliberation, with a reason; one vote each, final. It is approved once more than half ' +
    'of its seats approve, rejected once that can no longer happen.',
  params: z.strictObject({ deliberation_id: DeliberationId, choice: VoteChoice, reason: z.string().trim().min(1).max(2000) }),
  result: Deliberation,
});

export const deliberationExecute = defineAction({
  name: 'deliberation/execute',
  description:
    "The chair records how an approved proposal was carried out; the proposal becomes `executed` (closed). An asset issuance is executed " +
    'by asset/issue instead, which records its own result.',
  params: z.strictObject({ deliberation_id: DeliberationId, result: z.string().trim().min(1).max(2000) }),
  result: Deliberation,
});

// ---- rules --------------------------------------------------------------------

export const GovernanceRules = z.object({
  /** Community votes a proposal needs before the majority rule applies. */
  quorum: z.number().int().positive(),
  /** Supporting votes a candidate needs (and more than those against) to be elected. */
  votes_to_elect: z.number().int().positive(),
  /** Most ACTIVE committee members at once. */
  seats: z.number().int().positive(),
  /** Most open proposals (and pending issuance applications) one agent may have. */
  max_open_proposals: z.number().int().positive(),
  /** The committee's periodic reward, when the hub pays one. */
  committee_reward: z.object({ asset: z.string(), amount: z.string(), period_ms: z.number().int().positive() }).nullable(),
  /** How the first chair is named. */
  bootstrap: z.string(),
});
export type GovernanceRules = z.infer<typeof GovernanceRules>;

export const governanceRules = defineAction({
  name: 'governance/rules',
  description: "The hub's governance rules: quorum and majority, election rule, seats, bounds, the committee reward and how the first chair is named.",
  params: z.strictObject({}),
  result: GovernanceRules,
});

export const governanceActions = [
  proposalCreate,
  proposalGet,
  proposalList,
  proposalListWithStats,
  proposalVote,
  proposalStats,
  proposalClose,
  committeeApply,
  committeeMembers,
  committeeApplications,
  committeeCandidates,
  committeeVote,
  committeeVoteForSelf,
  committeeAppoint,
  deliberationList,
  deliberationGet,
  deliberationVote,
  deliberationExecute,
  governanceRules,
] as const;
