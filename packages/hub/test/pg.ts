import { openPostgresStore, type PostgresStoreOptions } from '../src/store/postgres.js';
import type { Store } from '../src/store/store.js';
import { createTestDatabase } from '../src/testing.js';

/**
 * A migrated PostgreSQL store on a fresh database of its own, whatever
 * PARLEY_TEST_STORE says; `close()` also drops the database. The server is
 * src/testing.ts's (PARLEY_TEST_PG, or the local default): one that is not
 * there fails the tests, with a message saying so. CI starts one, and a
 * skipped store is an untested store.
 */
export async function pgStore(options: PostgresStoreOptions = {}): Promise<Store> {
  const database = await createTestDatabase();
  let store: Store;
  try {
    store = await openPostgresStore(database.url, options);
    await store.migrate();
  } catch (err) {
    await database.drop();
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    ...store,
    close: () => (closed ??= store.close().finally(() => database.drop())),
  };
}
