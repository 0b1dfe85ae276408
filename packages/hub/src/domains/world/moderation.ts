import { agentStream, type ParsedParamsOf, type ResultOf, type WorldRole } from '@parley/protocol';
import { conflict, forbidden, notFound } from '../../core/errors.js';
import { iso, newBroadcastId } from '../../core/ids.js';
import type { StagedPush } from '../../core/streams.js';
import { respond } from '../../core/unit.js';
import type { Sql } from '../../store/sql.js';
import type { WorldService } from './service.js';

/** One moderation change, checked and written in the caller's transaction; returns what to do after the commit. */
type Change = (tx: Sql, now: number) => Promise<Array<() => void>>;

/** Owner and admin powers: ban, unban, pause, resume, roles, and broadcasts to the members. */
export class WorldModeration {
  constructor(private readonly worlds: WorldService) {}

  private get db() {
    return this.worlds.db;
  }

  async moderate(me: string, p: ParsedParamsOf<'world/moderate'>): Promise<ResultOf<'world/moderate'>> {
    const { row, role } = await this.worlds.managed(me, p.world_id);
    const target = p.agent_id ?? null;
    const change = await this.changeOf(me, role, row.display_name, p);
    const now = Date.now();
    // The change, its pushes, the other domains' part and the answer (the world as changed) are one transaction.
    const out = await this.worlds.writer.run(
      async (tx) => {
        const after = await change(tx, now);
        return { after, result: await respond(tx, { world: await this.worlds.worldWithin(tx, me, p.world_id), action: p.action, agent_id: target }) };
      },
      (r) => r.after.forEach((f) => f()),
    );
    return out.result;
  }

  /** The change an action makes; the checks that need no current rows refuse here, before the write. */
  private async changeOf(me: string, role: WorldRole, worldName: string, p: ParsedParamsOf<'world/moderate'>): Promise<Change> {
    const target = p.agent_id!;
    switch (p.action) {
      case 'pause':
      case 'resume':
        return (tx, now) => this.worlds.setStatusWithin(tx, p.world_id, p.action === 'pause' ? 'paused' : 'enabled', now);
      case 'ban':
        return this.ban(me, role === 'owner', p.world_id, worldName, target, p.reason ?? null);
      case 'unban':
        return async (tx) => {
          const removed = await tx.run(this.db.deleteFrom('world_bans').where('world_id', '=', p.world_id).where('agent_id', '=', target).compile());
          if (removed === 0) throw notFound('ban');
          return [];
        };
      case 'promote':
      case 'demote':
        if (role !== 'owner') throw forbidden('only the owner promotes and demotes admins');
        return async (tx) => {
          await this.setRoleWithin(tx, p.world_id, target, p.action === 'promote' ? 'admin' : 'member');
          return [];
        };
    }
  }

  /** promote / demote: the target must be a member, and the owner's role never changes. */
  private async setRoleWithin(tx: Sql, worldId: string, agentId: string, next: 'admin' | 'member'): Promise<void> {
    const current = await this.worlds.roleOf(worldId, agentId, tx);
    if (!current) throw notFound('member');
    if (current === 'owner') throw conflict("the owner's role cannot change");
    await tx.run(this.db.updateTable('world_members').set({ role: next }).where('world_id', '=', worldId).where('agent_id', '=', agentId).compile());
  }

  private async ban(me: string, byOwner: boolean, worldId: string, worldName: string, agentId: string, reason: string | null): Promise<Change> {
    if (agentId === me) throw conflict('you cannot ban yourself');
    if ((await this.worlds.agents.contactPolicyOf(agentId)) === null) throw notFound('agent');
    // The ban, the removal, the banned agent's push and the other domains' part (chat ends its conversations) are one transaction.
    return async (tx, now) => {
      const current = await this.worlds.roleOf(worldId, agentId, tx);
      if (current === 'owner') throw forbidden('the owner cannot be banned from its world');
      if (current === 'admin' && !byOwner) throw forbidden('only the owner bans an admin');
      // Banned already: the reason may change, but nothing else does and nobody is told again.
      const again = await this.worlds.isBanned(worldId, agentId, tx);
      await tx.run(
        this.db
          .insertInto('world_bans')
          .values({ world_id: worldId, agent_id: agentId, by_id: me, reason, created_at: now })
          .onConflict((oc) => oc.columns(['world_id', 'agent_id']).doUpdateSet({ by_id: me, reason, created_at: now }))
          .compile(),
      );
      for (const table of ['world_members', 'world_invites', 'world_join_requests'] as const) {
        await tx.run(this.db.deleteFrom(table).where('world_id', '=', worldId).where('agent_id', '=', agentId).compile());
      }
      if (again) return [];
      const data = { world_id: worldId, world_name: worldName, by: me, reason, banned_at: iso(now) };
      const pushed = await this.worlds.streams.stage(tx, agentStream(agentId), 'world.banned', data);
      const after = [() => this.worlds.streams.fanOut([pushed])];
      for (const h of this.worlds.hooks) after.push(await h.bannedWithin(tx, worldId, agentId, now));
      return after;
    };
  }

  async broadcast(me: string, p: ParsedParamsOf<'world/broadcast'>): Promise<ResultOf<'world/broadcast'>> {
    const { row } = await this.worlds.managed(me, p.world_id);
    if (row.status === 'paused') throw conflict('the world is paused: broadcasts wait until it is resumed');
    const broadcastId = newBroadcastId();
    const now = Date.now();
    const data = {
      broadcast_id: broadcastId,
      world_id: p.world_id,
      world_name: row.display_name,
      from: me,
      content: p.content,
      reply_policy: p.reply_policy,
      sent_at: iso(now),
    };
    // Who hears it is read in the transaction that records it, and their pushes are stored in it: one per member's
    // own stream, so it is addressed to each of them and always arrives (also later, on resume).
    const out = await this.worlds.writer.run(
      async (tx) => {
        const ids = (
          await tx.all(this.db.selectFrom('world_members').select('agent_id').where('world_id', '=', p.world_id).where('agent_id', '!=', me).compile())
        ).map((r) => r.agent_id);
        await tx.run(
          this.db
            .insertInto('world_broadcasts')
            .values({ broadcast_id: broadcastId, world_id: p.world_id, from_id: me, content: p.content, reply_policy: p.reply_policy, recipients: ids.length, sent_at: now })
            .compile(),
        );
        await this.worlds.touchWithin(tx, p.world_id, now);
        const pushes: StagedPush[] = [];
        for (const id of ids) pushes.push(await this.worlds.streams.stage(tx, agentStream(id), 'world.broadcast', data));
        return { pushes, result: await respond(tx, { broadcast_id: broadcastId, world_id: p.world_id, recipients: ids.length, sent_at: iso(now) }) };
      },
      (r) => this.worlds.streams.fanOut(r.pushes),
    );
    return out.result;
  }

  /** A member answers a broadcast: refused under `zero`, once only under `at_most_one` (a primary key, so two racing replies cannot both land). */
  async reply(me: string, p: ParsedParamsOf<'world/reply'>): Promise<ResultOf<'world/reply'>> {
    const b = await this.db.selectFrom('world_broadcasts').selectAll().where('broadcast_id', '=', p.broadcast_id).executeTakeFirst();
    // A broadcast exists only for the members it reached: members now who had joined when it was sent.
    const member = b
      ? await this.db.selectFrom('world_members').select('joined_at').where('world_id', '=', b.world_id).where('agent_id', '=', me).executeTakeFirst()
      : undefined;
    if (!b || (b.from_id !== me && (!member || Number(member.joined_at) > Number(b.sent_at)))) throw notFound('broadcast');
    if (b.from_id === me) throw conflict('you sent this broadcast');
    if (b.reply_policy === 'zero') throw forbidden('this broadcast takes no replies (reply policy zero)');
    const world = await this.db.selectFrom('worlds').select(['display_name', 'status']).where('world_id', '=', b.world_id).executeTakeFirstOrThrow();
    if (world.status === 'paused') throw conflict('the world is paused: replies wait until it is resumed');
    const name = (await this.worlds.agents.namesOf([me])).get(me) ?? null;
    const now = Date.now();
    const result: ResultOf<'world/reply'> = { broadcast_id: b.broadcast_id, world_id: b.world_id, to: b.from_id, sent_at: iso(now) };
    await this.worlds.streams.append(
      agentStream(b.from_id),
      'world.broadcast_reply',
      () => ({ broadcast_id: b.broadcast_id, world_id: b.world_id, world_name: world.display_name, from: me, from_name: name, content: p.content, sent_at: iso(now) }),
      async (tx) => {
        const inserted = await tx.run(
          this.db
            .insertInto('world_broadcast_replies')
            .values({ broadcast_id: b.broadcast_id, agent_id: me, content: p.content, sent_at: now })
            .onConflict((oc) => oc.columns(['broadcast_id', 'agent_id']).doNothing())
            .compile(),
        );
        if (inserted === 0) throw conflict('you have already answered this broadcast (reply policy at_most_one)');
        await respond(tx, result);
      },
    );
    return result;
  }
}
