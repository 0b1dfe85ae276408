import type { CompiledQuery } from 'kysely';
import { currentUnit, detached, runJobInUnit } from '../core/unit.js';
import { discarded, JobTx, queueJob, settleCommitted, type Outcome, type QueuedJob } from './jobs.js';
import type { Sql, WriteJob, Writer, WriterHooks } from './sql.js';

/** The writer connection's statements, run synchronously (better-sqlite3). */
export interface SyncStatements {
  get(sql: string, parameters: readonly unknown[]): unknown;
  all(sql: string, parameters: readonly unknown[]): unknown[];
  run(sql: string, parameters: readonly unknown[]): number;
  /** Parameterless control statements: BEGIN, COMMIT, SAVEPOINT ... */
  exec(text: string): void;
  /** Asked before each batch, outside any transaction: a promise makes the batch wait for it (WAL checkpoints). */
  beforeBatch?(): Promise<void> | undefined;
}

/** Synchronous statements behind the async seam: resolved promises; a statement that throws rejects. */
export function asyncSql(s: SyncStatements): Sql {
  return {
    get: async <R>(q: CompiledQuery<R>) => s.get(q.sql, q.parameters) as R | undefined,
    all: async <R>(q: CompiledQuery<R>) => s.all(q.sql, q.parameters) as R[],
    run: async (q: CompiledQuery) => s.run(q.sql, q.parameters),
  };
}

/**
 * Group commit on SQLite, and the only place the embedded store opens a write
 * transaction. Writes that arrive while the previous batch is being committed
 * (or within the same turn of the event loop) share one transaction, so a
 * burst of N appends costs one commit instead of N. Each job runs in its own
 * savepoint: a job that throws is rolled back alone and its caller gets the
 * error; the others still commit.
 *
 * Jobs run one after another in submission order, and `afterCommit`
 * callbacks run synchronously in that order right after the commit, so
 * anything ordered by submission (a stream's seq) is committed and announced
 * in the same order.
 *
 * The writer owns its connection: nothing else writes to the file (the
 * store's `db` and `read` use a read-only connection, which sees only
 * committed data). A job's statements run synchronously; awaiting them only
 * yields to the microtask queue, so no socket is read while a batch is open.
 */
export class BatchWriter implements Writer {
  private queue: QueuedJob[] = [];
  private running: Promise<void> | null = null;
  private deferTimer: ReturnType<typeof setTimeout> | null = null;
  private batches = 0;
  private jobs = 0;
  private readonly tx: Sql;

  constructor(
    private readonly conn: SyncStatements,
    private readonly hooks: WriterHooks = {},
    private readonly maxBatch = 1024,
    /** How long a deferred write waits for a batch to ride along with. */
    private readonly deferMs = 20,
  ) {
    this.tx = asyncSql(conn);
  }

  run<T>(fn: WriteJob<T>, afterCommit?: (value: T) => void): Promise<T> {
    const p = queueJob(fn, afterCommit, currentUnit(), (j) => this.queue.push(j));
    this.schedule();
    return p;
  }

  runAlone<T>(fn: WriteJob<T>): Promise<T> {
    const p = queueJob(fn, undefined, undefined, (j) => this.queue.push(j), true);
    this.schedule();
    return p;
  }

  /**
   * A write that may wait: it rides along with the next batch, or is committed
   * on its own after `deferMs` if no batch comes. With one call in flight
   * this halves the commits: bookkeeping rides with the next call.
   */
  defer<T>(fn: WriteJob<T>, afterCommit?: (value: T) => void): Promise<T> {
    const p = queueJob(fn, afterCommit, undefined, (j) => this.queue.push(j));
    this.deferTimer ??= detached(() =>
      setTimeout(() => {
        this.deferTimer = null;
        this.schedule();
      }, this.deferMs),
    );
    return p;
  }

  private schedule(): void {
    // setImmediate, not a microtask: requests that arrived in the same read
    // from the socket get to their write before the batch starts.
    // Detached from the request that happens to start it: the loop (and the
    // afterCommit callbacks it runs) serves every request, not that one.
    this.running ??= detached(() => new Promise<void>((r) => setImmediate(r)).then(() => this.loop()));
  }

  async idle(): Promise<void> {
    if (this.queue.length > 0) this.schedule();
    while (this.running) await this.running;
  }

  get stats(): { batches: number; jobs: number } {
    return { batches: this.batches, jobs: this.jobs };
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const hold = this.conn.beforeBatch?.();
        if (hold) await hold;
        const batch = this.queue.splice(0, this.batchSize());
        if (this.queue.length === 0 && this.deferTimer) {
          // Every deferred write is in this batch; nothing left to wait for.
          clearTimeout(this.deferTimer);
          this.deferTimer = null;
        }
        await this.commit(batch);
        // The batch held the thread (bar microtasks), so no socket was read
        // meanwhile. Let I/O in before the next batch: the requests waiting
        // there join it, instead of committing a handful now.
        if (this.queue.length > 0) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.running = null;
    }
  }

  /** The jobs of the next batch: up to maxBatch, but a job that runs alone only with itself. */
  private batchSize(): number {
    if (this.queue[0]?.alone) return 1;
    const end = Math.min(this.queue.length, this.maxBatch);
    for (let i = 1; i < end; i++) if (this.queue[i]!.alone) return i;
    return end;
  }

  private async commit(batch: QueuedJob[]): Promise<void> {
    const outcomes: Outcome[] = [];
    const { conn } = this;
    const txs = batch.map(() => new JobTx(this.tx));
    try {
      conn.exec('BEGIN');
      try {
        if (batch.length === 1) {
          // Alone in the batch: the transaction itself isolates the job.
          const job = batch[0]!;
          outcomes.push({ ok: true, value: await runJobInUnit(job.unit, () => job.fn(txs[0]!)) });
        } else {
          for (let i = 0; i < batch.length; i++) {
            const job = batch[i]!;
            conn.exec('SAVEPOINT job');
            try {
              outcomes.push({ ok: true, value: await runJobInUnit(job.unit, () => job.fn(txs[i]!)) });
            } catch (err) {
              conn.exec('ROLLBACK TO job');
              // Its dedupe record, if it wrote one, went with it.
              if (job.unit) job.unit.staged = null;
              txs[i]!.ended(this.hooks);
              outcomes.push({ ok: false, err });
            }
            conn.exec('RELEASE job');
          }
        }
        conn.exec('COMMIT');
      } catch (err) {
        try {
          conn.exec('ROLLBACK');
        } catch {
          // SQLite may already have rolled back (e.g. on SQLITE_FULL); nothing left to undo.
        }
        throw err;
      }
    } catch (err) {
      // The transaction as a whole failed (or the lone job did): nothing was stored.
      batch.forEach((job, i) => {
        txs[i]!.ended(this.hooks);
        discarded(job, err);
      });
      return;
    }
    this.batches++;
    this.jobs += batch.length;
    this.hooks.onCommit?.(batch.length);
    settleCommitted(batch, outcomes, txs, this.hooks);
  }
}
