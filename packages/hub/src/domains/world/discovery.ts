import { ErrorCode, type ParsedParamsOf, type ResultOf, type WorldRole } from '@parley/protocol';
import { HubError } from '../../core/errors.js';
import { compareKeys, encodeCursor, iso, readCursor } from '../../core/ids.js';
import { newestFirst } from '../../core/paging.js';
import type { WorldsTable } from '../../store/schema.js';
import { ftsQuery } from '../../store/search.js';
import { searchWorlds } from '../../store/world-search.js';
import { memberPage } from '../../core/members.js';
import { nextOffset, readOffset, type WorldStats } from './rows.js';
import type { WorldService } from './service.js';

const NO_STATS: WorldStats = { members: 0, online: 0, admins: [] };

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
    const rows = await this.db.selectFrom('worlds').selectAll().where('world_id', 'in', visible).execute();
    const stats = await this.worlds.stats(visible);
    const key = (r: WorldsTable): Array<number | string> => {
      const s = stats.get(r.world_id) ?? NO_STATS;
      return [-s.online, -s.members, -Number(r.last_activity_at), -Number(r.created_at)];
    };
    rows.sort((a, b) => compareKeys(key(a), key(b)) || (a.world_id < b.world_id ? 1 : -1));
    const start = readOffset(p.cursor);
    return {
      worlds: await this.worlds.worldsFor(me, rows.slice(start, start + p.limit)),
      total,
      next_cursor: nextOffset(start, p.limit, rows.length),
    };
  }

  async search(me: string, p: ParsedParamsOf<'world/search'>): Promise<ResultOf<'world/search'>> {
    const match = ftsQuery(p.query, 'all');
    if (!match) throw new HubError(ErrorCode.InvalidParams, 'query: give at least one word (letters or digits)');
    const ranked = await searchWorlds(this.db, match, this.worlds.discoverableIds(me));
    const start = readOffset(p.cursor);
    const ids = ranked.slice(start, start + p.limit).map((r) => r.world_id);
    const rows = ids.length === 0 ? [] : await this.db.selectFrom('worlds').selectAll().where('world_id', 'in', ids).execute();
    const byId = new Map(rows.map((r) => [r.world_id, r]));
    const page = ids.map((id) => byId.get(id)).filter((r): r is WorldsTable => r !== undefined);
    return { worlds: await this.worlds.worldsFor(me, page), total: ranked.length, next_cursor: nextOffset(start, p.limit, ranked.length) };
  }

  async memberships(me: string, p: ParsedParamsOf<'world/memberships'>): Promise<ResultOf<'world/memberships'>> {
    const countRow = await this.db
      .selectFrom('world_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', me)
      .executeTakeFirst();
    let q = this.db
      .selectFrom('world_members as m')
      .innerJoin('worlds as w', 'w.world_id', 'm.world_id')
      .selectAll('w')
      .select(['m.role as my_role', 'm.participant_context_text as my_context', 'm.joined_at as my_joined_at'])
      .where('m.agent_id', '=', me);
    if (p.cursor) {
      const [at, id] = readCursor(p.cursor, ['number', 'string']);
      q = q.where((eb) => eb.or([eb('m.joined_at', '<', at), eb.and([eb('m.joined_at', '=', at), eb('m.world_id', '<', id)])]));
    }
    const rows = await q.orderBy('m.joined_at', 'desc').orderBy('m.world_id', 'desc').limit(p.limit + 1).execute();
    const page = rows.slice(0, p.limit);
    const worlds = await this.worlds.worldsFor(me, page);
    const last = page[page.length - 1];
    return {
      memberships: page.map((r, i) => ({
        world: worlds[i]!,
        role: r.my_role as WorldRole,
        participant_context_text: r.my_context,
        joined_at: iso(Number(r.my_joined_at)),
      })),
      total: Number(countRow?.n ?? 0),
      next_cursor: rows.length > p.limit && last ? encodeCursor([Number(last.my_joined_at), last.world_id]) : null,
    };
  }

  async members(me: string, p: ParsedParamsOf<'world/members'>): Promise<ResultOf<'world/members'>> {
    await this.worlds.managed(me, p.world_id);
    const rows = await this.db.selectFrom('world_members').selectAll().where('world_id', '=', p.world_id).execute();
    const { page, next_cursor } = memberPage(rows, p.cursor, p.limit);
    const names = await this.worlds.agents.namesOf(page.map((r) => r.agent_id));
    return {
      members: page.map((r) => ({
        agent_id: r.agent_id,
        name: names.get(r.agent_id) ?? null,
        role: r.role as WorldRole,
        participant_context_text: r.participant_context_text,
        joined_at: iso(Number(r.joined_at)),
        online: this.worlds.agents.isOnline(r.agent_id),
      })),
      total: rows.length,
      next_cursor,
    };
  }
}
