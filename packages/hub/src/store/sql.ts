import type { CompiledQuery } from 'kysely';

/**
 * Statements on the store, the one seam every domain reads and writes
 * through. Queries are built (and usually precompiled) with Kysely against the
 * store's own dialect, so the SQL text stays the builder's; they run here
 * without Kysely's per-query connection hand-off, which costs more than a
 * small SQLite statement does.
 *
 * Two kinds of `Sql` exist: a writer job's transaction (`WriteJob`'s `tx`),
 * and the store's `read` side, which only ever sees committed data (on
 * SQLite a read-only connection of its own; on PostgreSQL the pool). Every
 * call must be awaited before the next one on the same transaction.
 */
export interface Sql {
  /** First row, or undefined. */
  get<R>(query: CompiledQuery<R>): Promise<R | undefined>;
  all<R>(query: CompiledQuery<R>): Promise<R[]>;
  /** A statement that returns no rows; the number of rows it changed. */
  run(query: CompiledQuery): Promise<number>;
}

/** A writer job's transaction. */
export interface Tx extends Sql {
  /**
   * `fn` runs once when this transaction has ended: right after the
   * afterCommit callbacks when it committed, at once when it rolled back.
   * For bookkeeping in memory that must follow the transaction's fate.
   */
  onEnd(fn: () => void): void;
}

/**
 * One request's effect (or one piece of bookkeeping), run inside a write
 * transaction. It must touch the database only through `tx` and await only
 * `tx`'s statements (never a timer, a socket or another job): on SQLite the
 * whole batch's transaction is open while it runs. It may run again after a
 * transient conflict on PostgreSQL, so everything it decides comes from what
 * it reads in `tx`.
 */
export type WriteJob<T> = (tx: Tx) => Promise<T>;

/** The only way to write: every job is one transaction (or one savepoint of a group commit). */
export interface Writer {
  /**
   * Runs `job` in a transaction; `afterCommit` runs synchronously right after
   * the commit, before the caller resumes (fan-out goes there). A job queued
   * by a request carries the request's unit (core/unit.ts), so it can record
   * the request's answer with its effect (`respond`).
   */
  run<T>(job: WriteJob<T>, afterCommit?: (value: T) => void): Promise<T>;
  /**
   * Bookkeeping that may wait a little to share a commit with the next batch
   * (read cursors, last-seen times): losing it in a crash costs only repeated
   * work. It belongs to no request.
   */
  defer<T>(job: WriteJob<T>, afterCommit?: (value: T) => void): Promise<T>;
  /**
   * Maintenance that may touch any number of rows (pruning): a transaction
   * of its own, never shared with a batch of requests. In a shared batch each
   * job runs in a savepoint, and SQLite keeps a copy of every page a job
   * changes until the savepoint is released: held in memory (the writer's
   * temp_store), that copy must stay as small as a request's job.
   */
  runAlone<T>(job: WriteJob<T>): Promise<T>;
  /** Resolves once everything submitted so far is committed (or failed). */
  idle(): Promise<void>;
  /** Commits and jobs so far. */
  readonly stats: { batches: number; jobs: number };
}

/** What the hub wants to hear from its writer. */
export interface WriterHooks {
  /** A throwing afterCommit callback is a bug; it is reported here and the others still run. */
  onHookError?: (err: unknown) => void;
  /** Told the number of jobs of every commit (metrics). */
  onCommit?: (jobs: number) => void;
  /** A transaction lost to a concurrent one (serialization failure, deadlock) and runs again (PostgreSQL). */
  onRetry?: () => void;
}
