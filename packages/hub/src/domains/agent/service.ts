import { type AgentProfile, type ContactPolicy, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import { newestFirst } from '../../core/paging.js';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { notFound } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import { respond } from '../../core/unit.js';
import { containsLiteral, containsText } from '../../store/portable.js';
import { precompiled } from '../../store/precompiled.js';
import type { AgentsTable, Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';

/** Presence comes from the session registry; the domain never sees sockets. */
export interface Presence {
  isOnline(agentId: string): boolean;
  onlineAgents(): string[];
}

/** Agent profiles, capabilities and presence. Other domains use the exported functions only. */
// On every p2p/send: compiled once (see precompiled.ts).
const contactPolicy = precompiled(1, (db, agentId: string) =>
  db.selectFrom('agents').select(['contact_policy', 'world_requests_only']).where('agent_id', '=', agentId),
);

/** Who may ask an agent for a chat. */
export interface ContactRules {
  policy: ContactPolicy;
  worldRequestsOnly: boolean;
}
// On every delegate/request (and failover): over the agent_capabilities_cap index.
const publicKeyQuery = precompiled(1, (db, agentId: string) => db.selectFrom('agents').select('public_key').where('agent_id', '=', agentId));
const touchAgent = precompiled(2, (db, agentId: string, at: number) => db.updateTable('agents').set({ last_seen_at: at }).where('agent_id', '=', agentId));
const advertisers = precompiled(1, (db, capability: string) =>
  db.selectFrom('agent_capabilities').select('agent_id').where('capability', '=', capability).orderBy('agent_id'),
);

export class AgentService {
  /** last_seen_at not yet written, latest per agent; one deferred writer job flushes them all. */
  readonly #seen = new Map<string, number>();
  /** Times a flush has taken but not yet committed. */
  readonly #flushing = new Map<string, number>();
  #seenFlush: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly presence: Presence,
  ) {}

  /** Inside the registration's writer job (core/auth.ts). */
  async upsert(tx: Sql, agentId: string, publicKey: string, name: string | undefined): Promise<void> {
    await tx.run(
      this.db
        .insertInto('agents')
        .values({ agent_id: agentId, public_key: publicKey, name: name ?? null, description: null, contact_policy: 'open', world_requests_only: 0, created_at: Date.now(), last_seen_at: null })
        .onConflict((oc) => (name === undefined ? oc.column('agent_id').doNothing() : oc.column('agent_id').doUpdateSet({ name })))
        .compile(),
    );
  }

  /** Asked on every connect (challenge answer) and token request. */
  async publicKeyOf(agentId: string): Promise<string | null> {
    return (await this.read.get(publicKeyQuery(this.db, agentId)))?.public_key ?? null;
  }

  /** For other domains: null when the agent does not exist. One precompiled statement: asked on every p2p/send. */
  async contactPolicyOf(agentId: string): Promise<ContactPolicy | null> {
    const row = await this.read.get(contactPolicy(this.db, agentId));
    return (row?.contact_policy as ContactPolicy | undefined) ?? null;
  }

  /** For the chat domain: null when the agent does not exist. Pass a writer job's `tx` to read inside its transaction. */
  async contactRulesOf(agentId: string, tx: Sql = this.read): Promise<ContactRules | null> {
    const row = await tx.get(contactPolicy(this.db, agentId));
    return row ? { policy: row.contact_policy as ContactPolicy, worldRequestsOnly: Number(row.world_requests_only) === 1 } : null;
  }

  /**
   * For other domains (delegate routing): the agents online right now that
   * advertise `capability`, by agent id. One precompiled statement, asked
   * on every delegate/request; pass a writer job's `tx` to read inside its
   * transaction (task routing decides there).
   */
  async onlineWithCapability(capability: string, tx: Sql = this.read): Promise<string[]> {
    return (await tx.all(advertisers(this.db, capability))).map((r) => r.agent_id).filter((id) => this.presence.isOnline(id));
  }

  /** For other domains: whether the agent has an open session now. */
  isOnline(agentId: string): boolean {
    return this.presence.isOnline(agentId);
  }

  /**
   * Display names for other domains (members lists, conversations, exports); unknown ids are left out.
   * Inside a writer job, pass its `tx` (governance names applicants in the pushes it stages).
   */
  async namesOf(agentIds: readonly string[], tx: Sql = this.read): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const ids = [...new Set(agentIds)];
    // Chunked: SQLite caps bound parameters per statement.
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await tx.all(this.db.selectFrom('agents').select(['agent_id', 'name']).where('agent_id', 'in', ids.slice(i, i + 500)).compile());
      for (const r of rows) out.set(r.agent_id, r.name);
    }
    return out;
  }

  /** Ids of agents whose name contains `text` (case aside, wildcards taken literally), as a subquery for other domains' searches. */
  namedLike(text: string): RawBuilder<unknown> {
    return sql`select agent_id from agents where ${containsLiteral('name', text)}`;
  }

  /**
   * Records when the agent was last seen (on connect and disconnect). Merged
   * and deferred like read cursors: a reconnect storm of a thousand agents
   * costs one write riding with the next batch, not a thousand transactions;
   * a crash loses at most the last few timestamps.
   */
  touch(agentId: string, at = Date.now()): Promise<void> {
    this.#seen.set(agentId, Math.max(at, this.#seen.get(agentId) ?? 0));
    if (this.#seenFlush) return this.#seenFlush;
    // Taken once, on the job's first run: a run again (after a transient conflict) writes the same times.
    let seen: Array<[string, number]> | null = null;
    const flush: Promise<void> = this.writer.defer(async (tx) => {
      // From here on, new touches start the next flush.
      if (this.#seenFlush === flush) this.#seenFlush = null;
      if (seen === null) {
        seen = [...this.#seen];
        this.#seen.clear();
        for (const [id, when] of seen) this.#flushing.set(id, Math.max(when, this.#flushing.get(id) ?? 0));
      }
      for (const [id, when] of seen) await tx.run(touchAgent(this.db, id, when));
    });
    this.#seenFlush = flush;
    // Committed (or lost with its batch): the rows say it now, or nothing will.
    const settled = () => {
      for (const [id, when] of seen ?? []) if (this.#flushing.get(id) === when) this.#flushing.delete(id);
    };
    flush.then(settled, () => {
      settled();
      // If the batch failed before this job ran, the next touch must start a new flush.
      if (this.#seenFlush === flush) this.#seenFlush = null;
    });
    return flush;
  }

  /**
   * last_seen_at as this hub knows it: the row, or a later time not yet
   * written (the write is deferred), so a profile never says "offline, never
   * seen" for an agent that just left.
   */
  #lastSeen(agentId: string, stored: number | string | null): string | null {
    const at = Math.max(stored === null ? 0 : Number(stored), this.#seen.get(agentId) ?? 0, this.#flushing.get(agentId) ?? 0);
    return at === 0 ? null : iso(at);
  }

  async profile(agentId: string): Promise<AgentProfile> {
    const row = await this.db.selectFrom('agents').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
    if (!row) throw notFound('agent');
    return (await this.toProfiles([row]))[0]!;
  }

  async list(p: ParsedParamsOf<'agent/list'>): Promise<ResultOf<'agent/list'>> {
    let q = this.db.selectFrom('agents').selectAll();
    if (p.query) q = q.where(containsText('name', p.query));
    if (p.capability) {
      const cap = p.capability;
      q = q.where('agent_id', 'in', (eb) => eb.selectFrom('agent_capabilities').select('agent_id').where('capability', '=', cap));
    }
    if (p.online !== undefined) {
      const online = this.presence.onlineAgents();
      if (p.online) {
        if (online.length === 0) return { agents: [], next_cursor: null };
        q = q.where('agent_id', 'in', online);
      } else if (online.length > 0) q = q.where('agent_id', 'not in', online);
    }
    const { page, next_cursor } = await newestFirst(q, 'agent_id', p.limit, p.cursor);
    return {
      agents: await this.toProfiles(page),
      next_cursor,
    };
  }

  async update(agentId: string, p: ParsedParamsOf<'agent/update'>): Promise<AgentProfile> {
    return this.writer.run(async (tx) => {
      const set: Partial<AgentsTable> = {};
      if (p.name !== undefined) set.name = p.name;
      if (p.description !== undefined) set.description = p.description;
      if (p.contact_policy !== undefined) set.contact_policy = p.contact_policy;
      if (p.world_requests_only !== undefined) set.world_requests_only = p.world_requests_only ? 1 : 0;
      if (Object.keys(set).length > 0) await tx.run(this.db.updateTable('agents').set(set).where('agent_id', '=', agentId).compile());
      if (p.capabilities !== undefined) {
        await tx.run(this.db.deleteFrom('agent_capabilities').where('agent_id', '=', agentId).compile());
        const caps = [...new Set(p.capabilities)];
        if (caps.length > 0) await tx.run(this.db.insertInto('agent_capabilities').values(caps.map((capability) => ({ agent_id: agentId, capability }))).compile());
      }
      // The profile as this transaction leaves it is the answer.
      const row = await tx.get(this.db.selectFrom('agents').selectAll().where('agent_id', '=', agentId).compile());
      if (!row) throw notFound('agent');
      const capRows = await tx.all(this.capabilitiesQuery([agentId]).compile());
      return await respond(tx, this.rowsToProfiles([row], capRows)[0]!);
    });
  }

  private capabilitiesQuery(ids: string[]) {
    return this.db.selectFrom('agent_capabilities').selectAll().where('agent_id', 'in', ids).orderBy('capability');
  }

  private async toProfiles(rows: AgentsTable[]): Promise<AgentProfile[]> {
    const ids = rows.map((r) => r.agent_id);
    return this.rowsToProfiles(rows, ids.length > 0 ? await this.capabilitiesQuery(ids).execute() : []);
  }

  private rowsToProfiles(rows: AgentsTable[], capRows: Array<{ agent_id: string; capability: string }>): AgentProfile[] {
    const caps = new Map<string, string[]>();
    for (const c of capRows) caps.set(c.agent_id, [...(caps.get(c.agent_id) ?? []), c.capability]);
    return rows.map((r) => ({
      agent_id: r.agent_id,
      public_key: r.public_key,
      name: r.name,
      description: r.description,
      capabilities: caps.get(r.agent_id) ?? [],
      contact_policy: r.contact_policy as ContactPolicy,
      world_requests_only: Number(r.world_requests_only) === 1,
      online: this.presence.isOnline(r.agent_id),
      created_at: iso(Number(r.created_at)),
      last_seen_at: this.#lastSeen(r.agent_id, r.last_seen_at),
    }));
  }
}
