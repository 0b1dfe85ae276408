import { DEFAULT_EPISODE_POLICY, type ContactPolicy, type ParsedParamsOf, type World, type WorldRole } from '@parley/protocol';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import { conflict, forbidden, notFound } from '../../core/errors.js';
import { newWorldId } from '../../core/ids.js';
import type { Streams } from '../../core/streams.js';
import { respond } from '../../core/unit.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, WorldsTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { isManager } from '../../core/members.js';
import { toWorld, type WorldStats } from './rows.js';

const roleQuery = precompiled(2, (db, worldId: string, agentId: string) =>
  db.selectFrom('world_members').select('role').where('world_id', '=', worldId).where('agent_id', '=', agentId),
);
const inviteQuery = precompiled(2, (db, worldId: string, agentId: string) =>
  db.selectFrom('world_invites').select('by_id').where('world_id', '=', worldId).where('agent_id', '=', agentId),
);
const statusQuery = precompiled(1, (db, worldId: string) => db.selectFrom('worlds').select('status').where('world_id', '=', worldId));
const banQuery = precompiled(2, (db, worldId: string, agentId: string) =>
  db.selectFrom('world_bans').select('by_id').where('world_id', '=', worldId).where('agent_id', '=', agentId),
);
const worldQuery = precompiled(1, (db, worldId: string) => db.selectFrom('worlds').selectAll().where('world_id', '=', worldId));
const rolesQuery = precompiled(1, (db, worldId: string) =>
  db.selectFrom('world_members').select(['world_id', 'agent_id', 'role']).where('world_id', '=', worldId).orderBy('joined_at'),
);
const namesQuery = (db: Kysely<Database>, ids: readonly string[]) => db.selectFrom('agents').select(['agent_id', 'name']).where('agent_id', 'in', ids).compile();

/** What the world domain needs from the agent domain. */
export interface WorldAgents {
  namesOf(agentIds: readonly string[]): Promise<Map<string, string | null>>;
  contactPolicyOf(agentId: string): Promise<ContactPolicy | null>;
  isOnline(agentId: string): boolean;
}

/**
 * Another domain's part in a moderation change (chat ends conversations),
 * run inside the change's transaction; each returns what to do after the commit.
 */
export interface WorldModerationHooks {
  bannedWithin(tx: Sql, worldId: string, agentId: string, now: number): Promise<() => void>;
  pausedWithin(tx: Sql, worldId: string, now: number): Promise<() => void>;
}

export interface WorldAccess {
  row: WorldsTable;
  role: WorldRole | null;
}

/** A subquery of world ids, for `where world_id in (...)`. */
export type WorldIdQuery = SelectQueryBuilder<Database, 'worlds' | 'world_members', { world_id: string }>;

/**
 * Worlds: the world itself, its wire shape, and the access checks every world
 * action shares (visible, member, managed). Membership, discovery, candidates
 * and moderation build on it.
 */
export class WorldService {
  readonly hooks: WorldModerationHooks[] = [];

  constructor(
    readonly db: Kysely<Database>,
    readonly read: Sql,
    readonly writer: Writer,
    readonly streams: Streams,
    readonly agents: WorldAgents,
  ) {}

  // ---- lookups (`tx` may be a writer job's, to check inside its transaction) ----

  async roleOf(worldId: string, agentId: string, tx: Sql = this.read): Promise<WorldRole | null> {
    return ((await tx.get(roleQuery(this.db, worldId, agentId)))?.role as WorldRole | undefined) ?? null;
  }

  async isInvited(worldId: string, agentId: string, tx: Sql = this.read): Promise<boolean> {
    return (await tx.get(inviteQuery(this.db, worldId, agentId))) !== undefined;
  }

  /** null when the world does not exist. */
  async statusOf(worldId: string, tx: Sql = this.read): Promise<'enabled' | 'paused' | null> {
    return ((await tx.get(statusQuery(this.db, worldId)))?.status as 'enabled' | 'paused' | undefined) ?? null;
  }

  async isBanned(worldId: string, agentId: string, tx: Sql = this.read): Promise<boolean> {
    return (await tx.get(banQuery(this.db, worldId, agentId))) !== undefined;
  }

  /** Throws `forbidden` when the agent is banned; for use inside writer jobs, so a ban racing a join wins. */
  async assertNotBanned(worldId: string, agentId: string, tx: Sql = this.read): Promise<void> {
    if (await this.isBanned(worldId, agentId, tx)) throw forbidden('you are banned from this world');
  }

  /** Display names (unknown ids left out), read in `tx`: answers built inside a writer job need them there. */
  async namesWithin(tx: Sql, agentIds: readonly string[]): Promise<Map<string, string | null>> {
    if (agentIds.length === 0) return new Map();
    return new Map((await tx.all(namesQuery(this.db, agentIds))).map((r) => [r.agent_id, r.name]));
  }

  // ---- access checks ------------------------------------------------------

  /** A private world does not exist for anyone but its members and invited agents. */
  async visible(me: string, worldId: string): Promise<WorldAccess> {
    const row = await this.db.selectFrom('worlds').selectAll().where('world_id', '=', worldId).executeTakeFirst();
    if (!row) throw notFound('world');
    const role = await this.roleOf(worldId, me);
    if (row.visibility === 'private' && !role && !(await this.isInvited(worldId, me))) throw notFound('world');
    return { row, role };
  }

  /** Visible, and the caller is a member. */
  async member(me: string, worldId: string): Promise<WorldAccess & { role: WorldRole }> {
    const access = await this.visible(me, worldId);
    if (!access.role) throw forbidden('join the world first');
    return { row: access.row, role: access.role };
  }

  /** Visible, and the caller is its owner or an admin. */
  async managed(me: string, worldId: string): Promise<WorldAccess & { role: WorldRole }> {
    const access = await this.visible(me, worldId);
    if (!access.role || !isManager(access.role)) throw forbidden('only the owner and admins of the world may do this');
    return { row: access.row, role: access.role };
  }

  /**
   * Worlds the caller finds in list and search: public enabled worlds it is
   * not banned from, and every world it belongs to (paused or private).
   */
  discoverableIds(me: string): WorldIdQuery {
    return this.db
      .selectFrom('worlds')
      .select('world_id')
      .where('visibility', '=', 'public')
      .where('status', '=', 'enabled')
      .where('world_id', 'not in', this.db.selectFrom('world_bans').select('world_id').where('agent_id', '=', me))
      .union(this.db.selectFrom('world_members').select('world_id').where('agent_id', '=', me)) as WorldIdQuery;
  }

  // ---- wire shapes --------------------------------------------------------

  /** Member, online and admin counts of the given worlds (ids, or a subquery of them). */
  async stats(worlds: readonly string[] | WorldIdQuery): Promise<Map<string, WorldStats>> {
    const out = new Map<string, WorldStats>();
    if (Array.isArray(worlds) && worlds.length === 0) return out;
    const q = this.db.selectFrom('world_members').select(['world_id', 'agent_id', 'role']).orderBy('joined_at');
    // A subquery, not a list of ids, when ranking every visible world: no limit on bound parameters.
    const rows = await (Array.isArray(worlds) ? q.where('world_id', 'in', worlds as readonly string[]) : q.where('world_id', 'in', worlds as WorldIdQuery)).execute();
    for (const r of rows) this.count(out, r);
    return out;
  }

  /** Adds one member row (in joined_at order) to its world's stats. */
  private count(out: Map<string, WorldStats>, r: { world_id: string; agent_id: string; role: string }): void {
    let s = out.get(r.world_id);
    if (!s) out.set(r.world_id, (s = { members: 0, online: 0, admins: [] }));
    s.members++;
    if (this.agents.isOnline(r.agent_id)) s.online++;
    if (r.role === 'admin') s.admins.push(r.agent_id);
  }

  /** The world as `me` sees it (what world/get answers), read in `tx`: a change answers with the rows it wrote. */
  async worldWithin(tx: Sql, me: string, worldId: string): Promise<World> {
    const row = await tx.get(worldQuery(this.db, worldId));
    if (!row) throw notFound('world');
    const stats = new Map<string, WorldStats>();
    const members = await tx.all(rolesQuery(this.db, worldId));
    for (const r of members) this.count(stats, r);
    const role = (members.find((r) => r.agent_id === me)?.role as WorldRole | undefined) ?? null;
    return toWorld(row, stats.get(worldId) ?? { members: 0, online: 0, admins: [] }, role);
  }

  async worldsFor(me: string, rows: readonly WorldsTable[]): Promise<World[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.world_id);
    const stats = await this.stats(ids);
    const roles = new Map<string, WorldRole>();
    const rs = await this.db.selectFrom('world_members').select(['world_id', 'role']).where('agent_id', '=', me).where('world_id', 'in', ids).execute();
    for (const r of rs) roles.set(r.world_id, r.role as WorldRole);
    return rows.map((r) => toWorld(r, stats.get(r.world_id) ?? { members: 0, online: 0, admins: [] }, roles.get(r.world_id) ?? null));
  }

  // ---- actions ------------------------------------------------------------

  async create(me: string, p: ParsedParamsOf<'world/create'>): Promise<World> {
    const worldId = newWorldId();
    const now = Date.now();
    const policy = { ...DEFAULT_EPISODE_POLICY, ...p.episode_policy };
    return this.writer.run(async (tx) => {
      await tx.run(
        this.db
          .insertInto('worlds')
          .values({
            world_id: worldId,
            display_name: p.display_name,
            world_context_text: p.world_context_text,
            participant_context_field: p.participant_context_field,
            visibility: p.visibility,
            join_policy: p.join_policy,
            status: 'enabled',
            owner_id: me,
            ...policy,
            created_at: now,
            updated_at: now,
            last_activity_at: now,
          })
          .compile(),
      );
      await tx.run(
        this.db
          .insertInto('world_members')
          .values({ world_id: worldId, agent_id: me, role: 'owner', participant_context_text: p.participant_context_text ?? '', joined_at: now })
          .compile(),
      );
      return await respond(tx, await this.worldWithin(tx, me, worldId));
    });
  }

  async get(me: string, worldId: string): Promise<World> {
    const { row } = await this.visible(me, worldId);
    return (await this.worldsFor(me, [row]))[0]!;
  }

  async update(me: string, p: ParsedParamsOf<'world/update'>): Promise<World> {
    await this.managed(me, p.world_id);
    const now = Date.now();
    const set: Partial<WorldsTable> = { updated_at: now, last_activity_at: now };
    if (p.display_name !== undefined) set.display_name = p.display_name;
    if (p.world_context_text !== undefined) set.world_context_text = p.world_context_text;
    if (p.participant_context_field !== undefined) set.participant_context_field = p.participant_context_field;
    if (p.visibility !== undefined) set.visibility = p.visibility;
    if (p.join_policy !== undefined) set.join_policy = p.join_policy;
    // Only the policy fields given change; the others keep their stored value.
    if (p.episode_policy) Object.assign(set, p.episode_policy);
    return this.writer.run(async (tx) => {
      if ((await tx.run(this.db.updateTable('worlds').set(set).where('world_id', '=', p.world_id).compile())) === 0) throw notFound('world');
      return await respond(tx, await this.worldWithin(tx, me, p.world_id));
    });
  }

  /**
   * pause / resume, in the caller's transaction: `conflict` when the world
   * already has that status. Returns what the other domains do after the commit.
   */
  async setStatusWithin(tx: Sql, worldId: string, status: 'enabled' | 'paused', now: number): Promise<Array<() => void>> {
    const changed = await tx.run(
      this.db
        .updateTable('worlds')
        .set({ status, updated_at: now, last_activity_at: now })
        .where('world_id', '=', worldId)
        .where('status', '!=', status)
        .compile(),
    );
    if (changed === 0) throw conflict(`the world is already ${status}`);
    const after: Array<() => void> = [];
    if (status === 'paused') for (const h of this.hooks) after.push(await h.pausedWithin(tx, worldId, now));
    return after;
  }

  /** Joins, broadcasts and changes make a world "active" for the hot sort. */
  async touchWithin(tx: Sql, worldId: string, at: number): Promise<void> {
    await tx.run(this.db.updateTable('worlds').set({ last_activity_at: at }).where('world_id', '=', worldId).compile());
  }

  /** Owner and admins: who hears of join requests. Read in the caller's transaction. */
  async managerIdsWithin(tx: Sql, worldId: string): Promise<string[]> {
    return (
      await tx.all(this.db.selectFrom('world_members').select('agent_id').where('world_id', '=', worldId).where('role', 'in', ['owner', 'admin']).compile())
    ).map((r) => r.agent_id);
  }
}
