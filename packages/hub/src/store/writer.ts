import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

type Job = {
  fn: (trx: Transaction<Database>) => Promise<unknown>;
  afterCommit: ((value: unknown) => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
};

/**
 * Group commit. Writes that arrive while the previous batch is being
 * committed (or within the same turn of the event loop) share one
 * transaction, so a burst of N appends costs one commit instead of N. Each
 * job runs in its own savepoint: a job that fails is rolled back alone and
 * its caller gets the error; the others still commit.
 *
 * Jobs run one after another in submission order, and `afterCommit`
 * callbacks run synchronously in that order right after the commit, so
 * anything ordered by submission (a stream's seq) is committed and announced
 * in the same order.
 *
 * A job must use only the `trx` it is given: the batch holds the connection,
 * so a query on the outer `db` inside a job would wait forever.
 */
export class BatchWriter {
  private queue: Job[] = [];
  private running: Promise<void> | null = null;
  private batches = 0;
  private jobs = 0;

  constructor(
    private readonly db: Kysely<Database>,
    /** A throwing afterCommit callback is a bug; it is reported here and the batch carries on. */
    private readonly onHookError: (err: unknown) => void = () => undefined,
    private readonly maxBatch = 512,
  ) {}

  run<T>(fn: (trx: Transaction<Database>) => Promise<T>, afterCommit?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn,
        afterCommit: afterCommit as ((value: unknown) => void) | undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      // setImmediate, not a microtask: requests that arrived in the same read
      // from the socket get to their write before the batch starts.
      this.running ??= new Promise<void>((r) => setImmediate(r)).then(() => this.loop());
    });
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Commits and jobs so far; jobs / batches is the average batch size. */
  get stats(): { batches: number; jobs: number } {
    return { batches: this.batches, jobs: this.jobs };
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.commit(this.queue.splice(0, this.maxBatch));
        // A batch runs in one macrotask (better-sqlite3 is synchronous), so no
        // socket was read meanwhile. Let I/O in before the next batch: the
        // requests waiting there join it, instead of committing a handful now.
        if (this.queue.length > 0) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.running = null;
    }
  }

  private async commit(batch: Job[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
    try {
      const trx = await this.db.startTransaction().execute();
      try {
        if (batch.length === 1) {
          // Alone in the batch: the transaction itself isolates the job.
          outcomes.push({ ok: true, value: await batch[0]!.fn(trx) });
        } else {
          for (const job of batch) {
            const sp = await trx.savepoint('job').execute();
            try {
              outcomes.push({ ok: true, value: await job.fn(sp) });
              await sp.releaseSavepoint('job').execute();
            } catch (err) {
              await sp.rollbackToSavepoint('job').execute();
              outcomes.push({ ok: false, err });
            }
          }
        }
        await trx.commit().execute();
      } catch (err) {
        await trx.rollback().execute().catch(() => undefined);
        throw err;
      }
    } catch (err) {
      // The transaction as a whole failed (or the lone job did): nothing was stored.
      for (const job of batch) job.reject(err);
      return;
    }
    this.batches++;
    this.jobs += batch.length;
    batch.forEach((job, i) => {
      const out = outcomes[i]!;
      if (!out.ok) return job.reject(out.err);
      try {
        job.afterCommit?.(out.value);
      } catch (err) {
        this.onHookError(err);
      }
      job.resolve(out.value);
    });
  }
}
