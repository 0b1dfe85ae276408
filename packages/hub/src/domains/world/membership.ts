import { agentStream, type ParsedParamsOf, type ResultOf, type WorldRole } from '@parley/protocol';
import { conflict, forbidden, notFound } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import { oldestFirst } from '../../core/paging.js';
import type { StagedPush } from '../../core/streams.js';
import { respond } from '../../core/unit.js';
import type { WorldsTable } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import type { WorldCandidates } from './candidates.js';
import type { WorldService } from './service.js';

/** How many candidates world/join returns with a successful join. */
const JOIN_CANDIDATES = 20;

/** Getting in and out: join (open, approval, invite), leave, invitations and join requests. */
export class WorldMembership {
  constructor(
    private readonly worlds: WorldService,
    private readonly candidates: WorldCandidates,
  ) {}

  private get db() {
    return this.worlds.db;
  }

  async join(me: string, p: ParsedParamsOf<'world/join'>): Promise<ResultOf<'world/join'>> {
    const { row, role } = await this.worlds.visible(me, p.world_id);
    if (row.status === 'paused') throw conflict('the world is paused: nobody joins until it is resumed');
    if (role) return this.rejoin(me, p, role);
    if (await this.worlds.isBanned(p.world_id, me)) throw forbidden('you are banned from this world');
    const invited = await this.worlds.isInvited(p.world_id, me);
    if (!invited && row.join_policy === 'invite') throw forbidden('this world is invite only: ask its owner or an admin for an invitation');
    if (!invited && row.join_policy === 'approval') return this.requestToJoin(me, row, p.participant_context_text);
    const now = Date.now();
    return this.worlds.writer.run(async (tx) => {
      // Checked again inside the write: a ban that lands between the check above and here wins.
      await this.worlds.assertNotBanned(p.world_id, me, tx);
      await this.addMemberWithin(tx, p.world_id, me, p.participant_context_text, now);
      return await this.joinedWithin(tx, me, p.world_id, 'member');
    });
  }

  /** Joining again as a member replaces what the agent says about itself (and so its candidate ranking). */
  private rejoin(me: string, p: ParsedParamsOf<'world/join'>, role: WorldRole): Promise<ResultOf<'world/join'>> {
    return this.worlds.writer.run(async (tx) => {
      await tx.run(
        this.db
          .updateTable('world_members')
          .set({ participant_context_text: p.participant_context_text })
          .where('world_id', '=', p.world_id)
          .where('agent_id', '=', me)
          .compile(),
      );
      return await this.joinedWithin(tx, me, p.world_id, role);
    });
  }

  /** The answer to a join that let the agent in: its first candidates, ranked in the joining transaction and recorded there. */
  private async joinedWithin(tx: Sql, me: string, worldId: string, role: WorldRole): Promise<ResultOf<'world/join'>> {
    const candidates = await this.candidates.page(tx, me, worldId, JOIN_CANDIDATES, undefined);
    return await respond(tx, { world_id: worldId, status: 'joined', role, candidates });
  }

  /** Makes the agent a member and clears its invitation and request, in the caller's transaction. */
  private async addMemberWithin(tx: Sql, worldId: string, agentId: string, context: string, now: number): Promise<void> {
    await tx.run(
      this.db
        .insertInto('world_members')
        .values({ world_id: worldId, agent_id: agentId, role: 'member', participant_context_text: context, joined_at: now })
        .onConflict((oc) => oc.columns(['world_id', 'agent_id']).doNothing())
        .compile(),
    );
    await tx.run(this.db.deleteFrom('world_invites').where('world_id', '=', worldId).where('agent_id', '=', agentId).compile());
    await tx.run(this.db.deleteFrom('world_join_requests').where('world_id', '=', worldId).where('agent_id', '=', agentId).compile());
    await this.worlds.touchWithin(tx, worldId, now);
  }

  private async requestToJoin(me: string, row: WorldsTable, context: string): Promise<ResultOf<'world/join'>> {
    const worldId = row.world_id;
    const now = Date.now();
    const name = (await this.worlds.agents.namesOf([me])).get(me) ?? null;
    const result: ResultOf<'world/join'> = { world_id: worldId, status: 'requested', role: null, candidates: null };
    // Asking again replaces the context given; only the first request tells the managers, in the transaction that files it.
    await this.worlds.writer.run(
      async (tx) => {
        await this.worlds.assertNotBanned(worldId, me, tx);
        const existing = await tx.get(
          this.db.selectFrom('world_join_requests').select('created_at').where('world_id', '=', worldId).where('agent_id', '=', me).compile(),
        );
        await tx.run(
          this.db
            .insertInto('world_join_requests')
            .values({ world_id: worldId, agent_id: me, participant_context_text: context, created_at: now })
            .onConflict((oc) => oc.columns(['world_id', 'agent_id']).doUpdateSet({ participant_context_text: context }))
            .compile(),
        );
        const data = { world_id: worldId, world_name: row.display_name, agent_id: me, name, participant_context_text: context, requested_at: iso(now) };
        const managers = existing === undefined ? await this.worlds.managerIdsWithin(tx, worldId) : [];
        const pushes: StagedPush[] = [];
        for (const m of managers) pushes.push(await this.worlds.streams.stage(tx, agentStream(m), 'world.join_request', data));
        await respond(tx, result);
        return pushes;
      },
      (pushes) => this.worlds.streams.fanOut(pushes),
    );
    return result;
  }

  async leave(me: string, worldId: string): Promise<ResultOf<'world/leave'>> {
    const { role } = await this.worlds.visible(me, worldId);
    if (role === 'owner') throw conflict('the owner cannot leave its own world');
    // Not a member: withdraws a pending join request, and declines an invitation.
    const tables = role ? (['world_members'] as const) : (['world_join_requests', 'world_invites'] as const);
    return this.worlds.writer.run(async (tx) => {
      let left = 0;
      for (const table of tables) left += await tx.run(this.db.deleteFrom(table).where('world_id', '=', worldId).where('agent_id', '=', me).compile());
      return await respond(tx, { world_id: worldId, left: left > 0 });
    });
  }

  async invite(me: string, p: ParsedParamsOf<'world/invite'>): Promise<ResultOf<'world/invite'>> {
    const { row } = await this.worlds.managed(me, p.world_id);
    if ((await this.worlds.agents.contactPolicyOf(p.agent_id)) === null) throw notFound('agent');
    if (await this.worlds.roleOf(p.world_id, p.agent_id)) return { world_id: p.world_id, agent_id: p.agent_id, status: 'already_member' };
    const now = Date.now();
    const result: ResultOf<'world/invite'> = { world_id: p.world_id, agent_id: p.agent_id, status: 'invited' };
    // The invitation, its push and the answer's record are one transaction.
    await this.worlds.streams.append(
      agentStream(p.agent_id),
      'world.invitation',
      () => ({ world_id: p.world_id, world_name: row.display_name, by: me, invited_at: iso(now) }),
      async (tx) => {
        if (await this.worlds.isBanned(p.world_id, p.agent_id, tx)) throw conflict('that agent is banned from this world; unban it first');
        await tx.run(
          this.db
            .insertInto('world_invites')
            .values({ world_id: p.world_id, agent_id: p.agent_id, by_id: me, created_at: now })
            .onConflict((oc) => oc.columns(['world_id', 'agent_id']).doUpdateSet({ by_id: me, created_at: now }))
            .compile(),
        );
        await respond(tx, result);
      },
    );
    return result;
  }

  /** Oldest first, paged; each carries up to 4,000 characters of context, so pages stop at MAX_PAGE_BYTES too (core/paging). */
  async requests(me: string, p: ParsedParamsOf<'world/requests'>): Promise<ResultOf<'world/requests'>> {
    await this.worlds.managed(me, p.world_id);
    const { page, next_cursor } = await oldestFirst(this.db.selectFrom('world_join_requests').selectAll().where('world_id', '=', p.world_id), 'agent_id', p.limit, p.cursor);
    const names = await this.worlds.agents.namesOf(page.map((r) => r.agent_id));
    return {
      next_cursor,
      requests: page.map((r) => ({
        world_id: r.world_id,
        agent_id: r.agent_id,
        name: names.get(r.agent_id) ?? null,
        participant_context_text: r.participant_context_text,
        requested_at: iso(Number(r.created_at)),
      })),
    };
  }

  async decide(me: string, p: ParsedParamsOf<'world/approve'>, approved: boolean): Promise<ResultOf<'world/approve'>> {
    const { row } = await this.worlds.managed(me, p.world_id);
    const now = Date.now();
    const result: ResultOf<'world/approve'> = { world_id: p.world_id, agent_id: p.agent_id, status: approved ? 'approved' : 'rejected' };
    // The decision, the requester's push and the answer's record are one transaction; a request decided meanwhile is not_found.
    await this.worlds.streams.append(
      agentStream(p.agent_id),
      'world.join_decision',
      () => ({ world_id: p.world_id, world_name: row.display_name, approved, by: me, decided_at: iso(now) }),
      async (tx) => {
        const pending = await tx.get(
          this.db
            .selectFrom('world_join_requests')
            .select('participant_context_text')
            .where('world_id', '=', p.world_id)
            .where('agent_id', '=', p.agent_id)
            .compile(),
        );
        if (!pending) throw notFound('join request');
        if (approved) await this.addMemberWithin(tx, p.world_id, p.agent_id, pending.participant_context_text, now);
        else await tx.run(this.db.deleteFrom('world_join_requests').where('world_id', '=', p.world_id).where('agent_id', '=', p.agent_id).compile());
        await respond(tx, result);
      },
    );
    return result;
  }
}
