import type { Kysely } from 'kysely';
import { currentUnit, detached, runJobInUnit, type RequestUnit } from '../core/unit.js';
import type { Database } from './schema.js';
import type { SyncSql } from './sql.js';

/** A unit of work in a batch. Synchronous: it runs between BEGIN and COMMIT with nothing interleaved. */
export type WriteJob<T> = (sql: SyncSql) => T;

type Job = {
  fn: WriteJob<unknown>;
  /** The request the job was queued by (core/unit.ts): its dedupe record may ride in this job. */
  unit: RequestUnit | undefined;
  afterCommit: ((value: unknown) => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
};

/**
 * Group commit, and the only place the hub opens a write transaction. Writes
 * that arrive while the previous batch is being committed (or within the same
 * turn of the event loop) share one transaction, so a burst of N appends costs
 * one commit instead of N. Each job runs in its own savepoint: a job that
 * throws is rolled back alone and its caller gets the error; the others still
 * commit.
 *
 * A job queued by a request carries that request's unit (core/unit.ts) into
 * the transaction, so the job can record the request's response with its
 * effect (`respond`); a deferred job is bookkeeping and carries none.
 *
 * Jobs run one after another in submission order, and `afterCommit`
 * callbacks run synchronously in that order right after the commit, so
 * anything ordered by submission (a stream's seq) is committed and announced
 * in the same order.
 *
 * A batch runs synchronously from BEGIN to COMMIT while holding Kysely's
 * connection, so no Kysely query can land inside it and no read on `sql`
 * outside the writer ever sees a transaction half done. Jobs must therefore
 * be synchronous and use only the `sql` they are given.
 */
export class BatchWriter {
  private queue: Job[] = [];
  private running: Promise<void> | null = null;
  private deferTimer: ReturnType<typeof setTimeout> | null = null;
  private batches = 0;
  private jobs = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sql: SyncSql,
    /** A throwing afterCommit callback is a bug; it is reported here and the batch carries on. */
    private readonly onHookError: (err: unknown) => void = () => undefined,
    /** Told the size of every committed batch (metrics). */
    private readonly onCommit: (jobs: number) => void = () => undefined,
    private readonly maxBatch = 1024,
    /** How long a deferred write waits for a batch to ride along with. */
    private readonly deferMs = 20,
  ) {}

  run<T>(fn: WriteJob<T>, afterCommit?: (value: T) => void): Promise<T> {
    const p = this.enqueue(fn, afterCommit, currentUnit());
    this.schedule();
    return p;
  }

  /**
   * A write that may wait: it rides along with the next batch, or is committed
   * on its own after `deferMs` if no batch comes. For bookkeeping whose only
   * cost when lost in a crash is repeated work (read cursors: a few pushes
   * delivered again; dedupe records: see dedupe.ts). With one call in flight
   * this halves the commits: each call's record rides with the next call.
   */
  defer<T>(fn: WriteJob<T>, afterCommit?: (value: T) => void): Promise<T> {
    const p = this.enqueue(fn, afterCommit, undefined);
    this.deferTimer ??= detached(() => setTimeout(() => {
      this.deferTimer = null;
      this.schedule();
    }, this.deferMs));
    return p;
  }

  private enqueue<T>(fn: WriteJob<T>, afterCommit: ((value: T) => void) | undefined, unit: RequestUnit | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn,
        unit,
        afterCommit: afterCommit as ((value: unknown) => void) | undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
    });
  }

  private schedule(): void {
    // setImmediate, not a microtask: requests that arrived in the same read
    // from the socket get to their write before the batch starts.
    // Detached from the request that happens to start it: the loop (and the
    // afterCommit callbacks it runs) serves every request, not that one.
    this.running ??= detached(() => new Promise<void>((r) => setImmediate(r)).then(() => this.loop()));
  }

  /** Resolves once everything submitted so far, deferred writes included, is committed (or failed). */
  async idle(): Promise<void> {
    if (this.queue.length > 0) this.schedule();
    while (this.running) await this.running;
  }

  /** Commits and jobs so far; jobs / batches is the average batch size. */
  get stats(): { batches: number; jobs: number } {
    return { batches: this.batches, jobs: this.jobs };
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        if (this.queue.length === 0 && this.deferTimer) {
          // Every deferred write is in this batch; nothing left to wait for.
          clearTimeout(this.deferTimer);
          this.deferTimer = null;
        }
        // Waits only if a Kysely query holds the connection; then the batch runs in one go.
        try {
          await this.db.connection().execute(async () => this.commit(batch));
        } catch (err) {
          // Only the connection hand-off can throw (commit settles every job itself); nothing was written.
          for (const job of batch) job.reject(err);
        }
        // The batch held the thread, so no socket was read meanwhile. Let I/O
        // in before the next batch: the requests waiting there join it,
        // instead of committing a handful now.
        if (this.queue.length > 0) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.running = null;
    }
  }

  private commit(batch: Job[]): void {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
    const { sql } = this;
    try {
      sql.exec('BEGIN');
      try {
        if (batch.length === 1) {
          // Alone in the batch: the transaction itself isolates the job.
          const job = batch[0]!;
          outcomes.push({ ok: true, value: runJobInUnit(job.unit, () => job.fn(sql)) });
        } else {
          for (const job of batch) {
            sql.exec('SAVEPOINT job');
            try {
              outcomes.push({ ok: true, value: runJobInUnit(job.unit, () => job.fn(sql)) });
            } catch (err) {
              sql.exec('ROLLBACK TO job');
              // Its dedupe record, if it wrote one, went with it.
              if (job.unit) job.unit.staged = null;
              outcomes.push({ ok: false, err });
            }
            sql.exec('RELEASE job');
          }
        }
        sql.exec('COMMIT');
      } catch (err) {
        try {
          sql.exec('ROLLBACK');
        } catch {
          // SQLite may already have rolled back (e.g. on SQLITE_FULL); nothing left to undo.
        }
        throw err;
      }
    } catch (err) {
      // The transaction as a whole failed (or the lone job did): nothing was stored.
      for (const job of batch) {
        if (job.unit) job.unit.staged = null;
        job.reject(err);
      }
      return;
    }
    this.batches++;
    this.jobs += batch.length;
    this.onCommit(batch.length);
    batch.forEach((job, i) => {
      const out = outcomes[i]!;
      if (!out.ok) return job.reject(out.err);
      if (job.unit) {
        // Committed: the request changed something, and its record (if staged) is durable now.
        job.unit.commits++;
        if (job.unit.staged !== null) {
          job.unit.recorded = job.unit.staged;
          job.unit.staged = null;
        }
      }
      try {
        job.afterCommit?.(out.value);
      } catch (err) {
        this.onHookError(err);
      }
      job.resolve(out.value);
    });
  }
}
