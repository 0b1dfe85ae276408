import { Migrator, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations.js';
import type { SyncSql } from './sql.js';

/**
 * The one storage seam of the hub. Queries are written with Kysely, so the
 * SQL stays portable. Most run through `db`; the hot path and every write
 * transaction run through `sql` inside the group-commit writer (see
 * writer.ts), synchronously. A PostgreSQL store will need an async writer
 * behind the same job functions: that is the one place SQLite shapes the code.
 */
export interface Store {
  readonly db: Kysely<Database>;
  readonly sql: SyncSql;
  readonly dialect: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export async function runMigrations(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}
