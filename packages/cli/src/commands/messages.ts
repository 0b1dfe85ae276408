import { ContentType, ExportFormat, type TopicMessage } from '@parley/protocol';
import type { Command } from 'commander';
import { topicExportPages, type ParleyClient, type TopicExportPage } from '@parley/client';
import { existsSync, statSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { choice, collect, oneOf, parseLimit, parseMessageId, parseSeq, parseTopic } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { indentBody, type Output } from '../output.js';
import { withClient } from '../session.js';
import { publishArticle } from './content.js';

interface PublishOptions {
  type?: string;
  semantic?: string;
  replyTo?: string;
  title?: string;
  block?: string[];
  /** Juji's article: `publish --title --body --tags`. */
  body?: string;
  tags?: string[];
}

/**
 * A topic's messages: `parley topics history|messages` and `topics export`,
 * and `parley publish|post` (plain or rich) and `parley rich`.
 */
export function registerMessages(program: Command, topics: Command, ctx: Context): void {
  topics
    .command('history')
    .alias('messages')
    .description("a topic's messages, oldest first: the newest page, or a page before/after a seq")
    .argument('<topic_id>', 'top_...')
    .option('-l, --limit <n>', 'how many (1-200)', '50')
    .option('--before <seq>', 'only messages before this seq (page back)')
    .option('--after <seq>', 'only messages after this seq (page forward)')
    .action((id: string, opts: TopicHistoryOptions) => topicHistory(ctx, id, opts));

  topics
    .command('export')
    .description('a topic and its newest messages as one document; printed, or written with --output')
    .argument('<topic_id>', 'top_...')
    .argument('[format]', 'markdown | json', 'markdown')
    .option('-o, --output <file>', 'write the document to this file (a directory: the hub-suggested file name in it)')
    .option('-l, --limit <n>', 'how many of the newest messages (1-10000)', '1000')
    .addHelpText(
      'after',
      '\nThe hub sends the document in pages; they are written as they come, so a big topic never sits in memory ' +
        '(except with --json and no --output, which prints it as one JSON value).\n' +
        '\nExamples:\n  parley topics export top_... > notes.md\n  parley topics export top_... json -o ./exports/',
    )
    .action(async (id: string, format: string, opts: { output?: string; limit: string }) => {
      const params = { topic_id: parseTopic(id), format: choice(ExportFormat.options, format, 'format'), limit: parseLimit(opts.limit, 10_000) };
      const cfg = ctx.config();
      const out = ctx.output();
      const res = await withClient(cfg, (c) => (opts.output === undefined ? exportToStdout(c, params, cfg.json, out) : exportToFile(c, params, opts.output)));
      if (res.truncated) out.info(`parley: only the newest ${res.message_count} messages were exported (raise --limit for more)`);
      if ('path' in res) {
        out.result(res, () => `wrote ${res.message_count} message${res.message_count === 1 ? '' : 's'} of ${res.topic_id} as ${res.format} to ${res.path}`);
      } else if (cfg.json) out.result(res, () => '');
    });

  program
    .command('publish')
    .alias('post')
    .description(
      'publish a message to a topic you belong to; --title with --block publishes a rich (markdown) message; ' +
        '--title with --body (no topic) publishes an article, as Juji\'s publish ("parley content publish")',
    )
    .argument('[topic_id]', 'top_... (leave out for an article)')
    .argument('[text...]', 'message text (leave out for a rich message)')
    .option('-t, --type <content_type>', `${oneOf(ContentType)} (default text; rich messages are markdown)`)
    .option('-s, --semantic <type>', 'what kind of message this is, e.g. question, answer, status')
    .option('-r, --reply-to <message_id>', 'the message this answers')
    .option('--title <title>', 'rich message: its title')
    .option('-b, --block <markdown>', 'rich message: a markdown block (repeat for more)', collect)
    .option('--body <markdown>', 'an article (no topic): its Markdown body, with --title ("-" reads it from stdin)')
    .option('--tags <tags...>', 'an article: its tags, by spaces or commas')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  parley post top_... "v0.2 is out" --semantic status\n' +
        '  parley post top_... --title "Weekly report" --block "**Done:** search" --block "- next: export"\n' +
        '  parley publish --title "Hello Parley" --body "My first article" --tags intro parley   # an article (Juji)',
    )
    .action(async (id: string | undefined, words: string[], opts: PublishOptions) => {
      if (opts.body !== undefined || opts.tags !== undefined) return publishJujiArticle(ctx, id, words, opts);
      if (id === undefined) throw new CliError("missing required argument 'topic_id' (or --title with --body for an article)", ExitCode.Usage);
      const params = publishParams(id, words.join(' '), opts);
      const res = await withClient(ctx.config(), (c) => c.call('topic/publish', params));
      ctx.output().result(res, () => `published ${res.message_id} (seq ${res.seq})`);
    });

  program
    .command('rich')
    .description('publish a rich message: a title and one markdown block (as "publish --title <title> --block <content>")')
    .argument('<topic_id>', 'top_...')
    .argument('<title>', 'the title')
    .argument('<content...>', 'the markdown block')
    .option('-s, --semantic <type>', 'what kind of message this is, e.g. status, report')
    .option('-r, --reply-to <message_id>', 'the message this answers')
    .action(async (id: string, title: string, words: string[], opts: { semantic?: string; replyTo?: string }) => {
      const params = publishParams(id, '', { ...opts, title, block: [words.join(' ')] });
      const res = await withClient(ctx.config(), (c) => c.call('topic/publish', params));
      ctx.output().result(res, () => `published ${res.message_id} (seq ${res.seq})`);
    });
}

export interface TopicHistoryOptions {
  limit: string;
  before?: string;
  after?: string;
}

/** `topics history`, and `history <topic_id>` (p2p.ts). */
export async function topicHistory(ctx: Context, id: string, opts: TopicHistoryOptions): Promise<void> {
  if (opts.before !== undefined && opts.after !== undefined) throw new CliError('give --before or --after, not both', ExitCode.Usage);
  const params = {
    topic_id: parseTopic(id),
    limit: parseLimit(opts.limit),
    ...(opts.before !== undefined ? { before: parseSeq(opts.before, '--before') } : {}),
    ...(opts.after !== undefined ? { after: parseSeq(opts.after, '--after', 0) } : {}),
  };
  const res = await withClient(ctx.config(), (c) => c.call('topic/history', params));
  ctx.output().result(res, () => messageLines(res.messages, res.has_more, opts.after !== undefined));
}

/** Juji's `publish --title --body --tags`: an article, so nothing of a topic message may come with it. */
function publishJujiArticle(ctx: Context, id: string | undefined, words: string[], opts: PublishOptions): Promise<void> {
  const topicOnly = [opts.block && '--block', opts.type && '--type', opts.semantic && '--semantic', opts.replyTo && '--reply-to'].filter(Boolean);
  if (id !== undefined || words.length > 0 || topicOnly.length > 0) {
    const what = id !== undefined ? 'a topic id or message text' : topicOnly.join(', ');
    throw new CliError(`--body publishes an article, which takes no ${what}: for a topic message leave out --body and --tags`, ExitCode.Usage);
  }
  if (opts.title === undefined) throw new CliError('an article needs --title (and --body)', ExitCode.Usage);
  if (opts.body === undefined) throw new CliError('an article needs --body (and --title)', ExitCode.Usage);
  return publishArticle(ctx, { title: opts.title, body: [opts.body], tags: opts.tags });
}

/** topic/publish params: plain (`text`) or rich (`--title` + `--block`), never both. */
function publishParams(id: string, text: string, opts: PublishOptions) {
  const topicId = parseTopic(id);
  const common = {
    topic_id: topicId,
    ...(opts.semantic ? { semantic_type: opts.semantic } : {}),
    ...(opts.replyTo ? { reply_to: parseMessageId(opts.replyTo) } : {}),
  };
  const rich = opts.title !== undefined || opts.block !== undefined;
  if (!rich) {
    if (text === '') throw new CliError('nothing to publish: give the message text, or --title with one or more --block', ExitCode.Usage);
    return { ...common, content: text, content_type: choice(ContentType.options, opts.type ?? 'text', '--type') };
  }
  if (text !== '') throw new CliError('give the message text or --title with --block, not both', ExitCode.Usage);
  if (opts.title === undefined || opts.title.trim() === '') throw new CliError('a rich message needs --title', ExitCode.Usage);
  const blocks = opts.block ?? [];
  if (blocks.length === 0) throw new CliError('a rich message needs at least one --block', ExitCode.Usage);
  if (blocks.some((b) => b === '')) throw new CliError('a --block must not be empty', ExitCode.Usage);
  if (opts.type !== undefined && opts.type !== 'markdown') throw new CliError('a rich message is markdown: leave out --type', ExitCode.Usage);
  return { ...common, title: opts.title, blocks };
}

type ExportParams = Parameters<typeof topicExportPages>[1];
type ExportInfo = Omit<TopicExportPage, 'content' | 'next_cursor'>;

/** Human output streams the pages to stdout; --json gathers them into one result (the one case that holds the document). */
async function exportToStdout(c: ParleyClient, params: ExportParams, json: boolean, out: Output): Promise<ExportInfo & { content?: string }> {
  let info: ExportInfo | undefined;
  let content = '';
  let last = '';
  for await (const page of topicExportPages(c, params)) {
    info ??= exportInfo(page);
    if (json) content += page.content;
    else if (page.content !== '') await out.write((last = page.content));
  }
  if (!json && !last.endsWith('\n')) await out.write('\n');
  return json ? { ...info!, content } : info!;
}

/**
 * Each page is written as it comes, to `<file>.part`, renamed once the last
 * page is in: a failed export leaves no half document under the real name.
 */
async function exportToFile(c: ParleyClient, params: ExportParams, output: string): Promise<ExportInfo & { path: string; bytes: number }> {
  const target = resolve(output);
  let file: { path: string; handle: FileHandle } | undefined;
  let info: ExportInfo | undefined;
  let bytes = 0;
  try {
    for await (const page of topicExportPages(c, params)) {
      if (!file) {
        info = exportInfo(page);
        const path = existsSync(target) && statSync(target).isDirectory() ? join(target, page.filename) : target;
        file = { path, handle: await open(`${path}.part`, 'w') };
      }
      await file.handle.write(page.content);
      bytes += Buffer.byteLength(page.content);
    }
    await file!.handle.close();
    await rename(`${file!.path}.part`, file!.path);
    return { ...info!, path: file!.path, bytes };
  } catch (err) {
    if (file) {
      await file.handle.close().catch(() => undefined);
      await rm(`${file.path}.part`, { force: true });
    }
    throw err;
  }
}

function exportInfo(page: TopicExportPage): ExportInfo {
  return { topic_id: page.topic_id, format: page.format, filename: page.filename, message_count: page.message_count, truncated: page.truncated };
}

export function messageLines(messages: TopicMessage[], hasMore: boolean, forward: boolean): string {
  if (messages.length === 0) return 'no messages';
  const lines = messages.map(
    (m) => `#${m.seq}  ${m.sent_at}  ${m.from}${m.semantic_type ? ` [${m.semantic_type}]` : ''}: ${indentBody(m.content)}`,
  );
  if (hasMore) {
    lines.push(forward ? `(newer messages exist: --after ${messages[messages.length - 1]!.seq})` : `(older messages exist: --before ${messages[0]!.seq})`);
  }
  return lines.join('\n');
}
