/**
 * For the test suites of Parley's packages (and of apps built on the hub):
 * where a test hub keeps its data. Every suite runs on embedded SQLite; with
 * PARLEY_TEST_STORE=postgres it runs on PostgreSQL instead, each hub in a
 * schema of its own inside one database made for the test run (vitest
 * `globalSetup: setupTestStore`) and dropped when the run ends.
 *
 * PARLEY_TEST_PG names the server (default postgres://postgres@127.0.0.1:5432);
 * its user must be allowed to create databases. An unreachable server fails
 * the run with a message saying so: a store that was skipped is untested.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { HubOptions } from './config.js';

const RUN_DB_ENV = 'PARLEY_TEST_DB';

export type TestStore = 'sqlite' | 'postgres';

export function testStore(): TestStore {
  const v = process.env.PARLEY_TEST_STORE ?? 'sqlite';
  if (v !== 'sqlite' && v !== 'postgres') throw new Error(`PARLEY_TEST_STORE must be sqlite or postgres, got "${v}"`);
  return v;
}

export function testPostgresServer(): string {
  return process.env.PARLEY_TEST_PG || 'postgres://postgres@127.0.0.1:5432';
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const server = testPostgresServer();
  const client = new pg.Client({ connectionString: withDatabase(server, 'postgres'), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    const u = new URL(server);
    throw new Error(
      `PostgreSQL is not reachable at ${u.hostname}:${u.port || 5432} (${(err as Error).message}). ` +
        'Tests on PostgreSQL need a server: start one, or set PARLEY_TEST_PG=postgres://user@host:port.',
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

/** A new empty database (`<prefix>_<random>`) on the test server, for one test file or test. */
export async function createTestDatabase(prefix = 'parley_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  return {
    url: withDatabase(testPostgresServer(), name),
    drop: async () => {
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/**
 * vitest globalSetup: on PostgreSQL, makes the run's database and hands its
 * URL to the test workers; the returned teardown drops it.
 */
export async function setupTestStore(): Promise<(() => Promise<void>) | void> {
  if (testStore() !== 'postgres' || process.env[RUN_DB_ENV]) return;
  const run = await createTestDatabase('parley_run');
  process.env[RUN_DB_ENV] = run.url;
  return run.drop;
}

/**
 * Where a test hub keeps its data. `dataDir` names a data set that must
 * survive a hub restart: the same dataDir gives the same database (on
 * PostgreSQL, the same schema). Without one, a fresh, empty one.
 */
export function testDb(dataDir?: string): string {
  if (testStore() === 'sqlite') return dataDir === undefined ? ':memory:' : `${dataDir}/parley.db`;
  const run = process.env[RUN_DB_ENV];
  if (!run) throw new Error(`PARLEY_TEST_STORE=postgres but ${RUN_DB_ENV} is not set: add setupTestStore as the suite's vitest globalSetup`);
  const schema = dataDir === undefined ? `h_${randomBytes(8).toString('hex')}` : `d_${createHash('sha256').update(dataDir).digest('hex').slice(0, 24)}`;
  const u = new URL(run);
  u.searchParams.set('schema', schema);
  return u.toString();
}

/** startHub options for a test hub on the suite's store (see testDb); the schema is migrated at start. */
export function testHubOptions(dataDir?: string): Pick<HubOptions, 'db' | 'autoMigrate' | 'dbPoolSize'> {
  // A small pool: a test run starts hundreds of hubs on one server.
  return testStore() === 'postgres' ? { db: testDb(dataDir), autoMigrate: true, dbPoolSize: 4 } : { db: testDb(dataDir) };
}

/**
 * `opts` for startHub, with the suite's store filled in: a test that names
 * a `dataDir` (with `dbPath: undefined`, as restart tests do) gets data the
 * next hub with that dataDir finds; one that names a `dbPath` keeps it (on
 * SQLite only); any other gets a fresh, empty store.
 */
export function onTestStore(opts: HubOptions = {}): HubOptions {
  const { dbPath, dataDir, ...rest } = opts;
  if ('dbPath' in opts && dbPath === undefined && dataDir !== undefined) return { ...testHubOptions(dataDir), ...rest };
  if (dbPath !== undefined) return { dbPath, ...(dataDir !== undefined ? { dataDir } : {}), ...rest };
  return { ...testHubOptions(), ...rest };
}
