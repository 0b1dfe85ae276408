import { MAX_PAGE_BYTES, type ResultOf, type WorldCandidate, type WorldRole } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { fitCount } from '../../core/paging.js';
import { iso } from '../../core/ids.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import { ftsQuery } from '../../store/search.js';
import { rankContexts } from '../../store/world-search.js';
import { nextOffset, readOffset } from './rows.js';
import type { WorldService } from './service.js';

// Ranking needs the members' keys only: their contexts (up to 4,000 characters each) are read for the page alone.
const membersQuery = precompiled(1, (db, worldId: string) => db.selectFrom('world_members').select(['agent_id', 'role', 'joined_at']).where('world_id', '=', worldId));
const contextsOf = (db: Kysely<Database>, worldId: string, agentIds: string[]) =>
  db.selectFrom('world_members').select(['agent_id', 'participant_context_text']).where('world_id', '=', worldId).where('agent_id', 'in', agentIds).compile();

/** Context texts are long; more of their words take part in matching than in a typed search. */
const CONTEXT_TERMS = 48;

type CandidatePage = { candidates: WorldCandidate[]; next_cursor: string | null };

/**
 * world/candidates: the other members online now, ranked by how well their
 * participant context matches the caller's. The score is bm25 over the
 * members' contexts with the caller's words as an any-word query (FTS5 gives
 * lower-is-better; we return its negation, so higher is better and 0 is "no
 * word in common"). Ties and non-matches go most recently joined first.
 */
export class WorldCandidates {
  constructor(private readonly worlds: WorldService) {}

  async candidates(me: string, worldId: string, limit: number, cursor: string | undefined): Promise<ResultOf<'world/candidates'>> {
    const { row } = await this.worlds.member(me, worldId);
    // A paused world offers nobody: chats are not started in it until it resumes.
    if (row.status === 'paused') return { world_id: worldId, candidates: [], next_cursor: null };
    return { world_id: worldId, ...(await this.page(this.worlds.read, me, worldId, limit, cursor)) };
  }

  /**
   * The ranked page, read in `tx`; the caller must be a member of an enabled
   * world (world/join ranks them in the transaction that joins, as its answer).
   */
  async page(tx: Sql, me: string, worldId: string, limit: number, cursor: string | undefined): Promise<CandidatePage> {
    const { db, agents } = this.worlds;
    const members = await tx.all(membersQuery(db, worldId));
    const online = members.filter((m) => m.agent_id !== me && agents.isOnline(m.agent_id));
    const scores = new Map<string, number>();
    const mine = await tx.get(contextsOf(db, worldId, [me]));
    const match = mine ? ftsQuery(mine.participant_context_text, 'any', CONTEXT_TERMS) : null;
    if (match && online.length > 0) {
      for (const r of await tx.all(rankContexts(db, match, worldId))) scores.set(r.agent_id, Math.max(0, -Number(r.rank)));
    }
    const ranked = online
      .map((m) => ({ m, score: scores.get(m.agent_id) ?? 0 }))
      .sort((a, b) => b.score - a.score || Number(b.m.joined_at) - Number(a.m.joined_at) || (a.m.agent_id < b.m.agent_id ? -1 : 1));
    // Presence and scores move between pages, so the cursor is a position in the ranking, not a key.
    const start = readOffset(cursor);
    const page = ranked.slice(start, start + limit);
    const names = await this.worlds.namesWithin(tx, page.map((c) => c.m.agent_id));
    const contexts = new Map(
      page.length === 0 ? [] : (await tx.all(contextsOf(db, worldId, page.map((c) => c.m.agent_id)))).map((r) => [r.agent_id, r.participant_context_text]),
    );
    const candidates = page.map(({ m, score }) => ({
      target_agent_id: m.agent_id,
      name: names.get(m.agent_id) ?? null,
      role: m.role as WorldRole,
      participant_context_text: contexts.get(m.agent_id) ?? '',
      score,
      joined_at: iso(Number(m.joined_at)),
    }));
    // Up to 100 contexts of 4,000 characters: the page also stops at MAX_PAGE_BYTES, and the cursor after the last one kept.
    const n = fitCount(candidates, MAX_PAGE_BYTES);
    return { candidates: candidates.slice(0, n), next_cursor: nextOffset(start, n, ranked.length) };
  }
}
