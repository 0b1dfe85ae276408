import { isPostgresUrl } from '../config.js';
import { openPostgresStore, type PostgresStoreOptions } from './postgres.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { Store } from './store.js';

export type StoreOptions = SqliteStoreOptions & PostgresStoreOptions;

export { isPostgresUrl };

/** Opens the store `target` names. Neither migrates: call `migrate()` (or check the schema) before use. */
export async function openStore(target: string, options: StoreOptions = {}): Promise<Store> {
  return isPostgresUrl(target) ? openPostgresStore(target, options) : openSqliteStore(target, options);
}
