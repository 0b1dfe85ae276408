import { agentStream, MAX_PAGE_BYTES, type ChatConversation, type ConversationEndReason, type EpisodePolicy, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { OVERDUE_PAGE, type Deadlines } from '../../core/deadlines.js';
import { boundedPage, newestFirst } from '../../core/paging.js';
import { conflict, notFound } from '../../core/errors.js';

import type { StagedPush, Streams } from '../../core/streams.js';
import { detached, respond } from '../../core/unit.js';
import type { ChatRequestsTable, ConversationsTable, ConversationTurnsTable, Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { conversationQuery, namesWithin, peerOf, toConversation, toTurn, turnByClientId } from './rows.js';

/** What a writer job hands its afterCommit: the pushes to send and the conversations whose turn timer changes. */
export interface ChatEffects {
  pushes: StagedPush[];
  timers: ConversationsTable[];
}

export const noEffects = (): ChatEffects => ({ pushes: [], timers: [] });

/**
 * Conversations: the kickoff, alternating turns, turn deadlines, raised hands
 * and the end. Every change is one writer job that checks the row it reads
 * (whose turn, how many taken) and stages its pushes in the same transaction,
 * so a send racing a timeout or a hand raised is decided once, in order.
 */
export class ChatConversations {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly streams: Streams,
    private readonly deadlines: Deadlines,
  ) {}

  // ---- inside other jobs ----------------------------------------------------

  /** Starts the conversation of an accepted request: its kickoff turn goes to the requester, who speaks first. */
  async startWithin(tx: Sql, req: ChatRequestsTable, conversationId: string, policy: EpisodePolicy, now: number, fx: ChatEffects): Promise<ConversationsTable> {
    const row: ConversationsTable = {
      conversation_id: conversationId,
      request_id: req.request_id,
      world_id: req.world_id,
      requester_id: req.from_id,
      target_id: req.to_id,
      pair_key: req.pair_key,
      opening_message: req.opening_message,
      ...policy,
      status: 'active',
      turns_taken: 0,
      next_turn: req.from_id,
      turn_deadline: now + policy.turn_timeout_ms,
      requester_hand: 0,
      target_hand: 0,
      ended_reason: null,
      ended_at: null,
      requester_rating: null,
      target_rating: null,
      created_at: now,
    };
    await tx.run(this.db.insertInto('conversations').values(row).compile());
    const kickoff: ConversationTurnsTable = {
      conversation_id: row.conversation_id,
      turn: 0,
      kind: 'kickoff',
      from_id: null,
      text: req.opening_message,
      client_message_id: null,
      at: now,
    };
    await tx.run(this.db.insertInto('conversation_turns').values(kickoff).compile());
    const conversation = await this.wire(tx, row);
    fx.pushes.push(await this.streams.stage(tx, agentStream(row.requester_id), 'conversation.turn', { conversation, turn: toTurn(kickoff) }));
    fx.timers.push(row);
    return row;
  }

  /** Ends every active conversation of a world (paused), or of one of its members (banned), in the caller's transaction. */
  async endInWorldWithin(tx: Sql, worldId: string, agentId: string | null, reason: ConversationEndReason, now: number, fx: ChatEffects): Promise<void> {
    let q = this.db.selectFrom('conversations').selectAll().where('world_id', '=', worldId).where('status', '=', 'active');
    if (agentId !== null) q = q.where((eb) => eb.or([eb('requester_id', '=', agentId), eb('target_id', '=', agentId)]));
    for (const row of await tx.all(q.compile())) await this.endWithin(tx, row, reason, now, fx);
  }

  // ---- actions ------------------------------------------------------------

  async send(me: string, p: ParsedParamsOf<'chat/send'>): Promise<ResultOf<'chat/send'>> {
    const out = await this.writer.run(
      async (tx) => {
        const fx = noEffects();
        const row = await this.participantRow(tx, me, p.conversation_id);
        // A resend is answered from the first send, even after the conversation moved on or ended.
        const sent = await tx.get(turnByClientId(this.db, p.conversation_id, me, p.client_message_id));
        if (sent) return { fx, result: await respond(tx, { conversation: await this.wire(tx, row), turn: toTurn(sent), duplicate: true }) };
        if (row.status !== 'active') throw conflict(`the conversation has ended (${row.ended_reason ?? 'ended'})`);
        const peer = peerOf(row, me);
        if (row.next_turn !== me) throw conflict(`it is not your turn: waiting for ${peer} to answer`);
        const now = Date.now();
        const turn: ConversationTurnsTable = {
          conversation_id: row.conversation_id,
          turn: Number(row.turns_taken) + 1,
          kind: 'message',
          from_id: me,
          text: p.text,
          client_message_id: p.client_message_id,
          at: now,
        };
        await tx.run(this.db.insertInto('conversation_turns').values(turn).compile());
        let conversation: ChatConversation | undefined;
        await this.passTurn(tx, row, peer, now, fx, async (after) => {
          conversation = await this.wire(tx, after);
          fx.pushes.push(await this.streams.stage(tx, agentStream(peer), 'conversation.turn', { conversation, turn: toTurn(turn) }));
        });
        return { fx, result: await respond(tx, { conversation: conversation!, turn: toTurn(turn), duplicate: false }) };
      },
      (r) => this.apply(r.fx),
    );
    return out.result;
  }

  async end(me: string, conversationId: string): Promise<ResultOf<'chat/end'>> {
    const out = await this.writer.run(
      async (tx) => {
        const fx = noEffects();
        const conversation = await this.raiseHandWithin(tx, me, conversationId, fx);
        return { fx, result: await respond(tx, { conversation }) };
      },
      (r) => this.apply(r.fx),
    );
    return out.result;
  }

  /** The caller's hand goes up; the conversation ends when the hands meet its end mode. */
  private async raiseHandWithin(tx: Sql, me: string, conversationId: string, fx: ChatEffects): Promise<ChatConversation> {
    const row = await this.participantRow(tx, me, conversationId);
    const mine = row.requester_id === me ? 'requester_hand' : 'target_hand';
    // Ended already, or this hand is up already: nothing changes, and nobody is told twice.
    if (row.status !== 'active' || Number(row[mine]) === 1) return this.wire(tx, row);
    await tx.run(this.db.updateTable('conversations').set({ [mine]: 1 }).where('conversation_id', '=', conversationId).compile());
    const raised = { ...row, [mine]: 1 };
    if (handsMet(raised)) return this.wire(tx, await this.endWithin(tx, raised, 'hands_raised', Date.now(), fx));
    const wire = await this.wire(tx, raised);
    fx.pushes.push(await this.streams.stage(tx, agentStream(peerOf(row, me)), 'conversation.hand_raised', { conversation: wire, by: me }));
    return wire;
  }

  /** The transcript a page at a time: up to 201 turns of up to 8,000 characters is more than a frame holds. */
  async get(me: string, p: ParsedParamsOf<'chat/get'>): Promise<ResultOf<'chat/get'>> {
    const row = await this.participantRow(this.read, me, p.conversation_id);
    const page = await boundedPage(
      (last: ConversationTurnsTable | undefined, n) => {
        let q = this.db.selectFrom('conversation_turns').selectAll().where('conversation_id', '=', p.conversation_id);
        const after = last ? Number(last.turn) : p.after;
        if (after !== undefined) q = q.where('turn', '>', after);
        return q.orderBy('turn').limit(n).execute();
      },
      (rows) => rows.map(toTurn),
      { limit: Number.MAX_SAFE_INTEGER, maxBytes: MAX_PAGE_BYTES },
    );
    return { conversation: await this.wire(this.read, row), turns: page.items, has_more: page.more };
  }

  async list(me: string, p: ParsedParamsOf<'chat/conversations'>): Promise<ResultOf<'chat/conversations'>> {
    let q = this.db
      .selectFrom('conversations')
      .selectAll()
      .where((eb) => eb.or([eb('requester_id', '=', me), eb('target_id', '=', me)]));
    if (p.status) q = q.where('status', '=', p.status);
    const { page, next_cursor } = await newestFirst(q, 'conversation_id', p.limit, p.cursor);
    const conversations: ChatConversation[] = [];
    for (const r of page) conversations.push(await this.wire(this.read, r));
    return { conversations, next_cursor };
  }

  async rate(me: string, p: ParsedParamsOf<'chat/rate'>): Promise<ResultOf<'chat/rate'>> {
    return this.writer.run(async (tx) => {
      const row = await this.participantRow(tx, me, p.conversation_id);
      const mine = row.requester_id === me ? 'requester_rating' : 'target_rating';
      await tx.run(this.db.updateTable('conversations').set({ [mine]: p.rating }).where('conversation_id', '=', p.conversation_id).compile());
      return await respond(tx, { conversation: await this.wire(tx, { ...row, [mine]: p.rating }) });
    });
  }

  // ---- deadlines ------------------------------------------------------------

  /** Re-arms the turn deadline of every active conversation (hub start); those already past are handled at once. */
  async start(): Promise<void> {
    const rows = await this.db.selectFrom('conversations').selectAll().where('status', '=', 'active').execute();
    for (const row of rows) this.arm(row);
  }

  /**
   * Several hubs: turn deadlines that passed before `cutoff` and are still
   * unhandled (the hub that armed them died) are handled now, a page at a
   * time. Run by the hub holding the timer lease; a deadline its own hub
   * also handled changes nothing twice (timeout() checks the turn).
   */
  async sweep(cutoff: number): Promise<number> {
    const rows = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('status', '=', 'active')
      .where('turn_deadline', '<=', cutoff)
      .orderBy('turn_deadline')
      .limit(OVERDUE_PAGE)
      .execute();
    for (const row of rows) {
      if (row.next_turn === null) continue;
      await this.timeout(row.conversation_id, { turns: Number(row.turns_taken), side: row.next_turn });
    }
    return rows.length;
  }

  private arm(row: ConversationsTable): void {
    const key = `turn:${row.conversation_id}`;
    if (row.status !== 'active' || row.turn_deadline === null || row.next_turn === null) return this.deadlines.disarm(key);
    const expected = { turns: Number(row.turns_taken), side: row.next_turn };
    // Fires later, on its own: not part of the request whose turn armed it.
    this.deadlines.arm(key, Number(row.turn_deadline), () => detached(() => this.timeout(row.conversation_id, expected)));
  }

  /** The side on turn let it pass: it loses the turn, or the episode ends, as the policy says. */
  private async timeout(conversationId: string, expected: { turns: number; side: string }): Promise<void> {
    await this.writer.run(
      async (tx) => {
        const fx = noEffects();
        const row = await tx.get(conversationQuery(this.db, conversationId));
        // Moved on since the timer was armed (a send, an end, another timeout): nothing to do.
        if (!row || row.status !== 'active' || Number(row.turns_taken) !== expected.turns || row.next_turn !== expected.side) return fx;
        // Same turn, so the same deadline the timer was armed for, and Deadlines never fires before it.
        const now = Date.now();
        if (row.timeout_behavior === 'end') {
          await this.endWithin(tx, row, 'turn_timeout', now, fx);
          return fx;
        }
        const skipped: ConversationTurnsTable = {
          conversation_id: conversationId,
          turn: Number(row.turns_taken) + 1,
          kind: 'skipped',
          from_id: expected.side,
          text: '',
          client_message_id: null,
          at: now,
        };
        await tx.run(this.db.insertInto('conversation_turns').values(skipped).compile());
        const peer = peerOf(row, expected.side);
        await this.passTurn(tx, row, peer, now, fx, async (after) => {
          const data = { conversation: await this.wire(tx, after), turn: toTurn(skipped) };
          // Both hear of it: the side that lost its turn must not answer now, the other speaks again.
          for (const side of [peer, expected.side]) fx.pushes.push(await this.streams.stage(tx, agentStream(side), 'conversation.turn', data));
        });
        return fx;
      },
      (fx) => this.apply(fx),
    );
  }

  // ---- shared steps -----------------------------------------------------------

  /**
   * One turn taken: the turn passes to `next`, or the episode ends when the
   * turns have run out. `announce` stages the turn's own pushes with the
   * state after it, before any conversation.ended: readers see the last turn, then the end.
   */
  private async passTurn(
    tx: Sql,
    row: ConversationsTable,
    next: string,
    now: number,
    fx: ChatEffects,
    announce: (after: ConversationsTable) => Promise<void>,
  ): Promise<ConversationsTable> {
    const turns = Number(row.turns_taken) + 1;
    if (turns >= Number(row.max_turns)) return this.endWithin(tx, { ...row, turns_taken: turns }, 'max_turns', now, fx, announce);
    const after: ConversationsTable = { ...row, turns_taken: turns, next_turn: next, turn_deadline: now + Number(row.turn_timeout_ms) };
    await tx.run(
      this.db
        .updateTable('conversations')
        .set({ turns_taken: turns, next_turn: next, turn_deadline: after.turn_deadline })
        .where('conversation_id', '=', row.conversation_id)
        .compile(),
    );
    await announce(after);
    fx.timers.push(after);
    return after;
  }

  private async endWithin(
    tx: Sql,
    row: ConversationsTable,
    reason: ConversationEndReason,
    now: number,
    fx: ChatEffects,
    announce?: (ended: ConversationsTable) => Promise<void>,
  ): Promise<ConversationsTable> {
    const ended: ConversationsTable = { ...row, status: 'ended', next_turn: null, turn_deadline: null, ended_reason: reason, ended_at: now };
    await tx.run(
      this.db
        .updateTable('conversations')
        .set({ status: 'ended', turns_taken: ended.turns_taken, next_turn: null, turn_deadline: null, ended_reason: reason, ended_at: now })
        .where('conversation_id', '=', row.conversation_id)
        .compile(),
    );
    await announce?.(ended);
    const data = { conversation: await this.wire(tx, ended), reason };
    for (const side of [row.requester_id, row.target_id]) fx.pushes.push(await this.streams.stage(tx, agentStream(side), 'conversation.ended', data));
    fx.timers.push(ended);
    return ended;
  }

  /** A conversation of the caller; anyone else's does not exist for it. */
  private async participantRow(tx: Sql, me: string, conversationId: string): Promise<ConversationsTable> {
    const row = await tx.get(conversationQuery(this.db, conversationId));
    if (!row || (row.requester_id !== me && row.target_id !== me)) throw notFound('conversation');
    return row;
  }

  async wire(tx: Sql, row: ConversationsTable): Promise<ChatConversation> {
    return toConversation(row, await namesWithin(this.db, tx, row.requester_id, row.target_id));
  }

  /** After the commit: pushes out, timers moved to the committed state. */
  apply(fx: ChatEffects): void {
    this.streams.fanOut(fx.pushes);
    for (const row of fx.timers) this.arm(row);
  }
}

/** Whether the raised hands meet the end mode: either side, the requester alone (single), or both (dual). */
function handsMet(r: ConversationsTable): boolean {
  const requester = Number(r.requester_hand) === 1;
  const target = Number(r.target_hand) === 1;
  if (r.end_mode === 'either') return requester || target;
  if (r.end_mode === 'single') return requester;
  return requester && target;
}
