import { Defaults, ErrorCode, TRANSIENT_ERROR_CODES, type ResponseFrame } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { precompiled } from '../store/precompiled.js';
import type { Sql, Writer } from '../store/sql.js';
import { HubError } from './errors.js';
import { runInUnit, type RequestUnit } from './unit.js';

/**
 * The request's record already exists: the same (agent_id, u_id) ran and
 * committed elsewhere meanwhile (another hub, after a client failed over and
 * sent it again). Thrown from `respond`, so the effect rolls back with it and
 * the first answer is the answer.
 */
export class AlreadyAnswered extends HubError {
  constructor() {
    super(ErrorCode.Unavailable, 'this request was answered by another hub; ask again');
    this.name = 'AlreadyAnswered';
  }
}

const findResponse = precompiled(2, (db, agentId: string, uId: string) =>
  db.selectFrom('dedupe').select(['response', 'created_at']).where('agent_id', '=', agentId).where('u_id', '=', uId),
);
const saveResponse = precompiled(4, (db, agentId: string, uId: string, response: string, createdAt: number) =>
  db
    .insertInto('dedupe')
    .values({ agent_id: agentId, u_id: uId, response, created_at: createdAt })
    .onConflict((oc) => oc.columns(['agent_id', 'u_id']).doNothing()),
);

/**
 * Something that must be written with a request's record (core/unit.ts), in
 * the transaction of its effect: the binding's activity entry of a call made
 * with a human's key. A request that changed nothing has no such
 * transaction; `unrecorded` is told its answer instead (to be written apart).
 * A retry answered from the record is neither: it did nothing again.
 */
export interface UnitTrail {
  withRecord(tx: Sql): Promise<void>;
  unrecorded(frame: ResponseFrame): void;
}

export interface DedupeOptions {
  windowMs?: number;
  /** Bytes of answers to requests that changed nothing, kept in memory (not on disk). Default 8 MiB. */
  memoryBytes?: number;
  /** Such an answer larger than this is not kept: a retry runs the read again. Default 4 KiB. */
  memoryEntryBytes?: number;
  /**
   * Tests: a request that wrote without recording its response in the same
   * transaction, or answered differently from what it recorded, is answered
   * `internal` instead of only being logged, so such a handler cannot pass.
   */
  strict?: boolean;
}

/**
 * `(agent_id, u_id)` de-duplication, shared by WebSocket and HTTP.
 *
 * A request that changes state records its response in the transaction of
 * its effect (core/unit.ts: `respond`), so the record exists exactly when the
 * effect does, across crashes: a retry gets the first response and the effect
 * is never applied twice. A request that changed nothing (a read, or a
 * refusal) stores nothing on disk -- a read must not fill the disk, and
 * running it again changes nothing -- and its answer, when small, is kept in
 * a bounded in-memory map for the window. Duplicates that arrive while the
 * first call runs wait for it through the in-flight map.
 */
export class Dedupe {
  private readonly inflight = new Map<string, Promise<ResponseFrame>>();
  /** Answers to requests that changed nothing, oldest first (Map order), within a byte budget. */
  private readonly answers = new Map<string, { text: string; at: number }>();
  private answerBytes = 0;
  /** Fallback records of handlers that wrote without `respond` (a bug; see onUnrecorded). */
  private readonly saving = new Set<Promise<void>>();
  private readonly windowMs: number;
  private readonly memoryBytes: number;
  private readonly memoryEntryBytes: number;
  private readonly strict: boolean;

  constructor(
    private readonly db: Kysely<Database>,
    /** Committed data only: a record whose effect has not committed yet is not an answer. */
    private readonly read: Sql,
    private readonly writer: Writer,
    /** Reports a handler bug: it wrote, but its response was not recorded with the write. */
    private readonly onUnrecorded: (agentId: string, uId: string, why: string) => void = () => undefined,
    options: DedupeOptions = {},
  ) {
    this.windowMs = options.windowMs ?? Defaults.dedupeWindowMs;
    this.memoryBytes = options.memoryBytes ?? 8 * 1024 * 1024;
    this.memoryEntryBytes = options.memoryEntryBytes ?? 4096;
    this.strict = options.strict ?? false;
  }

  run(agentId: string, uId: string, exec: () => Promise<ResponseFrame>, trail?: UnitTrail): Promise<ResponseFrame> {
    const key = `${agentId}\u0000${uId}`;
    const running = this.inflight.get(key);
    if (running) return running;
    // Registered synchronously, before any await, so a concurrent duplicate finds it.
    const p = this.lookupOrExec(key, agentId, uId, exec, trail).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Waits for fallback records handed to the writer (shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.saving]);
  }

  private async lookupOrExec(key: string, agentId: string, uId: string, exec: () => Promise<ResponseFrame>, trail?: UnitTrail): Promise<ResponseFrame> {
    const res = await this.lookupOrExecInner(key, agentId, uId, exec, trail);
    if (trail && res.trail === 'apart') trail.unrecorded(res.frame);
    return res.frame;
  }

  /** The answer, and whether a trail still has to be written apart from any effect ('apart') or is done or not owed ('done'). */
  private async lookupOrExecInner(
    key: string,
    agentId: string,
    uId: string,
    exec: () => Promise<ResponseFrame>,
    trail: UnitTrail | undefined,
  ): Promise<{ frame: ResponseFrame; trail: 'apart' | 'done' }> {
    const done = (frame: ResponseFrame) => ({ frame, trail: 'done' as const });
    const apart = (frame: ResponseFrame) => ({ frame, trail: 'apart' as const });
    const now = Date.now();
    const kept = this.answers.get(key);
    if (kept && kept.at > now - this.windowMs) return done(JSON.parse(kept.text) as ResponseFrame);
    const row = await this.read.get(findResponse(this.db, agentId, uId));
    if (row && Number(row.created_at) > now - this.windowMs) return done(JSON.parse(row.response) as ResponseFrame);

    const unit: RequestUnit = {
      agentId,
      uId,
      commits: 0,
      staged: null,
      recorded: null,
      answeredElsewhere: false,
      record: async (tx, content) => {
        const text = JSON.stringify({ agent_id: agentId, u_id: uId, status: 'success', content } satisfies ResponseFrame);
        // Never overwritten: a record that exists is an effect that committed, so this run must not.
        if ((await tx.run(saveResponse(this.db, agentId, uId, text, Date.now()))) === 0) {
          unit.answeredElsewhere = true;
          throw new AlreadyAnswered();
        }
        await trail?.withRecord(tx);
        return text;
      },
    };
    const res = await runInUnit(unit, exec);
    if (unit.answeredElsewhere && unit.recorded === null) {
      // Lost the race to a run of the same request that committed first: answer with what it recorded.
      const first = await this.read.get(findResponse(this.db, agentId, uId));
      if (first) return done(JSON.parse(first.response) as ResponseFrame);
    }
    if (unit.recorded !== null) {
      if (res.status === 'success' && JSON.stringify(res) === unit.recorded) return done(res);
      // The handler recorded one answer and gave another: the record is what a retry gets, so it is the answer.
      this.onUnrecorded(agentId, uId, 'the response differs from the one recorded with the effect');
      return done(this.strict ? internal(agentId, uId) : (JSON.parse(unit.recorded) as ResponseFrame));
    }
    if (res.status === 'error' && TRANSIENT_ERROR_CODES.has(res.content.code)) return apart(res);
    if (unit.commits === 0) {
      this.keep(key, JSON.stringify(res), now);
      return apart(res);
    }
    // It wrote without recording its answer in that transaction: a crash right
    // now would let a retry apply it twice. Record it as soon as possible.
    this.onUnrecorded(agentId, uId, 'the request wrote without recording its response in the same transaction');
    if (this.strict) return apart(internal(agentId, uId));
    const text = JSON.stringify(res);
    const saved = this.writer
      .run(async (tx) => {
        await tx.run(saveResponse(this.db, agentId, uId, text, Date.now()));
      })
      .catch(() => undefined)
      .finally(() => this.saving.delete(saved));
    this.saving.add(saved);
    await saved;
    return apart(res);
  }

  /** Keeps a small answer in memory for the window, oldest out first past the byte budget. */
  private keep(key: string, text: string, at: number): void {
    const size = text.length + key.length;
    if (size > this.memoryEntryBytes) return;
    const old = this.answers.get(key);
    if (old) {
      this.answers.delete(key);
      this.answerBytes -= old.text.length + key.length;
    }
    this.answers.set(key, { text, at });
    this.answerBytes += size;
    for (const [k, v] of this.answers) {
      if (this.answerBytes <= this.memoryBytes && v.at > at - this.windowMs) break;
      this.answers.delete(k);
      this.answerBytes -= v.text.length + k.length;
    }
  }

  async prune(now = Date.now()): Promise<void> {
    for (const [k, v] of this.answers) {
      if (v.at > now - this.windowMs) break;
      this.answers.delete(k);
      this.answerBytes -= v.text.length + k.length;
    }
    const cutoff = now - this.windowMs;
    await this.writer.runAlone((tx) => tx.run(this.db.deleteFrom('dedupe').where('created_at', '<=', cutoff).compile()));
  }
}

function internal(agentId: string, uId: string): ResponseFrame {
  return { agent_id: agentId, u_id: uId, status: 'error', content: { error: 'internal error', code: ErrorCode.Internal } };
}
