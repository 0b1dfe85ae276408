import { CONTENT_STREAM, ErrorCode, MAX_PAGE_BYTES, type Article, type ArticleSummary, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import { sql as rawSql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { ContentQuota } from '../../config.js';
import { forbidden, HubError, notFound } from '../../core/errors.js';
import { newContentId } from '../../core/ids.js';
import { fitCount, keysetPage, nextOffset, readOffset } from '../../core/paging.js';
import type { StagedPush, Streams } from '../../core/streams.js';
import { searchArticles } from '../../store/content-search.js';
import type { ArticlesTable, Database } from '../../store/schema.js';
import { ftsQuery } from '../../store/search.js';
import type { Sql, Writer } from '../../store/sql.js';
import { bytesOf, excerptOf, SUMMARY_COLUMNS, toArticle, toSummary, type SummaryRow } from './rows.js';

/** What content needs from the agent domain: authors' names, read in the caller's `tx` inside a writer job. */
export interface ContentPeers {
  namesOf(agentIds: readonly string[], tx?: Sql): Promise<Map<string, string | null>>;
}

type Filters = { author?: string | undefined; tag?: string | undefined };

/**
 * Articles (Juji's content): a title, a Markdown body and tags, by one
 * author, public or private.
 *
 * Who sees what is decided in one place, `visibleTo`: a public article is
 * everyone's to read, list and find; a private one its author's only, and
 * every read (get, list, search) applies that filter inside its statement,
 * so a private row never leaves the database for anyone else. Whoever cannot
 * see an article gets not_found for it, as for an id that does not exist;
 * whoever can see it but did not write it gets forbidden for a change.
 *
 * An article becomes public at most once (`published_at`): that moment, a
 * publish or the first update that makes a private article public, stages a
 * content.published summary on CONTENT_STREAM in the same transaction as
 * the write. A private article is never announced; a later edit is not
 * announced again.
 *
 * What an author may keep is bounded by its quota (articles, bytes of title
 * and body), checked inside the write's transaction as memory's is, so two
 * racing publishes cannot both squeeze under it; a refusal throws before
 * anything is written.
 */
export class ContentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly streams: Streams,
    private readonly peers: ContentPeers,
    private readonly quota: ContentQuota,
  ) {}

  // ---- writing --------------------------------------------------------------

  publish(me: string, p: ParsedParamsOf<'content/publish'>): Promise<Article> {
    const now = Date.now();
    const row: ArticlesTable = {
      content_id: newContentId(),
      author_id: me,
      title: p.title,
      body: p.body,
      tags: JSON.stringify(p.tags),
      visibility: p.visibility,
      excerpt: excerptOf(p.body),
      bytes: bytesOf(p.title, p.body),
      created_at: now,
      updated_at: now,
      published_at: p.visibility === 'public' ? now : null,
    };
    return this.commit(async (tx) => {
      await this.checkQuota(tx, me, { article: null, bytes: row.bytes });
      await tx.run(this.db.insertInto('articles').values(row).compile());
      await this.writeTags(tx, row.content_id, p.tags);
      return this.answer(tx, row, row.published_at !== null);
    });
  }

  update(me: string, p: ParsedParamsOf<'content/update'>): Promise<Article> {
    return this.commit(async (tx) => {
      const old = await this.authored(tx, me, p.content_id, 'edits');
      const now = Date.now();
      const title = p.title ?? old.title;
      const body = p.body ?? old.body;
      const textChanged = p.title !== undefined || p.body !== undefined;
      const bytes = textChanged ? bytesOf(title, body) : Number(old.bytes);
      // Only growth is checked: an author over a quota lowered since may still shrink or re-tag its articles.
      if (bytes > Number(old.bytes)) await this.checkQuota(tx, me, { article: old.content_id, bytes });
      const visibility = p.visibility ?? old.visibility;
      const firstPublic = visibility === 'public' && old.published_at === null;
      const set: Partial<ArticlesTable> = { visibility, updated_at: now, ...(firstPublic ? { published_at: now } : {}) };
      // Title and body only when given: writing them re-indexes the article's full text.
      if (p.title !== undefined) set.title = title;
      if (p.body !== undefined) Object.assign(set, { body, excerpt: excerptOf(body) });
      if (textChanged) set.bytes = bytes;
      if (p.tags !== undefined) set.tags = JSON.stringify(p.tags);
      await tx.run(this.db.updateTable('articles').set(set).where('content_id', '=', old.content_id).compile());
      if (p.tags !== undefined) {
        await tx.run(this.db.deleteFrom('article_tags').where('content_id', '=', old.content_id).compile());
        await this.writeTags(tx, old.content_id, p.tags);
      }
      return this.answer(tx, { ...old, ...set }, firstPublic);
    });
  }

  delete(me: string, contentId: string): Promise<ResultOf<'content/delete'>> {
    return this.commit(async (tx) => {
      const old = await this.authored(tx, me, contentId, 'deletes');
      await tx.run(this.db.deleteFrom('article_tags').where('content_id', '=', old.content_id).compile());
      await tx.run(this.db.deleteFrom('articles').where('content_id', '=', old.content_id).compile());
      return { result: { content_id: old.content_id, deleted: true }, pushes: [] };
    });
  }

  // ---- reading --------------------------------------------------------------

  async get(me: string, contentId: string): Promise<Article> {
    const row = await this.read.get(this.db.selectFrom('articles').selectAll().where('content_id', '=', contentId).compile());
    if (!row || !canSee(row, me)) throw notFound('article');
    return toArticle(row, (await this.peers.namesOf([row.author_id])).get(row.author_id) ?? null);
  }

  /** Newest first by (created_at, content_id), keyset-paged and bounded by bytes (core/paging.ts). */
  async list(me: string, p: ParsedParamsOf<'content/list'>): Promise<ResultOf<'content/list'>> {
    const q = this.filtered(me, p).select(SUMMARY_COLUMNS);
    const { page, next_cursor } = await keysetPage(q, { at: 'created_at', id: 'content_id', dir: 'desc' }, p.limit, p.cursor, (rows) => this.summaries(rows));
    return { articles: page, next_cursor };
  }

  /**
   * With `q`: the best MAX_ARTICLE_MATCHES matches among the articles the
   * filters leave, ranked in one statement, and cut into pages by position
   * (an offset cursor), as world/search does. Without `q` it is list.
   */
  async search(me: string, p: ParsedParamsOf<'content/search'>): Promise<ResultOf<'content/search'>> {
    if (p.q === undefined) return this.list(me, p);
    const match = ftsQuery(p.q, 'all');
    if (!match) throw new HubError(ErrorCode.InvalidParams, 'q: give at least one word (letters or digits)');
    const ranked = await searchArticles(this.db, match, this.filtered(me, p).select('content_id'));
    const start = readOffset(p.cursor);
    const ids = ranked.slice(start, start + p.limit).map((r) => r.content_id);
    const rows = ids.length === 0 ? [] : await this.db.selectFrom('articles').select(SUMMARY_COLUMNS).where('content_id', 'in', ids).execute();
    const byId = new Map(rows.map((r) => [r.content_id, r]));
    // An article deleted since it was ranked is left out; the cursor still moves past its place.
    const found = ids.flatMap((id, at) => (byId.has(id) ? [{ at, row: byId.get(id)! }] : []));
    const articles = await this.summaries(found.map((f) => f.row));
    const n = fitCount(articles, MAX_PAGE_BYTES);
    const consumed = n === found.length ? ids.length : found[n]!.at;
    return { articles: articles.slice(0, n), next_cursor: nextOffset(start, consumed, ranked.length) };
  }

  // ---- the rules ------------------------------------------------------------

  /** Articles `me` may see, narrowed by author and tag: the one place visibility is decided for reads. */
  private filtered(me: string, f: Filters) {
    let q = this.db.selectFrom('articles').where(visibleTo(me));
    if (f.author !== undefined) q = q.where('author_id', '=', f.author);
    if (f.tag !== undefined) q = q.where('content_id', 'in', this.db.selectFrom('article_tags').select('content_id').where('tag', '=', f.tag));
    return q;
  }

  /** The article `me` wrote, to change it: not_found when `me` cannot see it, forbidden when it is someone else's. */
  private async authored(tx: Sql, me: string, contentId: string, verb: string): Promise<ArticlesTable> {
    const row = await tx.get(this.db.selectFrom('articles').selectAll().where('content_id', '=', contentId).compile());
    if (!row || !canSee(row, me)) throw notFound('article');
    if (row.author_id !== me) throw forbidden(`only its author ${verb} an article`);
    return row;
  }

  /**
   * Refuses (conflict, with the numbers in `details`) a write that would take
   * `me` past its quota. `article` is the one being changed (its room counts
   * as free) or null for a new one, which also needs room for one more.
   */
  private async checkQuota(tx: Sql, me: string, want: { article: string | null; bytes: number }): Promise<void> {
    let q = this.db
      .selectFrom('articles')
      .select((eb) => [eb.fn.countAll<number>().as('articles'), eb.fn.coalesce(eb.fn.sum<number>('bytes'), rawSql<number>`0`).as('bytes')])
      .where('author_id', '=', me);
    if (want.article !== null) q = q.where('content_id', '!=', want.article);
    const usage = (await tx.get(q.compile()))!;
    const used = { articles: Number(usage.articles), bytes: Number(usage.bytes) };
    const { maxArticles, maxBytes } = this.quota;
    if (want.article === null && used.articles + 1 > maxArticles) {
      throw new HubError(ErrorCode.Conflict, `you have ${used.articles} articles, the most one author may keep; delete one first`, {
        quota: 'articles',
        limit: maxArticles,
        used: used.articles,
        needed: 1,
      });
    }
    if (used.bytes + want.bytes > maxBytes) {
      throw new HubError(
        ErrorCode.Conflict,
        `your articles would take ${used.bytes + want.bytes} bytes, over the ${maxBytes} one author may keep (${used.bytes} used by the others, ${want.bytes} for this one); delete or shorten articles first`,
        { quota: 'bytes', limit: maxBytes, used: used.bytes, needed: want.bytes },
      );
    }
  }

  private async writeTags(tx: Sql, contentId: string, tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    await tx.run(this.db.insertInto('article_tags').values(tags.map((tag) => ({ tag, content_id: contentId }))).compile());
  }

  /** The article as its author sees it after a write, and its content.published push when it has just become public. */
  private async answer(tx: Sql, row: ArticlesTable, announce: boolean): Promise<{ result: Article; pushes: StagedPush[] }> {
    const name = (await this.peers.namesOf([row.author_id], tx)).get(row.author_id) ?? null;
    const result = toArticle(row, name);
    const pushes = announce ? [await this.streams.stage(tx, CONTENT_STREAM, 'content.published', toSummary(row, name))] : [];
    return { result, pushes };
  }

  /** Summaries of rows, in their order, with their authors' names (one lookup for the lot). */
  private async summaries(rows: readonly SummaryRow[]): Promise<ArticleSummary[]> {
    if (rows.length === 0) return [];
    const names = await this.peers.namesOf([...new Set(rows.map((r) => r.author_id))]);
    return rows.map((r) => toSummary(r, names.get(r.author_id) ?? null));
  }

  /**
   * One writer job: the change, the pushes it staged and the request's
   * answer (recorded with `respond`) commit together; the pushes fan out
   * once they have.
   */
  private commit<T>(work: (tx: Sql) => Promise<{ result: T; pushes: StagedPush[] }>): Promise<T> {
    return this.streams.commitChange(work);
  }
}

/** Whether `me` may see an article: a public one, or its own. */
function canSee(row: Pick<ArticlesTable, 'visibility' | 'author_id'>, me: string): boolean {
  return row.visibility === 'public' || row.author_id === me;
}

/** canSee as a filter inside a statement. */
function visibleTo(me: string) {
  return (eb: ExpressionBuilder<Database, 'articles'>) => eb.or([eb('visibility', '=', 'public'), eb('author_id', '=', me)]);
}
