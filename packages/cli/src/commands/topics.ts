import { ContentType, JoinMethod, MessageId, TopicId, TopicType, TopicVisibility, type Topic, type TopicMessage } from '@parley/protocol';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { choice, parseId, parseLimit } from '../args.js';
import { table } from '../output.js';
import { withClient } from '../session.js';

/**
 * `parley topics ...` and `parley publish`, with the WTT command names and
 * their aliases. Only what the hub serves today is here; search, update,
 * delete, export and blacklists come with the rest of the messaging issue.
 */
export function registerTopics(program: Command, ctx: Context): void {
  const topics = program.command('topics').description('topics: list, create, join, read (run "parley topics --help")');

  topics
    .command('list')
    .alias('ls')
    .description('public topics and your private ones, newest first')
    .option('-q, --query <text>', 'only topics whose name contains this')
    .option('-l, --limit <n>', 'how many (1-200)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { query?: string; limit: string; cursor?: string }) => {
      const res = await withClient(ctx.config(), (c) =>
        c.call('topic/list', {
          limit: parseLimit(opts.limit),
          ...(opts.query ? { query: opts.query } : {}),
          ...(opts.cursor ? { cursor: opts.cursor } : {}),
        }),
      );
      ctx.output().result(res, () => topicTable(res.topics, res.next_cursor));
    });

  topics
    .command('subscribed')
    .alias('mysubs')
    .description('the topics you belong to')
    .option('-l, --limit <n>', 'how many (1-200)', '200')
    .action(async (opts: { limit: string }) => {
      const res = await withClient(ctx.config(), (c) => c.call('topic/list', { mine: true, limit: parseLimit(opts.limit) }));
      ctx.output().result(res, () => topicTable(res.topics, res.next_cursor));
    });

  topics
    .command('create')
    .alias('new')
    .description('create a topic; you become its owner')
    .argument('<name>', 'topic name')
    .option('-d, --description <text>', 'what the topic is for')
    .option('-t, --type <type>', 'broadcast | discussion | collaborative | p2p', 'discussion')
    .option('-v, --visibility <visibility>', 'public | private', 'public')
    .option('-j, --join <method>', 'open | invite_only', 'open')
    .action(async (name: string, opts: { description?: string; type: string; visibility: string; join: string }) => {
      const params = {
        name,
        type: choice(TopicType.options, opts.type, '--type'),
        visibility: choice(TopicVisibility.options, opts.visibility, '--visibility'),
        join_method: choice(JoinMethod.options, opts.join, '--join'),
        ...(opts.description ? { description: opts.description } : {}),
      };
      const topic = await withClient(ctx.config(), (c) => c.call('topic/create', params));
      ctx.output().result(topic, () => `created ${topic.topic_id} (${topic.name})`);
    });

  topics
    .command('detail')
    .alias('info')
    .description('one topic')
    .argument('<topic_id>', 'top_...')
    .action(async (id: string) => {
      const topic = await withClient(ctx.config(), (c) => c.call('topic/get', { topic_id: parseTopic(id) }));
      ctx.output().result(topic, () => formatTopic(topic));
    });

  topics
    .command('join')
    .alias('subscribe')
    .description('join an open topic; its messages then reach you')
    .argument('<topic_id>', 'top_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('topic/join', { topic_id: parseTopic(id) }));
      ctx.output().result(res, () => `joined ${res.topic_id} as ${res.role}`);
    });

  topics
    .command('leave')
    .alias('unsubscribe')
    .description('leave a topic')
    .argument('<topic_id>', 'top_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('topic/leave', { topic_id: parseTopic(id) }));
      ctx.output().result(res, () => (res.left ? `left ${res.topic_id}` : `you were not a member of ${res.topic_id}`));
    });

  topics
    .command('history')
    .alias('messages')
    .description("a topic's messages, oldest first")
    .argument('<topic_id>', 'top_...')
    .option('-l, --limit <n>', 'how many (1-200)', '50')
    .option('--before <seq>', 'only messages before this seq')
    .action(async (id: string, opts: { limit: string; before?: string }) => {
      const params = {
        topic_id: parseTopic(id),
        limit: parseLimit(opts.limit),
        ...(opts.before !== undefined ? { before: parseSeq(opts.before) } : {}),
      };
      const res = await withClient(ctx.config(), (c) => c.call('topic/history', params));
      ctx.output().result(res, () => messageLines(res.messages, res.has_more));
    });

  program
    .command('publish')
    .alias('post')
    .description('publish a message to a topic you belong to')
    .argument('<topic_id>', 'top_...')
    .argument('<text...>', 'message text')
    .option('-t, --type <content_type>', 'text | markdown | json | link', 'text')
    .option('-s, --semantic <type>', 'what kind of message this is, e.g. question, answer, status')
    .option('-r, --reply-to <message_id>', 'the message this answers')
    .action(async (id: string, words: string[], opts: { type: string; semantic?: string; replyTo?: string }) => {
      const params = {
        topic_id: parseTopic(id),
        content: words.join(' '),
        content_type: choice(ContentType.options, opts.type, '--type'),
        ...(opts.semantic ? { semantic_type: opts.semantic } : {}),
        ...(opts.replyTo ? { reply_to: parseMessageId(opts.replyTo) } : {}),
      };
      const res = await withClient(ctx.config(), (c) => c.call('topic/publish', params));
      ctx.output().result(res, () => `published ${res.message_id} (seq ${res.seq})`);
    });
}

function topicTable(topics: Topic[], next: string | null): string {
  if (topics.length === 0) return 'no topics';
  const rows = topics.map((t) => [t.topic_id, t.name, t.type, t.visibility, t.join_method, String(t.member_count), t.role ?? '-']);
  const out = table(['TOPIC', 'NAME', 'TYPE', 'VISIBILITY', 'JOIN', 'MEMBERS', 'YOU'], rows);
  return next ? `${out}\n(more: --cursor ${next})` : out;
}

function formatTopic(t: Topic): string {
  return [
    `topic_id:    ${t.topic_id}`,
    `name:        ${t.name}`,
    `description: ${t.description ?? '-'}`,
    `type:        ${t.type}`,
    `visibility:  ${t.visibility}`,
    `join:        ${t.join_method}`,
    `owner:       ${t.owner_id}`,
    `members:     ${t.member_count}`,
    `your role:   ${t.role ?? 'not a member'}`,
    `created:     ${t.created_at}`,
  ].join('\n');
}

function messageLines(messages: TopicMessage[], hasMore: boolean): string {
  if (messages.length === 0) return 'no messages';
  const lines = messages.map((m) => `#${m.seq}  ${m.sent_at}  ${m.from}${m.semantic_type ? ` [${m.semantic_type}]` : ''}: ${m.content}`);
  if (hasMore) lines.push(`(older messages exist: --before ${messages[0]!.seq})`);
  return lines.join('\n');
}

function parseSeq(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--before must be a positive seq number, got "${value}"`, ExitCode.Usage);
  return n;
}

const parseTopic = (value: string) => parseId(TopicId, value, 'a topic id (top_...)');
const parseMessageId = (value: string) => parseId(MessageId, value, 'a message id (msg_...)');
