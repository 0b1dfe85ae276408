import { ErrorCode, type ParsedParamsOf, type Proposal, type ResultOf } from '@parley/protocol';
import { conflict, forbidden, HubError } from '../../core/errors.js';
import { newProposalId } from '../../core/ids.js';
import { newestFirst } from '../../core/paging.js';
import type { StagedPush } from '../../core/streams.js';
import type { ProposalsTable } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import type { GovernanceContext } from './context.js';
import { moveProposal, proposalOrFail, refuse, startDeliberation } from './moves.js';
import { toProposal } from './rows.js';
import { OPEN_STATUSES, passesCommunityVote, proposalRefusal, rolesOf } from './rules.js';

/**
 * Proposals and the community's vote on them. The voter, author and closer
 * are always the caller. A vote is checked and counted in one writer job
 * against the proposal as it is then, so the vote that crosses the majority
 * rule is exactly one, and it starts the deliberation in that same job.
 */
export class Proposals {
  constructor(private readonly ctx: GovernanceContext) {}

  // ---- reading --------------------------------------------------------------

  async get(me: string, proposalId: string): Promise<Proposal> {
    const row = await proposalOrFail(this.ctx, this.ctx.read, proposalId);
    return toProposal(row, (await this.ctx.myVotes(this.ctx.read, me, [proposalId])).get(proposalId) ?? null);
  }

  /** Newest first; with `withStats`, each with its counts where the caller has voted. */
  async list(me: string, p: ParsedParamsOf<'proposal/list'>, withStats: boolean): Promise<ResultOf<'proposal/list'>> {
    let q = this.ctx.db.selectFrom('proposals').selectAll();
    if (p.only_open) q = q.where('status', '=', 'open');
    if (p.status) q = q.where('status', '=', p.status);
    if (p.author) q = q.where('author_id', '=', p.author);
    const { page, next_cursor } = await newestFirst(q, 'proposal_id', p.limit, p.cursor);
    const mine = withStats ? await this.ctx.myVotes(this.ctx.read, me, page.map((r) => r.proposal_id)) : new Map<string, boolean>();
    return { proposals: page.map((r) => toProposal(r, mine.get(r.proposal_id) ?? null)), next_cursor };
  }

  async stats(me: string, proposalId: string): Promise<ResultOf<'proposal/stats'>> {
    const row = await proposalOrFail(this.ctx, this.ctx.read, proposalId);
    const mine = (await this.ctx.myVotes(this.ctx.read, me, [proposalId])).get(proposalId);
    if (mine === undefined) throw forbidden("vote on this proposal first: its counts are shown only to those who voted");
    const support = Number(row.support);
    const oppose = Number(row.oppose);
    return { proposal_id: row.proposal_id, votes_cast: support + oppose, support, oppose, my_vote: mine };
  }

  // ---- writing --------------------------------------------------------------

  create(me: string, p: ParsedParamsOf<'proposal/create'>): Promise<Proposal> {
    return this.ctx.commit(async (tx) => {
      const { proposal, pushes } = await this.open(tx, me, { kind: 'general', title: p.title, description: p.description, issuance_id: null });
      return { result: proposal, pushes };
    });
  }

  /**
   * Inside a writer job (proposal/create, and the economy's issuance
   * applications through GovernanceLink): a new open proposal, if its author
   * is within its bound of proposals still on their way; stages proposal.created.
   */
  async open(
    tx: Sql,
    author: string,
    p: { kind: 'general' | 'asset_issue'; title: string; description: string; issuance_id: string | null },
  ): Promise<{ proposal: Proposal; pushes: StagedPush[] }> {
    const max = this.ctx.cfg.maxOpenProposals;
    const counted = await tx.get(
      this.ctx.db
        .selectFrom('proposals')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('author_id', '=', author)
        .where('status', 'in', [...OPEN_STATUSES])
        .compile(),
    );
    const open = Number(counted?.n ?? 0);
    if (open >= max) {
      throw new HubError(
        ErrorCode.Conflict,
        `you have ${open} proposals open, deliberating or approved, the most one agent may have (governance/rules max_open_proposals); wait until one is decided or closed`,
        { limit: max, open },
      );
    }
    const now = Date.now();
    const row: ProposalsTable = {
      proposal_id: newProposalId(),
      kind: p.kind,
      title: p.title,
      description: p.description,
      author_id: author,
      status: 'open',
      support: 0,
      oppose: 0,
      issuance_id: p.issuance_id,
      deliberation_id: null,
      result: null,
      created_at: now,
      updated_at: now,
    };
    await tx.run(this.ctx.db.insertInto('proposals').values(row).compile());
    const proposal = toProposal(row, null);
    return { proposal, pushes: await this.ctx.notices.proposalCreated(tx, proposal) };
  }

  vote(me: string, p: ParsedParamsOf<'proposal/vote'>): Promise<Proposal> {
    return this.ctx.commit(async (tx) => {
      const row = await proposalOrFail(this.ctx, tx, p.proposal_id);
      refuse(proposalRefusal('vote', row.status as Proposal['status'], rolesOf(me, { authorId: row.author_id, committee: undefined })));
      const voted = await tx.get(
        this.ctx.db.selectFrom('proposal_votes').select('support').where('proposal_id', '=', p.proposal_id).where('voter_id', '=', me).compile(),
      );
      if (voted) throw conflict(`you already voted on this proposal (${Number(voted.support) === 1 ? 'for' : 'against'}); a vote is final`);
      const now = Date.now();
      await tx.run(this.ctx.db.insertInto('proposal_votes').values({ proposal_id: p.proposal_id, voter_id: me, support: p.support ? 1 : 0, voted_at: now }).compile());
      const counts = { support: Number(row.support) + (p.support ? 1 : 0), oppose: Number(row.oppose) + (p.support ? 0 : 1) };
      await tx.run(this.ctx.db.updateTable('proposals').set({ ...counts, updated_at: now }).where('proposal_id', '=', p.proposal_id).compile());
      const counted = { ...row, ...counts, updated_at: now };
      const pushes = await this.ctx.notices.proposalVoted(tx, counted, me, p.support);
      // Only an open proposal takes votes, so the vote that passes the rule is the first that does.
      if (passesCommunityVote(counts, this.ctx.cfg.quorum)) pushes.push(...(await startDeliberation(this.ctx, tx, counted, now)));
      const after = await proposalOrFail(this.ctx, tx, p.proposal_id);
      return { result: toProposal(after, p.support), pushes };
    });
  }

  close(me: string, p: ParsedParamsOf<'proposal/close'>): Promise<Proposal> {
    return this.ctx.commit(async (tx) => {
      const row = await proposalOrFail(this.ctx, tx, p.proposal_id);
      const roles = rolesOf(me, { authorId: row.author_id, committee: await this.ctx.standing(tx, me) });
      const { row: after, pushes } = await moveProposal(this.ctx, tx, row, 'close', roles, { reason: p.reason ?? null });
      const mine = (await this.ctx.myVotes(tx, me, [after.proposal_id])).get(after.proposal_id) ?? null;
      return { result: toProposal(after, mine), pushes };
    });
  }
}
