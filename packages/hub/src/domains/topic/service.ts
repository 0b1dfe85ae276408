import {
  agentStream,
  MAX_PAGE_BYTES,
  topicStream,
  type ContactPolicy,
  type MemberRole,
  type ParsedParamsOf,
  type ResultOf,
  type SubscribedTopic,
  type Topic,
  type TopicMember,
} from '@parley/protocol';
import { sql as rawSql, type Kysely, type RawBuilder } from 'kysely';
import { boundedPage, newestFirst } from '../../core/paging.js';
import { conflict, forbidden, notFound } from '../../core/errors.js';
import { encodeCursor, iso, newTopicId, readCursor } from '../../core/ids.js';
import type { StagedPush, Streams } from '../../core/streams.js';
import { respond } from '../../core/unit.js';
import { containsText } from '../../store/portable.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, TopicMessagesTable, TopicsTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { isManager, memberPage } from '../../core/members.js';
import { toMessage, toTopic } from './rows.js';

// Asked on every ack of a topic push, and for every push's fan-out.
const roleQuery = precompiled(2, (db, topicId: string, agentId: string) =>
  db.selectFrom('topic_members').select('role').where('topic_id', '=', topicId).where('agent_id', '=', agentId),
);
const membersQuery = precompiled(1, (db, topicId: string) => db.selectFrom('topic_members').select('agent_id').where('topic_id', '=', topicId));
const barQuery = precompiled(2, (db, topicId: string, agentId: string) =>
  db.selectFrom('topic_blacklist').select('expires_at').where('topic_id', '=', topicId).where('agent_id', '=', agentId),
);
const inviteQuery = precompiled(2, (db, topicId: string, agentId: string) =>
  db.selectFrom('topic_invites').select('by_id').where('topic_id', '=', topicId).where('agent_id', '=', agentId),
);
const memberCountQuery = precompiled(1, (db, topicId: string) =>
  db.selectFrom('topic_members').select((eb) => eb.fn.countAll<number>().as('n')).where('topic_id', '=', topicId),
);

/** What the topic domain needs from the agent domain. */
export interface AgentDirectory {
  namesOf(agentIds: readonly string[]): Promise<Map<string, string | null>>;
  contactPolicyOf(agentId: string): Promise<ContactPolicy | null>;
}

export interface OnlineCheck {
  isOnline(agentId: string): boolean;
}

export interface TopicAccess {
  row: TopicsTable;
  role: MemberRole | null;
}

/**
 * Topics: the topic itself, membership, and the checks every topic action
 * shares (visible, readable, managed). Moderation and messages build on it.
 */
export class TopicService {
  constructor(
    readonly db: Kysely<Database>,
    readonly read: Sql,
    readonly writer: Writer,
    readonly streams: Streams,
    readonly agents: AgentDirectory,
    private readonly presence: OnlineCheck,
  ) {}

  // ---- small functions other parts of the hub may use --------------------

  /** `tx` may be a writer job's (a check made in the write's own transaction). */
  async roleOf(topicId: string, agentId: string, tx: Sql = this.read): Promise<MemberRole | null> {
    const row = await tx.get(roleQuery(this.db, topicId, agentId));
    return (row?.role as MemberRole | undefined) ?? null;
  }

  /** `tx` may be a writer job's (fan-out reads the members in the push's own transaction). */
  async memberIds(topicId: string, tx: Sql = this.read): Promise<string[]> {
    return (await tx.all(membersQuery(this.db, topicId))).map((r) => r.agent_id);
  }

  async joinedTopicIds(agentId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('topic_members').select('topic_id').where('agent_id', '=', agentId).execute();
    return rows.map((r) => r.topic_id);
  }

  /** Agents that share at least one topic with `agentId` (not itself): who may hear of its presence. */
  async coMemberIds(agentId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('topic_members as mine')
      .innerJoin('topic_members as other', 'other.topic_id', 'mine.topic_id')
      .select('other.agent_id')
      .distinct()
      .where('mine.agent_id', '=', agentId)
      .where('other.agent_id', '!=', agentId)
      .execute();
    return rows.map((r) => r.agent_id);
  }

  /**
   * Of `candidates`, those that share a topic with `agentId` (not itself).
   * Costs in proportion to the candidates, not to the members of the agent's
   * topics: each candidate is an index probe per topic of the agent.
   */
  async coMembersAmong(agentId: string, candidates: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    // Chunked: SQLite caps bound parameters per statement.
    for (let i = 0; i < candidates.length; i += 500) {
      const chunk = candidates.slice(i, i + 500).filter((c) => c !== agentId);
      if (chunk.length === 0) continue;
      const rows = await this.read.all(
        this.db
          .selectFrom('topic_members as other')
          .select('other.agent_id')
          .distinct()
          .where('other.agent_id', 'in', chunk)
          .where('other.topic_id', 'in', (eb) => eb.selectFrom('topic_members as mine').select('mine.topic_id').where('mine.agent_id', '=', agentId))
          .compile(),
      );
      for (const r of rows) out.push(r.agent_id);
    }
    return out;
  }

  /** The caller's topics with names and unread message counts (after its read cursor on each topic stream). */
  async subscribedBrief(me: string): Promise<Array<{ topic_id: string; name: string; unread: number }>> {
    const rows = await this.db
      .selectFrom('topic_members as m')
      .innerJoin('topics as t', 't.topic_id', 'm.topic_id')
      .select(['t.topic_id', 't.name'])
      .where('m.agent_id', '=', me)
      .orderBy('t.name')
      .execute();
    const out = [];
    for (const r of rows) out.push({ topic_id: r.topic_id, name: r.name, unread: await this.unread(me, r.topic_id) });
    return out;
  }

  /** Messages of others in a topic after the agent's read cursor on its stream (its own are never unread). */
  async unread(me: string, topicId: string): Promise<number> {
    const cursor = await this.streams.getReadCursor(me, topicStream(topicId));
    const row = await this.db
      .selectFrom('topic_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('topic_id', '=', topicId)
      .where('seq', '>', cursor)
      .where('from_id', '!=', me)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** inbox/feed: the messages of every topic the caller belongs to, newest first. */
  /** inbox/feed: a page of at most `limit` messages and MAX_PAGE_BYTES of them (core/paging.ts). */
  async feed(me: string, p: ParsedParamsOf<'inbox/feed'>): Promise<ResultOf<'inbox/feed'>> {
    const start = p.cursor ? readCursor(p.cursor, ['number', 'string']) : null;
    const page = await boundedPage(
      (last: (TopicMessagesTable & { topic_name: string }) | undefined, n) => {
        let q = this.db
          .selectFrom('topic_messages as m')
          .innerJoin('topics as t', 't.topic_id', 'm.topic_id')
          .selectAll('m')
          .select('t.name as topic_name')
          .where('m.topic_id', 'in', this.db.selectFrom('topic_members').select('topic_id').where('agent_id', '=', me));
        const from = last ? ([Number(last.sent_at), last.message_id] as const) : start;
        if (from) {
          const [at, id] = from;
          q = q.where((eb) => eb.or([eb('m.sent_at', '<', at), eb.and([eb('m.sent_at', '=', at), eb('m.message_id', '<', id)])]));
        }
        return q.orderBy('m.sent_at', 'desc').orderBy('m.message_id', 'desc').limit(n).execute();
      },
      (rows) => rows.map((r) => ({ ...toMessage(r), topic_name: r.topic_name })),
      { limit: p.limit, maxBytes: MAX_PAGE_BYTES },
    );
    const last = page.last;
    return { items: page.items, next_cursor: page.more && last ? encodeCursor([Number(last.sent_at), last.message_id]) : null };
  }

  // ---- access checks shared by the topic actions --------------------------

  /** When the agent is barred from the topic: null if it is not (an expired entry does not count). */
  async barredUntil(topicId: string, agentId: string, now = Date.now()): Promise<{ until: number | null } | null> {
    const row = await this.read.get(barQuery(this.db, topicId, agentId));
    if (!row) return null;
    const until = row.expires_at === null ? null : Number(row.expires_at);
    return until === null || until > now ? { until } : null;
  }

  async isInvited(topicId: string, agentId: string): Promise<boolean> {
    return (await this.read.get(inviteQuery(this.db, topicId, agentId))) !== undefined;
  }

  /** A private topic does not exist for anyone but its members and invited agents. */
  async visible(me: string, topicId: string): Promise<TopicAccess> {
    const row = await this.db.selectFrom('topics').selectAll().where('topic_id', '=', topicId).executeTakeFirst();
    if (!row) throw notFound('topic');
    const role = await this.roleOf(topicId, me);
    if (row.visibility === 'private' && !role && !(await this.isInvited(topicId, me))) throw notFound('topic');
    return { row, role };
  }

  /** Visible, and the caller is not barred: it may read the messages. */
  async readable(me: string, topicId: string): Promise<TopicAccess> {
    const access = await this.visible(me, topicId);
    if (access.row.visibility === 'private' && !access.role) throw forbidden('join the topic to read it');
    await this.assertNotBarred(topicId, me);
    return access;
  }

  /** Visible, and the caller is its owner or an admin. */
  async managed(me: string, topicId: string): Promise<TopicAccess> {
    const access = await this.visible(me, topicId);
    if (!isManager(access.role)) throw forbidden('only the owner and admins of the topic may do this');
    return access;
  }

  async assertNotBarred(topicId: string, agentId: string): Promise<void> {
    const bar = await this.barredUntil(topicId, agentId);
    if (bar) throw forbidden(bar.until === null ? 'you are barred from this topic' : `you are barred from this topic until ${iso(bar.until)}`);
  }

  /** Topic ids the caller may see (public, or a member of): a subquery for list and search. */
  visibleIds(me: string): RawBuilder<unknown> {
    return rawSql`select topic_id from topics where visibility = 'public' union select topic_id from topic_members where agent_id = ${me}`;
  }

  /** Topic ids whose messages the caller may read: public ones it is not barred from, and its own. */
  readableIds(me: string, now = Date.now()): RawBuilder<unknown> {
    return rawSql`select topic_id from topics where visibility = 'public' and topic_id not in (
        select topic_id from topic_blacklist where agent_id = ${me} and (expires_at is null or expires_at > ${now}))
      union select topic_id from topic_members where agent_id = ${me}`;
  }

  /** Owner and admins: who hears of join requests. */
  async managerIdsWithin(tx: Sql, topicId: string): Promise<string[]> {
    return (await tx.all(this.db.selectFrom('topic_members').select('agent_id').where('topic_id', '=', topicId).where('role', 'in', ['owner', 'admin']).compile())).map((r) => r.agent_id);
  }

  async topicsFor(me: string, rows: TopicsTable[]): Promise<Topic[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.topic_id);
    const counts = new Map<string, number>();
    const roles = new Map<string, MemberRole>();
    const cs = await this.db
      .selectFrom('topic_members')
      .select(['topic_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('topic_id', 'in', ids)
      .groupBy('topic_id')
      .execute();
    for (const c of cs) counts.set(c.topic_id, Number(c.n));
    const rs = await this.db.selectFrom('topic_members').select(['topic_id', 'role']).where('agent_id', '=', me).where('topic_id', 'in', ids).execute();
    for (const r of rs) roles.set(r.topic_id, r.role as MemberRole);
    return rows.map((r) => toTopic(r, counts.get(r.topic_id) ?? 0, roles.get(r.topic_id) ?? null));
  }

  /** The topic as it is inside a writer job (for pushes built in the same transaction). */
  async topicWithin(tx: Sql, topicId: string): Promise<Topic> {
    const row = await tx.get(this.db.selectFrom('topics').selectAll().where('topic_id', '=', topicId).compile());
    if (!row) throw notFound('topic');
    return toTopic(row, Number((await tx.get(memberCountQuery(this.db, topicId)))?.n ?? 0), null);
  }

  // ---- actions ------------------------------------------------------------

  async create(me: string, p: ParsedParamsOf<'topic/create'>): Promise<Topic> {
    const topicId = newTopicId();
    const now = Date.now();
    return this.writer.run(async (tx) => {
      await tx.run(
        this.db
          .insertInto('topics')
          .values({
            topic_id: topicId,
            name: p.name,
            description: p.description ?? null,
            type: p.type,
            visibility: p.visibility,
            join_method: p.join_method,
            owner_id: me,
            created_at: now,
          })
          .compile(),
      );
      await tx.run(this.db.insertInto('topic_members').values({ topic_id: topicId, agent_id: me, role: 'owner', joined_at: now }).compile());
      return await respond(tx, { ...(await this.topicWithin(tx, topicId)), role: 'owner' as const });
    });
  }

  async get(me: string, topicId: string): Promise<Topic> {
    const { row } = await this.visible(me, topicId);
    return (await this.topicsFor(me, [row]))[0]!;
  }

  async list(me: string, p: ParsedParamsOf<'topic/list'>): Promise<ResultOf<'topic/list'>> {
    const mine = this.db.selectFrom('topic_members').select('topic_id').where('agent_id', '=', me);
    let q = this.db.selectFrom('topics').selectAll();
    q = p.mine
      ? q.where('topic_id', 'in', mine)
      : q.where((eb) => eb.or([eb('visibility', '=', 'public'), eb('topic_id', 'in', mine)]));
    if (p.query) q = q.where(containsText('name', p.query));
    const { page, next_cursor } = await newestFirst(q, 'topic_id', p.limit, p.cursor);
    return {
      topics: await this.topicsFor(me, page),
      next_cursor,
    };
  }

  async update(me: string, p: ParsedParamsOf<'topic/update'>): Promise<Topic> {
    const { role } = await this.managed(me, p.topic_id);
    const set: Partial<TopicsTable> = {};
    if (p.name !== undefined) set.name = p.name;
    if (p.description !== undefined) set.description = p.description;
    if (p.type !== undefined) set.type = p.type;
    if (p.visibility !== undefined) set.visibility = p.visibility;
    if (p.join_method !== undefined) set.join_method = p.join_method;
    let updated: Topic | undefined;
    // The change and its topic.updated push are one transaction.
    await this.streams.append(
      topicStream(p.topic_id),
      'topic.updated',
      () => updated,
      async (tx) => {
        await tx.run(this.db.updateTable('topics').set(set).where('topic_id', '=', p.topic_id).compile());
        updated = await this.topicWithin(tx, p.topic_id);
        await respond(tx, { ...updated, role });
      },
    );
    return { ...updated!, role };
  }

  async delete(me: string, topicId: string): Promise<ResultOf<'topic/delete'>> {
    const { row, role } = await this.visible(me, topicId);
    if (role !== 'owner') throw forbidden('only the owner deletes a topic');
    // Who to tell is read in the delete's own transaction. The topic stream
    // becomes unreadable with the topic, so the news goes to each former
    // member's agent stream: members offline now still find it in inbox/poll
    // or on resume.
    const data = { topic_id: topicId, name: row.name, by: me };
    return this.writer.run(
      async (tx) => {
        const ids = await this.memberIds(topicId, tx);
        for (const table of ['topic_messages', 'topic_members', 'topic_invites', 'topic_join_requests', 'topic_blacklist', 'topics'] as const) {
          await tx.run(this.db.deleteFrom(table).where('topic_id', '=', topicId).compile());
        }
        // Staged with the delete: nobody can miss that it happened.
        const pushes: StagedPush[] = [];
        for (const m of ids) pushes.push(await this.streams.stage(tx, agentStream(m), 'topic.deleted', data));
        return { result: await respond(tx, { topic_id: topicId, deleted: true as const }), pushes };
      },
      (r) => this.streams.fanOut(r.pushes),
    ).then((r) => r.result);
  }

  async subscribed(me: string, p: ParsedParamsOf<'topic/subscribed'>): Promise<ResultOf<'topic/subscribed'>> {
    const rows = await this.db
      .selectFrom('topics')
      .selectAll()
      .where('topic_id', 'in', this.db.selectFrom('topic_members').select('topic_id').where('agent_id', '=', me))
      .execute();
    const topics = await this.topicsFor(me, rows);
    const lastAt = new Map<string, number>();
    if (rows.length > 0) {
      const ls = await this.db
        .selectFrom('topic_messages')
        .select(['topic_id', (eb) => eb.fn.max('sent_at').as('at')])
        .where('topic_id', 'in', rows.map((r) => r.topic_id))
        .groupBy('topic_id')
        .execute();
      for (const l of ls) lastAt.set(l.topic_id, Number(l.at));
    }
    // Most recently active first; a topic without messages counts from its creation.
    const activity = (t: Topic) => lastAt.get(t.topic_id) ?? Date.parse(t.created_at);
    topics.sort((a, b) => activity(b) - activity(a) || (a.topic_id < b.topic_id ? 1 : -1));
    let start = 0;
    if (p.cursor) {
      const [at, id] = readCursor(p.cursor, ['number', 'string']);
      start = topics.findIndex((t) => activity(t) < at || (activity(t) === at && t.topic_id < id));
      if (start < 0) start = topics.length;
    }
    const page = topics.slice(start, start + p.limit);
    const out: SubscribedTopic[] = [];
    for (const t of page) {
      const at = lastAt.get(t.topic_id);
      out.push({ ...t, unread: await this.unread(me, t.topic_id), last_message_at: at === undefined ? null : iso(at) });
    }
    const last = page[page.length - 1];
    return {
      topics: out,
      next_cursor: start + p.limit < topics.length && last ? encodeCursor([activity(last), last.topic_id]) : null,
    };
  }

  async members(me: string, p: ParsedParamsOf<'topic/members'>): Promise<ResultOf<'topic/members'>> {
    await this.visible(me, p.topic_id);
    const rows = await this.db.selectFrom('topic_members').selectAll().where('topic_id', '=', p.topic_id).execute();
    const { page, next_cursor } = memberPage(rows, p.cursor, p.limit);
    const names = await this.agents.namesOf(page.map((r) => r.agent_id));
    const members: TopicMember[] = page.map((r) => ({
      agent_id: r.agent_id,
      name: names.get(r.agent_id) ?? null,
      role: r.role as MemberRole,
      joined_at: iso(Number(r.joined_at)),
      online: this.presence.isOnline(r.agent_id),
    }));
    return { members, next_cursor };
  }

  async join(me: string, topicId: string): Promise<ResultOf<'topic/join'>> {
    const { row, role } = await this.visible(me, topicId);
    const stream = topicStream(topicId);
    if (role) return { topic_id: topicId, status: 'joined', role, seq: (await this.streams.info(stream)).head };
    await this.assertNotBarred(topicId, me);
    const invited = await this.isInvited(topicId, me);
    if (row.join_method === 'invite_only' && !invited) return this.requestToJoin(me, row);
    return this.writer.run(async (tx) => {
      const seq = await this.addMemberWithin(tx, me, topicId);
      return await respond(tx, { topic_id: topicId, status: 'joined' as const, role: 'member' as const, seq });
    });
  }

  /**
   * Inside a writer job: makes the agent a member, clears its invitation and
   * request, and starts its read cursor at the stream's head (live pushes
   * start after the head, so history from before joining is not unread).
   * Returns that head.
   */
  async addMemberWithin(tx: Sql, agentId: string, topicId: string): Promise<number> {
    const now = Date.now();
    await tx.run(
      this.db
        .insertInto('topic_members')
        .values({ topic_id: topicId, agent_id: agentId, role: 'member', joined_at: now })
        .onConflict((oc) => oc.columns(['topic_id', 'agent_id']).doNothing())
        .compile(),
    );
    await tx.run(this.db.deleteFrom('topic_invites').where('topic_id', '=', topicId).where('agent_id', '=', agentId).compile());
    await tx.run(this.db.deleteFrom('topic_join_requests').where('topic_id', '=', topicId).where('agent_id', '=', agentId).compile());
    return this.streams.setReadCursorAtHead(tx, agentId, topicStream(topicId));
  }

  private async requestToJoin(me: string, row: TopicsTable): Promise<ResultOf<'topic/join'>> {
    const topicId = row.topic_id;
    const pending = await this.db
      .selectFrom('topic_join_requests')
      .select('created_at')
      .where('topic_id', '=', topicId)
      .where('agent_id', '=', me)
      .executeTakeFirst();
    const result = { topic_id: topicId, status: 'requested' as const, role: null, seq: null };
    if (pending) return result;
    const now = Date.now();
    const name = (await this.agents.namesOf([me])).get(me) ?? null;
    const data = { topic_id: topicId, topic_name: row.name, agent_id: me, name, requested_at: iso(now) };
    await this.writer.run(
      async (tx) => {
        // Two joins racing: one request, and only the one that stored it tells the managers (in its transaction).
        const stored = await tx.run(
          this.db
            .insertInto('topic_join_requests')
            .values({ topic_id: topicId, agent_id: me, created_at: now })
            .onConflict((oc) => oc.columns(['topic_id', 'agent_id']).doNothing())
            .compile(),
        );
        const managers = stored > 0 ? await this.managerIdsWithin(tx, topicId) : [];
        const pushes: StagedPush[] = [];
        for (const m of managers) pushes.push(await this.streams.stage(tx, agentStream(m), 'topic.join_request', data));
        await respond(tx, result);
        return pushes;
      },
      (pushes) => this.streams.fanOut(pushes),
    );
    return result;
  }

  async leave(me: string, topicId: string): Promise<ResultOf<'topic/leave'>> {
    const { role } = await this.visible(me, topicId);
    if (role === 'owner') throw conflict('the owner cannot leave its own topic; delete it instead');
    const table = role ? 'topic_members' : 'topic_join_requests';
    return this.writer.run(async (tx) => {
      const n = await tx.run(this.db.deleteFrom(table).where('topic_id', '=', topicId).where('agent_id', '=', me).compile());
      return await respond(tx, { topic_id: topicId, left: n > 0 });
    });
  }
}
