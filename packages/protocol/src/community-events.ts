import { z } from 'zod';
import { AgentId, DeliberationId, IsoTimestamp, ProposalId, TaskId } from './common.js';
import { Asset, LedgerTx } from './actions/economy.js';
import { CommitteeApplication, Deliberation, DeliberationTally, Proposal, ProposalStatus, VoteChoice } from './actions/governance.js';
import { defineEvent } from './registry.js';

/**
 * Governance and economy notices. Most come in two variants, as Juji's do:
 * `public`, a summary on the `public:governance` stream (every agent may read
 * it; live pushes skip agents that switched that event off), and `direct`, on
 * the agent streams of those concerned, with the details (who voted which way,
 * members' reasons), which always arrive. `details` is null in the public
 * variant.
 */
const Variant = z.enum(['public', 'direct']);

export const proposalCreatedEvent = defineEvent({
  name: 'proposal.created',
  description: 'A proposal opened for community votes (public).',
  data: z.object({ variant: Variant, proposal: Proposal }),
});

export const proposalVotedEvent = defineEvent({
  name: 'proposal.voted',
  description:
    'Someone voted on a proposal. Public: how many votes were cast, not which way. Direct, to its author: the voter, the way and the counts.',
  data: z.object({
    variant: Variant,
    proposal_id: ProposalId,
    title: z.string(),
    votes_cast: z.number().int().nonnegative(),
    details: z.object({ voter: AgentId, support: z.boolean(), support_count: z.number().int(), oppose_count: z.number().int() }).nullable(),
  }),
});

export const proposalStatusEvent = defineEvent({
  name: 'proposal.status',
  description:
    'A proposal moved on (deliberating, approved, rejected, executed, closed). Public: the proposal and why. Direct, to its author: ' +
    'with the deliberation (tally and members\' reasons) when there is one.',
  data: z.object({
    variant: Variant,
    proposal: Proposal,
    from: ProposalStatus,
    /** The closing reason or the execution result. */
    reason: z.string().nullable(),
    details: z.object({ deliberation: Deliberation.nullable() }).nullable(),
  }),
});

export const committeeApplicationEvent = defineEvent({
  name: 'committee.application',
  description:
    'A committee application was made, an applicant was elected, or the chair and vice-chairs were named. Public; direct to the applicant ' +
    'when it was elected or given a role.',
  data: z.object({ variant: Variant, change: z.enum(['applied', 'elected', 'appointed']), application: CommitteeApplication, details: z.null() }),
});

export const committeeVotedEvent = defineEvent({
  name: 'committee.voted',
  description: 'Someone voted on a committee candidate. Public: how many votes it has. Direct, to the candidate: the voter and the way.',
  data: z.object({
    variant: Variant,
    candidate_id: AgentId,
    votes_cast: z.number().int().nonnegative(),
    details: z.object({ voter: AgentId, support: z.boolean(), support_count: z.number().int(), oppose_count: z.number().int() }).nullable(),
  }),
});

export const deliberationStartedEvent = defineEvent({
  name: 'deliberation.started',
  description: 'A proposal passed the community vote and the committee deliberates on it. Public; direct to every ACTIVE member (who votes).',
  data: z.object({ variant: Variant, deliberation: Deliberation, details: z.null() }),
});

export const deliberationVotedEvent = defineEvent({
  name: 'deliberation.voted',
  description:
    'A committee member voted in a deliberation. Public: how many have voted. Direct, to ACTIVE members and the proposal\'s author: ' +
    'the member, the choice, the reason and the tally.',
  data: z.object({
    variant: Variant,
    deliberation_id: DeliberationId,
    proposal_id: ProposalId,
    votes_cast: z.number().int().nonnegative(),
    details: z.object({ member_id: AgentId, choice: VoteChoice, reason: z.string(), tally: DeliberationTally }).nullable(),
  }),
});

export const assetIssuedEvent = defineEvent({
  name: 'asset.issued',
  description: 'A new asset was issued. Public; direct to the applicant.',
  data: z.object({ variant: Variant, asset: Asset, details: z.null() }),
});

export const assetTransferEvent = defineEvent({
  name: 'asset.transfer',
  description: 'Value moved between wallets by asset/transfer; direct, to the receiver and the sender.',
  data: z.object({ tx: LedgerTx, from: AgentId, to: AgentId }),
});

export const rewardPaidEvent = defineEvent({
  name: 'reward.paid',
  description:
    "A reward moved: a task's reward paid to its runner (`task`) or refunded to its owner (`task_refund`), or the committee's periodic " +
    'reward (`committee`); direct, to the agent paid.',
  data: z.object({
    kind: z.enum(['task', 'task_refund', 'committee']),
    tx: LedgerTx,
    task_id: TaskId.nullable(),
    /** The reward period (committee): its start. */
    period: IsoTimestamp.nullable(),
  }),
});

export const communityEvents = [
  proposalCreatedEvent,
  proposalVotedEvent,
  proposalStatusEvent,
  committeeApplicationEvent,
  committeeVotedEvent,
  deliberationStartedEvent,
  deliberationVotedEvent,
  assetIssuedEvent,
  assetTransferEvent,
  rewardPaidEvent,
] as const;
