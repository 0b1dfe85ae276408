import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';

/**
 * Full-text search, SQLite FTS5 flavour (migration 0003 keeps `topics_fts` and
 * `topic_messages_fts` in step with their tables by triggers). Every piece of
 * FTS syntax lives in this file, so a PostgreSQL store swaps it for
 * `to_tsvector` / `websearch_to_tsquery` / `ts_rank` without touching a domain.
 *
 * Readability is decided by the caller's filter (`readable`), a subquery of
 * topic ids applied inside the same statement: a private topic's rows never
 * leave the database for a caller who may not read them.
 */

/** How the words of a query combine: every word (search) or any word (talk/random). */
export type MatchMode = 'all' | 'any';

const MAX_TERMS = 16;

/**
 * Turns user text into an FTS5 query. Only runs of letters and digits are kept,
 * each quoted, so no user text is ever parsed as FTS syntax (NEAR, column
 * filters, quotes). Words of three or more characters also match as prefixes
 * ("deploy" finds "deployment"). Null when the text has no words at all.
 */
export function ftsQuery(text: string, mode: MatchMode, maxTerms = MAX_TERMS): string | null {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, maxTerms);
  if (words.length === 0) return null;
  const terms = words.map((w) => (w.length >= 3 ? `"${w}"*` : `"${w}"`));
  return terms.join(mode === 'all' ? ' ' : ' OR ');
}

export interface RankedTopic {
  topic_id: string;
  /** Lower is better (bm25). */
  rank: number;
}

export interface MessageHit {
  topic_id: string;
  message_id: string;
  seq: number;
  from_id: string;
  sent_at: number;
  snippet: string;
}

/** Topics whose name or description match, within `visible` (a subquery of topic ids). Name matches weigh more. */
export async function searchTopics(db: Kysely<Database>, match: string, visible: RawBuilder<unknown>, limit: number): Promise<RankedTopic[]> {
  const r = await sql<RankedTopic>`
    select t.topic_id as topic_id, bm25(topics_fts, 4.0, 1.0) as rank
    from topics_fts join topics t on t.rowid = topics_fts.rowid
    where topics_fts match ${match} and t.topic_id in (${visible})
    order by rank limit ${limit}`.execute(db);
  return r.rows;
}

/**
 * Topics with matching messages, best message first, within `readable` (a subquery of topic ids).
 * FTS5 refuses bm25() under an aggregate, so the best `limit * 20` messages are
 * ranked in SQL and grouped by topic here.
 */
export async function searchMessageTopics(
  db: Kysely<Database>,
  match: string,
  readable: RawBuilder<unknown>,
  limit: number,
): Promise<RankedTopic[]> {
  const r = await sql<RankedTopic>`
    select m.topic_id as topic_id, bm25(topic_messages_fts, 4.0, 1.0) as rank
    from topic_messages_fts join topic_messages m on m.rowid = topic_messages_fts.rowid
    where topic_messages_fts match ${match} and m.topic_id in (${readable})
    order by rank limit ${limit * 20}`.execute(db);
  const best = new Map<string, number>();
  for (const row of r.rows) if (!best.has(row.topic_id)) best.set(row.topic_id, Number(row.rank));
  return [...best.entries()].slice(0, limit).map(([topic_id, rank]) => ({ topic_id, rank }));
}

/** The best matching messages of one topic, with the matched words marked [like this]. */
export async function messageHits(db: Kysely<Database>, match: string, topicId: string, limit: number): Promise<MessageHit[]> {
  if (limit === 0) return [];
  const r = await sql<MessageHit>`
    select m.topic_id as topic_id, m.message_id as message_id, m.seq as seq, m.from_id as from_id, m.sent_at as sent_at,
           snippet(topic_messages_fts, -1, '[', ']', '…', 16) as snippet
    from topic_messages_fts join topic_messages m on m.rowid = topic_messages_fts.rowid
    where topic_messages_fts match ${match} and m.topic_id = ${topicId}
    order by bm25(topic_messages_fts, 4.0, 1.0) limit ${limit}`.execute(db);
  return r.rows;
}

/** Merges topic and message rankings: a topic's best showing counts. */
export function mergeRanks(...lists: RankedTopic[][]): string[] {
  const best = new Map<string, number>();
  for (const list of lists) for (const t of list) best.set(t.topic_id, Math.min(best.get(t.topic_id) ?? Infinity, Number(t.rank)));
  return [...best.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
}
