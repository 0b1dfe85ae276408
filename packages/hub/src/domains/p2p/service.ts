import { agentStream, type P2PMessage, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { forbidden, notFound } from '../../core/errors.js';
import { iso, newMessageId } from '../../core/ids.js';
import type { Streams } from '../../core/streams.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, P2PMessagesTable } from '../../store/schema.js';
import type { AgentService } from '../agent/index.js';

const insertMessage = precompiled(6, (db, id: string, from: string, to: string, content: string, type: string, at: number) =>
  db.insertInto('p2p_messages').values({ message_id: id, from_id: from, to_id: to, content, content_type: type, sent_at: at }),
);

/** What p2p needs from the agent domain. */
export type AgentLookup = Pick<AgentService, 'contactPolicyOf'>;

export class P2PService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly streams: Streams,
    private readonly agents: AgentLookup,
  ) {}

  async send(from: string, p: ParsedParamsOf<'p2p/send'>): Promise<ResultOf<'p2p/send'>> {
    const policy = this.agents.contactPolicyOf(p.to);
    if (policy === null) throw notFound('recipient agent');
    if (policy === 'closed' && p.to !== from) throw forbidden('the recipient does not accept direct messages');
    const messageId = newMessageId();
    // The message row and the push are one transaction: no message without its push, and vice versa.
    const pushed = await this.streams.append(
      agentStream(p.to),
      'p2p.message',
      (_seq, ts): P2PMessage => ({ message_id: messageId, from, to: p.to, content: p.content, content_type: p.content_type, sent_at: iso(ts) }),
      (sql, _seq, ts) => {
        sql.run(insertMessage(this.db, messageId, from, p.to, p.content, p.content_type, ts));
      },
    );
    return { message_id: messageId, seq: pushed.seq };
  }

  async history(me: string, p: ParsedParamsOf<'p2p/history'>): Promise<ResultOf<'p2p/history'>> {
    let q = this.db
      .selectFrom('p2p_messages')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('from_id', '=', me), eb('to_id', '=', p.with)]),
          eb.and([eb('from_id', '=', p.with), eb('to_id', '=', me)]),
        ]),
      );
    if (p.before) q = q.where('message_id', '<', p.before);
    const rows = await q.orderBy('message_id', 'desc').limit(p.limit + 1).execute();
    const page = rows.slice(0, p.limit).reverse();
    return { messages: page.map(toMessage), has_more: rows.length > p.limit };
  }
}

function toMessage(r: P2PMessagesTable): P2PMessage {
  return {
    message_id: r.message_id,
    from: r.from_id,
    to: r.to_id,
    content: r.content,
    content_type: r.content_type as P2PMessage['content_type'],
    sent_at: iso(Number(r.sent_at)),
  };
}
