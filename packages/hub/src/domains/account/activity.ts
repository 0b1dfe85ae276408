import { randomBytes } from 'node:crypto';
import type { BindingActivity, BindingActivityList } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { CallRecorder, KeyCall } from '../../core/dispatcher.js';
import { keysetPage } from '../../core/paging.js';
import { iso } from '../../core/ids.js';
import type { BindingActionsTable, Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import type { Bindings } from './bindings.js';

/** Entries kept per binding; housekeeping drops older ones. */
export const MAX_ACTIVITY_PER_BINDING = 10_000;

let lastMs = 0;
let counter = 0;

/** Orders a binding's entries: fixed-width base36 time, a per-process counter, and randomness (two hubs, one millisecond). */
function nextSeq(now: number): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else counter++;
  return lastMs.toString(36).padStart(9, '0') + counter.toString(36).padStart(4, '0') + randomBytes(5).toString('hex');
}

/**
 * What was done as an agent through each binding: every call made with one
 * of the binding's keys. The dispatcher hands a call that changed something
 * to `withEffect` inside the effect's transaction (beside its dedupe
 * record), so the entry exists exactly when the effect does; reads and
 * refusals come to `afterAnswer` and ride with the next commit.
 */
export class Activity implements CallRecorder {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: Writer,
    private readonly bindings: Bindings,
    private readonly onError: (err: unknown) => void,
  ) {}

  async withEffect(tx: Sql, call: KeyCall, status: 'success'): Promise<void> {
    await tx.run(this.insert(call, status, Date.now()));
  }

  afterAnswer(call: KeyCall, status: string): void {
    const at = Date.now();
    this.writer.defer((tx) => tx.run(this.insert(call, status, at))).catch(this.onError);
  }

  /** The caller's binding's entries, newest first. */
  async page(userId: string, agentId: string, limit: number, cursor: string | undefined): Promise<BindingActivityList> {
    const b = await this.bindings.requireBinding(userId, agentId);
    const q = this.db.selectFrom('binding_actions').selectAll().where('binding_id', '=', b.binding_id);
    const { page, next_cursor } = await keysetPage(q, { at: 'at', id: 'seq', dir: 'desc' }, limit, cursor, (rows) => rows.map(entry));
    return { entries: page, next_cursor };
  }

  /** Keeps the newest MAX_ACTIVITY_PER_BINDING entries of each binding, and none of a binding that is gone. */
  async prune(): Promise<void> {
    const over = await this.db
      .selectFrom('binding_actions')
      .select(['binding_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('binding_id')
      .having((eb) => eb.fn.countAll(), '>', MAX_ACTIVITY_PER_BINDING)
      .execute();
    for (const { binding_id } of over) {
      const edge = await this.db
        .selectFrom('binding_actions')
        .select('seq')
        .where('binding_id', '=', binding_id)
        .orderBy('seq', 'desc')
        .offset(MAX_ACTIVITY_PER_BINDING - 1)
        .limit(1)
        .executeTakeFirst();
      if (edge) await this.writer.runAlone((tx) => tx.run(this.db.deleteFrom('binding_actions').where('binding_id', '=', binding_id).where('seq', '<', edge.seq).compile()));
    }
    // Entries written after their binding was unbound (a read answered as it went).
    await this.writer.runAlone((tx) =>
      tx.run(this.db.deleteFrom('binding_actions').where('binding_id', 'not in', (eb) => eb.selectFrom('bindings').select('binding_id')).compile()),
    );
  }

  private insert(call: KeyCall, status: string, at: number) {
    return this.db
      .insertInto('binding_actions')
      .values({ binding_id: call.bindingId, seq: nextSeq(at), key_id: call.keyId, agent_id: call.agentId, action: call.action, u_id: call.uId, status, at })
      .compile();
  }
}

function entry(r: BindingActionsTable): BindingActivity {
  return { action: r.action, u_id: r.u_id, status: r.status as BindingActivity['status'], key_id: r.key_id, at: iso(Number(r.at)) };
}
