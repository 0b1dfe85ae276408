import type { RequestUnit } from '../core/unit.js';
import type { CompiledQuery } from 'kysely';
import type { Sql, Tx, WriteJob, WriterHooks } from './sql.js';

/** A job waiting in a writer's queue. */
export interface QueuedJob {
  fn: WriteJob<unknown>;
  /** The request the job was queued by (core/unit.ts): its dedupe record may ride in this job. */
  unit: RequestUnit | undefined;
  afterCommit: ((value: unknown) => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** Runs in a transaction of its own (Writer.runAlone). */
  alone?: boolean;
}

export function queueJob<T>(
  fn: WriteJob<T>,
  afterCommit: ((value: T) => void) | undefined,
  unit: RequestUnit | undefined,
  push: (job: QueuedJob) => void,
  alone = false,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    push({
      fn: fn as WriteJob<unknown>,
      unit,
      afterCommit: afterCommit as ((value: unknown) => void) | undefined,
      resolve: resolve as (value: unknown) => void,
      reject,
      ...(alone ? { alone } : {}),
    });
  });
}

/** The job's transaction did not commit: its staged dedupe record went with it. */
export function discarded(job: QueuedJob, err: unknown): void {
  if (job.unit) job.unit.staged = null;
  job.reject(err);
}

/**
 * The job's transaction committed: the request changed something, and its
 * record (if staged) is durable now. Then its afterCommit runs, before the
 * caller resumes.
 */
export function committed(job: QueuedJob, value: unknown, hooks: WriterHooks): void {
  if (job.unit) {
    job.unit.commits++;
    if (job.unit.staged !== null) {
      job.unit.recorded = job.unit.staged;
      job.unit.staged = null;
    }
  }
  try {
    job.afterCommit?.(value);
  } catch (err) {
    hooks.onHookError?.(err);
  }
  job.resolve(value);
}

/** How one job of a transaction went: its value, or the error its savepoint was rolled back for. */
export type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * After a transaction of several jobs committed: each job that succeeded is
 * committed and told its transaction ended; each that failed (rolled back to
 * its savepoint, so it stored nothing) gets its error.
 */
export function settleCommitted(batch: readonly QueuedJob[], outcomes: readonly Outcome[], txs: readonly JobTx[], hooks: WriterHooks): void {
  batch.forEach((job, i) => {
    const out = outcomes[i]!;
    if (out.ok) {
      committed(job, out.value, hooks);
      txs[i]!.ended(hooks);
    } else job.reject(out.err);
  });
}

/** A job's view of its transaction: the statements, plus what runs when it ends. */
export class JobTx implements Tx {
  private ends: Array<() => void> | null = null;

  constructor(private readonly sql: Sql) {}

  get<R>(q: CompiledQuery<R>): Promise<R | undefined> {
    return this.sql.get(q);
  }
  all<R>(q: CompiledQuery<R>): Promise<R[]> {
    return this.sql.all(q);
  }
  run(q: CompiledQuery): Promise<number> {
    return this.sql.run(q);
  }
  onEnd(fn: () => void): void {
    (this.ends ??= []).push(fn);
  }

  /** The transaction (or the job's savepoint) ended; called once by the writer. */
  ended(hooks: WriterHooks): void {
    const ends = this.ends;
    this.ends = null;
    if (ends) for (const fn of ends) {
      try {
        fn();
      } catch (err) {
        hooks.onHookError?.(err);
      }
    }
  }
}
