import { sql, type SelectQueryBuilder } from 'kysely';
import { encodeCursor, readCursor } from './ids.js';

/**
 * Newest first by `(created_at, <id>)`, the id breaking ties, for a query over
 * one table. The cursor is the last row's pair, so a page never shifts when
 * rows are added in front of it (unlike an offset).
 */
export async function newestFirst<DB, TB extends keyof DB, O extends { created_at: number }, K extends keyof O & string>(
  q: SelectQueryBuilder<DB, TB, O>,
  id: K,
  limit: number,
  cursor: string | undefined,
): Promise<{ page: O[]; next_cursor: string | null }> {
  if (cursor) {
    const [at, lastId] = readCursor(cursor, ['number', 'string']);
    q = q.where(sql<boolean>`(created_at < ${at} or (created_at = ${at} and ${sql.ref(id)} < ${lastId}))`);
  }
  const rows = await q.orderBy(sql.ref('created_at'), 'desc').orderBy(sql.ref(id), 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next_cursor: rows.length > limit && last ? encodeCursor([Number(last.created_at), String(last[id])]) : null };
}
