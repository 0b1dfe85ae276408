import { agentStream, MAX_PAGE_BYTES, type P2PMessage, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { forbidden, notFound } from '../../core/errors.js';
import { encodeCursor, iso, newMessageId, readCursor } from '../../core/ids.js';
import { boundedPage } from '../../core/paging.js';
import type { StagedPush, Streams } from '../../core/streams.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, P2PMessagesTable } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import type { AgentService } from '../agent/index.js';

// `seq` is the message's push in the recipient's stream: compared with its read cursor it says whether the message is unread.
const insertMessage = precompiled(8, (db, id: string, from: string, to: string, content: string, type: string, at: number, seq: number, via: string | null) =>
  db.insertInto('p2p_messages').values({ message_id: id, from_id: from, to_id: to, content, content_type: type, sent_at: at, seq, via }),
);

/** What p2p needs from the agent domain. */
export type AgentLookup = Pick<AgentService, 'contactPolicyOf' | 'namesOf'>;

export class P2PService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly streams: Streams,
    private readonly agents: AgentLookup,
  ) {}

  /** `via`: the manager sending on `from`'s behalf (delegate/p2p_as), recorded on the message. */
  async send(from: string, p: ParsedParamsOf<'p2p/send'>, via: string | null = null): Promise<ResultOf<'p2p/send'>> {
    return this.streams.commitPrepared(await this.prepareSend(from, p, via));
  }

  /**
   * The checks of a send, then the write as a function for the caller's
   * writer job (delegate/p2p_as checks its grant in the same transaction):
   * the message row and its push, one transaction, so no message without its
   * push, and vice versa.
   */
  async prepareSend(
    from: string,
    p: ParsedParamsOf<'p2p/send'>,
    via: string | null = null,
  ): Promise<(tx: Sql) => Promise<{ result: ResultOf<'p2p/send'>; push: StagedPush }>> {
    const policy = await this.agents.contactPolicyOf(p.to);
    if (policy === null) throw notFound('recipient agent');
    if (policy === 'closed' && p.to !== from) throw forbidden('the recipient does not accept direct messages');
    const messageId = newMessageId();
    const message = (_seq: number, ts: number): P2PMessage => ({ message_id: messageId, from, to: p.to, content: p.content, content_type: p.content_type, via, sent_at: iso(ts) });
    return async (tx) => {
      const push = await this.streams.stageBuilt(tx, agentStream(p.to), 'p2p.message', message, async (tx, seq, ts) => {
        await tx.run(insertMessage(this.db, messageId, from, p.to, p.content, p.content_type, ts, seq, via));
      });
      return { result: { message_id: messageId, seq: push.seq }, push };
    };
  }

  /** A page of at most `limit` messages and MAX_PAGE_BYTES of them (core/paging.ts), newest read first. */
  async history(me: string, p: ParsedParamsOf<'p2p/history'>): Promise<ResultOf<'p2p/history'>> {
    const page = await boundedPage(
      (last: P2PMessagesTable | undefined, n) => {
        let q = this.db
          .selectFrom('p2p_messages')
          .selectAll()
          .where((eb) =>
            eb.or([
              eb.and([eb('from_id', '=', me), eb('to_id', '=', p.with)]),
              eb.and([eb('from_id', '=', p.with), eb('to_id', '=', me)]),
            ]),
          );
        const before = last?.message_id ?? p.before;
        if (before) q = q.where('message_id', '<', before);
        return q.orderBy('message_id', 'desc').limit(n).execute();
      },
      (rows) => rows.map(toMessage),
      { limit: p.limit, maxBytes: MAX_PAGE_BYTES },
    );
    return { messages: page.items.reverse(), has_more: page.more };
  }

  /**
   * The caller's peers, most recent conversation first. Message ids sort by
   * time (core/ids.ts), so a conversation's latest message is its highest id,
   * and the page cursor is that id.
   */
  async conversations(me: string, p: ParsedParamsOf<'p2p/conversations'>): Promise<ResultOf<'p2p/conversations'>> {
    const before = p.cursor ? readCursor(p.cursor, ['string'])[0] : null;
    // Both directions, each served by an index: p2p_pair (from_id, ...) and p2p_to (to_id, ...).
    const sent = this.db.selectFrom('p2p_messages').select(['to_id as peer', 'message_id']).where('from_id', '=', me);
    const received = this.db.selectFrom('p2p_messages').select(['from_id as peer', 'message_id']).where('to_id', '=', me);
    let q = this.db
      .selectFrom(sent.unionAll(received).as('m'))
      .select((eb) => ['m.peer', eb.fn.max('m.message_id').as('last_id')])
      .groupBy('m.peer');
    if (before !== null) q = q.having((eb) => eb.fn.max('m.message_id'), '<', before);
    const heads = await q.orderBy('last_id', 'desc').limit(p.limit + 1).execute();
    const cursor = await this.streams.getReadCursor(me, agentStream(me));
    // Each entry carries its last message (up to 64K characters): the page stops at MAX_PAGE_BYTES, and
    // the messages are read a chunk of peers at a time, not all `limit` at once.
    const page = await boundedPage(
      async (after: (typeof heads)[number] | undefined, n) => {
        const from = after ? heads.indexOf(after) + 1 : 0;
        return heads.slice(from, from + n);
      },
      async (chunk) => {
        if (chunk.length === 0) return [];
        const peers = chunk.map((h) => h.peer);
        const lastRows = await this.db.selectFrom('p2p_messages').selectAll().where('message_id', 'in', chunk.map((h) => h.last_id)).execute();
        const last = new Map(lastRows.map((r) => [r.message_id, r]));
        const names = await this.agents.namesOf(peers);
        // Over the p2p_to index (to_id, from_id, seq). Rows from before seq was stored (null) count as read.
        const counts = await this.db
          .selectFrom('p2p_messages')
          .select((eb) => ['from_id', eb.fn.countAll<number>().as('n')])
          .where('to_id', '=', me)
          .where('from_id', 'in', peers)
          .where('seq', '>', cursor)
          .groupBy('from_id')
          .execute();
        const unread = new Map(counts.map((r) => [r.from_id, Number(r.n)]));
        return chunk.map((h) => ({
          peer: h.peer,
          peer_name: names.get(h.peer) ?? null,
          last_message: toMessage(last.get(h.last_id)!),
          unread: unread.get(h.peer) ?? 0,
        }));
      },
      { limit: p.limit, maxBytes: MAX_PAGE_BYTES },
    );
    return { conversations: page.items, next_cursor: page.more && page.last ? encodeCursor([page.last.last_id]) : null };
  }
}

function toMessage(r: P2PMessagesTable): P2PMessage {
  return {
    message_id: r.message_id,
    from: r.from_id,
    to: r.to_id,
    content: r.content,
    content_type: r.content_type as P2PMessage['content_type'],
    via: r.via,
    sent_at: iso(Number(r.sent_at)),
  };
}
