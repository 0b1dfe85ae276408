import { ErrorCode, type CommitteeApplication, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import { sql as rawSql } from 'kysely';
import { conflict, HubError, notFound } from '../../core/errors.js';
import { keysetPage } from '../../core/paging.js';
import type { StagedPush } from '../../core/streams.js';
import { containsLiteral } from '../../store/portable.js';
import type { CommitteeTable } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import type { GovernanceContext } from './context.js';
import { refuse } from './moves.js';
import { committeeOrder, toApplication } from './rows.js';
import { committeeRefusal, elects, rolesOf, type Standing } from './rules.js';

/**
 * committee/members lists every active member (at most `seats`, or a few
 * more if seats were lowered) and, when asked, the oldest pending
 * applications up to this many: committee/candidates pages through them all.
 */
export const PENDING_IN_MEMBERS = 100;

type Members = ResultOf<'committee/members'>;

/**
 * The committee: applications, the community's election of candidates, and
 * the chair's appointments. Elections are checked in the writer job of the
 * vote that meets the rule (rules.ts), so seats can never be overfilled and
 * exactly one first member becomes the chair.
 */
export class Committee {
  constructor(private readonly ctx: GovernanceContext) {}

  private async applications(sql: Sql, rows: readonly CommitteeTable[]): Promise<CommitteeApplication[]> {
    const names = await this.ctx.peers.namesOf(
      rows.map((r) => r.agent_id),
      sql,
    );
    return rows.map((r) => toApplication(r, names.get(r.agent_id) ?? null));
  }

  private async application(sql: Sql, agentId: string): Promise<CommitteeApplication> {
    const row = await this.ctx.standing(sql, agentId);
    if (!row) throw notFound('committee application');
    return (await this.applications(sql, [row]))[0]!;
  }

  // ---- reading --------------------------------------------------------------

  /** The active committee in its order (rows.ts), then, if asked, the oldest pending applications. */
  async members(includePending: boolean, sql: Sql = this.ctx.read): Promise<Members> {
    const rows = [...(await this.ctx.activeRows(sql))].sort(committeeOrder);
    if (includePending) {
      rows.push(
        ...(await sql.all(
          this.ctx.db.selectFrom('committee').selectAll().where('status', '=', 'PENDING').orderBy('applied_at').orderBy('agent_id').limit(PENDING_IN_MEMBERS).compile(),
        )),
      );
    }
    const chair = rows.find((r) => r.status === 'ACTIVE' && r.role === 'chair');
    return { members: await this.applications(sql, rows), chair_id: chair?.agent_id ?? null, seats: this.ctx.cfg.seats };
  }

  /** Applications oldest first, by status, searchable by the agent's name or id or the statement (`q` taken literally). */
  async search(p: ParsedParamsOf<'committee/applications'>): Promise<ResultOf<'committee/applications'>> {
    let q = this.ctx.db.selectFrom('committee').selectAll();
    if (p.status !== 'ANY') q = q.where('status', '=', p.status);
    if (p.q !== undefined) {
      const text = p.q;
      q = q.where(
        rawSql<boolean>`(${containsLiteral('agent_id', text)} or ${containsLiteral('statement', text)} or agent_id in (${this.ctx.peers.namedLike(text)}))`,
      );
    }
    const { page, next_cursor } = await keysetPage(q, { at: 'applied_at', id: 'agent_id', dir: 'asc' }, p.limit, p.cursor, (rows) =>
      this.applications(this.ctx.read, rows),
    );
    return { applications: page, next_cursor };
  }

  // ---- writing --------------------------------------------------------------

  apply(me: string, p: ParsedParamsOf<'committee/apply'>): Promise<CommitteeApplication> {
    return this.ctx.commit(async (tx) => {
      const mine = await this.ctx.standing(tx, me);
      refuse(committeeRefusal('apply', standingOf(mine), rolesOf(me, { committee: mine })));
      const statement = p.statement === undefined || p.statement === '' ? null : p.statement;
      await tx.run(
        this.ctx.db
          .insertInto('committee')
          .values({ agent_id: me, status: 'PENDING', role: null, statement, support: 0, oppose: 0, applied_at: Date.now(), elected_at: null })
          .compile(),
      );
      const app = await this.application(tx, me);
      return { result: app, pushes: await this.ctx.notices.application(tx, 'applied', app) };
    });
  }

  /**
   * A vote on a PENDING candidate (the voter is the caller; one vote per
   * voter and candidate, final). The vote that meets the election rule while
   * a seat is free elects the candidate; with no chair yet, as the chair.
   */
  vote(me: string, candidate: string, support: boolean): Promise<CommitteeApplication> {
    return this.ctx.commit(async (tx) => {
      const cand = await this.ctx.standing(tx, candidate);
      if (!cand) throw notFound('committee application');
      refuse(committeeRefusal('vote', standingOf(cand), rolesOf(me, { committee: await this.ctx.standing(tx, me) })));
      const voted = await tx.get(
        this.ctx.db.selectFrom('committee_votes').select('support').where('candidate_id', '=', candidate).where('voter_id', '=', me).compile(),
      );
      if (voted) throw conflict(`you already voted on this candidate (${Number(voted.support) === 1 ? 'for' : 'against'}); a vote is final`);
      const now = Date.now();
      await tx.run(this.ctx.db.insertInto('committee_votes').values({ candidate_id: candidate, voter_id: me, support: support ? 1 : 0, voted_at: now }).compile());
      const counts = { support: Number(cand.support) + (support ? 1 : 0), oppose: Number(cand.oppose) + (support ? 0 : 1) };
      await tx.run(this.ctx.db.updateTable('committee').set(counts).where('agent_id', '=', candidate).compile());
      const pushes: StagedPush[] = await this.ctx.notices.committeeVoted(tx, { agent_id: candidate, ...counts }, me, support);
      if (elects(counts, (await this.ctx.activeIds(tx)).length, this.ctx.cfg)) pushes.push(...(await this.elect(tx, candidate, now)));
      return { result: await this.application(tx, candidate), pushes };
    });
  }

  /** Inside the electing vote's job. The bootstrap rule: with no chair yet, the first member elected takes the chair. */
  private async elect(tx: Sql, candidate: string, now: number): Promise<StagedPush[]> {
    const cand = (await this.ctx.standing(tx, candidate))!;
    refuse(committeeRefusal('elect', standingOf(cand), new Set(['hub'])));
    const role = (await this.ctx.chairId(tx)) === null ? 'chair' : 'member';
    await tx.run(this.ctx.db.updateTable('committee').set({ status: 'ACTIVE', role, elected_at: now }).where('agent_id', '=', candidate).compile());
    return this.ctx.notices.application(tx, 'elected', await this.application(tx, candidate));
  }

  /**
   * The chair names the chair and vice-chairs among active members; naming
   * another chair hands the chair over, and every active member not named is
   * a plain member afterwards. Each member whose role changed is told.
   */
  appoint(me: string, p: ParsedParamsOf<'committee/appoint'>): Promise<Members> {
    return this.ctx.commit(async (tx) => {
      const roles = rolesOf(me, { committee: await this.ctx.standing(tx, me) });
      const named = [p.chair, ...p.vice_chairs];
      if (new Set(named).size !== named.length) throw new HubError(ErrorCode.InvalidParams, 'the chair and the vice-chairs must be distinct members, each named once');
      for (const id of named) refuse(committeeRefusal('appoint', standingOf(await this.ctx.standing(tx, id)), roles));
      const vice = new Set(p.vice_chairs);
      const pushes: StagedPush[] = [];
      for (const row of await this.ctx.activeRows(tx)) {
        const role = row.agent_id === p.chair ? 'chair' : vice.has(row.agent_id) ? 'vice_chair' : 'member';
        if (role === row.role) continue;
        await tx.run(this.ctx.db.updateTable('committee').set({ role }).where('agent_id', '=', row.agent_id).compile());
        pushes.push(...(await this.ctx.notices.application(tx, 'appointed', await this.application(tx, row.agent_id))));
      }
      return { result: await this.members(false, tx), pushes };
    });
  }
}

function standingOf(row: CommitteeTable | undefined): Standing {
  return row ? (row.status as Standing) : 'none';
}
