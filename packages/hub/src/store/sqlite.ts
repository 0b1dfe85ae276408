import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database } from './schema.js';
import type { SyncSql } from './sql.js';
import { runMigrations, type Store } from './store.js';

/** Embedded default store: better-sqlite3 in WAL mode behind Kysely. */
export function openSqliteStore(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  // WAL lets readers proceed while a push is being appended; NORMAL is durable
  // across process crashes (only an OS crash may lose the last transactions).
  if (path !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const cached = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  let closed = false;
  return {
    db,
    sql: syncSql(cached),
    dialect: 'sqlite',
    migrate: () => runMigrations(db),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query afresh; preparing costs about as much as running
 * a small statement (a p2p/send runs nine). The same SQL text is reused
 * constantly, so keep the prepared statements, least recently used out first.
 * Safe because Kysely runs one statement at a time on this connection and
 * never leaves an iterator open (no streaming queries in the hub).
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

/** `SyncSql` on the same connection and statement cache as Kysely. */
function syncSql(cached: SqliteDatabase): SyncSql {
  const stmt = (q: CompiledQuery) => cached.prepare(q.sql) as unknown as BetterSqlite3.Statement;
  return {
    get: <R>(q: CompiledQuery<R>) => stmt(q).get(q.parameters as unknown[]) as R | undefined,
    all: <R>(q: CompiledQuery<R>) => stmt(q).all(q.parameters as unknown[]) as R[],
    run: (q: CompiledQuery) => stmt(q).run(q.parameters as unknown[]).changes,
    // Prepared and cached too: BEGIN/COMMIT run once per batch, SAVEPOINT once per job.
    exec: (text: string) => {
      (cached.prepare(text) as unknown as BetterSqlite3.Statement).run();
    },
  };
}
