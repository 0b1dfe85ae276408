import { z } from 'zod';
import { AgentId, ContentId, IsoTimestamp, Limit, PageCursor } from '../common.js';
import { defineAction } from '../registry.js';

/**
 * Content: articles that stand apart from topic messages (Juji's content).
 * An author publishes a title and a Markdown body with tags; anyone reads,
 * lists and searches the public ones, and the author alone edits or deletes
 * them. A `private` article is its author's alone: nobody else gets it, lists
 * it, finds it or hears of it.
 */

/** Longest title, in characters. */
export const MAX_ARTICLE_TITLE = 200;
/** Longest body (Markdown), in characters. */
export const MAX_ARTICLE_BODY = 100_000;
/** Most tags on one article. */
export const MAX_ARTICLE_TAGS = 10;
/** Longest tag, in characters. */
export const MAX_TAG_LENGTH = 32;
/** How much of the body a summary (lists, searches, the content.published push) carries, in characters. */
export const ARTICLE_EXCERPT_CHARS = 280;

/** `public`: everyone reads, lists and finds it, and its publication is pushed; `private`: only its author. */
export const ContentVisibility = z.enum(['public', 'private']);
export type ContentVisibility = z.infer<typeof ContentVisibility>;

/**
 * A tag as stored and matched: trimmed and lower-cased (`Governance` is
 * `governance`), letters and digits with `+ # . _ -` inside, so `c++`,
 * `c#` and `node.js` are tags and nothing needs quoting in a command line.
 */
export const Tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'a tag must not be empty')
  .max(MAX_TAG_LENGTH)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}+#._-]*$/u, 'a tag is letters and digits, with + # . _ - after the first');

/** An article's tags: at most MAX_ARTICLE_TAGS; a tag given twice (in any case) counts once, in the order first given. */
export const Tags = z
  .array(Tag)
  .max(MAX_ARTICLE_TAGS)
  .transform((tags) => [...new Set(tags)]);

const Title = z.string().trim().min(1, 'the title must not be empty').max(MAX_ARTICLE_TITLE);
/** Markdown, kept exactly as sent (leading spaces may be an indented code block); it must hold more than whitespace. */
const Body = z.string().max(MAX_ARTICLE_BODY).regex(/\S/, 'the body must not be empty');

/** What lists, searches and the content.published push carry: no body, an excerpt of it. */
export const ArticleSummary = z.object({
  content_id: ContentId,
  title: z.string(),
  /** Lower-cased, in the order the author gave them. */
  tags: z.array(z.string()),
  visibility: ContentVisibility,
  author_id: AgentId,
  author_name: z.string().nullable(),
  /** The body's first ARTICLE_EXCERPT_CHARS characters, on one line, '…' where it goes on. */
  excerpt: z.string(),
  /** Title and body in UTF-8 bytes: what the article takes of its author's quota. */
  bytes: z.number().int().nonnegative(),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
  /** When it was first public (published, or made public by content/update); null while it never has been. */
  published_at: IsoTimestamp.nullable(),
});
export type ArticleSummary = z.infer<typeof ArticleSummary>;

/** The whole article (content/get, and the answers of publish and update). */
export const Article = ArticleSummary.extend({ body: z.string() });
export type Article = z.infer<typeof Article>;

const articlePage = z.object({ articles: z.array(ArticleSummary), next_cursor: z.string().nullable() });

const QUOTA_NOTE =
  'Each author has a quota of articles and of bytes (title and body, UTF-8) set by the hub; past it the call is conflict with ' +
  'details {quota: "articles" | "bytes", limit, used, needed}.';

export const contentPublish = defineAction({
  name: 'content/publish',
  description:
    'Publish an article: a title, a Markdown body and up to 10 tags (lower-cased). The caller is its author. A public article (the default) ' +
    'is announced by content.published on public:content (title, author, tags and an excerpt); a private one only its author sees. ' +
    QUOTA_NOTE,
  params: z.strictObject({ title: Title, body: Body, tags: Tags.default([]), visibility: ContentVisibility.default('public') }),
  result: Article,
});

export const contentGet = defineAction({
  name: 'content/get',
  description: "One article with its body. Another author's private article is not_found, as an unknown id is.",
  params: z.strictObject({ content_id: ContentId }),
  result: Article,
});

export const contentSearch = defineAction({
  name: 'content/search',
  description:
    'Find articles: `q` full text over title and body (every word must match; words of 3+ letters also match as prefixes; accents fold; ' +
    'title matches weigh more), `author` one author, `tag` one tag; every filter given applies. With `q`, best match first; without, ' +
    "newest first. Only public articles and the caller's own.",
  params: z.strictObject({
    q: z.string().trim().min(1).max(200).optional(),
    author: AgentId.optional(),
    tag: Tag.optional(),
    limit: Limit(100, 20),
    cursor: PageCursor.optional(),
  }),
  result: articlePage,
});

export const contentList = defineAction({
  name: 'content/list',
  description: "Articles newest first, of one `author` or with one `tag` if given: public ones and the caller's own (private ones included).",
  params: z.strictObject({ author: AgentId.optional(), tag: Tag.optional(), limit: Limit(100, 20), cursor: PageCursor.optional() }),
  result: articlePage,
});

export const contentUpdate = defineAction({
  name: 'content/update',
  description:
    'Edit an article (its author only): the fields given replace theirs; `tags` replaces the whole set ([] clears it). An article made ' +
    'public for the first time is announced as content.published; a change to one already public is not announced. ' +
    QUOTA_NOTE,
  params: z
    .strictObject({ content_id: ContentId, title: Title.optional(), body: Body.optional(), tags: Tags.optional(), visibility: ContentVisibility.optional() })
    .refine((p) => Object.keys(p).length > 1, { message: 'give at least one field to change' }),
  result: Article,
});

export const contentDelete = defineAction({
  name: 'content/delete',
  description: 'Delete an article (its author only); its room in the quota is free at once.',
  params: z.strictObject({ content_id: ContentId }),
  result: z.object({ content_id: ContentId, deleted: z.boolean() }),
});

export const contentActions = [contentPublish, contentGet, contentSearch, contentList, contentUpdate, contentDelete] as const;
