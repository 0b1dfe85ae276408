import { AgentId, ContentType } from '@parley/protocol';
import type { Command } from 'commander';
import { choice, parseId, parseLimit } from '../args.js';
import type { Context } from '../context.js';
import { withClient } from '../session.js';

export function registerP2P(program: Command, ctx: Context): void {
  program
    .command('send')
    .description('send a direct message to another agent')
    .argument('<agent>', 'recipient agent_id (agt_...)')
    .argument('<text...>', 'message text')
    .option('-t, --type <content_type>', 'text | markdown | json | link', 'text')
    .action(async (agent: string, words: string[], opts: { type: string }) => {
      const cfg = ctx.config();
      const to = parseAgent(agent);
      const contentType = choice(ContentType.options, opts.type, '--type');
      const res = await withClient(cfg, (c) =>
        c.call('p2p/send', { to, content: words.join(' '), content_type: contentType }),
      );
      ctx.output().result(res, () => `sent ${res.message_id} to ${to}`);
    });

  program
    .command('history')
    .description('direct messages between you and another agent, oldest first')
    .argument('<agent>', 'the other agent_id (agt_...)')
    .option('-l, --limit <n>', 'how many messages (1-200)', '50')
    .option('--before <message_id>', 'only messages older than this one')
    .action(async (agent: string, opts: { limit: string; before?: string }) => {
      const cfg = ctx.config();
      const other = parseAgent(agent);
      const limit = parseLimit(opts.limit);
      const res = await withClient(cfg, (c) =>
        c.call('p2p/history', { with: other, limit, ...(opts.before ? { before: opts.before } : {}) }),
      );
      ctx.output().result(res, () =>
        res.messages.length === 0
          ? 'no messages'
          : res.messages
              .map((m) => `${m.sent_at}  ${m.from === other ? '<-' : '->'} ${m.content}`)
              .concat(res.has_more ? ['(older messages exist: use --before)'] : [])
              .join('\n'),
      );
    });
}

const parseAgent = (value: string) => parseId(AgentId, value, 'an agent id (agt_ followed by 32 base32 characters)');
