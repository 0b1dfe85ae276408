import { describeDb, resolveConfig, type HubOptions } from './config.js';
import { openStore } from './store/open.js';

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
    const { pending, unknown } = await store.schemaStatus();
    if (unknown.length > 0) {
      throw new Error(`the database at ${describeDb(cfg.db)} has migrations this Parley does not know (${unknown.join(', ')}): it was migrated by a newer version`);
    }
    await store.migrate();
    return { db: describeDb(cfg.db), dialect: store.dialect, applied: pending };
  } finally {
    await store.close();
  }
}
