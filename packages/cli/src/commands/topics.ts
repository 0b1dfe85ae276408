import { JoinMethod, TopicType, TopicVisibility, type SubscribedTopic, type Topic } from '@parley/protocol';
import type { Command } from 'commander';
import { choice, oneOf, parseIntIn, parseLimit, parseTopic } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { table } from '../output.js';
import { withClient } from '../session.js';

/**
 * `parley topics ...`: finding, creating, changing, joining and leaving topics,
 * with the WTT command names and their aliases. Returns the `topics` command so
 * the other topic files (topic-admin.ts, messages.ts) add theirs to it.
 */
export function registerTopics(program: Command, ctx: Context): Command {
  const topics = program
    .command('topics')
    .description('topics: find, create, join, read, manage (run "parley topics --help")');

  topicList(topics.command('list').alias('ls'), ctx);

  topicFind(topics.command('find').alias('search'), ctx);

  topics
    .command('subscribed')
    .alias('mysubs')
    .description('the topics you belong to, most recently active first, with unread counts')
    .option('-l, --limit <n>', 'how many (1-200)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { limit: string; cursor?: string }) => {
      const res = await withClient(ctx.config(), (c) =>
        c.call('topic/subscribed', { limit: parseLimit(opts.limit), ...(opts.cursor ? { cursor: opts.cursor } : {}) }),
      );
      ctx.output().result(res, () => subscribedTable(res.topics, res.next_cursor));
    });

  topics
    .command('create')
    .alias('new')
    .description('create a topic; you become its owner')
    .argument('<name>', 'topic name')
    .option('-d, --description <text>', 'what the topic is for')
    .option('-t, --type <type>', oneOf(TopicType), 'discussion')
    .option('-v, --visibility <visibility>', oneOf(TopicVisibility), 'public')
    .option('-j, --join <method>', oneOf(JoinMethod), 'open')
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
    .command('update')
    .description('change a topic (owner or admins); members get a topic.updated push')
    .argument('<topic_id>', 'top_...')
    .option('-n, --name <name>', 'new name')
    .option('-d, --description <text>', 'new description ("" clears it)')
    .option('-t, --type <type>', oneOf(TopicType))
    .option('-v, --visibility <visibility>', oneOf(TopicVisibility))
    .option('-j, --join <method>', oneOf(JoinMethod))
    .action(async (id: string, opts: { name?: string; description?: string; type?: string; visibility?: string; join?: string }) => {
      const params = {
        topic_id: parseTopic(id),
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.description !== undefined ? { description: opts.description === '' ? null : opts.description } : {}),
        ...(opts.type !== undefined ? { type: choice(TopicType.options, opts.type, '--type') } : {}),
        ...(opts.visibility !== undefined ? { visibility: choice(TopicVisibility.options, opts.visibility, '--visibility') } : {}),
        ...(opts.join !== undefined ? { join_method: choice(JoinMethod.options, opts.join, '--join') } : {}),
      };
      if (Object.keys(params).length === 1) {
        throw new CliError('nothing to change: give at least one of --name, --description, --type, --visibility, --join', ExitCode.Usage);
      }
      const topic = await withClient(ctx.config(), (c) => c.call('topic/update', params));
      ctx.output().result(topic, () => `updated ${topic.topic_id}\n${formatTopic(topic)}`);
    });

  topics
    .command('delete')
    .alias('remove')
    .description('delete a topic with its messages and memberships (owner only; needs --yes)')
    .argument('<topic_id>', 'top_...')
    .option('-y, --yes', 'really delete: without it nothing is deleted')
    .action(async (id: string, opts: { yes?: boolean }) => {
      const topicId = parseTopic(id);
      if (!opts.yes) {
        throw new CliError(
          `deleting ${topicId} removes its messages and memberships for everyone and cannot be undone; run "parley topics delete ${topicId} --yes" to delete it`,
          ExitCode.Usage,
        );
      }
      const res = await withClient(ctx.config(), (c) => c.call('topic/delete', { topic_id: topicId }));
      ctx.output().result(res, () => `deleted ${res.topic_id}`);
    });

  topicJoin(topics.command('join').alias('subscribe'), ctx);

  topicLeave(topics.command('leave').alias('unsubscribe'), ctx);

  return topics;
}

/** `topics list|ls`, also a top-level command (shortcuts.ts). */
export function topicList(cmd: Command, ctx: Context): Command {
  return cmd
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
}

/** `topics find|search`, also a top-level command (shortcuts.ts). */
export function topicFind(cmd: Command, ctx: Context): Command {
  return cmd
    .description('full-text search: topics whose name, description or messages hold every word, best first')
    .argument('<words...>', 'what to look for')
    .option('-l, --limit <n>', 'how many topics (1-50)', '20')
    .option('-m, --matches <n>', 'matching messages shown per topic (0-20)', '3')
    .action(async (words: string[], opts: { limit: string; matches: string }) => {
      const params = {
        query: words.join(' '),
        limit: parseLimit(opts.limit, 50),
        matches_per_topic: parseIntIn(opts.matches, 0, 20, '--matches'),
      };
      const res = await withClient(ctx.config(), (c) => c.call('topic/search', params));
      ctx.output().result(res, () => {
        if (res.results.length === 0) return `no topics match "${params.query}"`;
        return res.results
          .flatMap(({ topic, matches }) => [
            `${topic.topic_id}  ${topic.name}  (${topic.type}, ${topic.visibility}, ${plural(topic.member_count, 'member')}${topic.role ? `, you: ${topic.role}` : ''})`,
            ...matches.map((m) => `    #${m.seq}  ${m.from}: ${m.snippet.replace(/\s+/g, ' ')}`),
          ])
          .join('\n');
      });
    });
}

/** `topics join|subscribe`, also a top-level command (shortcuts.ts). */
export function topicJoin(cmd: Command, ctx: Context): Command {
  return cmd
    .description('join a topic; for an invite-only topic without an invitation this asks its owner and admins')
    .argument('<topic_id>', 'top_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('topic/join', { topic_id: parseTopic(id) }));
      ctx.output().result(res, () =>
        res.status === 'requested'
          ? `requested to join ${res.topic_id}: it is invite-only, so your request waits for its owner or an admin to approve it ` +
            `(you get a topic.join_decision; "parley topics leave ${res.topic_id}" withdraws it)`
          : `joined ${res.topic_id} as ${res.role}`,
      );
    });
}

/** `topics leave|unsubscribe`, also a top-level command (shortcuts.ts). */
export function topicLeave(cmd: Command, ctx: Context): Command {
  return cmd
    .description('leave a topic, or withdraw a pending join request')
    .argument('<topic_id>', 'top_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('topic/leave', { topic_id: parseTopic(id) }));
      ctx.output().result(res, () => (res.left ? `left ${res.topic_id}` : `you were not a member of ${res.topic_id}`));
    });
}

function topicTable(topics: Topic[], next: string | null): string {
  if (topics.length === 0) return 'no topics';
  const rows = topics.map((t) => [t.topic_id, t.name, t.type, t.visibility, t.join_method, String(t.member_count), t.role ?? '-']);
  const out = table(['TOPIC', 'NAME', 'TYPE', 'VISIBILITY', 'JOIN', 'MEMBERS', 'YOU'], rows);
  return next ? `${out}\n(more: --cursor ${next})` : out;
}

function subscribedTable(topics: SubscribedTopic[], next: string | null): string {
  if (topics.length === 0) return 'you belong to no topics';
  const rows = topics.map((t) => [t.topic_id, t.name, t.role ?? '-', String(t.unread), t.last_message_at ?? '-']);
  const out = table(['TOPIC', 'NAME', 'YOU', 'UNREAD', 'LAST MESSAGE'], rows);
  return next ? `${out}\n(more: --cursor ${next})` : out;
}

export function formatTopic(t: Topic): string {
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

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
