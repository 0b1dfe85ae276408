import { sql, type SelectQueryBuilder } from 'kysely';
import { ErrorCode, MAX_PAGE_BYTES } from '@parley/protocol';
import { HubError } from './errors.js';
import { encodeCursor, readCursor } from './ids.js';

/**
 * Newest first by `(created_at, <id>)`, the id breaking ties, for a query over
 * one table. The cursor is the last row's pair, so a page never shifts when
 * rows are added in front of it (unlike an offset).
 *
 * Bounded by bytes too (boundedPage): a page stops before its rows take
 * MAX_PAGE_BYTES as JSON, which is about what their items take on the wire
 * (items carry the rows' text fields), so a page of rows with long texts
 * (task descriptions and outputs, chat openings) stays within a frame.
 */
export function newestFirst<DB, TB extends keyof DB, O extends { created_at: number }, K extends keyof O & string>(
  q: SelectQueryBuilder<DB, TB, O>,
  id: K,
  limit: number,
  cursor: string | undefined,
): Promise<{ page: O[]; next_cursor: string | null }> {
  return byCreatedAt(q, id, limit, cursor, 'desc');
}

/** As newestFirst, oldest first (pending requests, in the order they came). */
export function oldestFirst<DB, TB extends keyof DB, O extends { created_at: number }, K extends keyof O & string>(
  q: SelectQueryBuilder<DB, TB, O>,
  id: K,
  limit: number,
  cursor: string | undefined,
): Promise<{ page: O[]; next_cursor: string | null }> {
  return byCreatedAt(q, id, limit, cursor, 'asc');
}

function byCreatedAt<DB, TB extends keyof DB, O extends { created_at: number }, K extends keyof O & string>(
  q: SelectQueryBuilder<DB, TB, O>,
  id: K,
  limit: number,
  cursor: string | undefined,
  dir: 'asc' | 'desc',
): Promise<{ page: O[]; next_cursor: string | null }> {
  return keysetPage(q, { at: 'created_at', id, dir }, limit, cursor, (rows) => rows);
}

/**
 * The keyset paging of newestFirst and oldestFirst over any time column `at`
 * of one table (`id` breaking ties), with `take` turning a chunk of rows into
 * the page's items (looking up what they need for the whole chunk): the byte
 * bound then counts the items as sent, not just their rows.
 */
export async function keysetPage<DB, TB extends keyof DB, O, A extends keyof O & string, K extends keyof O & string, T>(
  q: SelectQueryBuilder<DB, TB, O>,
  cols: { at: A; id: K; dir: 'asc' | 'desc' },
  limit: number,
  cursor: string | undefined,
  take: (rows: O[]) => T[] | Promise<T[]>,
): Promise<{ page: T[]; next_cursor: string | null }> {
  const { at, id, dir } = cols;
  const past = dir === 'desc' ? sql.raw('<') : sql.raw('>');
  const keyed = (atValue: number, lastId: string) =>
    q.where(sql<boolean>`(${sql.ref(at)} ${past} ${atValue} or (${sql.ref(at)} = ${atValue} and ${sql.ref(id)} ${past} ${lastId}))`);
  const start = cursor ? readCursor(cursor, ['number', 'string']) : null;
  const { items, last, more } = await boundedPage(
    (after: O | undefined, n) => {
      const from = after ? keyed(Number(after[at]), String(after[id])) : start ? keyed(start[0], start[1]) : q;
      return from.orderBy(sql.ref(at), dir).orderBy(sql.ref(id), dir).limit(n).execute();
    },
    take,
    { limit, maxBytes: MAX_PAGE_BYTES },
  );
  return { page: items, next_cursor: more && last ? encodeCursor([Number(last[at]), String(last[id])]) : null };
}

/** What a value adds to a response frame: its JSON text in UTF-8 bytes. */
export function wireBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** First read of a page; later reads are sized from the items seen so far. */
const FIRST_CHUNK = 8;
/** Most rows one read may fetch. */
const MAX_CHUNK = 256;

export interface BoundedPage<R, T> {
  items: T[];
  /** The row of the last item taken (the keyset position to continue from), or undefined for an empty page. */
  last: R | undefined;
  /** Whether rows remain after this page. */
  more: boolean;
}

/**
 * One page of a read whose rows may be big (message text): at most `limit`
 * items and at most `maxBytes` bytes of them as sent, but always at least
 * one item, so paging always moves on.
 *
 * The rows are read in small keyset chunks (`next(after, n)`: up to `n` rows
 * after the row given, in page order), so a page of big rows holds at most
 * one chunk beyond what it returns, however large `limit` is. The first chunk
 * is small; later ones are sized from the items seen so far, so a page of
 * small rows still takes few reads. `take` turns a chunk of rows into items
 * (in one go, so it can look things up for the whole chunk); `size` is what
 * an item costs (default: its JSON). `used` is what the page already holds
 * besides its items (a document's header): with it, the page may end with no
 * item, the header being its progress.
 */
export async function boundedPage<R, T>(
  next: (after: R | undefined, n: number) => Promise<R[]>,
  take: (rows: R[]) => T[] | Promise<T[]>,
  opts: { limit: number; maxBytes: number; size?: (item: T) => number; used?: number },
): Promise<BoundedPage<R, T>> {
  const size = opts.size ?? wireBytes;
  const used = opts.used ?? 0;
  const items: T[] = [];
  let last: R | undefined;
  let bytes = used;
  let n = Math.min(FIRST_CHUNK, opts.limit + 1);
  for (;;) {
    // One row more than the page still takes says whether anything is left after it.
    const rows = await next(last, n);
    const taken = await take(rows);
    for (let i = 0; i < rows.length; i++) {
      if (items.length === opts.limit) return { items, last, more: true };
      const item = taken[i]!;
      const cost = size(item);
      if ((items.length > 0 || used > 0) && bytes + cost > opts.maxBytes) return { items, last, more: true };
      items.push(item);
      bytes += cost;
      last = rows[i];
    }
    if (rows.length < n) return { items, last, more: false };
    const perItem = Math.max(1, (bytes - used) / items.length);
    n = Math.max(1, Math.min(MAX_CHUNK, opts.limit - items.length + 1, Math.ceil((opts.maxBytes - bytes) / perItem) + 1));
  }
}

/**
 * How many of `items`, from the first, fit in `maxBytes` as sent (always at
 * least one): for pages built in memory from a bounded list (a ranking read
 * a page at a time), where boundedPage's chunked reads do not apply.
 */
export function fitCount<T>(items: readonly T[], maxBytes: number, size: (item: T) => number = wireBytes): number {
  let bytes = 0;
  for (let i = 0; i < items.length; i++) {
    bytes += size(items[i]!);
    if (i > 0 && bytes > maxBytes) return i;
  }
  return items.length;
}

/**
 * A page position from an offset cursor, 0 without one: for rankings that
 * move between pages (world/list hot, world and content search, candidates),
 * which are ranked whole (bounded) and cut by position, not by key.
 */
export function readOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  const [at] = readCursor(cursor, ['number']);
  if (!Number.isInteger(at) || at < 0) throw new HubError(ErrorCode.InvalidParams, 'bad cursor: pass next_cursor from the previous page unchanged');
  return at;
}

/** The offset cursor of the page after `start + limit` of `total`, or null at the end. */
export const nextOffset = (start: number, limit: number, total: number): string | null => (start + limit < total ? encodeCursor([start + limit]) : null);
