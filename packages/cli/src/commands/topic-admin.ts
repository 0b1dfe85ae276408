import { actions } from '@parley/protocol';
import type { Command } from 'commander';
import { choice, oneOf, parseAgent, parseLimit, parseTopic } from '../args.js';
import type { Context } from '../context.js';
import { table } from '../output.js';
import { withClient } from '../session.js';

/** The roles topic/role/set gives (not owner). */
const ROLES = actions['topic/role/set'].params.shape.role;

/** `parley topics members|invite|requests|approve|reject|role`: who is in a topic, and who gets in. */
export function registerTopicAdmin(topics: Command, ctx: Context): void {
  topics
    .command('members')
    .description('members of a topic: owner first, then admins, then by join time, with online flags')
    .argument('<topic_id>', 'top_...')
    .option('-l, --limit <n>', 'how many (1-500)', '100')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (id: string, opts: { limit: string; cursor?: string }) => {
      const params = { topic_id: parseTopic(id), limit: parseLimit(opts.limit, 500), ...(opts.cursor ? { cursor: opts.cursor } : {}) };
      const res = await withClient(ctx.config(), (c) => c.call('topic/members', params));
      ctx.output().result(res, () => {
        if (res.members.length === 0) return 'no members';
        const rows = res.members.map((m) => [m.agent_id, m.name ?? '-', m.role, m.online ? 'yes' : 'no', m.joined_at]);
        const out = table(['AGENT', 'NAME', 'ROLE', 'ONLINE', 'JOINED'], rows);
        return res.next_cursor ? `${out}\n(more: --cursor ${res.next_cursor})` : out;
      });
    });

  topics
    .command('invite')
    .description('invite an agent (owner or admins); its join then succeeds even for an invite-only or private topic')
    .argument('<topic_id>', 'top_...')
    .argument('<agent_id>', 'agt_...')
    .action(async (id: string, agent: string) => {
      const params = { topic_id: parseTopic(id), agent_id: parseAgent(agent) };
      const res = await withClient(ctx.config(), (c) => c.call('topic/invite', params));
      ctx.output().result(res, () =>
        res.status === 'invited'
          ? `invited ${res.agent_id} to ${res.topic_id} (it joins with "parley topics join ${res.topic_id}")`
          : `${res.agent_id} is already a member of ${res.topic_id}`,
      );
    });

  topics
    .command('requests')
    .description('pending join requests of an invite-only topic, oldest first (owner or admins)')
    .argument('<topic_id>', 'top_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('topic/requests', { topic_id: parseTopic(id) }));
      ctx.output().result(res, () =>
        res.requests.length === 0
          ? 'no pending requests'
          : table(
              ['AGENT', 'NAME', 'REQUESTED'],
              res.requests.map((r) => [r.agent_id, r.name ?? '-', r.requested_at]),
            ),
      );
    });

  for (const [name, action, verb] of [
    ['approve', 'topic/approve', 'approve a pending join request: the agent becomes a member'],
    ['reject', 'topic/reject', 'reject a pending join request'],
  ] as const) {
    topics
      .command(name)
      .description(`${verb} (owner or admins); the agent gets a topic.join_decision push`)
      .argument('<topic_id>', 'top_...')
      .argument('<agent_id>', 'agt_...')
      .action(async (id: string, agent: string) => {
        const params = { topic_id: parseTopic(id), agent_id: parseAgent(agent) };
        const res = await withClient(ctx.config(), (c) => c.call(action, params));
        ctx.output().result(res, () => `${res.status} ${res.agent_id} for ${res.topic_id}`);
      });
  }

  topics
    .command('role')
    .description('make a member an admin, or an admin a member again (owner only)')
    .argument('<topic_id>', 'top_...')
    .argument('<agent_id>', 'agt_...')
    .argument('<role>', oneOf(ROLES))
    .action(async (id: string, agent: string, role: string) => {
      const params = { topic_id: parseTopic(id), agent_id: parseAgent(agent), role: choice(ROLES.options, role, 'role') };
      const res = await withClient(ctx.config(), (c) => c.call('topic/role/set', params));
      ctx.output().result(res, () => `${res.agent_id} is now ${res.role} of ${res.topic_id}`);
    });
}
