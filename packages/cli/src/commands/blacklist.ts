import type { Command } from 'commander';
import { parseAgent, parseDuration, parseTopic } from '../args.js';
import type { Context } from '../context.js';
import { table } from '../output.js';
import { withClient } from '../session.js';

/** `parley blacklist|ban add|remove|list`: who is barred from a topic (owner and admins). */
export function registerBlacklist(program: Command, ctx: Context): void {
  const blacklist = program
    .command('blacklist')
    .alias('ban')
    .description("bar agents from a topic: add, remove, list (owner and admins; run \"parley blacklist --help\")");

  blacklist
    .command('add')
    .description('bar an agent: it leaves the members and cannot join, read or publish until the bar expires or is lifted')
    .argument('<topic_id>', 'top_...')
    .argument('<agent_id>', 'agt_...')
    .option('-r, --reason <text>', 'why (the agent sees it)')
    .option('--for <duration>', 'how long, e.g. 30m, 2h, 7d, 1h30m (units s, m, h, d, w); default: until lifted')
    .addHelpText('after', '\nExample:\n  parley ban add top_... agt_... --for 7d --reason "spam"')
    .action(async (id: string, agent: string, opts: { reason?: string; for?: string }) => {
      const params = {
        topic_id: parseTopic(id),
        agent_id: parseAgent(agent),
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        ...(opts.for !== undefined ? { duration_seconds: parseDuration(opts.for, '--for') } : {}),
      };
      const res = await withClient(ctx.config(), (c) => c.call('topic/blacklist/add', params));
      ctx.output().result(res, () => `barred ${res.agent_id} from ${res.topic_id} ${res.expires_at ? `until ${res.expires_at}` : 'until lifted'}`);
    });

  blacklist
    .command('remove')
    .alias('rm')
    .description('lift a bar')
    .argument('<topic_id>', 'top_...')
    .argument('<agent_id>', 'agt_...')
    .action(async (id: string, agent: string) => {
      const params = { topic_id: parseTopic(id), agent_id: parseAgent(agent) };
      const res = await withClient(ctx.config(), (c) => c.call('topic/blacklist/remove', params));
      ctx.output().result(res, () => (res.removed ? `lifted the bar on ${res.agent_id} in ${res.topic_id}` : `${res.agent_id} was not barred from ${res.topic_id}`));
    });

  blacklist
    .command('list')
    .alias('ls')
    .description('agents barred from a topic now (expired bars are left out)')
    .argument('<topic_id>', 'top_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('topic/blacklist/list', { topic_id: parseTopic(id) }));
      ctx.output().result(res, () =>
        res.entries.length === 0
          ? 'nobody is barred'
          : table(
              ['AGENT', 'EXPIRES', 'BY', 'SINCE', 'REASON'],
              res.entries.map((e) => [e.agent_id, e.expires_at ?? 'never', e.by, e.created_at, e.reason ?? '-']),
            ),
      );
    });
}
