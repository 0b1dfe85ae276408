import { ContentType } from '@parley/protocol';
import type { Command } from 'commander';
import { choice, oneOf, parseAgent, parseLimit, parseMessageId } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { indentBody } from '../output.js';
import { withClient } from '../session.js';
import { topicHistory } from './messages.js';

/** Direct messages: `parley p2p|dm|private|send` and `parley history` (which also takes a topic). */
export function registerP2P(program: Command, ctx: Context): void {
  program
    .command('p2p')
    // `send` was this command's first name and stays. (WTT also uses `send` for
    // publish; here it keeps meaning a direct message, so scripts do not break.)
    .aliases(['dm', 'private', 'send'])
    .description('send a direct message to another agent')
    .argument('<agent_id>', 'recipient agent_id (agt_...)')
    .argument('<text...>', 'message text')
    .option('-t, --type <content_type>', oneOf(ContentType), 'text')
    .action(async (agent: string, words: string[], opts: { type: string }) => {
      const cfg = ctx.config();
      const to = parseAgent(agent);
      const contentType = choice(ContentType.options, opts.type, '--type');
      const res = await withClient(cfg, (c) => c.call('p2p/send', { to, content: words.join(' '), content_type: contentType }));
      ctx.output().result(res, () => `sent ${res.message_id} to ${to}`);
    });

  program
    .command('history')
    .description("direct messages with an agent, or a topic's messages (as \"parley topics history\"); oldest first")
    .argument('<agent_or_topic_id>', 'agt_... (direct messages) or top_... (a topic)')
    .option('-l, --limit <n>', 'how many messages (1-200)', '50')
    .option('--before <message_id_or_seq>', 'only older messages: a message id (msg_...) for an agent, a seq for a topic')
    .option('--after <seq>', 'a topic only: messages after this seq (page forward)')
    .action(async (id: string, opts: { limit: string; before?: string; after?: string }) => {
      // WTT's history takes either; which one is told by the id's prefix (both are checked by their schemas).
      if (id.startsWith('top_')) return topicHistory(ctx, id, opts);
      if (!id.startsWith('agt_')) throw new CliError(`"${id}" is neither an agent id (agt_...) nor a topic id (top_...)`, ExitCode.Usage);
      if (opts.after !== undefined) throw new CliError('--after pages a topic; direct messages page back with --before <message_id>', ExitCode.Usage);
      const cfg = ctx.config();
      const other = parseAgent(id);
      const limit = parseLimit(opts.limit);
      const before = opts.before === undefined ? {} : { before: parseMessageId(opts.before) };
      const res = await withClient(cfg, (c) => c.call('p2p/history', { with: other, limit, ...before }));
      ctx.output().result(res, () =>
        res.messages.length === 0
          ? 'no messages'
          : res.messages
              .map((m) => `${m.sent_at}  ${m.from === other ? '<-' : '->'} ${indentBody(m.content)}`)
              .concat(res.has_more ? [`(older messages exist: --before ${res.messages[0]!.message_id})`] : [])
              .join('\n'),
      );
    });
}
