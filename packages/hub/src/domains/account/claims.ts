import type { ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { credentialOf } from '../../core/auth.js';
import type { CallContext } from '../../core/dispatcher.js';
import { forbidden } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import { respond } from '../../core/unit.js';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { newClaimCode, sha256 } from './secrets.js';

/**
 * The agent's side of people: the claim code it asks for (and hands to its
 * human out of band), and who is bound to it. Only the agent itself may ask
 * for a claim code: whoever holds the code becomes the primary owner, so a
 * bound human acting through a key must not be able to mint one for
 * themselves (the runtime's key holder is the root of trust).
 */
export class AgentClaims {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly ttlSeconds: number,
  ) {}

  async claimCode(ctx: CallContext): Promise<ResultOf<'account/claim_code'>> {
    if (credentialOf(ctx)?.kind === 'key') {
      throw forbidden('only the agent itself may ask for a claim code, not a call made through an API key or console token');
    }
    const agentId = ctx.agentId;
    const code = newClaimCode();
    const now = Date.now();
    const expiresAt = now + this.ttlSeconds * 1000;
    return this.writer.run(async (tx) => {
      // Asking again replaces the code not yet used: one live code per agent.
      // Used codes stay until they expire, so a second use is told "already used".
      await tx.run(this.db.deleteFrom('claim_codes').where('agent_id', '=', agentId).where('used_by', 'is', null).compile());
      await tx.run(
        this.db
          .insertInto('claim_codes')
          .values({ code_hash: sha256(code), agent_id: agentId, created_at: now, expires_at: expiresAt, used_by: null, used_at: null })
          .compile(),
      );
      return await respond(tx, { code, expires_at: iso(expiresAt), ttl_seconds: this.ttlSeconds });
    });
  }

  /** Expired codes go, used or not (a used one was kept only to say "already used"). */
  async prune(now = Date.now()): Promise<void> {
    await this.writer.runAlone((tx) => tx.run(this.db.deleteFrom('claim_codes').where('expires_at', '<=', now).compile()));
  }

  /** The humans bound to the agent, primary first, then by when they bound. */
  async owners(agentId: string): Promise<ResultOf<'account/owners'>> {
    const rows = await this.read.all(
      this.db
        .selectFrom('bindings')
        .innerJoin('users', 'users.user_id', 'bindings.user_id')
        .select(['users.display_name', 'bindings.is_primary', 'bindings.method', 'bindings.bound_at'])
        .where('bindings.agent_id', '=', agentId)
        .orderBy('bindings.is_primary', 'desc')
        .orderBy('bindings.bound_at')
        .orderBy('bindings.binding_id')
        .compile(),
    );
    return {
      owners: rows.map((r) => ({
        display_name: r.display_name,
        is_primary: Number(r.is_primary) === 1,
        method: r.method as 'claim' | 'invite',
        bound_at: iso(Number(r.bound_at)),
      })),
    };
  }
}
