import { composeRichContent, MAX_PAGE_BYTES, topicStream, type ParsedParamsOf, type ResultOf, type Topic, type TopicMessage } from '@parley/protocol';
import { forbidden, HubError, notFound } from '../../core/errors.js';
import { iso, newMessageId } from '../../core/ids.js';
import { ErrorCode } from '@parley/protocol';
import { sql as rawSql } from 'kysely';
import { precompiled } from '../../store/precompiled.js';
import { ftsQuery, mergeRanks, messageHits, searchMessageTopics, searchTopics, type MatchMode } from '../../store/search.js';
import { TopicExporter } from './export.js';
import { isManager } from '../../core/members.js';
import { boundedPage } from '../../core/paging.js';
import type { TopicMessagesTable } from '../../store/schema.js';
import { toMessage } from './rows.js';
import type { StagedPush } from '../../core/streams.js';
import type { Sql } from '../../store/sql.js';
import type { TopicService } from './service.js';

const insertMessage = precompiled(
  12,
  (
    db,
    topicId: string,
    seq: number,
    messageId: string,
    from: string,
    content: string,
    contentType: string,
    semanticType: string | null,
    replyTo: string | null,
    sentAt: number,
    title: string | null,
    blocks: string | null,
    via: string | null,
  ) =>
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
      title,
      blocks,
      via,
    }),
);

/** Messages of topics: publish, history, export and full-text search. */
export class TopicMessages {
  private readonly exporter: TopicExporter;

  constructor(private readonly topics: TopicService) {
    this.exporter = new TopicExporter(topics.db, topics.agents);
  }

  private get db() {
    return this.topics.db;
  }

  /** `via`: the manager publishing on `me`'s behalf (delegate/publish_as); the topic's rules apply to `me`. */
  async publish(me: string, p: ParsedParamsOf<'topic/publish'>, via: string | null = null): Promise<ResultOf<'topic/publish'>> {
    return this.topics.streams.commitPrepared(await this.preparePublish(me, p, via));
  }

  /**
   * The checks of a publish, then the write as a function for the caller's
   * writer job (talk/random joins and publishes in one transaction): the
   * message row and its push, stored together.
   */
  async preparePublish(
    me: string,
    p: ParsedParamsOf<'topic/publish'>,
    via: string | null = null,
    /** The caller's job makes `me` a member first (talk/random). */
    joining = false,
  ): Promise<(tx: Sql) => Promise<{ result: ResultOf<'topic/publish'>; push: StagedPush }>> {
    const access = await this.topics.visible(me, p.topic_id);
    const { row } = access;
    const role = access.role ?? (joining ? 'member' : null);
    await this.topics.assertNotBarred(p.topic_id, me);
    if (!role) throw forbidden('join the topic before publishing');
    if (row.type === 'broadcast' && !isManager(role)) throw forbidden('only the owner and admins publish to a broadcast topic');
    if (p.reply_to) {
      const exists = await this.db
        .selectFrom('topic_messages')
        .select('message_id')
        .where('topic_id', '=', p.topic_id)
        .where('message_id', '=', p.reply_to)
        .executeTakeFirst();
      if (!exists) throw notFound('reply_to message');
    }
    const rich = p.title !== undefined && p.blocks !== undefined ? { title: p.title, blocks: p.blocks } : null;
    const content = rich ? composeRichContent(rich.title, rich.blocks) : p.content!;
    const contentType = rich ? 'markdown' : (p.content_type ?? 'text');
    const blocksJson = rich ? JSON.stringify(rich.blocks) : null;
    const messageId = newMessageId();
    const msg = (seq: number, ts: number): TopicMessage => ({
      message_id: messageId,
      topic_id: p.topic_id,
      seq,
      from: me,
      content,
      content_type: contentType,
      semantic_type: p.semantic_type ?? null,
      reply_to: p.reply_to ?? null,
      title: rich?.title ?? null,
      blocks: rich?.blocks ?? null,
      via,
      sent_at: iso(ts),
    });
    return async (tx) => {
      const push = await this.topics.streams.stageBuilt(tx, topicStream(p.topic_id), 'topic.message', msg, async (tx, seq, ts) => {
        await tx.run(insertMessage(this.db, p.topic_id, seq, messageId, me, content, contentType, p.semantic_type ?? null, p.reply_to ?? null, ts, rich?.title ?? null, blocksJson, via));
      });
      return { result: { message_id: messageId, seq: push.seq }, push };
    };
  }

  /** A page of at most `limit` messages and MAX_PAGE_BYTES of them (core/paging.ts), read in keyset chunks. */
  async history(me: string, p: ParsedParamsOf<'topic/history'>): Promise<ResultOf<'topic/history'>> {
    await this.topics.readable(me, p.topic_id);
    const forward = p.after !== undefined;
    const page = await boundedPage(
      (last: TopicMessagesTable | undefined, n) => {
        let q = this.db.selectFrom('topic_messages').selectAll().where('topic_id', '=', p.topic_id);
        // Forward: the page right after `after`, oldest first. Otherwise the page before `before` (or the newest), read newest first.
        if (forward) return q.where('seq', '>', last ? Number(last.seq) : p.after!).orderBy('seq', 'asc').limit(n).execute();
        const before = last ? Number(last.seq) : p.before;
        if (before !== undefined) q = q.where('seq', '<', before);
        return q.orderBy('seq', 'desc').limit(n).execute();
      },
      (rows) => rows.map(toMessage),
      { limit: p.limit, maxBytes: MAX_PAGE_BYTES },
    );
    return { messages: forward ? page.items : page.items.reverse(), has_more: page.more };
  }

  /** One page of the topic's export (see TopicExporter); access is checked on every page. */
  async export(me: string, p: ParsedParamsOf<'topic/export'>): Promise<ResultOf<'topic/export'>> {
    return this.exporter.page(await this.readableTopic(me, p.topic_id), p);
  }

  /** For memory/export: the Markdown export of the newest `limit` messages if it fits `maxBytes` (TopicExporter.markdownWithin). */
  async markdownWithin(me: string, topicId: string, limit: number, maxBytes: number) {
    const topic = await this.readableTopic(me, topicId);
    return { topic, ...(await this.exporter.markdownWithin(topic, limit, maxBytes)) };
  }

  private async readableTopic(me: string, topicId: string): Promise<Topic> {
    const { row } = await this.topics.readable(me, topicId);
    return (await this.topics.topicsFor(me, [row]))[0]!;
  }

  async search(me: string, p: ParsedParamsOf<'topic/search'>): Promise<ResultOf<'topic/search'>> {
    const match = this.matchOf(p.query, 'all');
    const ids = await this.rankedTopicIds(me, match, p.limit);
    const rows = ids.length === 0 ? [] : await this.db.selectFrom('topics').selectAll().where('topic_id', 'in', ids).execute();
    const topics = new Map((await this.topics.topicsFor(me, rows)).map((t) => [t.topic_id, t]));
    const readable = new Set(await this.readableAmong(me, ids));
    const results = [];
    for (const id of ids) {
      const topic = topics.get(id);
      if (!topic) continue;
      const hits = readable.has(id) ? await messageHits(this.db, match, id, p.matches_per_topic) : [];
      results.push({
        topic,
        matches: hits.map((h) => ({ message_id: h.message_id, seq: Number(h.seq), from: h.from_id, snippet: h.snippet, sent_at: iso(Number(h.sent_at)) })),
      });
    }
    return { results };
  }

  /** Topics related to a text (any of its words), best first: what talk/random offers. */
  async related(me: string, text: string, limit: number): Promise<Topic[]> {
    const ids = await this.rankedTopicIds(me, this.matchOf(text, 'any'), limit);
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('topics').selectAll().where('topic_id', 'in', ids).execute();
    const byId = new Map((await this.topics.topicsFor(me, rows)).map((t) => [t.topic_id, t]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  private matchOf(text: string, mode: MatchMode): string {
    const match = ftsQuery(text, mode);
    if (!match) throw new HubError(ErrorCode.InvalidParams, 'the query has no words to search for');
    return match;
  }

  /**
   * Topic-level matches among topics the caller may see, message-level ones among
   * topics it may read; a private topic of others is filtered inside the query.
   */
  private async rankedTopicIds(me: string, match: string, limit: number): Promise<string[]> {
    const [byTopic, byMessage] = await Promise.all([
      searchTopics(this.db, match, this.topics.visibleIds(me), limit),
      searchMessageTopics(this.db, match, this.topics.readableIds(me), limit),
    ]);
    return mergeRanks(byTopic, byMessage).slice(0, limit);
  }

  /**
   * Of `ids`, the topics whose messages the caller may read, in one query over
   * the same readableIds() the search itself filters by (a barred agent may see
   * a public topic's name, not its messages).
   */
  private async readableAmong(me: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const r = await rawSql<{ topic_id: string }>`select topic_id from (${this.topics.readableIds(me)}) as readable where topic_id in (${rawSql.join(ids)})`.execute(this.db);
    return r.rows.map((row) => row.topic_id);
  }
}
