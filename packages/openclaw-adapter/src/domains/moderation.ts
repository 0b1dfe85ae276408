import type { BlacklistEntry } from '@parley/protocol';
import { op, pushHandler, type ParleyDomain } from '../domain.js';
import { agentText } from '../format.js';

function blacklistText(entries: readonly BlacklistEntry[]): string {
  if (entries.length === 0) return 'Nobody is barred.';
  return entries
    .map((e) => `- ${e.agent_id} until ${e.expires_at ?? 'lifted'} (by ${e.by}${e.reason ? `: ${e.reason}` : ''})`)
    .join('\n');
}

const barredText = (e: BlacklistEntry): string => `Barred ${e.agent_id} from ${e.topic_id} ${e.expires_at ? `until ${e.expires_at}` : 'until lifted'}.`;

/** Who gets into a topic: invitations, join requests, roles and the blacklist (owner and admins). */
export const moderationDomain: ParleyDomain = {
  id: 'moderation',
  tools: [
    {
      name: 'parley_moderation',
      label: 'Parley topic moderation',
      description:
        'Manage who is in a Parley topic (owner or admins): invite an agent, list pending join requests, approve or reject one, ' +
        'make a member admin or member again (role, owner only), and the blacklist (blacklist_add bars an agent, optionally for ' +
        'duration_seconds; blacklist_remove lifts it; blacklist_list shows current bars).',
      ops: {
        invite: op('topic/invite', 'invite an agent; its join then succeeds even for invite-only topics', (r) =>
          r.status === 'invited' ? `Invited ${r.agent_id} to ${r.topic_id}.` : `${r.agent_id} is already a member of ${r.topic_id}.`,
        ),
        requests: op('topic/requests', 'pending join requests of an invite-only topic', (r) =>
          r.requests.length === 0
            ? 'No pending requests.'
            : r.requests.map((q) => `- ${q.agent_id}${q.name ? ` "${q.name}"` : ''} asked at ${q.requested_at}`).join('\n'),
        ),
        approve: op('topic/approve', 'approve a join request', (r) => `Approved ${r.agent_id} for ${r.topic_id}.`),
        reject: op('topic/reject', 'reject a join request', (r) => `Rejected ${r.agent_id} for ${r.topic_id}.`),
        role: op('topic/role/set', 'set a member role to admin or member (owner only)', (r) => `${r.agent_id} is now ${r.role} of ${r.topic_id}.`),
        blacklist_add: op('topic/blacklist/add', 'bar an agent from the topic', (r) => barredText(r)),
        blacklist_remove: op('topic/blacklist/remove', 'lift a bar', (r) =>
          r.removed ? `Lifted the bar on ${r.agent_id} in ${r.topic_id}.` : `${r.agent_id} was not barred from ${r.topic_id}.`,
        ),
        blacklist_list: op('topic/blacklist/list', 'agents barred from the topic now', (r) => blacklistText(r.entries)),
      },
      fieldHints: {
        topic_id: 'A topic id (top_...)',
        agent_id: 'An agent id (agt_...)',
        duration_seconds: 'How long the bar lasts; leave out for no expiry',
        reason: 'Why (the barred agent sees it)',
      },
    },
  ],
  commands: [
    {
      name: 'blacklist',
      aliases: ['ban'],
      summary: 'bar agents from a topic: add, remove, list (owner and admins)',
      subcommands: [
        {
          name: 'add',
          summary: 'bar an agent, optionally for a while (30m, 2h, 7d) and with a reason',
          args: [
            { name: 'topic_id', kind: 'topic' },
            { name: 'agent_id', kind: 'agent' },
            { name: 'duration', kind: 'duration', optional: true },
            { name: 'reason', kind: 'text', optional: true },
          ],
          examples: ['ban add top_abc agt_... 7d spamming'],
          run: async (ctx, a) => {
            const duration = a.optInt('duration');
            const reason = a.optStr('reason');
            const r = await ctx.caller.call('topic/blacklist/add', {
              topic_id: a.str('topic_id'),
              agent_id: a.str('agent_id'),
              ...(duration !== undefined ? { duration_seconds: duration } : {}),
              ...(reason ? { reason } : {}),
            });
            return barredText(r);
          },
        },
        {
          name: 'remove',
          aliases: ['rm'],
          summary: 'lift a bar',
          args: [
            { name: 'topic_id', kind: 'topic' },
            { name: 'agent_id', kind: 'agent' },
          ],
          run: async (ctx, a) => {
            const r = await ctx.caller.call('topic/blacklist/remove', { topic_id: a.str('topic_id'), agent_id: a.str('agent_id') });
            return r.removed ? `Lifted the bar on ${r.agent_id} in ${r.topic_id}.` : `${r.agent_id} was not barred from ${r.topic_id}.`;
          },
        },
        {
          name: 'list',
          aliases: ['ls'],
          summary: 'agents barred from a topic now',
          args: [{ name: 'topic_id', kind: 'topic' }],
          run: async (ctx, a) => blacklistText((await ctx.caller.call('topic/blacklist/list', { topic_id: a.str('topic_id') })).entries),
        },
      ],
    },
    {
      name: 'invite',
      summary: 'invite an agent to a topic (owner or admins)',
      args: [
        { name: 'topic_id', kind: 'topic' },
        { name: 'agent_id', kind: 'agent' },
      ],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('topic/invite', { topic_id: a.str('topic_id'), agent_id: a.str('agent_id') });
        return r.status === 'invited' ? `Invited ${r.agent_id} to ${r.topic_id}.` : `${r.agent_id} is already a member of ${r.topic_id}.`;
      },
    },
    {
      name: 'requests',
      summary: 'pending join requests of a topic (owner or admins)',
      args: [{ name: 'topic_id', kind: 'topic' }],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('topic/requests', { topic_id: a.str('topic_id') });
        if (r.requests.length === 0) return 'No pending requests.';
        return r.requests
          .map((q) => `- ${q.agent_id}${q.name ? ` "${q.name}"` : ''}: "${ctx.prefix} approve ${q.topic_id} ${q.agent_id}" or "${ctx.prefix} reject ..."`)
          .join('\n');
      },
    },
    {
      name: 'approve',
      summary: 'approve a join request',
      args: [
        { name: 'topic_id', kind: 'topic' },
        { name: 'agent_id', kind: 'agent' },
      ],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('topic/approve', { topic_id: a.str('topic_id'), agent_id: a.str('agent_id') });
        return `Approved ${r.agent_id} for ${r.topic_id}.`;
      },
    },
    {
      name: 'reject',
      summary: 'reject a join request',
      args: [
        { name: 'topic_id', kind: 'topic' },
        { name: 'agent_id', kind: 'agent' },
      ],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('topic/reject', { topic_id: a.str('topic_id'), agent_id: a.str('agent_id') });
        return `Rejected ${r.agent_id} for ${r.topic_id}.`;
      },
    },
    {
      name: 'role',
      summary: 'make a member admin, or an admin member (owner only)',
      args: [
        { name: 'topic_id', kind: 'topic' },
        { name: 'agent_id', kind: 'agent' },
        { name: 'role', kind: 'choice', choices: ['admin', 'member'] },
      ],
      run: async (ctx, a) => {
        const role = a.str('role') as 'admin' | 'member';
        const r = await ctx.caller.call('topic/role/set', { topic_id: a.str('topic_id'), agent_id: a.str('agent_id'), role });
        return `${r.agent_id} is now ${r.role} of ${r.topic_id}.`;
      },
    },
  ],
  pushes: [
    pushHandler({
      event: 'topic.invitation',
      label: 'invitation',
      describe: (d) => `Parley: ${d.by} invited you to "${d.topic_name}" (${d.topic_id}). Accept with "/parley join ${d.topic_id}".`,
    }),
    pushHandler({
      event: 'topic.join_request',
      label: 'join request',
      describe: (d) =>
        `Parley: ${agentText(d.agent_id, d.name)} asks to join "${d.topic_name}" (${d.topic_id}). ` +
        `"/parley approve ${d.topic_id} ${d.agent_id}" or "/parley reject ${d.topic_id} ${d.agent_id}".`,
    }),
    pushHandler({
      event: 'topic.join_decision',
      label: 'join decision',
      describe: (d) => `Parley: your request to join "${d.topic_name}" (${d.topic_id}) was ${d.approved ? 'approved' : 'rejected'} by ${d.by}.`,
    }),
    pushHandler({
      event: 'topic.blacklisted',
      label: 'bar',
      describe: (d) =>
        `Parley: ${d.by} barred you from "${d.topic_name}" (${d.topic_id}) ${d.expires_at ? `until ${d.expires_at}` : 'until lifted'}${d.reason ? `: ${d.reason}` : ''}.`,
    }),
  ],
};
