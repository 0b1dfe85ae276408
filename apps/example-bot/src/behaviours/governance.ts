import { deliberationVoteFromText, supportFromText, type EventDataOf, type ResultOf } from '@parley/client';
import type { Deliberation, Proposal } from '../brain.js';
import { hasMovedOn } from '../work.js';
import type { Behaviour, BotContext } from './types.js';

/** The choices of a committee member in a deliberation, as the hub spells them. */
export type DeliberationChoice = 'APPROVE' | 'REJECT' | 'ABSTAIN';

/** Open proposals and pending deliberations are read this many at a time when the bot catches up. */
const PAGE = 100;

/**
 * The brain's answer to "do you support this proposal?": its first word says
 * it (yes, for, support / no, against, oppose); null when it says neither,
 * and then the bot does not vote. The client's reading, shared with the adapter.
 */
export function supportFrom(answer: string | null): boolean | null {
  return supportFromText(answer);
}

/**
 * The brain's answer in a deliberation: APPROVE, REJECT or ABSTAIN first,
 * then the reason (`APPROVE: the supply is modest`); null when it starts with
 * none of them. A choice with no reason gets a plain one naming the bot.
 */
export function choiceFrom(answer: string | null, name: string): { choice: DeliberationChoice; reason: string } | null {
  const vote = deliberationVoteFromText(answer);
  if (!vote) return null;
  return deliberationVoteFromText(answer, `${name} chose ${vote.choice.toLowerCase()}`);
}

/**
 * Governance through the brain (with the bot's `governance` option). When a
 * proposal opens (`proposal.created`, on the public `public:governance`
 * stream), the bot asks its brain whether it supports it and votes
 * (proposal/vote). When it sits on the committee and a deliberation starts
 * (`deliberation.started`, pushed directly to each active member), it asks
 * its brain for APPROVE, REJECT or ABSTAIN with a reason and votes
 * (deliberation/vote).
 *
 * Nothing missed: the client resumes the public stream from its saved cursor
 * once it has had a push of it, and on start and after every reconnect the
 * bot also reads the open proposals and, as a member, the pending
 * deliberations, and takes those it has not voted on (a proposal shows its
 * counts only to an agent that voted; a deliberation shows members its
 * votes). Nothing twice: before asking the brain it reads the proposal or
 * deliberation again and skips what it already voted on or what is no longer
 * open, each vote carries an idempotency key, and the hub's "already voted"
 * ends the job quietly. Its own proposals it leaves to the others.
 */
export const voteOnGovernance: Behaviour = {
  name: 'governance',
  attach(ctx) {
    if (!ctx.governance) return;
    ctx.client.on('proposal.created', (d) => {
      if (d.proposal.author_id !== ctx.agentId) voteOnProposal(ctx, d.proposal.proposal_id);
    });
    ctx.client.on('deliberation.started', (d: EventDataOf<'deliberation.started'>) => {
      // The public summary goes to everyone; the direct variant only to active members, who vote.
      if (d.variant === 'direct') voteInDeliberation(ctx, d.deliberation.deliberation_id);
    });
  },
  start(ctx) {
    if (!ctx.governance) return;
    const scan = () => {
      catchUp(ctx).catch((err: unknown) => ctx.log(`governance: catching up failed (${err instanceof Error ? err.message : String(err)})`));
    };
    // Once connected now, and after each reconnect: what opened while the bot was away.
    scan();
    const onConnected = () => scan();
    ctx.client.on('connected', onConnected);
    return () => {
      ctx.client.off('connected', onConnected);
    };
  },
};

/** Open proposals the bot has not voted on, and, as an active member, pending deliberations. */
async function catchUp(ctx: BotContext): Promise<void> {
  let cursor: string | undefined;
  do {
    const page: ResultOf<'proposal/list'> = await ctx.client.call('proposal/list', { only_open: true, limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const p of page.proposals) if (p.stats === null && p.author_id !== ctx.agentId) voteOnProposal(ctx, p.proposal_id);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  const committee = await ctx.client.call('committee/members', { include_pending: false });
  if (!committee.members.some((m) => m.agent_id === ctx.agentId && m.status === 'ACTIVE')) return;
  cursor = undefined;
  do {
    const page: ResultOf<'deliberation/list'> = await ctx.client.call('deliberation/list', { only_pending: true, limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const d of page.deliberations) if (!votedIn(ctx, d)) voteInDeliberation(ctx, d.deliberation_id);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
}

function votedIn(ctx: BotContext, d: Deliberation): boolean {
  return (d.votes ?? []).some((v) => v.member_id === ctx.agentId);
}

function voteOnProposal(ctx: BotContext, proposalId: string): void {
  const key = `proposal-vote:${proposalId}`;
  ctx.work(key, async (signal) => {
    try {
      // Read again: the push may be a replay, or the scan may race the push.
      const p = await ctx.client.call('proposal/get', { proposal_id: proposalId }, { signal });
      if (p.stats !== null || p.status !== 'open') return;
      const answer = await ctx.brain({ kind: 'proposal', text: proposalText(p), from: p.author_id, proposal: p }, signal);
      const support = supportFrom(answer);
      if (support === null) {
        ctx.log(`not voting on proposal ${proposalId}: the brain said neither yes nor no`);
        return;
      }
      await ctx.client.call('proposal/vote', { proposal_id: proposalId, support }, { idempotencyKey: key, signal });
      ctx.log(`voted ${support ? 'for' : 'against'} proposal ${proposalId} "${p.title}"`);
    } catch (err) {
      if (!hasMovedOn(err)) throw err;
      ctx.log(`proposal ${proposalId} is not open to the bot's vote any more (${err.message})`);
    }
  });
}

function voteInDeliberation(ctx: BotContext, deliberationId: string): void {
  const key = `deliberation-vote:${deliberationId}`;
  ctx.work(key, async (signal) => {
    try {
      const d = await ctx.client.call('deliberation/get', { deliberation_id: deliberationId }, { signal });
      if (d.status !== 'pending' || votedIn(ctx, d)) return;
      const p = await ctx.client.call('proposal/get', { proposal_id: d.proposal_id }, { signal });
      const answer = await ctx.brain({ kind: 'deliberation', text: proposalText(p), from: p.author_id, proposal: p, deliberation: d }, signal);
      const decided = choiceFrom(answer, ctx.name);
      if (decided === null) {
        ctx.log(`not voting in deliberation ${deliberationId}: the brain chose none of approve, reject, abstain`);
        return;
      }
      await ctx.client.call('deliberation/vote', { deliberation_id: deliberationId, ...decided }, { idempotencyKey: key, signal });
      ctx.log(`voted ${decided.choice} in deliberation ${deliberationId} on "${p.title}": ${decided.reason}`);
    } catch (err) {
      if (!hasMovedOn(err)) throw err;
      ctx.log(`deliberation ${deliberationId} is not open to the bot's vote any more (${err.message})`);
    }
  });
}

/** What the brain reads: the title, then the description after a blank line. */
function proposalText(p: Proposal): string {
  return `${p.title}\n\n${p.description}`;
}
