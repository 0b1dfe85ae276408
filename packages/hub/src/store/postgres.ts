import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { currentUnit, detached, runJobInUnit } from '../core/unit.js';
import { discarded, JobTx, queueJob, settleCommitted, type Outcome, type QueuedJob } from './jobs.js';
import type { Database } from './schema.js';
import type { Sql, WriteJob, Writer, WriterHooks } from './sql.js';
import { runMigrations, schemaStatus, type Store } from './store.js';

/**
 * PostgreSQL store: one pool for everything. `read` and `db` take a pooled
 * connection per statement (autocommit, so they see committed data only);
 * the writer runs every job as its own transaction on a connection of its
 * own, several at once (see PgWriter).
 */
export interface PostgresStoreOptions extends WriterHooks {
  /** Connections in the pool (default 10). The writer uses all but a few, which stay for reads. */
  poolSize?: number;
  /** How long a deferred write waits for others to share its transaction (ms, default 20). */
  deferMs?: number;
  /**
   * Isolation of the writer's transactions (default serializable). Every
   * domain decides from what it reads in its job and then writes, as it does
   * on SQLite's one writer: serializable keeps that correct with jobs running
   * side by side (a collision is a 40001, and the job runs again), where read
   * committed would let two jobs both pass a check meant for one. Lower it
   * only for experiments.
   */
  isolation?: Isolation;
  /** Giving up on connecting (ms, default 10 s). */
  connectTimeoutMs?: number;
  /**
   * An idle pooled connection failed (the server restarted, the network
   * dropped it). The pool replaces it; this only tells. Without a listener
   * such an error would end the process.
   */
  onPoolError?: (err: Error) => void;
}

export async function openPostgresStore(target: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const poolSize = Math.max(1, options.poolSize ?? 10);
  const where = describeTarget(target);
  const { url, schema } = splitSchema(target);
  const pool = new pg.Pool({
    connectionString: url,
    options: connectionOptions(schema, options.isolation ?? 'serializable'),
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // Per pool, not the global pg.types: whoever else loads pg in the process keeps its parsers.
    types: { getTypeParser: typeParser },
  });
  pool.on('error', (err) => options.onPoolError?.(err));

  // Fail now, with a message that says where, rather than on the first request.
  let tableSchema: string;
  try {
    if (schema) await pool.query(`create schema if not exists ${schema}`);
    // The schema our tables (and the migrator's) go in: the first of the search_path that exists.
    tableSchema = (await pool.query<{ s: string | null }>('select current_schema() as s')).rows[0]?.s ?? 'public';
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw connectError(err, where);
  }

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const writer = new PgWriter(pool, options, writeSlots(poolSize), options.deferMs, options.isolation);
  let closed = false;
  return {
    dialect: 'postgres',
    db,
    read: poolSql(pool),
    writer,
    // Kysely runs PostgreSQL migrations in one transaction under an advisory
    // lock, so hubs started together migrate once.
    migrate: () => runMigrations(db, tableSchema),
    schemaStatus: () => schemaStatus(db, tableSchema),
    async close() {
      if (closed) return;
      closed = true;
      await writer.close();
      // Kysely ends the pool only if it ever used it.
      await db.destroy();
      if (!pool.ended) await pool.end();
    },
  };
}

/**
 * Settings of every pooled connection. Every connection works in the hub's
 * schema; public stays visible for extensions (unaccent).
 *
 * Reads run at the writers' isolation. Under serializable, PostgreSQL orders
 * transactions by what they read and wrote, not by when they committed: a
 * write that read a row before another write changed it is ordered first,
 * though it commits later. A read at read committed could then see the
 * second write and not the first, an order no serial run gives, and a client
 * acts on it: it advertises a capability (acknowledged), lists the open tasks
 * (none ready yet), while a concurrent pipeline run, ordered before the
 * advertisement, announces its tasks to no one. With the read serializable
 * too, PostgreSQL sees the cycle and runs the pipeline again, now after the
 * advertisement. Single-statement reads are cheap at this level; they only
 * take predicate locks for the writers' conflict checks.
 */
function connectionOptions(schema: string | null, isolation: Isolation): string {
  const o = [`-c default_transaction_isolation=${isolation.replace(' ', '\\ ')}`];
  if (schema) o.push(`-c search_path=${schema},public`);
  return o.join(' ');
}

/**
 * bigint columns hold milliseconds and counters, and count()/sum() return
 * int8/numeric: all far below 2^53, so plain numbers, as SQLite gives them.
 */
const INT8 = 20;
const NUMERIC = 1700;
function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8 || oid === NUMERIC) return Number;
  return pg.types.getTypeParser(oid, format as 'text');
}

/**
 * `?schema=name` on the URL: the hub keeps its tables in that schema (made if
 * missing), so several hubs' data, or test runs, can share one database. The
 * name is checked, not quoted: it goes into a connection option and DDL.
 */
function splitSchema(target: string): { url: string; schema: string | null } {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    throw new Error('the PostgreSQL URL could not be parsed (expected postgres://user@host:5432/database)');
  }
  const schema = u.searchParams.get('schema');
  if (schema === null) return { url: target, schema: null };
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema must be a lower-case SQL name (letters, digits, _; at most 63), got "${schema}"`);
  }
  u.searchParams.delete('schema');
  return { url: u.toString(), schema };
}

/** Writer jobs at once: the pool less a few connections kept for reads (a writer holding them all would stall every read). */
function writeSlots(poolSize: number): number {
  return Math.max(1, poolSize - Math.min(3, Math.floor(poolSize / 2)));
}

/** host:port of a connection URL, for messages (never the password). */
function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || '5432'}`;
  } catch {
    return 'the configured URL';
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

function connectError(err: unknown, where: string): Error {
  const e = err as { code?: string; message?: string };
  const reason = e.message || e.code || String(err);
  if ((e.code && UNREACHABLE.has(e.code)) || /timeout|terminated/i.test(reason)) {
    return new Error(`PostgreSQL is not reachable at ${where}: ${reason}`, { cause: err });
  }
  return new Error(`PostgreSQL at ${where} refused the connection: ${reason}`, { cause: err });
}

/** Statements on the pool, each on whatever connection is free: autocommit, committed data only. */
function poolSql(pool: pg.Pool): Sql {
  const query = <R>(q: CompiledQuery<R>) => pool.query(q.sql, q.parameters as unknown[]);
  return {
    get: async <R>(q: CompiledQuery<R>) => (await query(q)).rows[0] as R | undefined,
    all: async <R>(q: CompiledQuery<R>) => (await query(q)).rows as R[],
    run: async (q: CompiledQuery) => (await query(q)).rowCount ?? 0,
  };
}

/**
 * A job's statements on its transaction's connection. It keeps the first
 * error: after one, PostgreSQL has aborted the transaction (every later
 * statement fails, and COMMIT quietly rolls back), so a job that caught it
 * and returned normally still failed.
 */
class ClientSql implements Sql {
  error: unknown = undefined;
  constructor(private readonly client: pg.PoolClient) {}

  private async query<R>(q: CompiledQuery<R>): Promise<pg.QueryResult> {
    try {
      return await this.client.query(q.sql, q.parameters as unknown[]);
    } catch (err) {
      this.error ??= err;
      throw err;
    }
  }
  async get<R>(q: CompiledQuery<R>): Promise<R | undefined> {
    return (await this.query(q)).rows[0] as R | undefined;
  }
  async all<R>(q: CompiledQuery<R>): Promise<R[]> {
    return (await this.query(q)).rows as R[];
  }
  async run(q: CompiledQuery): Promise<number> {
    return (await this.query(q)).rowCount ?? 0;
  }
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

/** serialization_failure, deadlock_detected: the transaction lost a race and is worth running again. */
const RETRYABLE = new Set(['40001', '40P01']);
const isRetryable = (err: unknown) => RETRYABLE.has((err as { code?: string } | undefined)?.code ?? '');
/**
 * Several hubs writing one busy row (a stream's head) lose to each other in
 * turn; alone and backing off with jitter, most jobs get through within a
 * few attempts. Past this the request fails as `internal` and the client
 * retries it (safe: nothing of it committed). Measured: 12 publishers on one
 * topic through 3 hubs on 2 cores, 4 of 631 requests ran out (issue 19).
 */
const MAX_ATTEMPTS = 16;
/** From this attempt on a job runs alone (no other write of this hub beside it), so it cannot lose to one again. */
const ALONE_FROM = 3;


/**
 * The writer on PostgreSQL. Unlike SQLite there is no single connection to
 * batch on: every job is its own transaction (SERIALIZABLE unless told) on a pooled
 * connection, and up to `slots` jobs run at once, the rest waiting in
 * submission order. So a job's commit costs one round trip more than its
 * statements, and jobs of different requests no longer wait for each other.
 *
 * Concurrent transactions can deadlock (or, under a stricter isolation, fail
 * to serialize); PostgreSQL then aborts one. That job runs again from the
 * start in a fresh transaction after a short random pause, up to
 * MAX_ATTEMPTS times: jobs decide only from what they read in `tx`, so a run
 * again is the same job. Any other error rolls the job back and rejects its
 * caller.
 *
 * Commits are reported as they happen, so `afterCommit` callbacks of
 * different jobs are not in submission order (core/stream-order.ts puts a
 * stream's pushes back in order). Every transaction's end is reported
 * (`Tx.onEnd`), including each attempt rolled back before a retry.
 *
 * Deferred jobs (bookkeeping) wait up to `deferMs` and then share one
 * transaction, each in a savepoint, so one that fails is rolled back alone.
 */
export class PgWriter implements Writer {
  /** Transactions waiting for a slot: a run job alone, or the deferred jobs together. */
  private readonly queue: QueuedJob[][] = [];
  private deferred: QueuedJob[] = [];
  private deferTimer: ReturnType<typeof setTimeout> | null = null;
  private active = 0;
  /** Batches that lost races twice, waiting to run with no other job beside them. */
  private readonly alone: QueuedJob[][] = [];
  /** One of them is running: start nothing else. */
  private aloneRunning = false;
  private idlers: Array<() => void> = [];
  private batches = 0;
  private jobs = 0;
  /** Transactions that lost a race and ran again (metrics, bench). */
  retries = 0;
  private closed = false;
  private readonly begin: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly hooks: WriterHooks = {},
    private readonly slots = 1,
    private readonly deferMs = 20,
    isolation: Isolation = 'serializable',
  ) {
    this.begin = `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`;
  }

  run<T>(fn: WriteJob<T>, afterCommit?: (value: T) => void): Promise<T> {
    const p = queueJob(fn, afterCommit, currentUnit(), (j) => this.queue.push([j]));
    this.pump();
    return p;
  }

  /** Every run job is a transaction of its own here already (no savepoints to keep small). */
  runAlone<T>(fn: WriteJob<T>): Promise<T> {
    return this.run(fn);
  }

  defer<T>(fn: WriteJob<T>, afterCommit?: (value: T) => void): Promise<T> {
    const p = queueJob(fn, afterCommit, undefined, (j) => this.deferred.push(j));
    // Detached: the timer serves whatever is deferred by then, not the request that started it.
    this.deferTimer ??= detached(() => setTimeout(() => this.flushDeferred(), this.deferMs));
    return p;
  }

  async idle(): Promise<void> {
    for (;;) {
      this.flushDeferred();
      if (this.active === 0 && this.queue.length === 0 && this.alone.length === 0) return;
      await new Promise<void>((r) => this.idlers.push(r));
    }
  }

  get stats(): { batches: number; jobs: number } {
    return { batches: this.batches, jobs: this.jobs };
  }

  /** Commits what was submitted, then refuses more (the pool is about to end). */
  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
  }

  private flushDeferred(): void {
    if (this.deferTimer) {
      clearTimeout(this.deferTimer);
      this.deferTimer = null;
    }
    if (this.deferred.length === 0) return;
    this.queue.push(this.deferred);
    this.deferred = [];
    this.pump();
  }

  private pump(): void {
    if (this.aloneRunning) return;
    if (this.alone.length > 0) {
      // Let the running jobs finish, then run one that kept losing, by itself.
      if (this.active > 0) return;
      const batch = this.alone.shift()!;
      this.aloneRunning = true;
      this.start(batch, ALONE_FROM, () => (this.aloneRunning = false));
      return;
    }
    while (this.active < this.slots && this.queue.length > 0) this.start(this.queue.shift()!, 1);
  }

  private start(batch: QueuedJob[], firstAttempt: number, done?: () => void): void {
    this.active++;
    // Detached from the request that happens to start it; each job runs in its own unit (runJobInUnit).
    void detached(() => this.commit(batch, firstAttempt)).finally(() => {
      this.active--;
      done?.();
      this.pump();
      if (this.active === 0 && this.queue.length === 0 && this.alone.length === 0) {
        const idlers = this.idlers;
        this.idlers = [];
        for (const r of idlers) r();
      }
    });
  }

  /**
   * Runs the batch's transaction until it commits, fails for good, or runs out
   * of attempts. Never rejects. A batch that loses a race runs again at once
   * (the winner has committed by the time PostgreSQL reports the loss); one
   * that loses twice goes to the `alone` queue: under steady contention on
   * one row (a busy stream's head) writes degrade to one at a time, never to
   * retries that keep failing.
   */
  private async commit(batch: QueuedJob[], firstAttempt: number): Promise<void> {
    for (let attempt = firstAttempt; ; attempt++) {
      if (this.closed) {
        const err = new Error('the PostgreSQL store is closed');
        for (const job of batch) discarded(job, err);
        return;
      }
      const retry = await this.attempt(batch, attempt < MAX_ATTEMPTS);
      if (!retry) return;
      this.retries++;
      this.hooks.onRetry?.();
      if (attempt + 1 === ALONE_FROM) {
        this.alone.push(batch);
        return;
      }
      // Alone and still losing: to another hub on the same database. Step out of its way a little.
      if (attempt + 1 > ALONE_FROM) {
        const base = Math.min(5 * 2 ** (attempt - ALONE_FROM), 80);
        await new Promise((r) => setTimeout(r, base + Math.random() * base));
      }
    }
  }

  /** One transaction for the batch. True when it lost a race and should run again (nothing of it is stored). */
  private async attempt(batch: QueuedJob[], mayRetry: boolean): Promise<boolean> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      for (const job of batch) discarded(job, err);
      return false;
    }
    /** Passed to release(): the connection is not fit to be reused. */
    let broken: Error | undefined;
    // A checked-out client has no listener of the pool's: a connection lost between statements must not end the process.
    const onClientError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onClientError);
    const sqls = batch.map(() => new ClientSql(client));
    const txs = sqls.map((s) => new JobTx(s));
    const outcomes: Outcome[] = [];
    let failure: { err: unknown } | undefined;
    try {
      await client.query(this.begin);
      if (batch.length === 1) {
        // Alone: the transaction itself isolates the job.
        outcomes.push({ ok: true, value: await runJob(batch[0]!, txs[0]!, sqls[0]!) });
      } else {
        for (let i = 0; i < batch.length; i++) {
          const job = batch[i]!;
          await client.query('SAVEPOINT job');
          try {
            outcomes.push({ ok: true, value: await runJob(job, txs[i]!, sqls[i]!) });
          } catch (err) {
            // A lost race aborts the whole transaction: run the batch again.
            if (isRetryable(sqls[i]!.error ?? err)) throw sqls[i]!.error ?? err;
            await client.query('ROLLBACK TO SAVEPOINT job');
            if (job.unit) job.unit.staged = null;
            txs[i]!.ended(this.hooks);
            outcomes.push({ ok: false, err });
          }
          await client.query('RELEASE SAVEPOINT job');
        }
      }
      await client.query('COMMIT');
    } catch (err) {
      failure = { err };
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection itself failed (or COMMIT's outcome is unknown): do not hand it out again.
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      }
    } finally {
      client.removeListener('error', onClientError);
      client.release(broken);
    }

    if (failure) {
      const lost = sqls.find((s) => isRetryable(s.error))?.error ?? failure.err;
      const retry = mayRetry && !broken && isRetryable(lost);
      batch.forEach((job, i) => {
        // Rolled back: its dedupe record went with it, and its end is reported before any new attempt.
        if (job.unit) job.unit.staged = null;
        txs[i]!.ended(this.hooks);
        if (!retry) discarded(job, failure.err);
      });
      return retry;
    }

    const n = outcomes.filter((o) => o.ok).length;
    this.batches++;
    this.jobs += n;
    try {
      this.hooks.onCommit?.(n);
    } catch (err) {
      this.hooks.onHookError?.(err);
    }
    settleCommitted(batch, outcomes, txs, this.hooks);
    return false;
  }
}

/** Runs a job in its request's unit; a statement that failed fails the job even if the job caught it. */
async function runJob(job: QueuedJob, tx: JobTx, sql: ClientSql): Promise<unknown> {
  const value = await runJobInUnit(job.unit, () => job.fn(tx));
  if (sql.error !== undefined) throw sql.error;
  return value;
}
