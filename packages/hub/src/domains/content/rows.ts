import { ARTICLE_EXCERPT_CHARS, type Article, type ArticleSummary, type ContentVisibility } from '@parley/protocol';
import { iso } from '../../core/ids.js';
import type { ArticlesTable } from '../../store/schema.js';

/** Row -> wire shapes of the content domain, and what is worked out from an article once, when it is written. */

/** The columns of a summary: everything but the body, which lists, searches and pushes never read. */
export const SUMMARY_COLUMNS = [
  'content_id',
  'author_id',
  'title',
  'tags',
  'visibility',
  'excerpt',
  'bytes',
  'created_at',
  'updated_at',
  'published_at',
] as const;

export type SummaryRow = Omit<ArticlesTable, 'body'>;

export function toSummary(r: SummaryRow, authorName: string | null): ArticleSummary {
  return {
    content_id: r.content_id,
    title: r.title,
    tags: JSON.parse(r.tags) as string[],
    visibility: r.visibility as ContentVisibility,
    author_id: r.author_id,
    author_name: authorName,
    excerpt: r.excerpt,
    bytes: Number(r.bytes),
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
    published_at: r.published_at === null ? null : iso(Number(r.published_at)),
  };
}

export function toArticle(r: ArticlesTable, authorName: string | null): Article {
  return { ...toSummary(r, authorName), body: r.body };
}

/** What an article takes of its author's quota: title and body in UTF-8 bytes. */
export function bytesOf(title: string, body: string): number {
  return Buffer.byteLength(title, 'utf8') + Buffer.byteLength(body, 'utf8');
}

/** The Markdown an excerpt looks at: enough for ARTICLE_EXCERPT_CHARS of text once the marks are gone. */
const EXCERPT_SOURCE_CHARS = 8 * ARTICLE_EXCERPT_CHARS;
/** An excerpt ends at a word when one ends this close to the cut. */
const WORD_SLACK = 40;

/**
 * The start of the body as one line of text: the Markdown marks a reader
 * would not want in a notice (code fences, heading and quote marks, list
 * bullets, emphasis, link and image syntax) are taken out, the text they
 * mark stays; at most ARTICLE_EXCERPT_CHARS characters, ending at a word
 * where one ends near the cut, with '…' when the body goes on.
 */
export function excerptOf(body: string): string {
  const source = body.slice(0, EXCERPT_SOURCE_CHARS);
  const plain = source
    .replace(/^[ \t]*(```|~~~)[^\n]*$/gm, ' ')
    .replace(/!\[([^\]\n]*)\]\([^)\n]*\)/g, '$1')
    .replace(/\[([^\]\n]*)\]\([^)\n]*\)/g, '$1')
    .replace(/^[ \t]{0,3}(#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]+/gm, '')
    .replace(/\*\*|__|~~|`/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const goesOn = body.length > source.length;
  if (plain.length <= ARTICLE_EXCERPT_CHARS && !goesOn) return plain;
  let cut = Math.min(plain.length, ARTICLE_EXCERPT_CHARS - 1);
  const space = plain.lastIndexOf(' ', cut);
  if (cut < plain.length && space > cut - WORD_SLACK) cut = space;
  // Never half a character: a surrogate pair stays whole or goes.
  const last = plain.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return plain.slice(0, cut).trimEnd() + '…';
}
