import { ErrorCode, MAX_PAGE_BYTES, type ParsedParamsOf, type ResultOf, type World, type WorldRole } from '@parley/protocol';
import { sql as rawSql } from 'kysely';
import { HubError } from '../../core/errors.js';
import { compareKeys, encodeCursor, iso, readCursor } from '../../core/ids.js';
import { boundedPage, fitCount, newestFirst } from '../../core/paging.js';
import type { WorldMembersTable, WorldsTable } from '../../store/schema.js';
import { ftsQuery } from '../../store/search.js';
import { searchWorlds } from '../../store/world-search.js';
import { roleRank } from '../../core/members.js';
import { nextOffset, readOffset, type WorldStats } from './rows.js';
import type { WorldService } from './service.js';

const NO_STATS: WorldStats = { members: 0, online: 0, admins: [] };

type MembershipRow = WorldsTable & { my_role: string; my_context: string; my_joined_at: number };

/**
 * Finding worlds: list (hot or latest), full-text search, the caller's
 * memberships, and a world's member roster for its managers.
 */
export class WorldDiscovery {
  constructor(private readonly worlds: WorldService) {}

  private get db() {
    return this.worlds.db;
  }

  async list(me: string, p: ParsedParamsOf<'world/list'>): Promise<ResultOf<'world/list'>> {
    const visible = this.worlds.discoverableIds(me);
    const countRow = await this.db
      .selectFrom('worlds')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('world_id', 'in', visible)
      .executeTakeFirst();
    const total = Number(countRow?.n ?? 0);
    if (p.sort === 'latest') {
      // Newest first, paged by key: worlds created meanwhile do not shift later pages.
      const q = this.db.selectFrom('worlds').selectAll().where('world_id', 'in', visible);
      const { page, next_cursor } = await newestFirst(q, 'world_id', p.limit, p.cursor);
      return {
        worlds: await this.worlds.worldsFor(me, page),
        total,
        next_cursor,
      };
    }
    // Hot: members online now, then members, then last activity, then newest. Presence
    // moves all the time, so this ranks every visible world and pages by position.
    // Ranked on keys only; the page's worlds (each with up to 8,000 characters of context) are read after.
    const rows = await this.db.selectFrom('worlds').select(['world_id', 'last_activity_at', 'created_at']).where('world_id', 'in', visible).execute();
    const stats = await this.worlds.stats(visible);
    const key = (r: Pick<WorldsTable, 'world_id' | 'last_activity_at' | 'created_at'>): Array<number | string> => {
      const s = stats.get(r.world_id) ?? NO_STATS;
      return [-s.online, -s.members, -Number(r.last_activity_at), -Number(r.created_at)];
    };
    rows.sort((a, b) => compareKeys(key(a), key(b)) || (a.world_id < b.world_id ? 1 : -1));
    const start = readOffset(p.cursor);
    return { ...(await this.pageOf(me, rows.slice(start, start + p.limit).map((r) => r.world_id), start, rows.length)), total };
  }

  /** The worlds of a page of a ranking (ids in rank order), cut to MAX_PAGE_BYTES; the cursor is the position after the last one kept. */
  private async pageOf(me: string, ids: string[], start: number, ranked: number): Promise<{ worlds: World[]; next_cursor: string | null }> {
    const rows = ids.length === 0 ? [] : await this.db.selectFrom('worlds').selectAll().where('world_id', 'in', ids).execute();
    const byId = new Map(rows.map((r) => [r.world_id, r]));
    const worlds = await this.worlds.worldsFor(me, ids.map((id) => byId.get(id)).filter((r): r is WorldsTable => r !== undefined));
    const n = fitCount(worlds, MAX_PAGE_BYTES);
    return { worlds: worlds.slice(0, n), next_cursor: nextOffset(start, n, ranked) };
  }

  async search(me: string, p: ParsedParamsOf<'world/search'>): Promise<ResultOf<'world/search'>> {
    const match = ftsQuery(p.query, 'all');
    if (!match) throw new HubError(ErrorCode.InvalidParams, 'query: give at least one word (letters or digits)');
    const ranked = await searchWorlds(this.db, match, this.worlds.discoverableIds(me));
    const start = readOffset(p.cursor);
    const ids = ranked.slice(start, start + p.limit).map((r) => r.world_id);
    return { ...(await this.pageOf(me, ids, start, ranked.length)), total: ranked.length };
  }

  async memberships(me: string, p: ParsedParamsOf<'world/memberships'>): Promise<ResultOf<'world/memberships'>> {
    const countRow = await this.db
      .selectFrom('world_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', me)
      .executeTakeFirst();
    const start = p.cursor ? readCursor(p.cursor, ['number', 'string']) : null;
    // Each entry carries its world (up to 8,000 characters of context) and the caller's own context: bounded by bytes too.
    const page = await boundedPage(
      (last: MembershipRow | undefined, n) => {
        let q = this.db
          .selectFrom('world_members as m')
          .innerJoin('worlds as w', 'w.world_id', 'm.world_id')
          .selectAll('w')
          .select(['m.role as my_role', 'm.participant_context_text as my_context', 'm.joined_at as my_joined_at'])
          .where('m.agent_id', '=', me);
        const from = last ? ([Number(last.my_joined_at), last.world_id] as const) : start;
        if (from) q = q.where((eb) => eb.or([eb('m.joined_at', '<', from[0]), eb.and([eb('m.joined_at', '=', from[0]), eb('m.world_id', '<', from[1])])]));
        return q.orderBy('m.joined_at', 'desc').orderBy('m.world_id', 'desc').limit(n).execute();
      },
      async (rows) => {
        const worlds = await this.worlds.worldsFor(me, rows);
        return rows.map((r, i) => ({
          world: worlds[i]!,
          role: r.my_role as WorldRole,
          participant_context_text: r.my_context,
          joined_at: iso(Number(r.my_joined_at)),
        }));
      },
      { limit: p.limit, maxBytes: MAX_PAGE_BYTES },
    );
    const last = page.last;
    return {
      memberships: page.items,
      total: Number(countRow?.n ?? 0),
      next_cursor: page.more && last ? encodeCursor([Number(last.my_joined_at), last.world_id]) : null,
    };
  }

  /**
   * Owner, admins, then members by join time, keyset-paged in SQL (the
   * cursor is the last entry's [rank, joined_at, agent_id]) and bounded by
   * bytes: each entry carries up to 4,000 characters of context, and a world
   * may have any number of members, so none of them is read beyond the page.
   */
  async members(me: string, p: ParsedParamsOf<'world/members'>): Promise<ResultOf<'world/members'>> {
    await this.worlds.managed(me, p.world_id);
    const countRow = await this.db
      .selectFrom('world_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('world_id', '=', p.world_id)
      .executeTakeFirst();
    const rank = rawSql<number>`(case role when 'owner' then ${rawSql.lit(roleRank.owner)} when 'admin' then ${rawSql.lit(roleRank.admin)} else ${rawSql.lit(roleRank.member)} end)`;
    const start = p.cursor ? readCursor(p.cursor, ['number', 'number', 'string']) : null;
    const page = await boundedPage(
      (last: (WorldMembersTable & { rank: number }) | undefined, n) => {
        let q = this.db.selectFrom('world_members').selectAll().select(rank.as('rank')).where('world_id', '=', p.world_id);
        const from = last ? ([Number(last.rank), Number(last.joined_at), last.agent_id] as const) : start;
        if (from) q = q.where(rawSql<boolean>`(${rank}, joined_at, agent_id) > (${from[0]}, ${from[1]}, ${from[2]})`);
        return q.orderBy(rank).orderBy('joined_at').orderBy('agent_id').limit(n).execute();
      },
      async (rows) => {
        const names = await this.worlds.agents.namesOf(rows.map((r) => r.agent_id));
        return rows.map((r) => ({
          agent_id: r.agent_id,
          name: names.get(r.agent_id) ?? null,
          role: r.role as WorldRole,
          participant_context_text: r.participant_context_text,
          joined_at: iso(Number(r.joined_at)),
          online: this.worlds.agents.isOnline(r.agent_id),
        }));
      },
      { limit: p.limit, maxBytes: MAX_PAGE_BYTES },
    );
    const last = page.last;
    return {
      members: page.items,
      total: Number(countRow?.n ?? 0),
      next_cursor: page.more && last ? encodeCursor([Number(last.rank), Number(last.joined_at), last.agent_id]) : null,
    };
  }
}
