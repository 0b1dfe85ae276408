import type { Expression, Kysely } from 'kysely';
import type { Database } from './schema.js';
import { rankKeys } from './search.js';

/**
 * Full-text queries of the content domain (migration 0014 keeps
 * `articles_fts` in step with `articles` by triggers: FTS5 on SQLite, a
 * tsvector table on PostgreSQL). Like search.ts and world-search.ts, all FTS
 * syntax of articles lives here; build match strings with `ftsQuery` from
 * search.ts, so user text is never parsed as FTS syntax. Ranks: lower is
 * better on both stores; a title match weighs four times a body match.
 */

export interface RankedArticle {
  content_id: string;
  /** Lower is better (bm25, or minus ts_rank). */
  rank: number;
}

/** How many matches a search ranks at most; pages are cut from these. */
export const MAX_ARTICLE_MATCHES = 1000;

/**
 * Articles whose title or body match, within `candidates` (a subquery of
 * content ids: what the caller may read, narrowed by author and tag, applied
 * in the statement so a private article never leaves the database for
 * anyone but its author). Best first; ties by id, so pages are stable.
 */
export async function searchArticles(db: Kysely<Database>, match: string, candidates: Expression<unknown>): Promise<RankedArticle[]> {
  const rows = await rankKeys(db, { table: 'articles', key: 'content_id' }, match, candidates, MAX_ARTICLE_MATCHES);
  return rows.map((r) => ({ content_id: r.key, rank: r.rank }));
}
