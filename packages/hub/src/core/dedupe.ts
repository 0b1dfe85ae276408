import { Defaults, TRANSIENT_ERROR_CODES, type ResponseFrame } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/**
 * `(agent_id, u_id)` de-duplication, shared by WebSocket and HTTP. The first
 * response is persisted so a retry after a reconnect (or a hub restart) gets
 * the same answer without running the action again. Duplicates that arrive
 * while the first call runs wait for it through the in-flight map.
 */
export class Dedupe {
  private readonly inflight = new Map<string, Promise<ResponseFrame>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly windowMs: number = Defaults.dedupeWindowMs,
  ) {}

  run(agentId: string, uId: string, exec: () => Promise<ResponseFrame>): Promise<ResponseFrame> {
    const key = `${agentId}\u0000${uId}`;
    const running = this.inflight.get(key);
    if (running) return running;
    // Registered synchronously, before any await, so a concurrent duplicate finds it.
    const p = this.lookupOrExec(agentId, uId, exec).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async lookupOrExec(agentId: string, uId: string, exec: () => Promise<ResponseFrame>): Promise<ResponseFrame> {
    const now = Date.now();
    const row = await this.db
      .selectFrom('dedupe')
      .select(['response', 'created_at'])
      .where('agent_id', '=', agentId)
      .where('u_id', '=', uId)
      .executeTakeFirst();
    if (row && Number(row.created_at) > now - this.windowMs) return JSON.parse(row.response) as ResponseFrame;
    const res = await exec();
    if (res.status === 'success' || !TRANSIENT_ERROR_CODES.has(res.content.code)) {
      const response = JSON.stringify(res);
      await this.db
        .insertInto('dedupe')
        .values({ agent_id: agentId, u_id: uId, response, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['agent_id', 'u_id']).doUpdateSet({ response, created_at: Date.now() }))
        .execute();
    }
    return res;
  }

  async prune(now = Date.now()): Promise<void> {
    await this.db.deleteFrom('dedupe').where('created_at', '<=', now - this.windowMs).execute();
  }
}
