import { Migrator, sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations.js';
import type { Sql, Writer } from './sql.js';

/**
 * The one storage seam of the hub. Queries are written with Kysely against
 * the store's dialect, so the SQL stays portable; they run through `read`
 * (committed data, outside any transaction) or inside a `writer` job (one
 * transaction per request's effect, its pushes and its dedupe record).
 * `db` builds queries and runs the occasional ad hoc read; it never writes.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Kysely<Database>;
  readonly read: Sql;
  readonly writer: Writer;
  migrate(): Promise<void>;
  /** Where the database's schema stands against this hub's migrations. */
  schemaStatus(): Promise<SchemaStatus>;
  close(): Promise<void>;
}

/**
 * Kysely's migrator for `db`. `tableSchema` names the PostgreSQL schema its
 * bookkeeping tables live in: without it, Kysely looks for them in every
 * schema of the database, and a hub beside another hub's schema would take
 * that hub's tables for its own.
 */
function migrator(db: Kysely<Database>, tableSchema: string | undefined): Migrator {
  return new Migrator({ db, provider: migrationProvider, ...(tableSchema ? { migrationTableSchema: tableSchema } : {}) });
}

export async function runMigrations(db: Kysely<Database>, tableSchema?: string): Promise<void> {
  const m = migrator(db, tableSchema);
  const { error, results } = await m.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}

/** Where a database's schema stands against this hub's migrations. */
export interface SchemaStatus {
  /** This hub's migrations not yet applied to the database, oldest first. */
  pending: string[];
  /** Applied to the database but unknown to this hub: the database belongs to a newer hub. */
  unknown: string[];
}

export async function schemaStatus(db: Kysely<Database>, tableSchema?: string): Promise<SchemaStatus> {
  const known = await migrator(db, tableSchema).getMigrations();
  const pending = known.filter((m) => m.executedAt === undefined).map((m) => m.name);
  const names = new Set(known.map((m) => m.name));
  let applied: string[] = [];
  if (known.some((m) => m.executedAt !== undefined)) {
    const table = sql.table(tableSchema ? `${tableSchema}.kysely_migration` : 'kysely_migration');
    const rows = await sql<{ name: string }>`select name from ${table}`.execute(db);
    applied = rows.rows.map((r) => r.name);
  }
  return { pending, unknown: applied.filter((n) => !names.has(n)) };
}

/**
 * Brings the schema to this hub's and returns the migrations it applied. A
 * database a newer Parley migrated is refused with the message
 * assertSchemaCurrent gives, not migrated: Kysely would only call its
 * migrations "corrupted".
 */
export async function migrateSchema(store: Store, where: string): Promise<string[]> {
  const { pending, unknown } = await store.schemaStatus();
  if (unknown.length > 0) throw newerSchema(where, unknown);
  await store.migrate();
  return pending;
}

/**
 * Refuses, with a message that says what to do, a database whose schema is
 * not exactly this hub's: older (run `parley migrate`) or newer (a newer hub
 * migrated it; run that version).
 */
export async function assertSchemaCurrent(store: Store, where: string): Promise<void> {
  const { pending, unknown } = await store.schemaStatus();
  if (unknown.length > 0) throw newerSchema(where, unknown);
  if (pending.length > 0) {
    throw new Error(
      `the database at ${where} is on an older schema (${pending.length} migration${pending.length === 1 ? '' : 's'} pending: ${pending.join(', ')}); run \`parley migrate --db <url>\` once, then start the hubs`,
    );
  }
}

function newerSchema(where: string, unknown: string[]): Error {
  return new Error(`the database at ${where} has migrations this hub does not know (${unknown.join(', ')}): it was migrated by a newer Parley; run that version`);
}
