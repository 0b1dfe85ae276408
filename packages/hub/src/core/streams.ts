import { parseStream, type PushFrame } from '@parley/protocol';
import { sql as rawSql, type Kysely } from 'kysely';
import type { Bus, BusMessage } from '../bus/local.js';
import type { Database } from '../store/schema.js';
import { precompiled } from '../store/precompiled.js';
import type { Sql, Tx, Writer } from '../store/sql.js';
import { StreamOrder, type SeqClaim } from './stream-order.js';
import { respond } from './unit.js';

const bumpHead = precompiled(1, (db, stream: string) =>
  db
    .insertInto('streams')
    .values({ stream, head: 1, pruned_through: 0 })
    .onConflict((oc) => oc.column('stream').doUpdateSet((eb) => ({ head: eb('streams.head', '+', 1) })))
    .returning('head'),
);
const insertPush = precompiled(5, (db, stream: string, seq: number, event: string, data: string, ts: number) =>
  db.insertInto('pushes').values({ stream, seq, event, data, ts }),
);

const moveCursor = precompiled(3, (db, agentId: string, stream: string, seq: number) =>
  db
    .insertInto('read_cursors')
    .values({ agent_id: agentId, stream, seq })
    .onConflict((oc) => oc.columns(['agent_id', 'stream']).doUpdateSet({ seq }).where('read_cursors.seq', '<', seq)),
);

// Asked for every stream of every connect (resume), and every replay page.
const streamInfo = precompiled(1, (db, stream: string) => db.selectFrom('streams').select(['head', 'pruned_through']).where('stream', '=', stream));
// The size of each push without its text: octet_length reads a text's size from the record header.
const pushSizes = precompiled(3, (db, stream: string, after: number, limit: number) =>
  db
    .selectFrom('pushes')
    .select((eb) => ['seq', 'ts', rawSql<number>`octet_length(${eb.ref('data')})`.as('bytes')])
    .where('stream', '=', stream)
    .where('seq', '>', after)
    .orderBy('seq', 'asc')
    .limit(limit),
);
const pushPage = precompiled(4, (db, stream: string, after: number, upTo: number, limit: number) =>
  db
    .selectFrom('pushes')
    .select(['seq', 'event', 'data', 'ts'])
    .where('stream', '=', stream)
    .where('seq', '>', after)
    .where('seq', '<=', upTo)
    .orderBy('seq', 'asc')
    .limit(limit),
);

const REFILL_PAGE = 500;

const ackKey = (agentId: string, stream: string) => `${agentId}\u0000${stream}`;

/** Who may read which stream; provided by the domains (agent inbox, topic membership). */
export interface StreamAccess {
  /** Asked for every stream of every ack frame and resume. */
  canRead(agentId: string, stream: string): Promise<boolean>;
  /** Every stream the agent may read right now. */
  readable(agentId: string): Promise<string[]>;
  /**
   * Agents that receive a live push of the stream; `tx` is the transaction the
   * push is written in. Asked before the push's own writes (`within`): a push
   * goes to those who were recipients when it was made.
   */
  recipients(stream: string, event: string, tx: Sql): Promise<string[]>;
}

export interface PushSize {
  seq: number;
  ts: number;
  bytes: number;
}

export interface StoredPush {
  stream: string;
  seq: number;
  ts: number;
  frame: string;
}

/** A push stored inside a writer job, waiting for its commit to be fanned out. */
export interface StagedPush extends StoredPush {
  recipients: string[];
  /** Its seq's claim on the stream's publication order (stream-order.ts). */
  claim?: SeqClaim;
}

export interface StreamInfo {
  head: number;
  prunedThrough: number;
}

/** Serialises a push once; the stored `data` text is spliced in verbatim. */
export function pushFrameText(stream: string, seq: number, event: string, dataJson: string, ts: number): string {
  return `{"type":"push","stream":${JSON.stringify(stream)},"seq":${seq},"event":${JSON.stringify(event)},"data":${dataJson},"ts":"${new Date(ts).toISOString()}"}`;
}

export interface AppendHooks {
  onStored?: () => void;
  onFanoutError?: (err: unknown) => void;
}

/**
 * Durable streams: append (persist, then fan out), replay and read cursors.
 * Appends go through the group-commit writer: they are numbered, committed
 * and fanned out in submission order, many to a transaction.
 */
export class Streams {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Acks not yet written, highest seq per agent and stream; one writer job flushes them all. */
  private readonly pendingAcks = new Map<string, { agentId: string; stream: string; seq: number }>();
  /**
   * Acks a flush has taken and not yet committed, highest seq per key. Reads
   * of a cursor count them too: on PostgreSQL the flush's commit is a round
   * trip away, and an agent's own read must not miss its ack in between.
   */
  private readonly flushingAcks = new Map<string, number>();
  /** Per agent: its acks whose streams are still being checked (see ack()). */
  private readonly ackChecks = new Map<string, Promise<unknown>>();
  private ackFlush: Promise<void> | null = null;
  /** Holds a committed push until every smaller seq of its stream went out (stream-order.ts). */
  private readonly order = new StreamOrder<StagedPush>((p) => this.publish(p));

  constructor(
    private readonly db: Kysely<Database>,
    /** Reads on the hot path (resume and replay of every connect) run here, without Kysely's per-query hand-off. */
    private readonly reader: Sql,
    private readonly writer: Writer,
    private readonly bus: Bus,
    readonly access: StreamAccess,
    private readonly hooks: AppendHooks = {},
  ) {}

  /**
   * Stores a push and fans it out. `build` makes the event data once the seq is
   * known; `within` runs in the same transaction (e.g. to store the domain row).
   * Resolves after the commit, once the push has gone to the live sessions.
   */
  async append(
    stream: string,
    event: string,
    build: (seq: number, ts: number) => unknown,
    within?: (tx: Sql, seq: number, ts: number) => Promise<void>,
  ): Promise<StoredPush> {
    const pushed = await this.writer.run(
      (tx) => this.stageBuilt(tx, stream, event, build, within),
      (p) => this.fanOut([p]),
    );
    return { stream: pushed.stream, seq: pushed.seq, ts: pushed.ts, frame: pushed.frame };
  }

  /**
   * A request whose one write is a prepared row-and-push (a direct message, a
   * topic message): runs it as the request's writer job, records its result
   * there as the request's answer (core/unit.ts), fans the push out after the
   * commit, and resolves with the result.
   */
  async commitPrepared<R>(write: (tx: Sql) => Promise<{ result: R; push: StagedPush }>): Promise<R> {
    const { result } = await this.writer.run(
      async (tx) => {
        const out = await write(tx);
        await respond(tx, out.result);
        return out;
      },
      (out) => this.fanOut([out.push]),
    );
    return result;
  }

  /**
   * A request's change: `work` runs as the request's writer job, and its
   * writes, the pushes it staged and its answer (recorded with `respond`)
   * commit together; the pushes fan out once they have. Resolves with the answer.
   */
  async commitChange<R>(work: (tx: Sql) => Promise<{ result: R; pushes?: StagedPush[] }>): Promise<R> {
    const done = await this.writer.run(
      async (tx) => {
        const { result, pushes = [] } = await work(tx);
        return { result: await respond(tx, result), pushes };
      },
      (r) => this.fanOut(r.pushes),
    );
    return done.result;
  }

  /**
   * Inside the caller's writer job: stores a push in that job's transaction,
   * so the push exists exactly when the change it reports does. Hand what it
   * returns to `fanOut` from the job's afterCommit.
   */
  stage(tx: Sql, stream: string, event: string, data: unknown): Promise<StagedPush> {
    return this.stageBuilt(tx, stream, event, () => data);
  }

  /**
   * Sends committed pushes to the live sessions, in order. Runs after the
   * commit: the pushes are durable, so a fan-out failure must not turn the
   * call into an error (a retry would store them twice); readers catch up
   * through resume/poll.
   */
  fanOut(pushes: readonly StagedPush[]): void {
    for (const p of pushes) {
      this.hooks.onStored?.();
      this.order.committed(p);
    }
  }

  private publish(p: StagedPush): void {
    try {
      this.bus.publish({ stream: p.stream, seq: p.seq, frame: p.frame, recipients: p.recipients });
    } catch (err) {
      this.hooks.onFanoutError?.(err);
    }
  }

  /** `stage` for data that needs the push's seq and time, with `within` in the same transaction (as `append`). */
  async stageBuilt(
    tx: Sql,
    stream: string,
    event: string,
    build: (seq: number, ts: number) => unknown,
    within?: (tx: Sql, seq: number, ts: number) => Promise<void>,
  ): Promise<StagedPush> {
    const seq = Number((await tx.get(bumpHead(this.db, stream)))!.head);
    const claim = this.order.take(stream, seq);
    // Whatever becomes of the transaction, the claim ends with it (a no-op once published).
    if (isTx(tx)) tx.onEnd(() => this.order.release(claim));
    const ts = Date.now();
    // Looked up in the same transaction: exactly the members at the time of the push.
    const recipients = await this.access.recipients(stream, event, tx);
    await within?.(tx, seq, ts);
    const data = JSON.stringify(build(seq, ts) ?? null);
    await tx.run(insertPush(this.db, stream, seq, event, data, ts));
    return { stream, seq, ts, frame: pushFrameText(stream, seq, event, data, ts), recipients, claim };
  }

  /**
   * Committed pushes after < seq <= upTo (a page), with who receives each
   * now: what the bus lost (bus/inbound-order.ts), sent as it would have been.
   */
  async refill(stream: string, after: number, upTo: number): Promise<BusMessage[]> {
    const rows = await this.reader.all(pushPage(this.db, stream, after, upTo, REFILL_PAGE));
    // Who receives depends on the stream and the event only: asked once per event of the page, not per push.
    const byEvent = new Map<string, string[]>();
    const out: BusMessage[] = [];
    for (const r of rows) {
      const seq = Number(r.seq);
      const ts = Number(r.ts);
      let recipients = byEvent.get(r.event);
      if (!recipients) byEvent.set(r.event, (recipients = await this.access.recipients(stream, r.event, this.reader)));
      out.push({ stream, seq, frame: pushFrameText(stream, seq, r.event, r.data, ts), recipients });
    }
    return out;
  }

  /** The heads of `names` that exist. */
  async heads(names: string[]): Promise<Map<string, number>> {
    if (names.length === 0) return new Map();
    const rows = await this.db.selectFrom('streams').select(['stream', 'head']).where('stream', 'in', names).execute();
    return new Map(rows.map((r) => [r.stream, Number(r.head)]));
  }

  /** A session replayed `stream` through `seq` (the bus's starting point for it). */
  replayed(stream: string, seq: number): void {
    this.bus.seen?.(stream, seq);
  }

  /** Resolves once every append queued so far has finished (used by shutdown). */
  async drain(): Promise<void> {
    await this.writer.idle();
  }

  async info(stream: string): Promise<StreamInfo> {
    const row = await this.reader.get(streamInfo(this.db, stream));
    return { head: Number(row?.head ?? 0), prunedThrough: Number(row?.pruned_through ?? 0) };
  }

  /**
   * Where the next `limit` pushes after `after` are and how big they are
   * (`bytes`: about their frame's size), without reading them: what a
   * reader needs to choose a bounded page before it reads one (readAcross).
   */
  async sizes(stream: string, after: number, limit: number): Promise<PushSize[]> {
    const extra = stream.length + 120; // the frame around the stored data
    return (await this.reader.all(pushSizes(this.db, stream, after, limit))).map((r) => ({ seq: Number(r.seq), ts: Number(r.ts), bytes: Number(r.bytes) + extra }));
  }

  /** Pushes with after < seq <= upTo, oldest first. */
  async read(stream: string, after: number, limit: number, upTo = Number.MAX_SAFE_INTEGER): Promise<StoredPush[]> {
    const rows = await this.reader.all(pushPage(this.db, stream, after, upTo, limit));
    return rows.map((r) => {
      const seq = Number(r.seq);
      const ts = Number(r.ts);
      return { stream, seq, ts, frame: pushFrameText(stream, seq, r.event, r.data, ts) };
    });
  }

  /** Includes acks received and not yet written (they are deferred; see ack()). */
  async getReadCursor(agentId: string, stream: string): Promise<number> {
    const checking = this.ackChecks.get(agentId);
    if (checking) await checking;
    // Taken before the query: an ack that leaves these maps after this point has committed before the query runs.
    const key = ackKey(agentId, stream);
    const unwritten = Math.max(this.pendingAcks.get(key)?.seq ?? 0, this.flushingAcks.get(key) ?? 0);
    const row = await this.db
      .selectFrom('read_cursors')
      .select('seq')
      .where('agent_id', '=', agentId)
      .where('stream', '=', stream)
      .executeTakeFirst();
    return Math.max(Number(row?.seq ?? 0), unwritten);
  }

  /**
   * Inside a writer job: puts the agent's read cursor exactly at the stream's
   * head (a new member has read nothing before joining) and returns the head.
   */
  async setReadCursorAtHead(tx: Sql, agentId: string, stream: string): Promise<number> {
    const head = Number((await tx.get(streamInfo(this.db, stream)))?.head ?? 0);
    await tx.run(
      this.db
        .insertInto('read_cursors')
        .values({ agent_id: agentId, stream, seq: head })
        .onConflict((oc) => oc.columns(['agent_id', 'stream']).doUpdateSet({ seq: head }))
        .compile(),
    );
    return head;
  }

  /**
   * Ack: moves read cursors forward only, for readable streams; others are
   * ignored. Acks are merged until the writer's next batch (a busy subscriber
   * acks every push, and only its highest seq matters), so a burst of acks
   * costs one write per agent and stream. Resolves once they are committed.
   */
  async ack(agentId: string, cursors: Record<string, number>): Promise<void> {
    // Checking who may read takes a read of its own; until it is done, a
    // read of this agent's cursors waits for it (getReadCursor), so a request
    // sent after an ack on the same socket sees the ack.
    const check = (async () => {
      const allowed: Array<[string, number]> = [];
      for (const [stream, seq] of Object.entries(cursors)) {
        if (parseStream(stream) && (await this.access.canRead(agentId, stream))) allowed.push([stream, seq]);
      }
      return allowed;
    })();
    const settled = Promise.all([this.ackChecks.get(agentId), check.catch(() => undefined)]);
    this.ackChecks.set(agentId, settled);
    void settled.then(() => {
      if (this.ackChecks.get(agentId) === settled) this.ackChecks.delete(agentId);
    });
    const allowed = await check;
    let any = false;
    for (const [stream, seq] of allowed) {
      const key = ackKey(agentId, stream);
      const pending = this.pendingAcks.get(key);
      if (pending) pending.seq = Math.max(pending.seq, seq);
      else this.pendingAcks.set(key, { agentId, stream, seq });
      any = true;
    }
    if (this.ackFlush) return this.ackFlush;
    if (!any) return Promise.resolve();
    // Deferred: a cursor written a little late costs at most a few pushes sent again after a crash.
    let moves: Array<{ agentId: string; stream: string; seq: number }> | null = null;
    const flush = this.writer.defer(async (tx) => {
      // Taken once: a run again after a lost race (PostgreSQL) writes the same moves.
      if (moves === null) {
        // From here on, new acks start the next flush.
        if (this.ackFlush === flush) this.ackFlush = null;
        moves = [...this.pendingAcks.values()];
        this.pendingAcks.clear();
        for (const m of moves) {
          const key = ackKey(m.agentId, m.stream);
          this.flushingAcks.set(key, Math.max(this.flushingAcks.get(key) ?? 0, m.seq));
        }
      }
      for (const m of moves) await tx.run(moveCursor(this.db, m.agentId, m.stream, m.seq));
    });
    // Committed (now in the table) or failed (lost, as a crash would lose it): either way no longer in flight.
    const landed = () => {
      for (const m of moves ?? []) {
        const key = ackKey(m.agentId, m.stream);
        if ((this.flushingAcks.get(key) ?? 0) <= m.seq) this.flushingAcks.delete(key);
      }
    };
    this.ackFlush = flush;
    // If the batch failed before this job ran, the next ack must start a new flush.
    flush.then(landed, () => {
      landed();
      if (this.ackFlush === flush) this.ackFlush = null;
    });
    return flush;
  }

  /** Deletes pushes older than retention and remembers how far each stream was pruned. */
  async prune(retentionMs: number, now = Date.now()): Promise<number> {
    const cutoff = now - retentionMs;
    const rows = await this.db
      .selectFrom('pushes')
      .select(['stream', (eb) => eb.fn.max('seq').as('max_seq')])
      .where('ts', '<', cutoff)
      .groupBy('stream')
      .execute();
    let removed = 0;
    for (const r of rows) {
      const through = Number(r.max_seq);
      removed += await this.writer.runAlone(async (tx) => {
        const n = await tx.run(this.db.deleteFrom('pushes').where('stream', '=', r.stream).where('seq', '<=', through).compile());
        await tx.run(
          this.db.updateTable('streams').set({ pruned_through: through }).where('stream', '=', r.stream).where('pruned_through', '<', through).compile(),
        );
        return n;
      });
    }
    return removed;
  }

  // ---- long-poll wake-ups -------------------------------------------------

  /** Called by fan-out for every recipient of a push. */
  notify(agentId: string): void {
    const set = this.waiters.get(agentId);
    if (!set) return;
    this.waiters.delete(agentId);
    for (const w of set) w();
  }

  /** Resolves on the next push for the agent, after `ms`, or when `signal` aborts. */
  waitForPush(agentId: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(agentId);
      if (!set) this.waiters.set(agentId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.get(agentId)?.delete(done);
        if (this.waiters.get(agentId)?.size === 0) this.waiters.delete(agentId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (signal.aborted) return done();
      signal.addEventListener('abort', done);
      set.add(done);
    });
  }

  /** Whether a long poll of the agent waits here. */
  isWaiting(agentId: string): boolean {
    return this.waiters.has(agentId);
  }

  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }
}

export type { PushFrame };

const isTx = (sql: Sql): sql is Tx => typeof (sql as Partial<Tx>).onEnd === 'function';
