import type { Deliberation, DeliberationStatus, ParsedParamsOf, ResultOf } from '@parley/protocol';
import { sql as rawSql } from 'kysely';
import { conflict, notFound } from '../../core/errors.js';
import { keysetPage } from '../../core/paging.js';
import type { StagedPush } from '../../core/streams.js';
import type { DeliberationsTable } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import type { GovernanceContext } from './context.js';
import { moveProposal, proposalOrFail, refuse } from './moves.js';
import { decide, DELIBERATION_RULES, deliberationRefusal, rolesOf, TALLY_COLUMN } from './rules.js';

/**
 * The committee's deliberation of proposals the community passed: members'
 * votes with reasons, the decision after each vote (rules.ts `decide`), and
 * the chair's execution. A decision moves the proposal in the same job.
 */
export class Deliberations {
  constructor(private readonly ctx: GovernanceContext) {}

  private async rowOrFail(sql: Sql, deliberationId: string): Promise<DeliberationsTable> {
    const row = await this.ctx.deliberationRow(sql, deliberationId);
    if (!row) throw notFound('deliberation');
    return row;
  }

  private async view(sql: Sql, deliberationId: string, viewer: string): Promise<Deliberation> {
    return (await this.ctx.deliberations(sql, [await this.rowOrFail(sql, deliberationId)], viewer))[0]!;
  }

  // ---- reading --------------------------------------------------------------

  get(me: string, deliberationId: string): Promise<Deliberation> {
    return this.view(this.ctx.read, deliberationId, me);
  }

  /**
   * Newest first. `only_pending`: those still taking votes, which leaves out a
   * pending deliberation whose proposal was closed. Paged by bytes of the
   * deliberations as sent (with their votes and reasons, where shown).
   */
  async list(me: string, p: ParsedParamsOf<'deliberation/list'>): Promise<ResultOf<'deliberation/list'>> {
    let q = this.ctx.db.selectFrom('deliberations').selectAll();
    if (p.only_pending) {
      q = q.where('status', '=', 'pending').where(rawSql<boolean>`proposal_id in (select proposal_id from proposals where status = 'deliberating')`);
    }
    const { page, next_cursor } = await keysetPage(q, { at: 'started_at', id: 'deliberation_id', dir: 'desc' }, p.limit, p.cursor, (rows) =>
      this.ctx.deliberations(this.ctx.read, rows, me),
    );
    return { deliberations: page, next_cursor };
  }

  // ---- writing --------------------------------------------------------------

  /**
   * An active member's vote, with its reason (one each, final). Then the
   * decision rule: approved or rejected moves the deliberation and its
   * proposal in this same job. Told: deliberation.voted (public; direct to
   * active members and the author), then proposal.status if it was decided.
   */
  vote(me: string, p: ParsedParamsOf<'deliberation/vote'>): Promise<Deliberation> {
    return this.ctx.commit(async (tx) => {
      const d = await this.rowOrFail(tx, p.deliberation_id);
      const proposal = await proposalOrFail(this.ctx, tx, d.proposal_id);
      const roles = rolesOf(me, { authorId: proposal.author_id, committee: await this.ctx.standing(tx, me) });
      refuse(deliberationRefusal('vote', d.status as DeliberationStatus, roles));
      if (proposal.status !== 'deliberating') throw conflict(`its proposal is ${proposal.status}: the deliberation takes no more votes`);
      const voted = await tx.get(
        this.ctx.db.selectFrom('deliberation_votes').select('choice').where('deliberation_id', '=', d.deliberation_id).where('member_id', '=', me).compile(),
      );
      if (voted) throw conflict(`you already voted in this deliberation (${voted.choice}); a vote is final`);
      const now = Date.now();
      await tx.run(
        this.ctx.db.insertInto('deliberation_votes').values({ deliberation_id: d.deliberation_id, member_id: me, choice: p.choice, reason: p.reason, voted_at: now }).compile(),
      );
      const column = TALLY_COLUMN[p.choice];
      const tally = { approve: Number(d.approve), reject: Number(d.reject), abstain: Number(d.abstain), seats: Number(d.seats) };
      tally[column] += 1;
      const outcome = decide(tally);
      await tx.run(
        this.ctx.db
          .updateTable('deliberations')
          .set({ [column]: tally[column], ...(outcome ? { status: DELIBERATION_RULES[outcome === 'approved' ? 'approve' : 'reject'].to, decided_at: now } : {}) })
          .where('deliberation_id', '=', d.deliberation_id)
          .compile(),
      );
      const counted = await this.view(tx, d.deliberation_id, me);
      const concerned = [...(await this.ctx.activeIds(tx)), proposal.author_id];
      const pushes: StagedPush[] = await this.ctx.notices.deliberationVoted(tx, counted, { member_id: me, choice: p.choice, reason: p.reason }, concerned);
      if (outcome) {
        const moved = await moveProposal(this.ctx, tx, proposal, outcome === 'approved' ? 'approve' : 'reject', new Set(['hub']), { now });
        pushes.push(...moved.pushes);
      }
      return { result: counted, pushes };
    });
  }

  /** deliberation/execute: the chair records how an approved (general) proposal was carried out. */
  execute(me: string, p: ParsedParamsOf<'deliberation/execute'>): Promise<Deliberation> {
    return this.ctx.commit(async (tx) => {
      const pushes = await this.executeIn(tx, p.deliberation_id, me, p.result, 'general');
      return { result: await this.view(tx, p.deliberation_id, me), pushes };
    });
  }

  /**
   * Inside a writer job: the chair's execution of an approved deliberation;
   * the deliberation and its proposal become executed, with `result`. `kind`
   * is the kind of proposal this path executes: asset issuances are executed
   * only by the economy (asset/issue, through GovernanceLink), everything else
   * only by deliberation/execute.
   */
  async executeIn(tx: Sql, deliberationId: string, chairId: string, result: string, kind: 'general' | 'asset_issue'): Promise<StagedPush[]> {
    const d = await this.rowOrFail(tx, deliberationId);
    const proposal = await proposalOrFail(this.ctx, tx, d.proposal_id);
    const roles = rolesOf(chairId, { authorId: proposal.author_id, committee: await this.ctx.standing(tx, chairId) });
    // Who first, then which path, then the status: the chair asking for the wrong path learns the right one.
    const no = deliberationRefusal('execute', d.status as DeliberationStatus, roles);
    if (no?.code === 'forbidden') refuse(no);
    if (proposal.kind !== kind) {
      throw conflict(proposal.kind === 'asset_issue' ? 'this proposal is an asset issuance: issue it with asset/issue' : 'only an asset issuance is executed by asset/issue');
    }
    refuse(no);
    const now = Date.now();
    await tx.run(
      this.ctx.db
        .updateTable('deliberations')
        .set({ status: DELIBERATION_RULES.execute.to, result, executed_by: chairId, executed_at: now })
        .where('deliberation_id', '=', deliberationId)
        .compile(),
    );
    return (await moveProposal(this.ctx, tx, proposal, 'execute', roles, { reason: result, now })).pushes;
  }
}
