import { Defaults, TRANSIENT_ERROR_CODES, type ResponseFrame } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { precompiled } from '../store/precompiled.js';
import type { SyncSql } from '../store/sql.js';
import type { BatchWriter } from '../store/writer.js';

const findResponse = precompiled(2, (db, agentId: string, uId: string) =>
  db.selectFrom('dedupe').select(['response', 'created_at']).where('agent_id', '=', agentId).where('u_id', '=', uId),
);
const saveResponse = precompiled(4, (db, agentId: string, uId: string, response: string, createdAt: number) =>
  db
    .insertInto('dedupe')
    .values({ agent_id: agentId, u_id: uId, response, created_at: createdAt })
    .onConflict((oc) => oc.columns(['agent_id', 'u_id']).doUpdateSet({ response, created_at: createdAt })),
);

/**
 * `(agent_id, u_id)` de-duplication, shared by WebSocket and HTTP. The first
 * response is persisted so a retry after a reconnect (or a hub restart) gets
 * the same answer without running the action again. Duplicates that arrive
 * while the first call runs wait for it through the in-flight map.
 */
export class Dedupe {
  private readonly inflight = new Map<string, Promise<ResponseFrame>>();

  /** Responses handed to the writer and not yet committed. */
  private readonly saving = new Set<Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sql: SyncSql,
    private readonly writer: BatchWriter,
    /** A response that could not be stored is still answered; a later duplicate would run again. */
    private readonly onSaveError: (err: unknown) => void = () => undefined,
    private readonly windowMs: number = Defaults.dedupeWindowMs,
  ) {}

  run(agentId: string, uId: string, exec: () => Promise<ResponseFrame>): Promise<ResponseFrame> {
    const key = `${agentId}\u0000${uId}`;
    const running = this.inflight.get(key);
    if (running) return running;
    // Registered synchronously, before any await, so a concurrent duplicate
    // finds it. It stays until the response is stored (or known not to be).
    const p = this.lookupOrExec(agentId, uId, exec, () => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Waits for every response handed to the writer so far (shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.saving]);
  }

  private async lookupOrExec(
    agentId: string,
    uId: string,
    exec: () => Promise<ResponseFrame>,
    done: () => void,
  ): Promise<ResponseFrame> {
    let res: ResponseFrame;
    try {
      const now = Date.now();
      const row = this.sql.get(findResponse(this.db, agentId, uId));
      if (row && Number(row.created_at) > now - this.windowMs) {
        done();
        return JSON.parse(row.response) as ResponseFrame;
      }
      res = await exec();
    } catch (err) {
      done();
      throw err;
    }
    if (res.status === 'error' && TRANSIENT_ERROR_CODES.has(res.content.code)) {
      done();
      return res;
    }
    // The response goes out now; its record rides with the next group commit
    // (deferred: at most a few tens of ms when the hub is idle). Until then a
    // duplicate is answered from the in-flight map, so no duplicate can run
    // the action again while the hub is up. Across a crash in that window a
    // retry runs the action again: the same window as committing the record
    // right after the action, only a little longer.
    const response = JSON.stringify(res);
    const createdAt = Date.now();
    const saved = this.writer
      .defer((sql) => {
        sql.run(saveResponse(this.db, agentId, uId, response, createdAt));
      })
      .catch((err: unknown) => this.onSaveError(err))
      .finally(() => {
        done();
        this.saving.delete(saved);
      });
    this.saving.add(saved);
    return res;
  }

  async prune(now = Date.now()): Promise<void> {
    await this.db.deleteFrom('dedupe').where('created_at', '<=', now - this.windowMs).execute();
  }
}
