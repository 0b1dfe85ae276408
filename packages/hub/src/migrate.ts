import { describeDb, resolveConfig, type HubOptions } from './config.js';
import { openStore } from './store/open.js';
import { migrateSchema } from './store/store.js';

export interface MigrationReport {
  /** The database, password hidden. */
  db: string;
  dialect: 'sqlite' | 'postgres';
  /** Migrations this run applied, oldest first (empty when the schema was current). */
  applied: string[];
}

/**
 * `parley migrate`: brings the database the options name (db, dbPath or
 * dataDir, as for startHub) to this hub's schema. On PostgreSQL run it once
 * per upgrade, before starting the new hubs; on SQLite the hub also does it
 * itself at start.
 */
export async function migrateDatabase(options: HubOptions = {}): Promise<MigrationReport> {
  const cfg = resolveConfig(options);
  const store = await openStore(cfg.db, { poolSize: 2 });
  try {
    const db = describeDb(cfg.db);
    return { db, dialect: store.dialect, applied: await migrateSchema(store, db) };
  } finally {
    await store.close();
  }
}
