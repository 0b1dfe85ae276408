import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore, type PostgresStoreOptions } from '../src/store/postgres.js';
import type { Store } from '../src/store/store.js';

/**
 * Tests against a real PostgreSQL. `PARLEY_TEST_PG` names the server (a URL
 * whose user may create databases); unset, the local default. A server that
 * is not there fails the tests, with a message saying so: CI starts one, and
 * a skipped store is an untested store.
 */
export const PG_SERVER = process.env.PARLEY_TEST_PG || 'postgres://postgres@127.0.0.1:5432';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(PG_SERVER, 'postgres'), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    const u = new URL(PG_SERVER);
    throw new Error(
      `PostgreSQL is not reachable at ${u.hostname}:${u.port || 5432} (${(err as Error).message}). ` +
        'The pg-*.test.ts files need a server: start one, or set PARLEY_TEST_PG=postgres://user@host:port.',
      { cause: err },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  url: string;
  /** Drops it, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** A fresh database (`parley_test_<random>`) of its own, for one test file or test. */
export async function freshDatabase(): Promise<TestDatabase> {
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  return {
    url: withDatabase(PG_SERVER, name),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** A migrated PostgreSQL store on a fresh database; `close()` also drops the database. */
export async function pgStore(options: PostgresStoreOptions = {}): Promise<Store> {
  const database = await freshDatabase();
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
