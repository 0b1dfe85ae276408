import { ErrorCode, type AgentBinding, type BindingMethod, type BoundAgent, type InviteRotated, type InviteState } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { HubError } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import type { BindingsTable, Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { announce, deleteKeysBy, type Revoker } from './keys-store.js';
import { newBindingId, newInviteCode, sameSecret, sha256 } from './secrets.js';

/** Agents one human may be bound to. */
export const MAX_BINDINGS_PER_USER = 100;
/** Humans one agent may be bound to. */
export const MAX_BINDINGS_PER_AGENT = 50;

/** What bindings show of an agent, read through the agent domain's exported functions (never its tables). */
export interface AgentFacts {
  namesOf(agentIds: readonly string[]): Promise<Map<string, string | null>>;
  isOnline(agentId: string): boolean;
  /** [] for an agent that no longer exists. */
  capabilitiesOf(agentId: string): Promise<string[]>;
}

export const notBound = () => new HubError(ErrorCode.Forbidden, 'you are not bound to this agent');

/**
 * Humans bound to agents. A human becomes an agent's primary owner with a
 * claim code the agent itself asked for (`account/claim_code`), or one more
 * owner with the agent's invite code, which any bound human rotates. The
 * runtime that holds the agent's key is the root of trust: a new claim moves
 * "primary" to whoever entered it, and the previous primary stays bound.
 */
export class Bindings {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly agents: AgentFacts,
    private readonly revoker: Revoker,
  ) {}

  /** The human's binding to the agent, or null. Pass a writer job's `tx` to decide inside it. */
  async bindingOf(userId: string, agentId: string, tx: Sql = this.read): Promise<BindingsTable | null> {
    return (await tx.get(this.db.selectFrom('bindings').selectAll().where('user_id', '=', userId).where('agent_id', '=', agentId).compile())) ?? null;
  }

  /** The binding, or 403: every per-agent endpoint asks this first. */
  async requireBinding(userId: string, agentId: string, tx: Sql = this.read): Promise<BindingsTable> {
    const b = await this.bindingOf(userId, agentId, tx);
    if (!b) throw notBound();
    return b;
  }

  /** `POST /v1/account/claim`: the code's agent gets this human as its primary owner. */
  async claim(userId: string, code: string): Promise<BoundAgent> {
    const codeHash = sha256(code);
    const agentId = await this.writer.run(async (tx) => {
      const row = await tx.get(this.db.selectFrom('claim_codes').selectAll().where('code_hash', '=', codeHash).compile());
      if (!row) throw new HubError(ErrorCode.NotFound, 'no such claim code: check it, or ask the agent for a new one');
      if (row.used_by !== null) throw new HubError(ErrorCode.Conflict, 'this claim code was already used: ask the agent for a new one');
      const now = Date.now();
      if (Number(row.expires_at) <= now) throw new HubError(ErrorCode.InvalidParams, 'this claim code has expired: ask the agent for a new one', { reason: 'expired' });
      // Single use, even against a concurrent claim of the same code on another hub.
      const used = await tx.run(
        this.db.updateTable('claim_codes').set({ used_by: userId, used_at: now }).where('code_hash', '=', codeHash).where('used_by', 'is', null).compile(),
      );
      if (used === 0) throw new HubError(ErrorCode.Conflict, 'this claim code was already used: ask the agent for a new one');
      const mine = await this.bindingOf(userId, row.agent_id, tx);
      if (!mine) await this.checkRoom(tx, userId, row.agent_id);
      await tx.run(this.db.updateTable('bindings').set({ is_primary: 0 }).where('agent_id', '=', row.agent_id).where('user_id', '!=', userId).compile());
      if (mine) await tx.run(this.db.updateTable('bindings').set({ is_primary: 1, method: 'claim' }).where('binding_id', '=', mine.binding_id).compile());
      else {
        await tx.run(
          this.db
            .insertInto('bindings')
            .values({ binding_id: newBindingId(), user_id: userId, agent_id: row.agent_id, method: 'claim', is_primary: 1, bound_at: now })
            .compile(),
        );
      }
      return row.agent_id;
    });
    return this.boundAgent(userId, agentId);
  }

  /**
   * `POST /v1/account/invites/accept`. A wrong agent and a wrong code get the
   * same answer, so the endpoint cannot be used to learn which agents have
   * a code waiting. The code is consumed: nobody else can use it.
   */
  async acceptInvite(userId: string, agentId: string, code: string): Promise<BoundAgent> {
    const codeHash = sha256(code);
    await this.writer.run(async (tx) => {
      const row = await tx.get(this.db.selectFrom('agent_invites').select('code_hash').where('agent_id', '=', agentId).compile());
      if (!row || !sameSecret(row.code_hash, codeHash)) throw new HubError(ErrorCode.NotFound, 'no such invite: check the agent id and the code');
      if (await this.bindingOf(userId, agentId, tx)) throw new HubError(ErrorCode.Conflict, 'you are already bound to this agent');
      await this.checkRoom(tx, userId, agentId);
      await tx.run(this.db.deleteFrom('agent_invites').where('agent_id', '=', agentId).compile());
      await tx.run(
        this.db
          .insertInto('bindings')
          .values({ binding_id: newBindingId(), user_id: userId, agent_id: agentId, method: 'invite', is_primary: 0, bound_at: Date.now() })
          .compile(),
      );
    });
    return this.boundAgent(userId, agentId);
  }

  /** A new invite code for the agent; the previous one stops working in the same transaction. */
  async rotateInvite(userId: string, agentId: string): Promise<InviteRotated> {
    const code = newInviteCode();
    const now = Date.now();
    await this.writer.run(async (tx) => {
      await this.requireBinding(userId, agentId, tx);
      await tx.run(
        this.db
          .insertInto('agent_invites')
          .values({ agent_id: agentId, code_hash: sha256(code), created_by: userId, created_at: now })
          .onConflict((oc) => oc.column('agent_id').doUpdateSet({ code_hash: sha256(code), created_by: userId, created_at: now }))
          .compile(),
      );
    });
    return { agent_id: agentId, code, created_at: iso(now) };
  }

  async inviteState(userId: string, agentId: string): Promise<InviteState> {
    await this.requireBinding(userId, agentId);
    const row = await this.read.get(this.db.selectFrom('agent_invites').select('created_at').where('agent_id', '=', agentId).compile());
    return { agent_id: agentId, invite_status: row ? 'active' : 'none', created_at: row ? iso(Number(row.created_at)) : null };
  }

  /** The human's agents (at most MAX_BINDINGS_PER_USER), newest binding first. */
  async agentsOf(userId: string): Promise<BoundAgent[]> {
    const rows = await this.read.all(
      this.db.selectFrom('bindings').selectAll().where('user_id', '=', userId).orderBy('bound_at', 'desc').orderBy('binding_id').limit(MAX_BINDINGS_PER_USER).compile(),
    );
    return this.describe(rows);
  }

  /** The humans bound to an agent the caller is bound to (at most MAX_BINDINGS_PER_AGENT), primary first. */
  async bindingsOf(userId: string, agentId: string): Promise<AgentBinding[]> {
    await this.requireBinding(userId, agentId);
    const rows = await this.read.all(
      this.db
        .selectFrom('bindings')
        .innerJoin('users', 'users.user_id', 'bindings.user_id')
        .select(['bindings.binding_id', 'bindings.user_id', 'bindings.is_primary', 'bindings.method', 'bindings.bound_at', 'users.display_name'])
        .where('bindings.agent_id', '=', agentId)
        .orderBy('bindings.is_primary', 'desc')
        .orderBy('bindings.bound_at')
        .orderBy('bindings.binding_id')
        .limit(MAX_BINDINGS_PER_AGENT)
        .compile(),
    );
    return rows.map((r) => ({
      binding_id: r.binding_id,
      display_name: r.display_name,
      is_primary: Number(r.is_primary) === 1,
      method: r.method as BindingMethod,
      bound_at: iso(Number(r.bound_at)),
      mine: r.user_id === userId,
    }));
  }

  /**
   * Ends the caller's own binding, its keys (what they opened closes at
   * once) and its activity. Never the primary owner's: an agent keeps the
   * human its runtime handed it to until the runtime claims it again.
   */
  async unbind(userId: string, agentId: string): Promise<void> {
    await this.writer.run(
      async (tx) => {
        const b = await this.requireBinding(userId, agentId, tx);
        if (Number(b.is_primary) === 1) throw new HubError(ErrorCode.Conflict, 'the primary owner cannot unbind');
        await tx.run(this.db.deleteFrom('bindings').where('binding_id', '=', b.binding_id).compile());
        await tx.run(this.db.deleteFrom('binding_actions').where('binding_id', '=', b.binding_id).compile());
        return deleteKeysBy(this.db, tx, 'binding_id', [b.binding_id]);
      },
      (revoked) => announce(this.revoker, revoked),
    );
  }

  /** One agent's BoundAgent for the human just bound to it. */
  private async boundAgent(userId: string, agentId: string): Promise<BoundAgent> {
    const row = await this.bindingOf(userId, agentId);
    // Bound a moment ago; gone only if an unbind raced it.
    if (!row) throw notBound();
    return (await this.describe([row]))[0]!;
  }

  private async describe(rows: BindingsTable[]): Promise<BoundAgent[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.agent_id);
    const names = await this.agents.namesOf(ids);
    const invites = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 500) {
      const got = await this.read.all(this.db.selectFrom('agent_invites').select(['agent_id', 'created_at']).where('agent_id', 'in', ids.slice(i, i + 500)).compile());
      for (const r of got) invites.set(r.agent_id, Number(r.created_at));
    }
    const caps = await Promise.all(ids.map((id) => this.agents.capabilitiesOf(id)));
    return rows.map((r, i) => {
      const invitedAt = invites.get(r.agent_id);
      return {
        binding_id: r.binding_id,
        agent_id: r.agent_id,
        agent_name: names.get(r.agent_id) ?? null,
        online: this.agents.isOnline(r.agent_id),
        capabilities: caps[i]!,
        is_primary: Number(r.is_primary) === 1,
        method: r.method as BindingMethod,
        bound_at: iso(Number(r.bound_at)),
        invite_status: invitedAt === undefined ? 'none' : 'active',
        invite_created_at: invitedAt === undefined ? null : iso(invitedAt),
      };
    });
  }

  /** A new binding must fit both bounds: the human's agents and the agent's humans. */
  private async checkRoom(tx: Sql, userId: string, agentId: string): Promise<void> {
    const count = async (column: 'user_id' | 'agent_id', value: string) =>
      Number((await tx.get(this.db.selectFrom('bindings').select((eb) => eb.fn.countAll<number>().as('n')).where(column, '=', value).compile()))!.n);
    if ((await count('user_id', userId)) >= MAX_BINDINGS_PER_USER) {
      throw new HubError(ErrorCode.Conflict, `you are bound to ${MAX_BINDINGS_PER_USER} agents, the most one account may be: unbind one first`, { limit: MAX_BINDINGS_PER_USER });
    }
    if ((await count('agent_id', agentId)) >= MAX_BINDINGS_PER_AGENT) {
      throw new HubError(ErrorCode.Conflict, `this agent has ${MAX_BINDINGS_PER_AGENT} humans bound, the most it may have`, { limit: MAX_BINDINGS_PER_AGENT });
    }
  }
}
