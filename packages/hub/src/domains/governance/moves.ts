import type { ProposalStatus } from '@parley/protocol';
import { conflict, forbidden, notFound } from '../../core/errors.js';
import { newDeliberationId } from '../../core/ids.js';
import type { StagedPush } from '../../core/streams.js';
import type { ProposalsTable } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import type { GovernanceContext } from './context.js';
import { toProposal } from './rows.js';
import { PROPOSAL_RULES, proposalRefusal, type Actor, type ProposalMove, type Refusal } from './rules.js';

/** Throws the refusal, if any. */
export function refuse(no: Refusal): void {
  if (no) throw no.code === 'forbidden' ? forbidden(no.why) : conflict(no.why);
}

/**
 * The one way a proposal's status changes, inside a writer job: check the move
 * against the rules table as the row is now, write it (with `patch`), stage
 * proposal.status (public, and to the author with the deliberation), and call
 * every registered ProposalHook in the same job, keeping what they staged.
 */
export async function moveProposal(
  ctx: GovernanceContext,
  tx: Sql,
  row: ProposalsTable,
  move: ProposalMove,
  roles: ReadonlySet<Actor>,
  opts: { reason?: string | null; patch?: Partial<ProposalsTable>; now?: number } = {},
): Promise<{ row: ProposalsTable; pushes: StagedPush[] }> {
  const from = row.status as ProposalStatus;
  refuse(proposalRefusal(move, from, roles));
  const now = opts.now ?? Date.now();
  const reason = opts.reason ?? null;
  const set: Partial<ProposalsTable> = { ...opts.patch, status: PROPOSAL_RULES[move].to, updated_at: now };
  // The closing reason or the execution result is what the proposal records; other moves keep what it had.
  if (move === 'close' || move === 'execute') set.result = reason;
  await tx.run(ctx.db.updateTable('proposals').set(set).where('proposal_id', '=', row.proposal_id).compile());
  const after = (await ctx.proposal(tx, row.proposal_id))!;
  const authorVote = (await ctx.myVotes(tx, after.author_id, [after.proposal_id])).get(after.proposal_id) ?? null;
  const d = after.deliberation_id ? await ctx.deliberationRow(tx, after.deliberation_id) : undefined;
  const proposal = toProposal(after, null);
  const pushes = await ctx.notices.proposalStatus(tx, {
    proposal,
    forAuthor: toProposal(after, authorVote),
    from,
    reason,
    deliberation: d ? ((await ctx.deliberations(tx, [d], after.author_id))[0] ?? null) : null,
  });
  for (const hook of ctx.hooks) pushes.push(...(await hook(tx, proposal, from)));
  return { row: after, pushes };
}

/**
 * The vote that passed the community's majority rule starts the committee's
 * deliberation, in that vote's job: `seats` are the members active at this
 * moment; every one of them is told directly.
 */
export async function startDeliberation(ctx: GovernanceContext, tx: Sql, row: ProposalsTable, now: number): Promise<StagedPush[]> {
  const members = await ctx.activeIds(tx);
  const deliberationId = newDeliberationId();
  await tx.run(
    ctx.db
      .insertInto('deliberations')
      .values({
        deliberation_id: deliberationId,
        proposal_id: row.proposal_id,
        status: 'pending',
        seats: members.length,
        approve: 0,
        reject: 0,
        abstain: 0,
        result: null,
        executed_by: null,
        started_at: now,
        decided_at: null,
        executed_at: null,
      })
      .compile(),
  );
  const moved = await moveProposal(ctx, tx, row, 'deliberate', new Set(['hub']), { patch: { deliberation_id: deliberationId }, now });
  const d = (await ctx.deliberationRow(tx, deliberationId))!;
  const [publicView] = await ctx.deliberations(tx, [d], null);
  // Every member sees the votes (none yet): the same shape they get from deliberation/get.
  const memberView = { ...publicView!, votes: [] };
  return [...moved.pushes, ...(await ctx.notices.deliberationStarted(tx, { publicView: publicView!, memberView }, members))];
}

/** The proposal, or not_found. */
export async function proposalOrFail(ctx: GovernanceContext, sql: Sql, proposalId: string): Promise<ProposalsTable> {
  const row = await ctx.proposal(sql, proposalId);
  if (!row) throw notFound('proposal');
  return row;
}
