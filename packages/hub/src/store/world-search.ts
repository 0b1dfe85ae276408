import { sql, type CompiledQuery, type Expression, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { isPostgres, pgRank, rankKeys, tsQuery } from './search.js';

/**
 * Full-text queries of the world domain (migration 0007 keeps `worlds_fts`
 * and `world_members_fts` in step by triggers: FTS5 on SQLite, tsvector
 * tables on PostgreSQL). Like search.ts, all FTS syntax of worlds lives here;
 * build match strings with `ftsQuery` from search.ts so user text is never
 * parsed as FTS syntax. Ranks: lower is better on both stores.
 */

export interface RankedWorld {
  world_id: string;
  /** Lower is better (bm25). */
  rank: number;
}

export interface RankedContext {
  agent_id: string;
  /** Lower is better (bm25). */
  rank: number;
}

/** How many matches a search ranks at most; pages are cut from these. */
export const MAX_WORLD_MATCHES = 1000;

/**
 * Worlds whose name or context match, within `visible` (a subquery of world
 * ids, applied in the statement so hidden worlds never leave the database).
 * Name matches weigh more.
 */
export async function searchWorlds(db: Kysely<Database>, match: string, visible: Expression<unknown>): Promise<RankedWorld[]> {
  const rows = await rankKeys(db, { table: 'worlds', key: 'world_id' }, match, visible, MAX_WORLD_MATCHES);
  return rows.map((r) => ({ world_id: r.key, rank: r.rank }));
}

/**
 * Members of one world whose participant context matches `match`, best first.
 * bm25's term statistics come from every world's contexts; within one world
 * the order is what matters, and that is still term frequency against rarity.
 */
export function rankContexts(db: Kysely<Database>, match: string, worldId: string): CompiledQuery<RankedContext> {
  // Compiled, to run on Sql: world/join ranks the candidates in the transaction that joins.
  if (isPostgres(db)) {
    return sql<RankedContext>`
      select f.agent_id as agent_id, ${pgRank(sql`f.doc`, sql`q`)} as rank
      from world_members_fts f, to_tsquery('parley_fts', ${tsQuery(match)}) q
      where f.doc @@ q and f.world_id = ${worldId}
      order by rank, f.agent_id`.compile(db);
  }
  return sql<RankedContext>`
    select m.agent_id as agent_id, bm25(world_members_fts) as rank
    from world_members_fts join world_members m on m.rowid = world_members_fts.rowid
    where world_members_fts match ${match} and m.world_id = ${worldId}
    order by rank`.compile(db);
}
