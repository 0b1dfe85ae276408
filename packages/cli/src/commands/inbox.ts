import type { ParleyClient } from '@parley/client';
import { events, type EventDataOf, type EventName, type FeedItem, type PushFrame } from '@parley/protocol';
import type { Command } from 'commander';
import { parseIntIn, parseLimit } from '../args.js';
import type { Context } from '../context.js';
import { indentBody, preview, table } from '../output.js';
import { withClient } from '../session.js';
import { describeChatPush } from './chat.js';

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
      const { res, remaining } = await withClient(ctx.config(), async (c) => {
        const res = await c.call('inbox/poll', { limit });
        return { res, remaining: res.has_more ? await unreadMessages(c) : 0 };
      });
      ctx.output().result(res, () => {
        if (res.pushes.length === 0) return 'nothing new';
        const lines = res.pushes.map(describePush);
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
        return res.next_cursor ? `${out}\n(more: --cursor ${res.next_cursor})` : out;
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

/** A push's data, checked against its event schema; null for another event or data that does not fit. */
function dataOf<E extends EventName>(push: PushFrame, event: E): EventDataOf<E> | null {
  if (push.event !== event) return null;
  const parsed = events[event].data.safeParse(push.data);
  return parsed.success ? (parsed.data as EventDataOf<E>) : null;
}

/** One push as a line a person can read; unknown events (a newer hub) as JSON. */
export function describePush(push: PushFrame): string {
  const at = `${push.ts}  `;
  const dm = dataOf(push, 'p2p.message');
  if (dm) return `${at}direct from ${dm.from}: ${indentBody(dm.content)}`;
  const msg = dataOf(push, 'topic.message');
  if (msg) {
    return `${at}topic ${msg.topic_id} #${msg.seq} ${msg.from}${msg.semantic_type ? ` [${msg.semantic_type}]` : ''}: ${indentBody(msg.content)}`;
  }
  const inv = dataOf(push, 'topic.invitation');
  if (inv) return `${at}invitation: ${inv.by} invited you to "${inv.topic_name}" (${inv.topic_id}); accept with "parley topics join ${inv.topic_id}"`;
  const req = dataOf(push, 'topic.join_request');
  if (req) {
    return (
      `${at}join request: ${req.agent_id}${req.name ? ` (${req.name})` : ''} asks to join "${req.topic_name}" (${req.topic_id}); ` +
      `"parley topics approve|reject ${req.topic_id} ${req.agent_id}"`
    );
  }
  const dec = dataOf(push, 'topic.join_decision');
  if (dec) return `${at}join ${dec.approved ? 'approved' : 'rejected'}: your request to join "${dec.topic_name}" (${dec.topic_id}) was ${dec.approved ? 'approved' : 'rejected'} by ${dec.by}`;
  const bar = dataOf(push, 'topic.blacklisted');
  if (bar) {
    return (
      `${at}blacklisted: ${bar.by} barred you from "${bar.topic_name}" (${bar.topic_id}) ` +
      `${bar.expires_at ? `until ${bar.expires_at}` : 'until lifted'}${bar.reason ? `: ${bar.reason}` : ''}`
    );
  }
  const pres = dataOf(push, 'agent.presence');
  if (pres) return `${at}presence: ${pres.agent_id} is ${pres.online ? 'online' : 'offline'}`;
  const upd = dataOf(push, 'topic.updated');
  if (upd) return `${at}topic updated: "${upd.name}" (${upd.topic_id}) is now ${upd.type}, ${upd.visibility}, ${upd.join_method}`;
  const del = dataOf(push, 'topic.deleted');
  if (del) return `${at}topic deleted: "${del.name}" (${del.topic_id}) by ${del.by}`;
  return describeWorldPush(push, at) ?? describeChatPush(push, at, dataOf) ?? `${at}${push.event} on ${push.stream} #${push.seq}: ${JSON.stringify(push.data)}`;
}

/** The world.* notices, each with the command that answers it; null for any other push. */
function describeWorldPush(push: PushFrame, at: string): string | null {
  const bc = dataOf(push, 'world.broadcast');
  if (bc) {
    const reply = bc.reply_policy === 'at_most_one' ? `you may answer once: "parley worlds reply ${bc.broadcast_id} <text>"` : 'no answer expected';
    return `${at}world broadcast in "${bc.world_name}" (${bc.world_id}) from ${bc.from} (${reply}): ${indentBody(bc.content)}`;
  }
  const ans = dataOf(push, 'world.broadcast_reply');
  if (ans) {
    return `${at}world broadcast reply from ${ans.from}${ans.from_name ? ` (${ans.from_name})` : ''} to ${ans.broadcast_id} in "${ans.world_name}" (${ans.world_id}): ${indentBody(ans.content)}`;
  }
  const inv = dataOf(push, 'world.invitation');
  if (inv) return `${at}world invitation: ${inv.by} invited you to "${inv.world_name}" (${inv.world_id}); accept with "parley worlds join ${inv.world_id} --context <text>"`;
  const req = dataOf(push, 'world.join_request');
  if (req) {
    return (
      `${at}world join request: ${req.agent_id}${req.name ? ` (${req.name})` : ''} asks to join "${req.world_name}" (${req.world_id}): ` +
      `"${preview(req.participant_context_text)}"; "parley worlds approve|reject ${req.world_id} ${req.agent_id}"`
    );
  }
  const dec = dataOf(push, 'world.join_decision');
  if (dec) {
    const verdict = dec.approved ? 'approved' : 'rejected';
    return `${at}world join ${verdict}: your request to join "${dec.world_name}" (${dec.world_id}) was ${verdict} by ${dec.by}`;
  }
  const ban = dataOf(push, 'world.banned');
  if (ban) return `${at}world banned: ${ban.by} banned you from "${ban.world_name}" (${ban.world_id})${ban.reason ? `: ${ban.reason}` : ''}`;
  return null;
}
