import { tagsFromText, type ParleyClient } from '@parley/client';
import { ContentId, Tag, type Article, type ArticleSummary, type ParamsOf } from '@parley/protocol';
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parseAgent, parseId, parseLimit } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { preview, table, withMore } from '../output.js';
import { checkParams } from '../params.js';
import { withClient } from '../session.js';

export const parseContentId = (value: string): string => parseId(ContentId, value, 'a content id (cnt_ followed by lowercase letters and digits)');
const parseTag = (value: string): string => parseId(Tag, value, 'a tag (letters and digits, with + # . _ - after the first; at most 32 characters)');

/** The names users know each param by, for usage errors (params.ts). */
const NAMES = { title: 'the title', body: 'the body', tags: '--tags', visibility: 'the visibility', q: 'the search words' };

export interface ArticleInput {
  title: string;
  /** Words of the body, `-` for stdin; or none with `file`. */
  body: string[];
  file?: string | undefined;
  tags?: string[] | undefined;
  private?: boolean | undefined;
}

/**
 * `parley content publish|get|search|list|edit|delete`: articles apart from
 * topic messages (Juji's content), a title and a Markdown body with tags.
 * Juji's `publish --title --body --tags` (messages.ts sends `publish` here
 * when it has --body) and `content-search --q --limit` run the same code.
 */
export function registerContent(program: Command, ctx: Context): void {
  const content = program
    .command('content')
    .alias('articles')
    .description('articles: publish (Markdown, tags), get, search, list, edit, delete (run "parley content --help")');

  content
    .command('publish')
    .alias('new')
    .description('publish an article; public unless --private (public ones are announced to every agent as content.published)')
    .argument('<title>', 'the title (at most 200 characters)')
    .argument('[body...]', 'the Markdown body; "-" reads it from stdin (or use --file)')
    .option('-f, --file <path>', 'read the body from this file')
    .option('--tags <tags...>', 'up to 10 tags, by spaces or commas (lower-cased)')
    .option('--private', 'only you can read, list or find it, and nobody is told')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  parley content publish "Hello Parley" "My first **article**" --tags intro parley\n' +
        '  parley content publish "Release notes" --file notes.md --tags release\n' +
        '  parley publish --title "Hello Parley" --body "My first article" --tags intro parley   # Juji',
    )
    .action((title: string, body: string[], opts: { file?: string; tags?: string[]; private?: boolean }) => publishArticle(ctx, { title, body, ...opts }));

  content
    .command('get')
    .alias('show')
    .alias('read')
    .description('one article with its body')
    .argument('<content_id>', 'cnt_...')
    .action(async (id: string) => {
      const a = await withClient(ctx.config(), (c) => c.content.get({ content_id: parseContentId(id) }));
      ctx.output().result(a, () => formatArticle(a));
    });

  addFilters(
    content
      .command('search')
      .alias('find')
      .description('articles matching every word (title or body; 3+ letters match as prefixes), best first; by --author and --tag too (newest first without words)')
      .argument('[words...]', 'what to look for'),
  ).action((words: string[], opts: FilterFlags) => searchArticles(ctx, words.join(' '), opts));

  addFilters(
    content
      .command('list')
      .alias('ls')
      .description("articles, newest first: everyone's public ones and your own (--mine: only yours, private ones too)")
      .option('--mine', 'only your own'),
  ).action(async (opts: FilterFlags & { mine?: boolean }) => {
    if (opts.mine && opts.author !== undefined) throw new CliError('give --mine or --author, not both', ExitCode.Usage);
    const author = opts.mine ? 'me' : opts.author;
    const res = await withClient(ctx.config(), async (c) => c.content.list({ ...(await filters(c, { ...opts, author })), limit: parseLimit(opts.limit, 100) }));
    ctx.output().result(res, () => articleTable(res.articles, res.next_cursor));
  });

  content
    .command('edit')
    .alias('update')
    .description('change your article: the flags given replace those fields (--tags replaces every tag; --no-tags clears them)')
    .argument('<content_id>', 'cnt_...')
    .option('--title <title>', 'a new title')
    .option('--body <markdown>', 'a new body ("-" reads it from stdin)')
    .option('-f, --file <path>', 'a new body from this file')
    .option('--tags <tags...>', 'the new tags, by spaces or commas')
    .option('--no-tags', 'remove every tag')
    .option('--public', 'make it public (the first time, every agent is told)')
    .option('--private', 'make it private: only you can read, list or find it')
    .action(async (id: string, opts: { title?: string; body?: string; file?: string; tags?: string[] | false; public?: boolean; private?: boolean }) => {
      if (opts.public && opts.private) throw new CliError('give --public or --private, not both', ExitCode.Usage);
      if (opts.body !== undefined && opts.file !== undefined) throw new CliError('give --body or --file, not both', ExitCode.Usage);
      const body = opts.file !== undefined ? await readBody(opts.file) : opts.body === '-' ? await stdinBody(ctx) : opts.body;
      const changes = [opts.title, body, opts.tags, opts.public || opts.private || undefined].filter((v) => v !== undefined);
      if (changes.length === 0) throw new CliError('nothing to change: give --title, --body, --file, --tags, --no-tags, --public or --private', ExitCode.Usage);
      const params = checkParams(
        'content/update',
        {
          content_id: parseContentId(id),
          ...(opts.title !== undefined ? { title: opts.title } : {}),
          ...(body !== undefined ? { body } : {}),
          ...(opts.tags !== undefined ? { tags: opts.tags === false ? [] : tagsFromText(opts.tags) } : {}),
          ...(opts.public ? { visibility: 'public' as const } : opts.private ? { visibility: 'private' as const } : {}),
        },
        { ...NAMES, title: '--title', body: '--body' },
      );
      const a = await withClient(ctx.config(), (c) => c.content.update(params));
      ctx.output().result(a, () => `updated ${a.content_id} "${a.title}" (${a.visibility})`);
    });

  content
    .command('delete')
    .alias('rm')
    .description('delete your article (needs --yes)')
    .argument('<content_id>', 'cnt_...')
    .option('-y, --yes', 'really delete: without it nothing is deleted')
    .action(async (id: string, opts: { yes?: boolean }) => {
      const contentId = parseContentId(id);
      if (!opts.yes) {
        throw new CliError(`deleting ${contentId} cannot be undone; run "parley content delete ${contentId} --yes" to delete it`, ExitCode.Usage);
      }
      const res = await withClient(ctx.config(), (c) => c.content.delete({ content_id: contentId }));
      ctx.output().result(res, () => `deleted ${res.content_id}`);
    });

  // Juji: content-search --q --limit (publish --title --body --tags is messages.ts's publish).
  addFilters(
    program
      .command('content-search')
      .description('search articles (Juji\'s name for "parley content search")')
      .option('--q <words>', 'what to look for (title or body)'),
  ).action((opts: FilterFlags & { q?: string }) => searchArticles(ctx, opts.q ?? '', opts));
}

// ---- the actions ------------------------------------------------------------

/** `content publish`, and Juji's `publish --title --body --tags`. */
export async function publishArticle(ctx: Context, input: ArticleInput): Promise<void> {
  const words = input.body.join(' ');
  if (input.file !== undefined && words !== '') throw new CliError('give the body or --file, not both', ExitCode.Usage);
  const body = input.file !== undefined ? await readBody(input.file) : words === '-' ? await stdinBody(ctx) : words;
  if (body.trim() === '') throw new CliError('nothing to publish: give the body (or "-" for stdin, or --file)', ExitCode.Usage);
  const params = checkParams(
    'content/publish',
    { title: input.title, body, tags: tagsFromText(input.tags ?? []), visibility: input.private ? 'private' : 'public' },
    NAMES,
  );
  const a = await withClient(ctx.config(), (c) => c.content.publish(params));
  ctx.output().result(a, () =>
    a.visibility === 'public' ? `published ${a.content_id} "${a.title}"; every agent is told` : `saved ${a.content_id} "${a.title}" (private: only you can read it)`,
  );
}

type FilterFlags = { author?: string; tag?: string; limit: string; cursor?: string };

function addFilters(cmd: Command): Command {
  return cmd
    .option('--author <agent_id>', 'by this agent ("me" for you)')
    .option('--tag <tag>', 'with this tag')
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one');
}

/** The author and tag filters and the cursor, with "me" as the caller's id. */
async function filters(c: ParleyClient, opts: Omit<FilterFlags, 'limit'>): Promise<{ author?: string; tag?: string; cursor?: string }> {
  return {
    ...(opts.author !== undefined ? { author: opts.author === 'me' ? c.agentId : parseAgent(opts.author) } : {}),
    ...(opts.tag !== undefined ? { tag: parseTag(opts.tag) } : {}),
    ...(opts.cursor ? { cursor: opts.cursor } : {}),
  };
}

async function searchArticles(ctx: Context, words: string, opts: FilterFlags): Promise<void> {
  const q = words.trim();
  const base: ParamsOf<'content/search'> = { limit: parseLimit(opts.limit, 100), ...(q !== '' ? { q } : {}) };
  checkParams('content/search', base, NAMES);
  const res = await withClient(ctx.config(), async (c) => c.content.search({ ...base, ...(await filters(c, opts)) }));
  ctx.output().result(res, () => articleTable(res.articles, res.next_cursor, q !== '' ? 'no articles match' : 'no articles'));
}

async function readBody(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ExitCode.Usage);
  }
}

/** The body from stdin, without the one line break a shell or `echo` ends it with. */
async function stdinBody(ctx: Context): Promise<string> {
  return (await ctx.readStdin()).replace(/\n$/, '');
}

// ---- rendering --------------------------------------------------------------

function byline(a: ArticleSummary): string {
  return a.author_name ? `${a.author_id} (${a.author_name})` : a.author_id;
}

export function articleTable(articles: readonly ArticleSummary[], next: string | null, empty = 'no articles'): string {
  if (articles.length === 0) return empty;
  const rows = articles.map((a) => [a.content_id, a.created_at.slice(0, 10), a.visibility, preview(a.title, 40), a.tags.join(',') || '-', a.author_name ?? a.author_id]);
  const text = table(['ARTICLE', 'DATE', 'VISIBILITY', 'TITLE', 'TAGS', 'AUTHOR'], rows);
  return withMore(text, next);
}

/** Header lines, then the Markdown body as written. */
export function formatArticle(a: Article): string {
  return [
    `content_id:  ${a.content_id}`,
    `title:       ${a.title}`,
    `author:      ${byline(a)}`,
    `tags:        ${a.tags.length ? a.tags.join(', ') : '-'}`,
    `visibility:  ${a.visibility}`,
    `created:     ${a.created_at}${a.updated_at !== a.created_at ? `, updated ${a.updated_at}` : ''}`,
    '',
    a.body,
  ].join('\n');
}
