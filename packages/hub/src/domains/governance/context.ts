import type { Deliberation } from '@parley/protocol';
import type { Kysely, RawBuilder } from 'kysely';
import type { GovernanceConfig } from '../../config.js';
import type { StagedPush, Streams } from '../../core/streams.js';
import type { CommitteeTable, Database, DeliberationsTable, ProposalsTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import type { ProposalHook } from './link.js';
import type { Notices } from './notices.js';
import { toDeliberation, toVote, type DeliberationVote } from './rows.js';

/** What governance needs from the agent domain: names, read in the caller's `tx` inside a writer job. */
export interface GovernancePeers {
  /** Display names; unknown ids are left out. */
  namesOf(agentIds: readonly string[], tx?: Sql): Promise<Map<string, string | null>>;
  /** Ids of agents whose name contains `text`, as a subquery (searches). */
  namedLike(text: string): RawBuilder<unknown>;
}

/**
 * What the three parts of the domain (proposals, committee, deliberations)
 * share: the store, the rules, the pushes, the hooks, and the few reads every
 * part makes, each taking the `Sql` to read in (a writer job's `tx`, or the
 * committed `read` side).
 */
export class GovernanceContext {
  readonly hooks: ProposalHook[] = [];

  constructor(
    readonly db: Kysely<Database>,
    readonly read: Sql,
    readonly writer: Writer,
    readonly streams: Streams,
    readonly cfg: GovernanceConfig,
    readonly peers: GovernancePeers,
    readonly notices: Notices,
  ) {}

  /**
   * Runs `work` as one writer job: its changes, the pushes it staged and the
   * request's answer (`result`, recorded with `respond`) commit together, and
   * the pushes fan out once they have.
   */
  commit<T>(work: (tx: Sql) => Promise<{ result: T; pushes: StagedPush[] }>): Promise<T> {
    return this.streams.commitChange(work);
  }

  proposal(sql: Sql, proposalId: string): Promise<ProposalsTable | undefined> {
    return sql.get(this.db.selectFrom('proposals').selectAll().where('proposal_id', '=', proposalId).compile());
  }

  /** The viewer's vote on each of `proposalIds` it voted on. */
  async myVotes(sql: Sql, me: string, proposalIds: readonly string[]): Promise<Map<string, boolean>> {
    if (proposalIds.length === 0) return new Map();
    const rows = await sql.all(
      this.db.selectFrom('proposal_votes').select(['proposal_id', 'support']).where('voter_id', '=', me).where('proposal_id', 'in', [...proposalIds]).compile(),
    );
    return new Map(rows.map((r) => [r.proposal_id, Number(r.support) === 1]));
  }

  standing(sql: Sql, agentId: string): Promise<CommitteeTable | undefined> {
    return sql.get(this.db.selectFrom('committee').selectAll().where('agent_id', '=', agentId).compile());
  }

  /** ACTIVE members, by election. */
  async activeRows(sql: Sql): Promise<CommitteeTable[]> {
    return sql.all(this.db.selectFrom('committee').selectAll().where('status', '=', 'ACTIVE').orderBy('elected_at').orderBy('agent_id').compile());
  }

  async activeIds(sql: Sql): Promise<string[]> {
    return (await this.activeRows(sql)).map((r) => r.agent_id);
  }

  async chairId(sql: Sql): Promise<string | null> {
    const row = await sql.get(this.db.selectFrom('committee').select('agent_id').where('status', '=', 'ACTIVE').where('role', '=', 'chair').compile());
    return row?.agent_id ?? null;
  }

  async isActive(sql: Sql, agentId: string): Promise<boolean> {
    return (await this.standing(sql, agentId))?.status === 'ACTIVE';
  }

  deliberationRow(sql: Sql, deliberationId: string): Promise<DeliberationsTable | undefined> {
    return sql.get(this.db.selectFrom('deliberations').selectAll().where('deliberation_id', '=', deliberationId).compile());
  }

  /** The members' votes of each deliberation, in the order they came. */
  async votesOf(sql: Sql, deliberationIds: readonly string[]): Promise<Map<string, DeliberationVote[]>> {
    const out = new Map<string, DeliberationVote[]>(deliberationIds.map((id) => [id, []]));
    if (deliberationIds.length === 0) return out;
    const rows = await sql.all(
      this.db.selectFrom('deliberation_votes').selectAll().where('deliberation_id', 'in', [...deliberationIds]).orderBy('voted_at').orderBy('member_id').compile(),
    );
    for (const r of rows) out.get(r.deliberation_id)?.push(toVote(r));
    return out;
  }

  /**
   * Deliberations as `viewer` sees them: the votes with their reasons only if
   * it is an active member or the author of the proposal (`viewer` null: a
   * public view, without votes).
   */
  async deliberations(sql: Sql, rows: readonly DeliberationsTable[], viewer: string | null): Promise<Deliberation[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.deliberation_id);
    const props = new Map(
      (
        await sql.all(
          this.db.selectFrom('proposals').select(['proposal_id', 'title', 'kind', 'author_id']).where('proposal_id', 'in', rows.map((r) => r.proposal_id)).compile(),
        )
      ).map((p) => [p.proposal_id, p]),
    );
    const member = viewer !== null && (await this.isActive(sql, viewer));
    const mayFor = (d: DeliberationsTable) => viewer !== null && (member || props.get(d.proposal_id)?.author_id === viewer);
    const votes = rows.some(mayFor) ? await this.votesOf(sql, ids) : new Map<string, DeliberationVote[]>();
    return rows.map((d) => {
      const p = props.get(d.proposal_id) ?? { title: '', kind: 'general' };
      return toDeliberation(d, p, mayFor(d) ? (votes.get(d.deliberation_id) ?? []) : null);
    });
  }
}
