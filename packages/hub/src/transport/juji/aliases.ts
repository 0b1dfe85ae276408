import { createHash, randomBytes } from 'node:crypto';
import { agentIdFromPublicKey } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';

/** What the Juji edge knows of an alias: whose it is and the ws_token last issued for it. */
export interface AliasRow {
  alias: number;
  agentId: string;
  publicKey: string;
  name: string | null;
  wsTokenHash: string;
}

export const hashWsToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Integer aliases of Parley agents for Juji's clients, which treat agent_id as
 * an integer. An alias is assigned once, in a writer job, and kept in the
 * database: the same on every hub sharing it and after restarts. Numbers are
 * max+1; two hubs racing for the same number on PostgreSQL collide on the
 * primary key, and the loser's job fails and is tried again (`assign`).
 */
export class JujiAliases {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
  ) {}

  /**
   * Juji's registration: an alias for the key's agent (made on first use) and
   * a fresh ws_token replacing the previous one, as in Juji. Proves nothing
   * and creates no Parley agent: the WebSocket signature does that.
   */
  async register(publicKey: string, name: string | undefined): Promise<{ alias: number; agentId: string; wsToken: string }> {
    const agentId = agentIdFromPublicKey(publicKey);
    const wsToken = randomBytes(24).toString('hex');
    const hash = hashWsToken(wsToken);
    const alias = await this.assign(agentId, async (tx, existing) => {
      const now = Date.now();
      if (existing !== null) {
        await tx.run(
          this.db
            .updateTable('juji_aliases')
            .set({ ws_token_hash: hash, updated_at: now, ...(name !== undefined ? { name } : {}) })
            .where('agent_id', '=', agentId)
            .compile(),
        );
        return existing;
      }
      return this.insertNext(tx, { agentId, publicKey, name: name ?? null, hash, now });
    });
    return { alias, agentId, wsToken };
  }

  async byAlias(alias: number): Promise<AliasRow | null> {
    const row = await this.read.get(this.db.selectFrom('juji_aliases').selectAll().where('alias', '=', alias).compile());
    return row ? { alias: Number(row.alias), agentId: row.agent_id, publicKey: row.public_key, name: row.name, wsTokenHash: row.ws_token_hash } : null;
  }

  /** Parley agent id -> alias for those given, assigning aliases to agents that have none (Parley's own agents, seen by a Juji client). */
  async aliasesOf(agentIds: Iterable<string>): Promise<Map<string, number>> {
    const wanted = [...new Set(agentIds)];
    const out = new Map<string, number>();
    if (wanted.length === 0) return out;
    const rows = await this.read.all(this.db.selectFrom('juji_aliases').select(['agent_id', 'alias']).where('agent_id', 'in', wanted).compile());
    for (const r of rows) out.set(r.agent_id, Number(r.alias));
    const missing = wanted.filter((id) => !out.has(id));
    if (missing.length === 0) return out;
    // Only agents that exist get one: an id in a result always names a registered agent, but a param may not.
    const known = await this.read.all(this.db.selectFrom('agents').select(['agent_id', 'public_key']).where('agent_id', 'in', missing).compile());
    if (known.length === 0) return out;
    // All in one writer job: a first agent/list of 200 agents must not queue 200 jobs.
    const assigned = await this.retryingUnique(() =>
      this.writer.run(async (tx) => {
        const got = new Map<string, number>();
        const ids = known.map((k) => k.agent_id);
        for (const r of await tx.all(this.db.selectFrom('juji_aliases').select(['agent_id', 'alias']).where('agent_id', 'in', ids).compile())) got.set(r.agent_id, Number(r.alias));
        for (const k of known) {
          // No ws_token yet (an empty hash never matches one): the agent registers on the edge to get one.
          if (!got.has(k.agent_id)) got.set(k.agent_id, await this.insertNext(tx, { agentId: k.agent_id, publicKey: k.public_key, name: null, hash: '', now: Date.now() }));
        }
        return got;
      }),
    );
    for (const [id, alias] of assigned) out.set(id, alias);
    return out;
  }

  /**
   * Parley object id (prp_, tsk_, dlb_, iss_, cnt_) -> its integer, numbered
   * per kind, assigned on first sight in one writer job. Only ids that came out
   * of a Parley result are given here, so the table holds real objects only.
   */
  async numbersOf(parleyIds: Iterable<string>): Promise<Map<string, number>> {
    const wanted = [...new Set(parleyIds)];
    const out = new Map<string, number>();
    if (wanted.length === 0) return out;
    const byId = this.db.selectFrom('juji_ids').select(['parley_id', 'num']).where('parley_id', 'in', wanted).compile();
    for (const r of await this.read.all(byId)) out.set(r.parley_id, Number(r.num));
    const missing = wanted.filter((id) => !out.has(id));
    if (missing.length === 0) return out;
    const assigned = await this.retryingUnique(() =>
      this.writer.run(async (tx) => {
        const got = new Map<string, number>();
        for (const r of await tx.all(this.db.selectFrom('juji_ids').select(['parley_id', 'num']).where('parley_id', 'in', missing).compile())) got.set(r.parley_id, Number(r.num));
        for (const id of missing) {
          if (got.has(id)) continue;
          const kind = id.slice(0, 3);
          const max = await tx.get(this.db.selectFrom('juji_ids').select((eb) => eb.fn.max('num').as('max')).where('kind', '=', kind).compile());
          const num = Number(max?.max ?? 0) + 1;
          await tx.run(this.db.insertInto('juji_ids').values({ kind, num, parley_id: id }).compile());
          got.set(id, num);
        }
        return got;
      }),
    );
    for (const [id, num] of assigned) out.set(id, num);
    return out;
  }

  /** (kind, integer) -> Parley id, for params; unknown numbers are left out. */
  async parleyIdOf(kind: string, num: number): Promise<string | null> {
    const row = await this.read.get(this.db.selectFrom('juji_ids').select('parley_id').where('kind', '=', kind).where('num', '=', num).compile());
    return row?.parley_id ?? null;
  }

  /** Alias -> Parley agent id, for params naming agents; unknown aliases are left out. */
  async agentsOf(aliases: Iterable<number>): Promise<Map<number, string>> {
    const wanted = [...new Set(aliases)];
    const out = new Map<number, string>();
    if (wanted.length === 0) return out;
    const rows = await this.read.all(this.db.selectFrom('juji_aliases').select(['agent_id', 'alias']).where('alias', 'in', wanted).compile());
    for (const r of rows) out.set(Number(r.alias), r.agent_id);
    return out;
  }

  /** Runs `fn` in a writer job with the agent's alias if it has one; retried when another hub took the same number first. */
  private assign(agentId: string, fn: (tx: Sql, existing: number | null) => Promise<number>): Promise<number> {
    return this.retryingUnique(() =>
      this.writer.run(async (tx) => {
        const row = await tx.get(this.db.selectFrom('juji_aliases').select('alias').where('agent_id', '=', agentId).compile());
        return fn(tx, row ? Number(row.alias) : null);
      }),
    );
  }

  /** Another hub took the same number (or registered the same agent) first: read again and retry, a few times. */
  private async retryingUnique<T>(job: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await job();
      } catch (err) {
        if (attempt >= 4 || !isUniqueViolation(err)) throw err;
      }
    }
  }

  private async insertNext(tx: Sql, r: { agentId: string; publicKey: string; name: string | null; hash: string; now: number }): Promise<number> {
    const max = await tx.get(this.db.selectFrom('juji_aliases').select((eb) => eb.fn.max('alias').as('max')).compile());
    const alias = Number(max?.max ?? 0) + 1;
    await tx.run(
      this.db
        .insertInto('juji_aliases')
        .values({ alias, agent_id: r.agentId, public_key: r.publicKey, name: r.name, ws_token_hash: r.hash, created_at: r.now, updated_at: r.now })
        .compile(),
    );
    return alias;
  }

  /**
   * Claims (agent, ts) for a session, on every hub sharing the database: false
   * when a live session holds it. Rows left by a hub that died are only in
   * the way while their ts is still inside the window, which is as long as
   * that ts could be presented at all; older ones are removed here.
   */
  async claimTs(agentId: string, ts: number, sessionId: string, staleBefore: number): Promise<boolean> {
    // Two hubs claiming the same pair at once: one insert loses on the primary key, and that one is refused too.
    return this.claimOnce(agentId, ts, sessionId, staleBefore).catch((err: unknown) => {
      if (isUniqueViolation(err)) return false;
      throw err;
    });
  }

  private claimOnce(agentId: string, ts: number, sessionId: string, staleBefore: number): Promise<boolean> {
    return this.writer.run(async (tx) => {
      await tx.run(this.db.deleteFrom('juji_live_ts').where('agent_id', '=', agentId).where('ts', '<', staleBefore).compile());
      const held = await tx.get(this.db.selectFrom('juji_live_ts').select('session_id').where('agent_id', '=', agentId).where('ts', '=', ts).compile());
      if (held) return false;
      await tx.run(this.db.insertInto('juji_live_ts').values({ agent_id: agentId, ts, session_id: sessionId }).compile());
      return true;
    });
  }

  async releaseTs(agentId: string, ts: number, sessionId: string): Promise<void> {
    await this.writer.run((tx) =>
      tx.run(this.db.deleteFrom('juji_live_ts').where('agent_id', '=', agentId).where('ts', '=', ts).where('session_id', '=', sessionId).compile()),
    );
  }
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint|duplicate key/.test(String(e?.message ?? ''));
}
