import { ContentType } from '@parley/protocol';
import type { Command } from 'commander';
import { choice, oneOf, parseAgent, parseLimit } from '../args.js';
import type { Context } from '../context.js';
import { indentBody } from '../output.js';
import { withClient } from '../session.js';

/** Direct messages: `parley p2p|dm|private|send` and `parley history`. */
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
    .description('direct messages between you and another agent, oldest first')
    .argument('<agent_id>', 'the other agent_id (agt_...)')
    .option('-l, --limit <n>', 'how many messages (1-200)', '50')
    .option('--before <message_id>', 'only messages older than this one')
    .action(async (agent: string, opts: { limit: string; before?: string }) => {
      const cfg = ctx.config();
      const other = parseAgent(agent);
      const limit = parseLimit(opts.limit);
      const res = await withClient(cfg, (c) => c.call('p2p/history', { with: other, limit, ...(opts.before ? { before: opts.before } : {}) }));
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
