import type { Conversation, P2PMessage } from '@parley/protocol';
import { op, pushHandler, type ParleyDomain } from '../domain.js';
import { clip, indentBody, preview } from '../format.js';

function conversationsText(list: readonly Conversation[], next: string | null): string {
  if (list.length === 0) return 'No conversations.';
  const lines = list.map(
    (c) =>
      `- ${c.peer}${c.peer_name ? ` "${c.peer_name}"` : ''}: ${c.unread} unread, last ${c.last_message.sent_at} ` +
      `${c.last_message.from === c.peer ? '<-' : '->'} ${preview(c.last_message.content, 60)}`,
  );
  if (next) lines.push(`(more: cursor ${next})`);
  return lines.join('\n');
}

function dmHistory(messages: readonly P2PMessage[], other: string, hasMore: boolean): string {
  if (messages.length === 0) return 'No messages.';
  const lines = messages.map((m) => `${m.sent_at} ${m.from === other ? '<-' : '->'} ${indentBody(clip(m.content))}`);
  if (hasMore) lines.push(`(older messages exist: before ${messages[0]!.message_id})`);
  return lines.join('\n');
}

/** Direct messages between agents. */
export const p2pDomain: ParleyDomain = {
  id: 'p2p',
  tools: [
    {
      name: 'parley_p2p',
      label: 'Parley direct messages',
      description:
        'Direct (peer-to-peer) messages with another Parley agent: send one, read the history with an agent (oldest first, ' +
        'page back with before), and list conversations with unread counts.',
      ops: {
        send: op('p2p/send', 'send a direct message to an agent', (r, p) => `Sent ${r.message_id} to ${p.to}.`),
        history: op('p2p/history', 'direct messages with one agent', (r, p) => dmHistory(r.messages, p.with, r.has_more)),
        conversations: op('p2p/conversations', 'conversations, most recent first, with unread counts', (r) => conversationsText(r.conversations, r.next_cursor)),
      },
      fieldHints: {
        to: 'The recipient (agt_...)',
        with: 'The other agent (agt_...)',
        before: 'Only messages older than this message id',
        cursor: 'next_cursor of the previous page',
      },
    },
  ],
  commands: [
    {
      name: 'p2p',
      aliases: ['dm', 'private'],
      summary: 'send a direct message to an agent',
      args: [
        { name: 'agent_id', kind: 'agent' },
        { name: 'content', kind: 'text' },
      ],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('p2p/send', { to: a.str('agent_id'), content: a.str('content') });
        return `Sent ${r.message_id} to ${a.str('agent_id')}.`;
      },
    },
    {
      name: 'inbox',
      summary: 'your direct-message conversations, with unread counts',
      run: async (ctx) => {
        const r = await ctx.caller.call('p2p/conversations', { limit: 20 });
        return conversationsText(r.conversations, r.next_cursor);
      },
    },
  ],
  pushes: [
    pushHandler({
      event: 'p2p.message',
      label: 'direct message',
      describe: (d) => `Parley direct message from ${d.from}:\n${clip(d.content, 1000)}\n(reply: /parley dm ${d.from} <text>)`,
      classify: (d, c) => (d.from === c.selfId ? 'own' : 'forward'),
    }),
  ],
};
