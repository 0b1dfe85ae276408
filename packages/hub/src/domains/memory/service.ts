import type { MemoryNoteInfo, ParsedParamsOf, ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { notFound } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import { respond } from '../../core/unit.js';
import type { BatchWriter } from '../../store/writer.js';
import type { Database, MemoryNotesTable } from '../../store/schema.js';
import type { TopicMessages } from '../topic/index.js';

/** What memory needs from the topic domain. */
export type TimelineSource = Pick<TopicMessages, 'markdownWithin'>;

function info(r: Omit<MemoryNotesTable, 'agent_id'>): MemoryNoteInfo {
  return {
    name: r.name,
    bytes: Buffer.byteLength(r.content, 'utf8'),
    source_topic_id: r.source_topic_id,
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
  };
}

/**
 * An agent's memory (WTT's memory export/recall): named Markdown notes only
 * that agent can read. memory/export turns a topic's timeline into one.
 */
export class MemoryService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: BatchWriter,
    private readonly timelines: TimelineSource,
  ) {}

  async export(me: string, p: ParsedParamsOf<'memory/export'>): Promise<ResultOf<'memory/export'>> {
    // Not bounded yet: memory quotas come next.
    const timeline = await this.timelines.markdownWithin(me, p.topic_id, p.limit, Number.MAX_SAFE_INTEGER);
    if ('fits' in timeline) throw new Error('unreachable: no bound');
    const now = Date.now();
    const content = timeline.content;
    const name = p.name ?? noteNameFor(timeline.topic.name, p.topic_id);
    return this.writer.run((sql) => {
      sql.run(
        this.db
          .insertInto('memory_notes')
          .values({ agent_id: me, name, content, source_topic_id: p.topic_id, created_at: now, updated_at: now })
          .onConflict((oc) => oc.columns(['agent_id', 'name']).doUpdateSet({ content, source_topic_id: p.topic_id, updated_at: now }))
          .compile(),
      );
      const row = sql.get(this.db.selectFrom('memory_notes').selectAll().where('agent_id', '=', me).where('name', '=', name).compile())!;
      return respond(sql, { ...info(row), message_count: timeline.messageCount });
    });
  }

  async read(me: string, name: string): Promise<ResultOf<'memory/read'>> {
    const row = await this.db.selectFrom('memory_notes').selectAll().where('agent_id', '=', me).where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound('memory note');
    return { ...info(row), content: row.content };
  }

  async list(me: string, p: ParsedParamsOf<'memory/list'>): Promise<ResultOf<'memory/list'>> {
    const rows = await this.db
      .selectFrom('memory_notes')
      .select(['name', 'content', 'source_topic_id', 'created_at', 'updated_at'])
      .where('agent_id', '=', me)
      .orderBy('updated_at', 'desc')
      .orderBy('name')
      .limit(p.limit)
      .execute();
    return { notes: rows.map(info) };
  }

  async delete(me: string, name: string): Promise<ResultOf<'memory/delete'>> {
    return this.writer.run((sql) => {
      const n = sql.run(this.db.deleteFrom('memory_notes').where('agent_id', '=', me).where('name', '=', name).compile());
      return respond(sql, { name, deleted: n > 0 });
    });
  }
}

/** A topic name may hold characters a note name may not; fall back to the id. */
function noteNameFor(topicName: string, topicId: string): string {
  const cleaned = topicName.replace(/[^\p{L}\p{N} ._-]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 120);
  return /^[\p{L}\p{N}]/u.test(cleaned) ? cleaned : topicId;
}
