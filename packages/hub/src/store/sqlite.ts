import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { Checkpointer, type CheckpointerOptions } from './checkpointer.js';
import type { Database } from './schema.js';
import type { WriterHooks } from './sql.js';
import { runMigrations, schemaStatus, type Store } from './store.js';
import { asyncSql, BatchWriter, type SyncStatements } from './writer.js';

/**
 * Embedded default store: better-sqlite3 in WAL mode. Two connections to one
 * file: the writer's (group commit, see writer.ts) and a read-only one for
 * everything else, which sees only committed transactions (WAL snapshot).
 * `:memory:` is a temporary file removed on close: two connections cannot
 * share a private in-memory database.
 */
export interface SqliteStoreOptions extends WriterHooks {
  /** WAL checkpoints in a worker thread: how often, and how far the WAL may grow (see checkpointer.ts). */
  checkpoints?: Pick<CheckpointerOptions, 'intervalMs' | 'catchUpPages'>;
  /** The background checkpointer failed and the writer checkpoints by itself again. */
  onCheckpointError?: (err: unknown) => void;
  /** Most jobs per transaction. */
  maxBatch?: number;
  /** How long a deferred write waits for a batch to ride along with (ms). */
  deferMs?: number;
}

export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  let file = path;
  let scratch: string | null = null;
  if (path === ':memory:') {
    scratch = mkdtempSync(join(tmpdir(), 'parley-db-'));
    file = join(scratch, 'parley.db');
  } else {
    mkdirSync(dirname(path), { recursive: true });
  }
  const writeConn = new BetterSqlite3(file);
  // WAL lets readers proceed while a push is being appended; NORMAL is durable
  // across process crashes (only an OS crash may lose the last transactions).
  writeConn.pragma('journal_mode = WAL');
  writeConn.pragma('synchronous = NORMAL');
  writeConn.pragma('busy_timeout = 5000');
  // Each job of a shared batch runs in a savepoint, and SQLite copies every
  // page a job changes into the savepoint's journal. With temp_store at its
  // default that journal spills to a temporary file past 64 KiB, a write()
  // per page: at 256 calls in flight a batch spilled on every job, and the
  // hub's INSERTs cost twice what they do with the copy kept in memory (+28%
  // calls/s). The copy is as large as what one batch of request jobs
  // changes; maintenance that may change any number of rows runs alone,
  // without a savepoint (Writer.runAlone).
  writeConn.pragma('temp_store = MEMORY');
  const checkpointer = new Checkpointer(file, writeConn, { ...options.checkpoints, onError: options.onCheckpointError });
  const writeCache = withStatementCache(writeConn);

  // Everything but the writer reads here, and sees only committed transactions.
  const readConn = new BetterSqlite3(file, { readonly: true });
  readConn.pragma('busy_timeout = 5000');
  const readCache = withStatementCache(readConn);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: readCache }) });
  const sides = new WriterSideReads(syncStatements(writeCache), syncStatements(readCache));
  const read = asyncSql(sides.reads);
  const writer = new BatchWriter(sides.forWriter(() => checkpointer.beforeBatch()), options, options.maxBatch, options.deferMs);

  let closed = false;
  return {
    dialect: 'sqlite',
    db,
    read,
    writer,
    async migrate() {
      // Kysely on the writer's connection, for the migrator only; closing it must not close the connection.
      const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: { ...writeCache, close: () => undefined } }) });
      try {
        await runMigrations(db);
      } finally {
        await db.destroy();
      }
    },
    schemaStatus: () => schemaStatus(db),
    async close() {
      if (closed) return;
      closed = true;
      await writer.idle();
      sides.end();
      await checkpointer.close();
      await db.destroy();
      // The last connection to close checkpoints what is left and removes the WAL.
      writeConn.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Kysely prepares every query afresh; preparing costs about as much as running
 * a small statement (a p2p/send runs nine). The same SQL text is reused
 * constantly, so keep the prepared statements, least recently used out first.
 * Safe because statements run one at a time on a connection and no iterator
 * is left open (no streaming queries in the hub).
 */
export function withStatementCache(sqlite: BetterSqlite3.Database, max = 512): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

/**
 * The hot reads (`store.read`: the dedupe lookup and contact policy of every
 * call) go to the writer's connection whenever no batch is open on it, and to
 * the read-only connection only while one is. Between batches the writer's
 * connection holds exactly what is committed, and its page cache is warm: the
 * read-only connection must drop its cache whenever another connection has
 * committed since its last read, and fetch each page again (a WAL lookup and
 * a pread), which made its reads cost twice as much under load.
 *
 * The reads between two batches share one read transaction. A statement
 * outside a transaction begins and ends one of its own, and in WAL mode that
 * (finding a read mark in the WAL index, locking it, checking the header)
 * cost more than the lookup itself: 5.2 us a point lookup against 0.6 us
 * inside a transaction, measured here. It ends before the writer's next
 * BEGIN and at the latest in the next check phase of the event loop, so an
 * idle hub holds no snapshot and the WAL can still be reset. A statement runs
 * synchronously, so no batch can begin in the middle of one; nothing else
 * writes the file, so that snapshot is what is committed.
 */
class WriterSideReads {
  private snapshot = false;
  private batch = false;
  private readonly endSnapshot = () => this.end();

  constructor(
    private readonly writer: SyncStatements,
    private readonly reader: SyncStatements,
  ) {}

  /** `store.read` */
  readonly reads: SyncStatements = {
    get: (sql, params) => this.pick().get(sql, params),
    all: (sql, params) => this.pick().all(sql, params),
    run: () => {
      throw new Error('store.read is read-only: writes go through the writer');
    },
    exec: () => {
      throw new Error('store.read is read-only: writes go through the writer');
    },
  };

  /** The writer's own statements: its BEGIN ends the read snapshot, and reads go elsewhere until its COMMIT or ROLLBACK. */
  forWriter(beforeBatch: SyncStatements['beforeBatch']): SyncStatements {
    return {
      ...this.writer,
      beforeBatch,
      exec: (text) => {
        if (text === 'BEGIN') {
          this.end();
          this.writer.exec(text);
          this.batch = true;
        } else if (text === 'COMMIT' || text === 'ROLLBACK') {
          try {
            this.writer.exec(text);
            this.batch = false;
          } finally {
            // A failed COMMIT is followed by ROLLBACK, and a ROLLBACK that throws found nothing left to undo.
            if (text === 'ROLLBACK') this.batch = false;
          }
        } else {
          this.writer.exec(text);
        }
      },
    };
  }

  private pick(): SyncStatements {
    if (this.batch) return this.reader;
    if (!this.snapshot) {
      this.writer.exec('BEGIN');
      this.snapshot = true;
      setImmediate(this.endSnapshot);
    }
    return this.writer;
  }

  /** Ends the read snapshot, if one is open (before the writer's BEGIN, in the next check phase, on close). */
  end(): void {
    if (!this.snapshot) return;
    this.snapshot = false;
    this.writer.exec('COMMIT');
  }
}

/** Synchronous statements on a connection's statement cache. */
function syncStatements(cached: SqliteDatabase): SyncStatements {
  const stmt = (sql: string) => cached.prepare(sql) as unknown as BetterSqlite3.Statement;
  return {
    get: (sql, params) => stmt(sql).get(params as unknown[]),
    all: (sql, params) => stmt(sql).all(params as unknown[]),
    run: (sql, params) => stmt(sql).run(params as unknown[]).changes,
    // Prepared and cached too: BEGIN/COMMIT run once per batch, SAVEPOINT once per job.
    exec: (text) => {
      stmt(text).run();
    },
  };
}
