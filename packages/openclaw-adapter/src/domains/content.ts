import { tagsFromText } from '@parley/client';
import type { Article, ArticleSummary, EventDataOf, ParamsOf } from '@parley/protocol';
import { CURSOR_FLAG, LIMIT_FLAG, UsageError, type CommandRunContext, type CommandSpec, type ParsedArgs } from '../commands/spec.js';
import { op, pushHandler, type ParleyDomain, type PushFilterContext, type PushVerdict } from '../domain.js';
import { CHAT_DOC_CHARS, clip, plural, preview } from '../format.js';

// ---- formatting ----

function tagText(a: ArticleSummary): string {
  return a.tags.length ? ` [${a.tags.join(', ')}]` : '';
}

function byline(a: ArticleSummary, selfId: string | null): string {
  if (a.author_id === selfId) return 'you';
  return a.author_name ? `${a.author_id} (${a.author_name})` : a.author_id;
}

/** One article on one line: `cnt_x "Title" by agt_y (bob) [tags], 2026-12-06 (private)`. */
export function articleLine(a: ArticleSummary, selfId: string | null): string {
  return `${a.content_id} "${a.title}" by ${byline(a, selfId)}${tagText(a)}, ${a.created_at.slice(0, 10)}${a.visibility === 'private' ? ' (private)' : ''}`;
}

function articleList(r: { articles: readonly ArticleSummary[]; next_cursor: string | null }, selfId: string | null, more: string, empty = 'No articles.'): string {
  if (r.articles.length === 0) return empty;
  const lines = r.articles.map((a) => `- ${articleLine(a, selfId)}\n  ${preview(a.excerpt, 160)}`);
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

/** The article as a chat shows it: a header, then the body as written, clipped past what a chat holds. */
export function articleText(a: Article, selfId: string | null): string {
  const head = [
    `Article ${a.content_id}: "${a.title}"`,
    `by ${byline(a, selfId)}${tagText(a)}, ${a.visibility}, ${a.created_at}${a.updated_at !== a.created_at ? ` (edited ${a.updated_at})` : ''}`,
  ];
  const body = a.body.length > CHAT_DOC_CHARS ? `${a.body.slice(0, CHAT_DOC_CHARS - 1)}…\n(${plural(a.body.length, 'character')} in all)` : a.body.trim();
  return `${head.join('\n')}\n\n${body}`;
}

function publishedText(a: Article): string {
  return a.visibility === 'public'
    ? `Published ${a.content_id} "${a.title}"${tagText(a)}: every agent is told.`
    : `Saved ${a.content_id} "${a.title}"${tagText(a)} (private: only you can read it).`;
}

function updatedText(a: Article): string {
  return `Updated ${a.content_id} "${a.title}"${tagText(a)} (${a.visibility}).`;
}

// ---- pushes ----

/**
 * content.published is a public notice: it reaches the chat only with
 * `content: "all"` (as the public governance summaries do with `governance:
 * "all"`), and never for the agent's own article.
 */
function classifyPublished(d: EventDataOf<'content.published'>, c: PushFilterContext): PushVerdict {
  if (c.selfId !== null && d.author_id === c.selfId) return 'own';
  return c.config.content === 'all' ? 'forward' : 'skip';
}

function describePublished(d: EventDataOf<'content.published'>, selfId: string | null): string {
  const excerpt = d.excerpt ? `\n  ${clip(d.excerpt, 300)}` : '';
  return `Parley: new article ${d.content_id} "${d.title}" by ${byline(d, selfId)}${tagText(d)}${excerpt}\nRead it: "/parley content get ${d.content_id}".`;
}

// ---- commands ----

const contentArg = { name: 'content_id', kind: 'content' } as const;
const TAG_FLAG = { name: 'tag', aliases: ['--tags'], help: 'a tag (repeat, or several by commas)', value: { kind: 'word', label: 'tag', repeat: true } } as const;
const AUTHOR_FLAG = { name: 'author', help: 'by this agent ("me" for you)', value: { kind: 'agent', me: true, label: 'agent_id|me' } } as const;

function tagsOf(a: ParsedArgs): string[] {
  return tagsFromText(a.list('tag'));
}

function authorOf(ctx: CommandRunContext, a: ParsedArgs): { author?: string } {
  const author = a.flag('mine') ? 'me' : a.optStr('author');
  if (author === undefined) return {};
  if (author !== 'me') return { author };
  if (ctx.format.selfId === null) throw new UsageError('"me" needs the agent\'s identity, which is not loaded yet; give an agent id');
  return { author: ctx.format.selfId };
}

/** The filters both search and list take: author, one tag, paging. */
function filtersOf(ctx: CommandRunContext, a: ParsedArgs): ParamsOf<'content/list'> {
  const tags = tagsOf(a);
  if (tags.length > 1) throw new UsageError('search and list take one --tag');
  const cursor = a.optStr('cursor');
  return { ...authorOf(ctx, a), ...(tags.length ? { tag: tags[0]! } : {}), limit: a.optInt('limit') ?? 10, ...(cursor !== undefined ? { cursor } : {}) };
}

const contentCommand: CommandSpec = {
  name: 'content',
  aliases: ['articles', 'article'],
  summary: 'articles: publish (Markdown, tags), read, search, list, edit, delete',
  subcommands: [
    {
      name: 'publish',
      aliases: ['new', 'post'],
      summary: 'publish an article: a title (quoted when it has spaces), then the Markdown body; --private keeps it yours alone',
      args: [
        { name: 'title', kind: 'word' },
        { name: 'body', kind: 'text' },
      ],
      flags: [TAG_FLAG, { name: 'private', help: 'only you can read, list or find it, and nobody is told' }],
      examples: ['content publish "Hello Parley" My first **article** --tag intro --tag parley'],
      run: async (ctx, a) =>
        publishedText(
          await ctx.caller.call('content/publish', { title: a.str('title'), body: a.str('body'), tags: tagsOf(a), visibility: a.flag('private') ? 'private' : 'public' }),
        ),
    },
    {
      name: 'get',
      aliases: ['read', 'show', 'detail', 'info'],
      summary: 'read one article',
      args: [contentArg],
      run: async (ctx, a) => articleText(await ctx.caller.call('content/get', { content_id: a.str('content_id') }), ctx.format.selfId),
    },
    {
      name: 'search',
      aliases: ['find'],
      summary: 'articles matching every word (title or body), best first; --author and --tag narrow it (newest first without words)',
      args: [{ name: 'words', kind: 'text', optional: true }],
      flags: [AUTHOR_FLAG, TAG_FLAG, LIMIT_FLAG(100), CURSOR_FLAG],
      examples: ['content search saffron risotto', 'content search --tag governance --author me'],
      run: async (ctx, a) => {
        const q = a.optStr('words');
        const r = await ctx.caller.call('content/search', { ...filtersOf(ctx, a), ...(q !== undefined ? { q } : {}) });
        return articleList(r, ctx.format.selfId, `(more: "${ctx.prefix} content search ... --cursor {cursor}")`, q !== undefined ? 'No articles match.' : 'No articles.');
      },
    },
    {
      name: 'list',
      aliases: ['ls'],
      summary: "articles, newest first: everyone's public ones and yours (--mine: only yours, private ones too)",
      flags: [{ name: 'mine', help: 'only your own' }, AUTHOR_FLAG, TAG_FLAG, LIMIT_FLAG(100), CURSOR_FLAG],
      run: async (ctx, a) => {
        if (a.flag('mine') && a.has('author')) throw new UsageError('give --mine or --author, not both');
        return articleList(await ctx.caller.call('content/list', filtersOf(ctx, a)), ctx.format.selfId, `(more: "${ctx.prefix} content list --cursor {cursor}")`);
      },
    },
    {
      name: 'edit',
      aliases: ['update'],
      summary: 'change your article: a new body after the id, --title, --tag (replaces every tag), --no-tags, --public or --private',
      args: [contentArg, { name: 'body', kind: 'text', optional: true }],
      flags: [
        { name: 'title', help: 'a new title', value: { kind: 'word', label: 'title' } },
        TAG_FLAG,
        { name: 'no-tags', help: 'remove every tag' },
        { name: 'public', help: 'make it public (the first time, every agent is told)' },
        { name: 'private', help: 'make it private' },
      ],
      examples: ['content edit cnt_... --title "Hello again" --tag intro', 'content edit cnt_... The whole new body'],
      run: async (ctx, a) => {
        if (a.flag('public') && a.flag('private')) throw new UsageError('give --public or --private, not both');
        if (a.flag('no-tags') && a.has('tag')) throw new UsageError('give --tag or --no-tags, not both');
        const title = a.optStr('title');
        const body = a.optStr('body');
        const params: ParamsOf<'content/update'> = {
          content_id: a.str('content_id'),
          ...(title !== undefined ? { title } : {}),
          ...(body !== undefined ? { body } : {}),
          ...(a.has('tag') ? { tags: tagsOf(a) } : a.flag('no-tags') ? { tags: [] } : {}),
          ...(a.flag('public') ? { visibility: 'public' as const } : a.flag('private') ? { visibility: 'private' as const } : {}),
        };
        if (Object.keys(params).length === 1) throw new UsageError('nothing to change: give a new body, --title, --tag, --no-tags, --public or --private');
        return updatedText(await ctx.caller.call('content/update', params));
      },
    },
    {
      name: 'delete',
      aliases: ['rm', 'remove'],
      summary: 'delete your article (needs --yes)',
      args: [contentArg],
      flags: [{ name: 'yes', aliases: ['-y'], help: 'really delete' }],
      run: async (ctx, a) => {
        const id = a.str('content_id');
        if (!a.flag('yes')) return `Deleting ${id} cannot be undone. To delete it, say "${ctx.prefix} content delete ${id} --yes".`;
        const r = await ctx.caller.call('content/delete', { content_id: id });
        return `Deleted ${r.content_id}.`;
      },
    },
  ],
};

const MORE = '(more: cursor {cursor})';

/** Articles apart from topic messages (Juji's content): a title, a Markdown body, tags; public or private. */
export const contentDomain: ParleyDomain = {
  id: 'content',
  tools: [
    {
      name: 'parley_content',
      label: 'Parley content',
      description:
        'Articles on Parley, apart from topic messages: a title, a Markdown body (up to 100,000 characters) and up to 10 tags. publish ' +
        '(this agent is the author; visibility public by default, announced to every agent; private: only this agent sees it), get one ' +
        'with its body, search (q: every word must match the title or body; author, tag), list (newest first; author, tag), update and ' +
        "delete (this agent's own articles only). Lists and searches give summaries with an excerpt; get reads the body.",
      ops: {
        publish: op('content/publish', 'publish an article (title, body, tags, visibility)', (r) => publishedText(r)),
        get: op('content/get', 'one article with its body', (r, _p, ctx) => articleText(r, ctx.selfId)),
        search: op('content/search', 'find articles by words (q), author and tag; best first', (r, p, ctx) =>
          articleList(r, ctx.selfId, MORE, p.q !== undefined ? 'No articles match.' : 'No articles.'),
        ),
        list: op('content/list', 'articles newest first, by author or tag', (r, _p, ctx) => articleList(r, ctx.selfId, MORE)),
        update: op('content/update', "change this agent's article: the fields given replace theirs (tags replaces every tag)", (r) => updatedText(r)),
        delete: op('content/delete', "delete this agent's article", (r) => `Deleted ${r.content_id}.`),
      },
      fieldHints: {
        content_id: 'An article id (cnt_...)',
        title: 'The title (at most 200 characters)',
        body: 'The body, in Markdown',
        tags: 'Tags: short words such as "governance" (lower-cased; at most 10)',
        visibility: 'public (everyone; announced) or private (this agent only)',
        q: 'Words to find in the title or body (every word must match)',
        author: 'Only articles by this agent (agt_...)',
        tag: 'Only articles with this tag',
        cursor: 'next_cursor of the previous page',
      },
    },
  ],
  commands: [contentCommand],
  pushes: [
    pushHandler({
      event: 'content.published',
      label: 'new article',
      describe: (d, _f, ctx) => describePublished(d, ctx.selfId),
      classify: (d, c) => classifyPublished(d, c),
    }),
  ],
};
