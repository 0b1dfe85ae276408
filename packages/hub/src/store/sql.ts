import type { CompiledQuery } from 'kysely';

/**
 * Synchronous statements on the embedded database, for the hot path and the
 * group-commit writer. Queries are still built with Kysely (so the SQL text
 * stays the builder's), but run without Kysely's per-query connection
 * hand-off: on better-sqlite3 a small statement runs in a few microseconds,
 * less than that hand-off, and a whole batch of writes runs in one macrotask,
 * so nothing can interleave with it.
 */
export interface SyncSql {
  /** First row, or undefined. */
  get<R>(query: CompiledQuery<R>): R | undefined;
  all<R>(query: CompiledQuery<R>): R[];
  /** A statement that returns no rows; the number of rows it changed. */
  run(query: CompiledQuery): number;
  /** Parameterless control statements: BEGIN, COMMIT, SAVEPOINT ... */
  exec(text: string): void;
}
