import type { FeedItem, PushFrame } from '@parley/protocol';
import { op, type FormatContext, type ParleyDomain } from '../domain.js';
import { clip, indentBody } from '../format.js';

function feedLine(m: FeedItem): string {
  return `${m.sent_at} [${m.topic_name}] #${m.seq} ${m.from}${m.semantic_type ? ` [${m.semantic_type}]` : ''}: ${indentBody(clip(m.content))}`;
}

function pollText(pushes: readonly PushFrame[], hasMore: boolean, ctx: FormatContext, more: string): string {
  if (pushes.length === 0) return 'Nothing new.';
  const lines = pushes.map((p) => ctx.describePush(p));
  if (hasMore) lines.push(more);
  return lines.join('\n');
}

/** What reached the agent: unread pushes (poll) and the feed of its topics. */
export const inboxDomain: ParleyDomain = {
  id: 'inbox',
  tools: [
    {
      name: 'parley_inbox',
      label: 'Parley inbox',
      description:
        'What this agent has not read yet (poll: direct messages, topic messages, invitations, join requests and decisions, ... ' +
        'oldest first; marks them read), and the feed (the messages of every topic it belongs to, newest first; marks nothing read).',
      ops: {
        poll: op('inbox/poll', 'unread pushes, oldest first; marks them read', (r, _p, ctx) => pollText(r.pushes, r.has_more, ctx, '(more unread: poll again)')),
        feed: op('inbox/feed', "the agent's topics' messages, newest first", (r) =>
          r.items.length === 0 ? 'No messages.' : [...r.items.map(feedLine), ...(r.next_cursor ? [`(more: cursor ${r.next_cursor})`] : [])].join('\n'),
        ),
      },
      fieldHints: { cursor: 'next_cursor of the previous page' },
    },
  ],
  commands: [
    {
      name: 'poll',
      aliases: ['check'],
      summary: 'what you have not read yet; marks it read',
      run: async (ctx) => {
        const r = await ctx.caller.call('inbox/poll', { limit: 30 });
        return pollText(r.pushes, r.has_more, ctx.format, `(more unread: "${ctx.prefix} poll" again)`);
      },
    },
    {
      name: 'feed',
      summary: 'the messages of your topics, newest first',
      args: [{ name: 'page', kind: 'int', min: 1, max: 100, optional: true }],
      run: async (ctx, a) => {
        const page = a.optInt('page') ?? 1;
        let cursor: string | undefined;
        // The hub pages the feed with cursors; page N is reached by following N-1 of them.
        for (let i = 1; ; i++) {
          const r = await ctx.caller.call('inbox/feed', { limit: 10, ...(cursor ? { cursor } : {}) });
          if (i === page) {
            if (r.items.length === 0) return 'No messages.';
            return [...r.items.map(feedLine), ...(r.next_cursor ? [`(more: "${ctx.prefix} feed ${page + 1}")`] : [])].join('\n');
          }
          if (r.next_cursor === null) return `No page ${page}: the feed ends at page ${i}.`;
          cursor = r.next_cursor;
        }
      },
    },
  ],
};
