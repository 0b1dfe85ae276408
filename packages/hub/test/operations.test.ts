import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, sql, SqliteDialect } from 'kysely';
import pino, { type Logger } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { describeDb } from '../src/config.js';
import { migrateDatabase, startHub, type HubOptions, type RunningHub } from '../src/index.js';
import { migrationProvider } from '../src/store/migrations.js';
import { openStore } from '../src/store/open.js';
import type { SchemaStatus } from '../src/store/store.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';
import { tempDir } from './helpers.js';

// What an operator sees when the database is not what the hub needs: a
// PostgreSQL that is not there, a schema older than the hub's (never
// migrated, or from an earlier release), one a newer Parley migrated. Each
// start is refused with a message that says what to do, and a password in
// the URL shows up nowhere. PostgreSQL cases run on databases of their own
// (src/testing.ts), whatever PARLEY_TEST_STORE says; SQLite ones in temp dirs.

const PASSWORD = 'pw-must-not-leak-7f3a';
const ALL = Object.keys(await migrationProvider.getMigrations()).sort();
const OLDER = '0007_worlds';
const PENDING_AFTER_OLDER = ALL.slice(ALL.indexOf(OLDER) + 1);
const FROM_THE_FUTURE = '9999_from_a_newer_parley';

/** A pino logger whose lines the test reads. */
function capturedLog(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), text: () => lines.join('') };
}

function withPassword(url: string): string {
  const u = new URL(url);
  u.password = PASSWORD;
  return u.toString();
}

function start(db: string, logger: Logger, opts: HubOptions = {}): Promise<RunningHub> {
  return startHub({ db, port: 0, dbPoolSize: 2, logger, ...opts });
}

/** What `fn` rejected with; fails if it resolved (closing the hub it started). */
async function refusal(fn: () => Promise<RunningHub>): Promise<Error> {
  let hub: RunningHub;
  try {
    hub = await fn();
  } catch (err) {
    return err as Error;
  }
  await hub.close();
  throw new Error('the hub started, but it should have refused');
}

/** "N migration(s) pending: a, b", as the hub words it. */
function pendingText(names: string[]): string {
  return `${names.length} migration${names.length === 1 ? '' : 's'} pending: ${names.join(', ')}`;
}

async function statusOf(target: string): Promise<SchemaStatus> {
  const store = await openStore(target, { poolSize: 1 });
  try {
    return await store.schemaStatus();
  } finally {
    await store.close();
  }
}

/**
 * Migrates the database `target` names up to `name` and no further, as an
 * earlier release left it. The migrator's tables go in the schema the store
 * works in (src/store/store.ts), so a `?schema=` URL gets a schema of its own.
 */
async function migrateTo(target: string, name: string): Promise<void> {
  if (target.startsWith('postgres')) {
    const store = await openStore(target, { poolSize: 1 });
    try {
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(store.db)).rows[0]!.s;
      const migrator = new Migrator({ db: store.db, provider: migrationProvider, migrationTableSchema: schema });
      expect((await migrator.migrateTo(name)).error).toBeUndefined();
    } finally {
      await store.close();
    }
    return;
  }
  // The SQLite store's own Kysely reads on a read-only connection: migrate on one of our own.
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(target) }) });
  try {
    expect((await new Migrator({ db, provider: migrationProvider }).migrateTo(name)).error).toBeUndefined();
  } finally {
    await db.destroy();
  }
}

/** Records a migration this hub does not have, as a newer Parley would have. */
async function addUnknownMigration(target: string): Promise<void> {
  const store = await openStore(target, { poolSize: 1 });
  try {
    await store.writer.run((tx) =>
      tx.run(sql`insert into kysely_migration (name, timestamp) values (${FROM_THE_FUTURE}, ${new Date().toISOString()})`.compile(store.db)),
    );
  } finally {
    await store.close();
  }
}

describe('a PostgreSQL that is not reachable', () => {
  it('fails the start at once, naming host:port; the password shows up in no error and no log line', async () => {
    const db = `postgres://parley:${PASSWORD}@127.0.0.1:1/parley`;
    const log = capturedLog();
    const began = Date.now();
    const err = await refusal(() => start(db, log.logger));
    // A refused connection must not wait out the 10 s connect timeout.
    expect(Date.now() - began).toBeLessThan(5000);
    expect(err.message).toMatch(/^PostgreSQL is not reachable at 127\.0\.0\.1:1: /);
    // The whole error as a log line would print it: message, stack, cause.
    expect(inspect(err, { depth: 5 })).not.toContain(PASSWORD);
    expect(log.text()).not.toContain(PASSWORD);

    const migrating = await migrateDatabase({ db }).then(
      () => new Error('migrateDatabase resolved'),
      (e: unknown) => e as Error,
    );
    expect(migrating.message).toMatch(/^PostgreSQL is not reachable at 127\.0\.0\.1:1: /);
    expect(inspect(migrating, { depth: 5 })).not.toContain(PASSWORD);
  });
});

describe('PostgreSQL: the schema a hub starts on', () => {
  const databases: TestDatabase[] = [];
  const fresh = async (): Promise<string> => {
    const database = await createTestDatabase('parley_ops');
    databases.push(database);
    return database.url;
  };
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it('a never-migrated database is refused until `parley migrate` ran; then the hub starts, and the password shows nowhere', async () => {
    // Trust auth: the server never asks, so the password is only ever in the URL.
    const db = withPassword(await fresh());
    const log = capturedLog();

    const err = await refusal(() => start(db, log.logger));
    expect(err.message).toContain(`the database at ${describeDb(db)} is on an older schema (${pendingText(ALL)})`);
    expect(err.message).toContain('run `parley migrate');
    expect(describeDb(db)).toContain(':***@');
    expect(inspect(err, { depth: 5 })).not.toContain(PASSWORD);
    // The refused start changed nothing.
    expect(await statusOf(db)).toEqual({ pending: ALL, unknown: [] });

    const report = await migrateDatabase({ db });
    expect(report).toEqual({ db: describeDb(db), dialect: 'postgres', applied: ALL });

    const hub = await start(db, log.logger);
    try {
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    } finally {
      await hub.close();
    }
    expect(log.text()).toContain('hub listening');
    expect(log.text()).not.toContain(PASSWORD);
    // Run again, it has nothing to do.
    expect((await migrateDatabase({ db })).applied).toEqual([]);
  });

  it('an older schema is refused, naming the pending migrations; autoMigrate brings it current', async () => {
    const db = await fresh();
    await migrateTo(db, OLDER);
    const log = capturedLog();

    const err = await refusal(() => start(db, log.logger));
    expect(err.message).toContain(`is on an older schema (${pendingText(PENDING_AFTER_OLDER)})`);
    expect(err.message).toContain('run `parley migrate');
    expect(await statusOf(db)).toEqual({ pending: PENDING_AFTER_OLDER, unknown: [] });

    await (await start(db, log.logger, { autoMigrate: true })).close();
    expect(await statusOf(db)).toEqual({ pending: [], unknown: [] });
    // Current now: a hub without autoMigrate starts too.
    await (await start(db, log.logger)).close();
  });

  it('in a `?schema=` of its own, a hub judges its schema, not a current one beside it', async () => {
    const base = new URL(await fresh());
    const at = (schema: string) => {
      const u = new URL(base);
      u.searchParams.set('schema', schema);
      return u.toString();
    };
    await migrateDatabase({ db: at('current_one') });
    await migrateTo(at('older_one'), OLDER);

    const err = await refusal(() => start(at('older_one'), capturedLog().logger));
    expect(err.message).toContain(`is on an older schema (${pendingText(PENDING_AFTER_OLDER)})`);
    await (await start(at('current_one'), capturedLog().logger)).close();
    expect(await statusOf(at('older_one'))).toEqual({ pending: PENDING_AFTER_OLDER, unknown: [] });
  });

  it('a database a newer Parley migrated is refused, with autoMigrate too, and `parley migrate` leaves it alone', async () => {
    const db = await fresh();
    await migrateDatabase({ db });
    await addUnknownMigration(db);
    const newer = `the database at ${describeDb(db)} has migrations this hub does not know (${FROM_THE_FUTURE}): it was migrated by a newer Parley; run that version`;

    expect((await refusal(() => start(db, capturedLog().logger))).message).toBe(newer);
    expect((await refusal(() => start(db, capturedLog().logger, { autoMigrate: true }))).message).toBe(newer);
    await expect(migrateDatabase({ db })).rejects.toThrow(newer);
    expect(await statusOf(db)).toEqual({ pending: [], unknown: [FROM_THE_FUTURE] });
  });
});

describe('SQLite: the schema a hub starts on', () => {
  const cleanups: Array<() => void> = [];
  const file = (): string => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    return join(dir, 'parley.db');
  };
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });

  it('with autoMigrate: false an older schema is refused, naming the pending migrations; by default the hub migrates it', async () => {
    const db = file();
    await migrateTo(db, OLDER);

    const err = await refusal(() => start(db, capturedLog().logger, { autoMigrate: false }));
    expect(err.message).toContain(`the database at ${db} is on an older schema (${pendingText(PENDING_AFTER_OLDER)})`);
    expect(err.message).toContain('run `parley migrate');
    expect(await statusOf(db)).toEqual({ pending: PENDING_AFTER_OLDER, unknown: [] });

    await (await start(db, capturedLog().logger)).close();
    expect(await statusOf(db)).toEqual({ pending: [], unknown: [] });
  });

  it('a file a newer Parley migrated is refused, though SQLite migrates at start', async () => {
    const db = file();
    expect((await migrateDatabase({ db })).applied).toEqual(ALL);
    await addUnknownMigration(db);
    const err = await refusal(() => start(db, capturedLog().logger));
    expect(err.message).toBe(`the database at ${db} has migrations this hub does not know (${FROM_THE_FUTURE}): it was migrated by a newer Parley; run that version`);
  });
});
