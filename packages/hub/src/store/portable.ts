import { PostgresAdapter, sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';

/**
 * The few SQL expressions that SQLite and PostgreSQL spell differently, so a
 * domain writes one query for both stores. Full-text search has its own file
 * (search.ts); everything else a domain needs is here.
 */

/** Whether `db` runs on PostgreSQL (else SQLite). */
export function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Up to `length` bytes of a text column's UTF-8 encoding from byte `offset`
 * (0-based), as a blob (SQLite) or bytea (PostgreSQL): only that slice leaves
 * the database. The slice may cut a character; the caller decides.
 */
export function utf8Slice(db: Kysely<Database>, text: Expression<string>, offset: number, length: number): RawBuilder<Uint8Array | null> {
  if (isPostgres(db)) return sql<Uint8Array | null>`substring(convert_to(${text}, 'UTF8') from ${sql.lit(offset + 1)} for ${sql.lit(length)})`;
  // SQLite: a blob cast of text is its UTF-8 bytes, and substr of a blob counts bytes (1-based).
  return sql<Uint8Array | null>`substr(cast(${text} as blob), ${offset + 1}, ${length})`;
}

/**
 * Whether a text column contains `text`, ignoring case, on both stores
 * (SQLite's LIKE ignores ASCII case, PostgreSQL's does not). The user's `%`
 * and `_` are dropped, so they never act as wildcards.
 */
export function containsText(column: string, text: string): RawBuilder<boolean> {
  const pattern = `%${text.replace(/[%_\\]/g, '').toLowerCase()}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern}`;
}

/**
 * As containsText, but the user's `%`, `_` and `\` are matched as themselves
 * (escaped, not dropped): a search for "50%" finds "50%" and not "500".
 * `escape '\'` is spelled out since SQLite's LIKE has no escape character by default.
 */
export function containsLiteral(column: string, text: string): RawBuilder<boolean> {
  const pattern = `%${text.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
