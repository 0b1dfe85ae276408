import { agentStream, type BlacklistEntry, type MemberRole, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import { conflict, forbidden, notFound } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import { newestFirst, oldestFirst } from '../../core/paging.js';
import type { TopicBlacklistTable } from '../../store/schema.js';
import { respond } from '../../core/unit.js';
import type { TopicService } from './service.js';

function toEntry(r: TopicBlacklistTable): BlacklistEntry {
  return {
    topic_id: r.topic_id,
    agent_id: r.agent_id,
    reason: r.reason,
    by: r.by_id,
    created_at: iso(Number(r.created_at)),
    expires_at: r.expires_at === null ? null : iso(Number(r.expires_at)),
  };
}

/** Who gets in and who stays out: invitations, join requests, roles and the blacklist. Owner and admins only. */
export class TopicModeration {
  constructor(private readonly topics: TopicService) {}

  private get db() {
    return this.topics.db;
  }

  async invite(me: string, p: ParsedParamsOf<'topic/invite'>): Promise<ResultOf<'topic/invite'>> {
    const { row } = await this.topics.managed(me, p.topic_id);
    if ((await this.topics.agents.contactPolicyOf(p.agent_id)) === null) throw notFound('agent');
    if (await this.topics.roleOf(p.topic_id, p.agent_id)) return { topic_id: p.topic_id, agent_id: p.agent_id, status: 'already_member' };
    if (await this.topics.barredUntil(p.topic_id, p.agent_id)) throw conflict('that agent is barred from this topic; lift the bar first');
    const now = Date.now();
    const result = { topic_id: p.topic_id, agent_id: p.agent_id, status: 'invited' as const };
    // The invitation and its push are one transaction.
    await this.topics.streams.append(
      agentStream(p.agent_id),
      'topic.invitation',
      () => ({ topic_id: p.topic_id, topic_name: row.name, by: me, invited_at: iso(now) }),
      async (tx) => {
        await tx.run(
          this.db
            .insertInto('topic_invites')
            .values({ topic_id: p.topic_id, agent_id: p.agent_id, by_id: me, created_at: now })
            .onConflict((oc) => oc.columns(['topic_id', 'agent_id']).doUpdateSet({ by_id: me, created_at: now }))
            .compile(),
        );
        await respond(tx, result);
      },
    );
    return result;
  }

  async requests(me: string, p: ParsedParamsOf<'topic/requests'>): Promise<ResultOf<'topic/requests'>> {
    await this.topics.managed(me, p.topic_id);
    const { page, next_cursor } = await oldestFirst(this.db.selectFrom('topic_join_requests').selectAll().where('topic_id', '=', p.topic_id), 'agent_id', p.limit, p.cursor);
    const names = await this.topics.agents.namesOf(page.map((r) => r.agent_id));
    return {
      requests: page.map((r) => ({ topic_id: r.topic_id, agent_id: r.agent_id, name: names.get(r.agent_id) ?? null, requested_at: iso(Number(r.created_at)) })),
      next_cursor,
    };
  }

  async decide(me: string, p: ParsedParamsOf<'topic/approve'>, approved: boolean): Promise<ResultOf<'topic/approve'>> {
    const { row } = await this.topics.managed(me, p.topic_id);
    const pending = await this.db
      .selectFrom('topic_join_requests')
      .select('agent_id')
      .where('topic_id', '=', p.topic_id)
      .where('agent_id', '=', p.agent_id)
      .executeTakeFirst();
    if (!pending) throw notFound('join request');
    if (approved && (await this.topics.barredUntil(p.topic_id, p.agent_id))) throw conflict('that agent is barred from this topic; lift the bar first');
    const result = { topic_id: p.topic_id, agent_id: p.agent_id, status: approved ? ('approved' as const) : ('rejected' as const) };
    // The decision, its effect and the requester's push are one transaction.
    await this.topics.streams.append(
      agentStream(p.agent_id),
      'topic.join_decision',
      (_seq, ts) => ({ topic_id: p.topic_id, topic_name: row.name, approved, by: me, decided_at: iso(ts) }),
      async (tx) => {
        if (approved) await this.topics.addMemberWithin(tx, p.agent_id, p.topic_id);
        else await tx.run(this.db.deleteFrom('topic_join_requests').where('topic_id', '=', p.topic_id).where('agent_id', '=', p.agent_id).compile());
        await respond(tx, result);
      },
    );
    return result;
  }

  async setRole(me: string, p: ParsedParamsOf<'topic/role/set'>): Promise<ResultOf<'topic/role/set'>> {
    const { role } = await this.topics.visible(me, p.topic_id);
    if (role !== 'owner') throw forbidden('only the owner changes roles');
    const current = await this.topics.roleOf(p.topic_id, p.agent_id);
    if (!current) throw notFound('member');
    if (current === 'owner') throw conflict("the owner's role cannot change");
    return this.topics.writer.run(async (tx) => {
      await tx.run(this.db.updateTable('topic_members').set({ role: p.role }).where('topic_id', '=', p.topic_id).where('agent_id', '=', p.agent_id).compile());
      return await respond(tx, { topic_id: p.topic_id, agent_id: p.agent_id, role: p.role as MemberRole });
    });
  }

  async blacklistAdd(me: string, p: ParsedParamsOf<'topic/blacklist/add'>): Promise<ResultOf<'topic/blacklist/add'>> {
    const { row, role } = await this.topics.managed(me, p.topic_id);
    if (p.agent_id === me) throw conflict('you cannot bar yourself');
    if ((await this.topics.agents.contactPolicyOf(p.agent_id)) === null) throw notFound('agent');
    const target = await this.topics.roleOf(p.topic_id, p.agent_id);
    if (target === 'owner') throw forbidden('the owner cannot be barred from its topic');
    if (target === 'admin' && role !== 'owner') throw forbidden('only the owner bars an admin');
    const now = Date.now();
    const entry: TopicBlacklistTable = {
      topic_id: p.topic_id,
      agent_id: p.agent_id,
      reason: p.reason ?? null,
      by_id: me,
      created_at: now,
      expires_at: p.duration_seconds === undefined ? null : now + p.duration_seconds * 1000,
    };
    const out = toEntry(entry);
    // The bar, the removal from the topic and the push are one transaction: no
    // window in which it is barred yet still a member, or barred and not told.
    await this.topics.streams.append(
      agentStream(p.agent_id),
      'topic.blacklisted',
      () => ({ topic_id: p.topic_id, topic_name: row.name, by: me, reason: out.reason, expires_at: out.expires_at }),
      async (tx) => {
        await tx.run(
          this.db
            .insertInto('topic_blacklist')
            .values(entry)
            .onConflict((oc) => oc.columns(['topic_id', 'agent_id']).doUpdateSet({ reason: entry.reason, by_id: me, created_at: now, expires_at: entry.expires_at }))
            .compile(),
        );
        for (const table of ['topic_members', 'topic_invites', 'topic_join_requests'] as const) {
          await tx.run(this.db.deleteFrom(table).where('topic_id', '=', p.topic_id).where('agent_id', '=', p.agent_id).compile());
        }
        await respond(tx, out);
      },
    );
    return out;
  }

  async blacklistRemove(me: string, p: ParsedParamsOf<'topic/blacklist/remove'>): Promise<ResultOf<'topic/blacklist/remove'>> {
    await this.topics.managed(me, p.topic_id);
    return this.topics.writer.run(async (tx) => {
      const n = await tx.run(this.db.deleteFrom('topic_blacklist').where('topic_id', '=', p.topic_id).where('agent_id', '=', p.agent_id).compile());
      return await respond(tx, { topic_id: p.topic_id, agent_id: p.agent_id, removed: n > 0 });
    });
  }

  async blacklistList(me: string, p: ParsedParamsOf<'topic/blacklist/list'>): Promise<ResultOf<'topic/blacklist/list'>> {
    await this.topics.managed(me, p.topic_id);
    const now = Date.now();
    const q = this.db
      .selectFrom('topic_blacklist')
      .selectAll()
      .where('topic_id', '=', p.topic_id)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    const { page, next_cursor } = await newestFirst(q, 'agent_id', p.limit, p.cursor);
    return { entries: page.map(toEntry), next_cursor };
  }

  /** Housekeeping: expired bars are only ever ignored; this removes them. */
  async pruneExpired(now = Date.now()): Promise<number> {
    return this.topics.writer.runAlone((tx) => tx.run(this.db.deleteFrom('topic_blacklist').where('expires_at', 'is not', null).where('expires_at', '<=', now).compile()));
  }
}
