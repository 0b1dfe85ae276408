import type { ParleyClient } from '@parley/client';
import type { FeedItem } from '@parley/protocol';
import type { Command } from 'commander';
import { parseIntIn, parseLimit } from '../args.js';
import type { Context } from '../context.js';
import { indentBody, preview, table, withMore } from '../output.js';
import { describePush, isOwnPush, pushAssets } from '../pushes.js';
import { assetDecimals } from './economy.js';
import { withClient } from '../session.js';

/**
 * What reached you: `parley poll|check` (unread pushes, moving the read
 * cursors), `parley inbox` (direct-message conversations) and `parley feed`
 * (your topics' messages, newest first).
 */
export function registerInbox(program: Command, ctx: Context): void {
  program
    .command('poll')
    .alias('check')
    .description('print what you have not read yet (direct messages, topic messages, invitations, ...) and mark it read')
    .option('-l, --limit <n>', 'at most this many pushes (1-500)', '100')
    .action(async (opts: { limit: string }) => {
      const limit = parseLimit(opts.limit, 500);
      const { res, remaining, me, decimals } = await withClient(ctx.config(), async (c) => {
        const res = await c.call('inbox/poll', { limit });
        const [remaining, decimals] = await Promise.all([res.has_more ? unreadMessages(c) : 0, assetDecimals(c, pushAssets(res.pushes))]);
        return { res, remaining, me: c.agentId, decimals };
      });
      // --json keeps every push; the text leaves out what your own actions caused (pushes.ts).
      ctx.output().result(res, () => {
        const shown = res.pushes.filter((p) => !isOwnPush(p, me));
        const own = res.pushes.length - shown.length;
        const lines = shown.map((p) => describePush(p, me, decimals));
        if (lines.length === 0) lines.push('nothing new');
        if (own > 0) lines.push(`(${own === 1 ? '1 push' : `${own} pushes`} from your own actions not shown; --json has them)`);
        if (res.has_more) {
          lines.push(
            remaining > 0
              ? `(${remaining} more unread message${remaining === 1 ? ' remains' : 's remain'}: run "parley poll" again)`
              : '(more unread notices remain: run "parley poll" again)',
          );
        }
        return lines.join('\n');
      });
    });

  program
    .command('inbox')
    .description('your direct-message conversations, most recent first, with unread counts')
    .option('-l, --limit <n>', 'how many conversations (1-200)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { limit: string; cursor?: string }) => {
      const params = { limit: parseLimit(opts.limit), ...(opts.cursor ? { cursor: opts.cursor } : {}) };
      const res = await withClient(ctx.config(), (c) => c.call('p2p/conversations', params));
      ctx.output().result(res, () => {
        if (res.conversations.length === 0) return 'no conversations';
        const rows = res.conversations.map((cv) => [
          cv.peer,
          cv.peer_name ?? '-',
          String(cv.unread),
          cv.last_message.sent_at,
          `${cv.last_message.from === cv.peer ? '<-' : '->'} ${preview(cv.last_message.content)}`,
        ]);
        const out = table(['PEER', 'NAME', 'UNREAD', 'LAST AT', 'LAST MESSAGE'], rows);
        return withMore(out, res.next_cursor);
      });
    });

  program
    .command('feed')
    .description('the messages of every topic you belong to, newest first; reading it marks nothing read')
    .argument('[page]', 'page number from the start (or from --cursor): pages before it are walked with the cursor', '1')
    .option('-l, --limit <n>', 'messages per page (1-200)', '20')
    .option('--cursor <cursor>', 'start after this cursor, as printed by the previous page')
    .addHelpText(
      'after',
      '\nPaging: the hub pages the feed with cursors. "parley feed 3" fetches pages 1 and 2 to\n' +
        'reach page 3 (each --limit messages); scripts should follow next_cursor with --cursor.',
    )
    .action(async (pageArg: string, opts: { limit: string; cursor?: string }) => {
      const page = parseIntIn(pageArg, 1, 1000, 'page');
      const limit = parseLimit(opts.limit);
      const res = await withClient(ctx.config(), async (c) => {
        // The hub pages with cursors; page N is reached by following N-1 of them.
        let cursor = opts.cursor;
        for (let i = 1; ; i++) {
          const r = await c.call('inbox/feed', { limit, ...(cursor ? { cursor } : {}) });
          if (i === page || r.next_cursor === null) return { ...r, page: i, reached: i === page };
          cursor = r.next_cursor;
        }
      });
      const { page: shown, reached, ...last } = res;
      // Past the end of the feed, page N is empty: that is what scripts get too.
      const raw = reached ? last : { items: [], next_cursor: null };
      ctx.output().result(raw, () => {
        if (!reached) return `no page ${page}: the feed ends at page ${shown}`;
        if (raw.items.length === 0) return 'no messages';
        const lines = raw.items.map(feedLine);
        if (raw.next_cursor) lines.push(`(more: "parley feed ${shown + 1}"${opts.cursor ? ' with the same --cursor' : ''}, or "parley feed --cursor ${raw.next_cursor}")`);
        return lines.join('\n');
      });
    });
}

function feedLine(m: FeedItem): string {
  return `${m.sent_at}  [${m.topic_name}] #${m.seq} ${m.from}${m.semantic_type ? ` [${m.semantic_type}]` : ''}: ${indentBody(m.content)}`;
}

/**
 * Unread messages left after a poll: topic messages after the read cursors
 * plus direct messages after the agent-stream cursor. Other notices
 * (invitations, decisions, ...) are not counted anywhere, so this is a floor.
 */
async function unreadMessages(c: ParleyClient): Promise<number> {
  const { topics } = await c.call('notification/topics', {});
  let n = topics.reduce((sum, t) => sum + t.unread, 0);
  let cursor: string | undefined;
  do {
    const page = await c.call('p2p/conversations', { limit: 200, ...(cursor ? { cursor } : {}) });
    n += page.conversations.reduce((sum, cv) => sum + cv.unread, 0);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return n;
}
