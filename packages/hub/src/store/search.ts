import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';

/**
 * Full-text search on both stores. Migration 0003 keeps `topics_fts` and
 * `topic_messages_fts` in step with their tables by triggers: FTS5
 * external-content tables on SQLite, tsvector tables with a GIN index on
 * PostgreSQL. Every piece of FTS syntax lives in this file (and
 * world-search.ts), so no domain knows which store it runs on.
 *
 * Both read a match string made by `ftsQuery`; on PostgreSQL `tsQuery` turns
 * it into a tsquery. Ranks are numbers where lower is better on both: bm25 on
 * SQLite, minus ts_rank on PostgreSQL, with the same weights (a name or title
 * counts four times a description or content). The numbers differ between
 * stores; orders mostly agree.
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

import { isPostgres } from './portable.js';
export { isPostgres };

/**
 * An `ftsQuery` match string as a to_tsquery('parley_fts', ...) string:
 * `"deploy"* "x"` becomes `'deploy':* & 'x'`, `"a" OR "b"` becomes
 * `'a' | 'b'`. Only that format is accepted; the words are quoted again, so
 * none is read as tsquery syntax.
 */
export function tsQuery(match: string): string {
  const any = match.includes(' OR ');
  const terms = match.split(any ? ' OR ' : ' ').map((term) => {
    const m = /^"([^"\s]+)"(\*?)$/u.exec(term);
    if (!m) throw new Error(`not a match string of ftsQuery: ${JSON.stringify(match)}`);
    return `'${m[1]!.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${m[2] ? ':*' : ''}`;
  });
  return terms.join(any ? ' | ' : ' & ');
}

/**
 * ts_rank weights {D, C, B, A}: A (name, title) four times B (description,
 * content), like bm25(…, 4.0, 1.0). Normalization 1 divides by 1 + log(words),
 * so a long text's many occurrences count less, like bm25's length term.
 */
const WEIGHTS = sql.lit('{0.1, 0.1, 0.25, 1.0}');
/** Minus ts_rank of `doc` for `query` with the weights above: lower is better, as bm25. */
export const pgRank = (doc: RawBuilder<unknown>, query: RawBuilder<unknown>) => sql<number>`-ts_rank(${WEIGHTS}::float4[], ${doc}, ${query}, 1)`;

/**
 * A full-text index kept beside one table whose rows have a one-column text
 * key: `<table>_fts` (FTS5 external content on SQLite, a tsvector table on
 * PostgreSQL), its first column weighing four times the second. The names are
 * constants of this codebase, never input.
 */
export interface KeyedIndex {
  table: 'topics' | 'worlds' | 'articles';
  key: 'topic_id' | 'world_id' | 'content_id';
}

/**
 * Keys of the rows of `index` that match, best first (ties by key, so pages
 * are stable), at most `limit`. `within` restricts them in the same statement
 * (what the caller may read): a subquery builder, or a raw fragment already in
 * parentheses, placed right after `in`.
 */
export async function rankKeys(
  db: Kysely<Database>,
  index: KeyedIndex,
  match: string,
  within: Expression<unknown>,
  limit: number,
): Promise<Array<{ key: string; rank: number }>> {
  const fts = sql.table(`${index.table}_fts`);
  if (isPostgres(db)) {
    const key = sql.ref(`f.${index.key}`);
    const r = await sql<{ key: string; rank: number }>`
      select ${key} as key, ${pgRank(sql`f.doc`, sql`q`)} as rank
      from ${fts} f, to_tsquery('parley_fts', ${tsQuery(match)}) q
      where f.doc @@ q and ${key} in ${within}
      order by rank, ${key} limit ${limit}`.execute(db);
    return r.rows;
  }
  const key = sql.ref(`t.${index.key}`);
  const r = await sql<{ key: string; rank: number }>`
    select ${key} as key, bm25(${fts}, 4.0, 1.0) as rank
    from ${fts} join ${sql.table(index.table)} t on t.rowid = ${fts}.rowid
    where ${fts} match ${match} and ${key} in ${within}
    order by rank, ${key} limit ${limit}`.execute(db);
  return r.rows;
}

/** Topics whose name or description match, within `visible` (a subquery of topic ids). Name matches weigh more. */
export async function searchTopics(db: Kysely<Database>, match: string, visible: RawBuilder<unknown>, limit: number): Promise<RankedTopic[]> {
  const rows = await rankKeys(db, { table: 'topics', key: 'topic_id' }, match, sql`(${visible})`, limit);
  return rows.map((r) => ({ topic_id: r.key, rank: r.rank }));
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
  if (isPostgres(db)) {
    // PostgreSQL ranks under an aggregate: each topic's best message, in SQL.
    const r = await sql<RankedTopic>`
      select f.topic_id as topic_id, min(${pgRank(sql`f.doc`, sql`q`)}) as rank
      from topic_messages_fts f, to_tsquery('parley_fts', ${tsQuery(match)}) q
      where f.doc @@ q and f.topic_id in (${readable})
      group by f.topic_id
      order by rank, f.topic_id limit ${limit}`.execute(db);
    return r.rows;
  }
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
  if (isPostgres(db)) return pgMessageHits(db, match, topicId, limit);
  const r = await sql<MessageHit>`
    select m.topic_id as topic_id, m.message_id as message_id, m.seq as seq, m.from_id as from_id, m.sent_at as sent_at,
           snippet(topic_messages_fts, -1, '[', ']', '…', 16) as snippet
    from topic_messages_fts join topic_messages m on m.rowid = topic_messages_fts.rowid
    where topic_messages_fts match ${match} and m.topic_id = ${topicId}
    order by bm25(topic_messages_fts, 4.0, 1.0) limit ${limit}`.execute(db);
  return r.rows;
}

/**
 * Like FTS5's snippet(…, '[', ']', '…', 16): about sixteen words around the
 * matches of the column that matched (the content, or the title when only it
 * does), '…' where the text goes on. ts_headline marks the matches; whether
 * the text goes on is found by comparing the headline, marks removed, with
 * the text's start and end. Headlines are made for the `limit` best rows only.
 */
async function pgMessageHits(db: Kysely<Database>, match: string, topicId: string, limit: number): Promise<MessageHit[]> {
  const r = await sql<MessageHit>`
    select b.topic_id as topic_id, b.message_id as message_id, b.seq as seq, b.from_id as from_id, b.sent_at as sent_at,
           case when left(x.text, length(x.plain)) = x.plain then '' else '…' end || h.headline
             || case when right(x.text, length(x.plain)) = x.plain then '' else '…' end as snippet
    from (
      select m.topic_id, m.message_id, m.seq, m.from_id, m.sent_at, m.title, m.content, q, ${pgRank(sql`f.doc`, sql`q`)} as rank
      from topic_messages_fts f
      join topic_messages m on m.topic_id = f.topic_id and m.seq = f.seq
      cross join to_tsquery('parley_fts', ${tsQuery(match)}) q
      where f.doc @@ q and f.topic_id = ${topicId}
      order by rank, m.seq limit ${limit}
    ) b
    cross join lateral (
      select case when b.title is not null and parley_tsvector(b.title) @@ b.q and not parley_tsvector(b.content) @@ b.q
                  then b.title else b.content end as source
    ) s
    cross join lateral (
      select ts_headline('parley_fts', s.source, b.q, 'StartSel=[, StopSel=], MaxWords=16, MinWords=15, ShortWord=0') as headline
    ) h
    cross join lateral (
      select btrim(translate(s.source, '[]', ''), E' \\t\\r\\n') as text, btrim(translate(h.headline, '[]', ''), E' \\t\\r\\n') as plain
    ) x
    order by b.rank, b.seq`.execute(db);
  return r.rows;
}

/** Merges topic and message rankings: a topic's best showing counts. */
export function mergeRanks(...lists: RankedTopic[][]): string[] {
  const best = new Map<string, number>();
  for (const list of lists) for (const t of list) best.set(t.topic_id, Math.min(best.get(t.topic_id) ?? Infinity, Number(t.rank)));
  return [...best.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
}
