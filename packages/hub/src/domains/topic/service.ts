import { topicStream, type ParsedParamsOf, type ResultOf, type Topic, type TopicMessage } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { ErrorCode } from '@parley/protocol';
import { HubError, conflict, forbidden, notFound } from '../../core/errors.js';
import { decodeCursor, encodeCursor, iso, newMessageId, newTopicId } from '../../core/ids.js';
import type { Streams } from '../../core/streams.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, TopicMessagesTable, TopicsTable } from '../../store/schema.js';
import type { SyncSql } from '../../store/sql.js';
import type { BatchWriter } from '../../store/writer.js';
import { escapeLike } from '../agent/service.js';

type Role = 'owner' | 'admin' | 'member';

// Asked on every ack of a topic push, and for every push's fan-out.
const roleQuery = precompiled(2, (db, topicId: string, agentId: string) =>
  db.selectFrom('topic_members').select('role').where('topic_id', '=', topicId).where('agent_id', '=', agentId),
);
const insertMessage = precompiled(
  9,
  (db, topicId: string, seq: number, messageId: string, from: string, content: string, contentType: string, semanticType: string | null, replyTo: string | null, sentAt: number) =>
    db.insertInto('topic_messages').values({
      topic_id: topicId,
      seq,
      message_id: messageId,
      from_id: from,
      content,
      content_type: contentType,
      semantic_type: semanticType,
      reply_to: replyTo,
      sent_at: sentAt,
    }),
);
const membersQuery = precompiled(1, (db, topicId: string) => db.selectFrom('topic_members').select('agent_id').where('topic_id', '=', topicId));

export class TopicService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sql: SyncSql,
    private readonly writer: BatchWriter,
    private readonly streams: Streams,
  ) {}

  // ---- small functions other parts of the hub may use --------------------

  roleOf(topicId: string, agentId: string): Role | null {
    const row = this.sql.get(roleQuery(this.db, topicId, agentId));
    return (row?.role as Role | undefined) ?? null;
  }

  /** `sql` may be the writer's (fan-out reads the members in the push's own transaction). */
  memberIds(topicId: string, sql: SyncSql = this.sql): string[] {
    return sql.all(membersQuery(this.db, topicId)).map((r) => r.agent_id);
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

  /** Messages of a topic after the agent's read cursor on its stream. */
  async unread(me: string, topicId: string): Promise<number> {
    const cursor = await this.streams.getReadCursor(me, topicStream(topicId));
    const row = await this.db
      .selectFrom('topic_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('topic_id', '=', topicId)
      .where('seq', '>', cursor)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** inbox/feed: the messages of every topic the caller belongs to, newest first. */
  async feed(me: string, p: ParsedParamsOf<'inbox/feed'>): Promise<ResultOf<'inbox/feed'>> {
    let q = this.db
      .selectFrom('topic_messages as m')
      .innerJoin('topics as t', 't.topic_id', 'm.topic_id')
      .selectAll('m')
      .select('t.name as topic_name')
      .where('m.topic_id', 'in', this.db.selectFrom('topic_members').select('topic_id').where('agent_id', '=', me));
    if (p.cursor) {
      const c = decodeCursor(p.cursor);
      if (!c || typeof c[0] !== 'number' || typeof c[1] !== 'string') throw new HubError(ErrorCode.InvalidParams, 'bad cursor');
      const [at, id] = c as [number, string];
      q = q.where((eb) => eb.or([eb('m.sent_at', '<', at), eb.and([eb('m.sent_at', '=', at), eb('m.message_id', '<', id)])]));
    }
    const rows = await q.orderBy('m.sent_at', 'desc').orderBy('m.message_id', 'desc').limit(p.limit + 1).execute();
    const page = rows.slice(0, p.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ ...toMessage(r), topic_name: r.topic_name })),
      next_cursor: rows.length > p.limit && last ? encodeCursor([Number(last.sent_at), last.message_id]) : null,
    };
  }

  // ---- actions ------------------------------------------------------------

  async create(me: string, p: ParsedParamsOf<'topic/create'>): Promise<Topic> {
    const topicId = newTopicId();
    const now = Date.now();
    await this.writer.run((sql) => {
      sql.run(
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
      sql.run(this.db.insertInto('topic_members').values({ topic_id: topicId, agent_id: me, role: 'owner', joined_at: now }).compile());
    });
    return this.get(me, topicId);
  }

  async get(me: string, topicId: string): Promise<Topic> {
    const { row, role } = await this.visible(me, topicId);
    return (await this.toTopics([row], new Map([[topicId, role]])))[0]!;
  }

  async list(me: string, p: ParsedParamsOf<'topic/list'>): Promise<ResultOf<'topic/list'>> {
    const mine = this.db.selectFrom('topic_members').select('topic_id').where('agent_id', '=', me);
    let q = this.db.selectFrom('topics').selectAll();
    q = p.mine
      ? q.where('topic_id', 'in', mine)
      : q.where((eb) => eb.or([eb('visibility', '=', 'public'), eb('topic_id', 'in', mine)]));
    if (p.query) q = q.where('name', 'like', `%${escapeLike(p.query)}%`);
    if (p.cursor) {
      const c = decodeCursor(p.cursor);
      if (!c || typeof c[0] !== 'number' || typeof c[1] !== 'string') throw new HubError(ErrorCode.InvalidParams, 'bad cursor');
      const [at, id] = c as [number, string];
      q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('topic_id', '<', id)])]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('topic_id', 'desc').limit(p.limit + 1).execute();
    const page = rows.slice(0, p.limit);
    const roles = new Map<string, Role | null>();
    if (page.length > 0) {
      const rs = await this.db
        .selectFrom('topic_members')
        .select(['topic_id', 'role'])
        .where('agent_id', '=', me)
        .where('topic_id', 'in', page.map((r) => r.topic_id))
        .execute();
      for (const r of rs) roles.set(r.topic_id, r.role as Role);
    }
    const last = page[page.length - 1];
    return {
      topics: await this.toTopics(page, roles),
      next_cursor: rows.length > p.limit && last ? encodeCursor([Number(last.created_at), last.topic_id]) : null,
    };
  }

  async join(me: string, topicId: string): Promise<ResultOf<'topic/join'>> {
    const { row, role } = await this.visible(me, topicId);
    const stream = topicStream(topicId);
    if (role) return { topic_id: topicId, status: 'joined', role, seq: (await this.streams.info(stream)).head };
    if (row.join_method === 'invite_only') throw forbidden('this topic is invite-only');
    await this.db
      .insertInto('topic_members')
      .values({ topic_id: topicId, agent_id: me, role: 'member', joined_at: Date.now() })
      .onConflict((oc) => oc.columns(['topic_id', 'agent_id']).doNothing())
      .execute();
    // Live pushes start after the head; the read cursor starts there too, so
    // history from before joining is not reported as unread.
    const { head } = await this.streams.info(stream);
    await this.streams.setReadCursor(me, stream, head);
    return { topic_id: topicId, status: 'joined', role: 'member', seq: head };
  }

  async leave(me: string, topicId: string): Promise<ResultOf<'topic/leave'>> {
    const { role } = await this.visible(me, topicId);
    if (role === 'owner') throw conflict('the owner cannot leave its own topic');
    if (!role) return { topic_id: topicId, left: false };
    await this.db.deleteFrom('topic_members').where('topic_id', '=', topicId).where('agent_id', '=', me).execute();
    return { topic_id: topicId, left: true };
  }

  async publish(me: string, p: ParsedParamsOf<'topic/publish'>): Promise<ResultOf<'topic/publish'>> {
    const { row, role } = await this.visible(me, p.topic_id);
    if (!role) throw forbidden('join the topic before publishing');
    if (row.type === 'broadcast' && role !== 'owner') throw forbidden('only the owner publishes to a broadcast topic');
    if (p.reply_to) {
      const exists = await this.db
        .selectFrom('topic_messages')
        .select('message_id')
        .where('topic_id', '=', p.topic_id)
        .where('message_id', '=', p.reply_to)
        .executeTakeFirst();
      if (!exists) throw notFound('reply_to message');
    }
    const messageId = newMessageId();
    const msg = (seq: number, ts: number): TopicMessage => ({
      message_id: messageId,
      topic_id: p.topic_id,
      seq,
      from: me,
      content: p.content ?? '',
      content_type: p.content_type ?? 'text',
      semantic_type: p.semantic_type ?? null,
      reply_to: p.reply_to ?? null,
      title: null,
      blocks: null,
      sent_at: iso(ts),
    });
    const pushed = await this.streams.append(topicStream(p.topic_id), 'topic.message', msg, (sql, seq, ts) => {
      const m = msg(seq, ts);
      sql.run(insertMessage(this.db, m.topic_id, seq, m.message_id, me, m.content, m.content_type, m.semantic_type, m.reply_to, ts));
    });
    return { message_id: messageId, seq: pushed.seq };
  }

  async history(me: string, p: ParsedParamsOf<'topic/history'>): Promise<ResultOf<'topic/history'>> {
    await this.visible(me, p.topic_id);
    let q = this.db.selectFrom('topic_messages').selectAll().where('topic_id', '=', p.topic_id);
    if (p.before !== undefined) q = q.where('seq', '<', p.before);
    const rows = await q.orderBy('seq', 'desc').limit(p.limit + 1).execute();
    return { messages: rows.slice(0, p.limit).reverse().map(toMessage), has_more: rows.length > p.limit };
  }

  /** A private topic does not exist for non-members. */
  private async visible(me: string, topicId: string): Promise<{ row: TopicsTable; role: Role | null }> {
    const row = await this.db.selectFrom('topics').selectAll().where('topic_id', '=', topicId).executeTakeFirst();
    if (!row) throw notFound('topic');
    const role = this.roleOf(topicId, me);
    if (row.visibility === 'private' && !role) throw notFound('topic');
    return { row, role };
  }

  private async toTopics(rows: TopicsTable[], roles: Map<string, Role | null>): Promise<Topic[]> {
    const counts = new Map<string, number>();
    if (rows.length > 0) {
      const cs = await this.db
        .selectFrom('topic_members')
        .select(['topic_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('topic_id', 'in', rows.map((r) => r.topic_id))
        .groupBy('topic_id')
        .execute();
      for (const c of cs) counts.set(c.topic_id, Number(c.n));
    }
    return rows.map((r) => ({
      topic_id: r.topic_id,
      name: r.name,
      description: r.description,
      type: r.type as Topic['type'],
      visibility: r.visibility as Topic['visibility'],
      join_method: r.join_method as Topic['join_method'],
      owner_id: r.owner_id,
      member_count: counts.get(r.topic_id) ?? 0,
      created_at: iso(Number(r.created_at)),
      role: roles.get(r.topic_id) ?? null,
    }));
  }
}

function toMessage(r: TopicMessagesTable): TopicMessage {
  return {
    message_id: r.message_id,
    topic_id: r.topic_id,
    seq: Number(r.seq),
    from: r.from_id,
    content: r.content,
    content_type: r.content_type as TopicMessage['content_type'],
    semantic_type: r.semantic_type,
    reply_to: r.reply_to,
    title: r.title,
    blocks: r.blocks === null ? null : (JSON.parse(r.blocks) as string[]),
    sent_at: iso(Number(r.sent_at)),
  };
}
