import {
  agentStream,
  DEFAULT_EPISODE_POLICY,
  type ChatRequest,
  type ChatRequestStatus,
  type ContactPolicy,
  type EpisodePolicy,
  type ParsedParamsOf,
  type ResultOf,
} from '@parley/protocol';
import type { Kysely } from 'kysely';
import { OVERDUE_PAGE, type Deadlines } from '../../core/deadlines.js';
import { newestFirst } from '../../core/paging.js';
import { conflict, forbidden, notFound } from '../../core/errors.js';
import { iso, newChatRequestId, newConversationId } from '../../core/ids.js';
import type { Streams } from '../../core/streams.js';
import { detached, respond } from '../../core/unit.js';
import type { ChatRequestsTable, ConversationsTable, Database, WorldsTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { noEffects, type ChatConversations, type ChatEffects } from './conversations.js';
import { activeForPair, namesWithin, pairKey, pendingForPair, requestQuery, toRequest } from './rows.js';

/** What chat needs from the agent domain. */
export interface ChatAgents {
  /** Null when the agent does not exist; `tx` to read inside a writer job. */
  contactRulesOf(agentId: string, tx?: Sql): Promise<{ policy: ContactPolicy; worldRequestsOnly: boolean } | null>;
}

type ContactRules = NonNullable<Awaited<ReturnType<ChatAgents['contactRulesOf']>>>;

/** The target's contact rules refuse this request: closed, or world-scoped only and no world named. */
function assertTakesRequest(rules: ContactRules, target: string, worldId: string | undefined): void {
  if (rules.policy === 'closed') throw forbidden(`${target} takes no chat requests (contact policy closed)`);
  if (rules.worldRequestsOnly && worldId === undefined) throw forbidden(`${target} takes chat requests only inside a world you both belong to: give world_id`);
}

/** What chat needs from the world domain, readable inside a writer job. */
export interface ChatWorlds {
  /** The world row when `me` may see it, else not_found. */
  visible(me: string, worldId: string): Promise<{ row: WorldsTable }>;
  roleOf(worldId: string, agentId: string, tx?: Sql): Promise<string | null>;
  isBanned(worldId: string, agentId: string, tx?: Sql): Promise<boolean>;
  statusOf(worldId: string, tx: Sql): Promise<string | null>;
  episodePolicyOf(row: WorldsTable): EpisodePolicy;
}

/**
 * Chat requests: asking (under the target's contact policy), accepting,
 * rejecting and expiring. Accepting hands over to ChatConversations in the
 * same transaction, so a request is never accepted without its conversation.
 */
export class ChatRequests {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly streams: Streams,
    private readonly deadlines: Deadlines,
    private readonly conversations: ChatConversations,
    private readonly agents: ChatAgents,
    private readonly worlds: ChatWorlds,
    /** TTL of a request that does not name its own. */
    private readonly defaultTtlMs: number,
  ) {}

  async request(me: string, p: ParsedParamsOf<'chat/request'>): Promise<ResultOf<'chat/request'>> {
    const target = p.target_agent_id;
    if (target === me) throw conflict('you cannot ask yourself for a chat');
    const rules = await this.agents.contactRulesOf(target);
    if (!rules) throw notFound('agent');
    // Checked here first so the answer does not wait for the world lookup, and again inside the write.
    assertTakesRequest(rules, target, p.world_id);
    let policy: EpisodePolicy = DEFAULT_EPISODE_POLICY;
    if (p.world_id !== undefined) {
      const { row } = await this.worlds.visible(me, p.world_id);
      policy = this.worlds.episodePolicyOf(row);
    }
    policy = { ...policy, ...p.episode_policy };
    const now = Date.now();
    const ttl = p.ttl_ms ?? this.defaultTtlMs;

    const out = await this.writer.run(
      async (tx) => {
        const fx = noEffects();
        // Checked inside the write: a ban, a pause or a policy change that lands first wins.
        if (p.world_id !== undefined) await this.assertWorldOpen(tx, p.world_id, me, target);
        const current = (await this.agents.contactRulesOf(target, tx))!;
        assertTakesRequest(current, target, p.world_id);
        const pair = pairKey(me, target);
        const pending = await tx.get(pendingForPair(this.db, pair));
        if (pending) {
          throw conflict(
            pending.from_id === me
              ? `you already asked ${target} (${pending.request_id}, pending until ${iso(Number(pending.expires_at))})`
              : `${target} has already asked you: chat/accept ${pending.request_id}`,
          );
        }
        const active = await tx.get(activeForPair(this.db, pair));
        if (active) throw conflict(`you already have an active conversation with ${target}: ${active.conversation_id}`);
        const row: ChatRequestsTable = {
          request_id: newChatRequestId(),
          from_id: me,
          to_id: target,
          pair_key: pair,
          world_id: p.world_id ?? null,
          opening_message: p.opening_message,
          policy: JSON.stringify(policy),
          status: 'pending',
          conversation_id: null,
          reason: null,
          created_at: now,
          expires_at: now + ttl,
          decided_at: null,
        };
        await tx.run(this.db.insertInto('chat_requests').values(row).compile());
        if (current.policy === 'open') {
          // An open agent takes every request: accepted on the spot, and the target hears of it as an accepted request.
          const { request, conversation } = await this.acceptWithin(tx, row, now, fx);
          const wire = await this.wire(tx, request);
          fx.pushes.push(await this.streams.stage(tx, agentStream(target), 'chat.request', wire));
          return { fx, result: await respond(tx, { request: wire, conversation: await this.conversations.wire(tx, conversation) }) };
        }
        const wire = await this.wire(tx, row);
        fx.pushes.push(await this.streams.stage(tx, agentStream(target), 'chat.request', wire));
        return { fx, result: await respond(tx, { request: wire, conversation: null }), expiry: row };
      },
      (r) => this.apply(r.fx, 'expiry' in r ? r.expiry : undefined),
    );
    return out.result;
  }

  async accept(me: string, requestId: string): Promise<ResultOf<'chat/accept'>> {
    const out = await this.writer.run(
      async (tx) => {
        const fx = noEffects();
        const row = await this.addressedTo(tx, me, requestId, 'accept');
        const now = Date.now();
        if (row.world_id !== null) await this.assertWorldOpen(tx, row.world_id, row.from_id, me);
        const active = await tx.get(activeForPair(this.db, row.pair_key));
        if (active) throw conflict(`you already have an active conversation with ${row.from_id}: ${active.conversation_id}`);
        const { request, conversation } = await this.acceptWithin(tx, row, now, fx);
        return { fx, result: await respond(tx, { request: await this.wire(tx, request), conversation: await this.conversations.wire(tx, conversation) }) };
      },
      (r) => this.apply(r.fx),
    );
    return out.result;
  }

  async reject(me: string, p: ParsedParamsOf<'chat/reject'>): Promise<ResultOf<'chat/reject'>> {
    const out = await this.writer.run(
      async (tx) => {
        const fx = noEffects();
        const row = await this.addressedTo(tx, me, p.request_id, 'reject');
        const decided = await this.decideWithin(tx, row, 'rejected', p.reason ?? null, Date.now(), fx, [row.from_id]);
        return { fx, result: await respond(tx, { request: await this.wire(tx, decided) }) };
      },
      (r) => this.apply(r.fx),
    );
    return out.result;
  }

  async list(me: string, p: ParsedParamsOf<'chat/list'>): Promise<ResultOf<'chat/list'>> {
    let q = this.db
      .selectFrom('chat_requests')
      .selectAll()
      .where(p.direction === 'inbound' ? 'to_id' : 'from_id', '=', me);
    if (p.status) q = q.where('status', '=', p.status);
    const { page, next_cursor } = await newestFirst(q, 'request_id', p.limit, p.cursor);
    const requests: ChatRequest[] = [];
    for (const r of page) requests.push(await this.wire(this.read, r));
    return { requests, next_cursor };
  }

  /** A world member was banned: its pending requests in that world are rejected, in the ban's transaction. */
  async rejectInWorldWithin(tx: Sql, worldId: string, agentId: string, now: number, fx: ChatEffects): Promise<void> {
    const rows = await tx.all(
      this.db
        .selectFrom('chat_requests')
        .selectAll()
        .where('world_id', '=', worldId)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('from_id', '=', agentId), eb('to_id', '=', agentId)]))
        .compile(),
    );
    for (const row of rows) await this.decideWithin(tx, row, 'rejected', `${agentId} was banned from the world`, now, fx, [row.from_id, row.to_id]);
  }

  /** Re-arms the expiry of every pending request (hub start); those already past expire at once. */
  async start(): Promise<void> {
    const rows = await this.db.selectFrom('chat_requests').selectAll().where('status', '=', 'pending').execute();
    for (const row of rows) this.armExpiry(row);
  }

  // ---- steps ------------------------------------------------------------------

  private async acceptWithin(
    tx: Sql,
    row: ChatRequestsTable,
    now: number,
    fx: ChatEffects,
  ): Promise<{ request: ChatRequestsTable; conversation: ConversationsTable }> {
    const conversationId = newConversationId();
    // Staged first: on the requester's stream, "accepted" comes before its kickoff turn.
    const request = await this.decideWithin(tx, { ...row, conversation_id: conversationId }, 'accepted', null, now, fx, [row.from_id]);
    const conversation = await this.conversations.startWithin(tx, row, conversationId, JSON.parse(row.policy) as EpisodePolicy, now, fx);
    return { request, conversation };
  }

  /** pending -> accepted | rejected | expired, with a chat.request_updated to `tell`. */
  private async decideWithin(
    tx: Sql,
    row: ChatRequestsTable,
    status: Exclude<ChatRequestStatus, 'pending'>,
    reason: string | null,
    now: number,
    fx: ChatEffects,
    tell: readonly string[],
  ): Promise<ChatRequestsTable> {
    const decided: ChatRequestsTable = { ...row, status, reason, decided_at: now };
    const changed = await tx.run(
      this.db
        .updateTable('chat_requests')
        .set({ status, reason, decided_at: now, conversation_id: row.conversation_id })
        .where('request_id', '=', row.request_id)
        .where('status', '=', 'pending')
        .compile(),
    );
    if (changed === 0) throw conflict(`the chat request is no longer pending`);
    const data = await this.wire(tx, decided);
    for (const id of tell) fx.pushes.push(await this.streams.stage(tx, agentStream(id), 'chat.request_updated', data));
    return decided;
  }

  /** A pending request addressed to the caller; the requester is told who decides, anyone else that it does not exist. */
  private async addressedTo(tx: Sql, me: string, requestId: string, verb: string): Promise<ChatRequestsTable> {
    const row = await tx.get(requestQuery(this.db, requestId));
    if (!row || (row.to_id !== me && row.from_id !== me)) throw notFound('chat request');
    if (row.to_id !== me) throw forbidden(`only ${row.to_id}, the agent you asked, can ${verb} this request`);
    if (row.status !== 'pending') throw conflict(`the chat request is already ${row.status}`);
    if (Number(row.expires_at) <= Date.now()) throw conflict('the chat request has expired');
    return row;
  }

  /** A world-scoped request needs the world enabled and both agents its members. */
  private async assertWorldOpen(tx: Sql, worldId: string, from: string, to: string): Promise<void> {
    const status = await this.worlds.statusOf(worldId, tx);
    if (status === null) throw notFound('world');
    if (status === 'paused') throw conflict('the world is paused: no chat requests until it is resumed');
    for (const id of [from, to]) {
      if (await this.worlds.isBanned(worldId, id, tx)) throw forbidden(`${id} is banned from this world`);
      if (!(await this.worlds.roleOf(worldId, id, tx))) throw forbidden(`${id} is not a member of this world: join it first`);
    }
  }

  /** Several hubs: pending requests that expired before `cutoff` and are still pending (their hub died) expire now. */
  async sweep(cutoff: number): Promise<number> {
    const rows = await this.db
      .selectFrom('chat_requests')
      .select('request_id')
      .where('status', '=', 'pending')
      .where('expires_at', '<=', cutoff)
      .orderBy('expires_at')
      .limit(OVERDUE_PAGE)
      .execute();
    for (const row of rows) await this.expire(row.request_id);
    return rows.length;
  }

  private async expire(requestId: string): Promise<void> {
    await this.writer.run(
      async (tx) => {
        const fx = noEffects();
        const row = await tx.get(requestQuery(this.db, requestId));
        // Decided meanwhile: nothing to expire. (Deadlines never fires before expires_at, which never changes.)
        if (!row || row.status !== 'pending') return fx;
        await this.decideWithin(tx, row, 'expired', null, Date.now(), fx, [row.from_id, row.to_id]);
        return fx;
      },
      (fx) => this.apply(fx),
    );
  }

  private armExpiry(row: ChatRequestsTable): void {
    // Fires later, on its own: not part of the request that armed it.
    this.deadlines.arm(`request:${row.request_id}`, Number(row.expires_at), () => detached(() => this.expire(row.request_id)));
  }

  private apply(fx: ChatEffects, expiry?: ChatRequestsTable): void {
    this.conversations.apply(fx);
    if (expiry) this.armExpiry(expiry);
  }

  private async wire(tx: Sql, row: ChatRequestsTable): Promise<ChatRequest> {
    return toRequest(row, await namesWithin(this.db, tx, row.from_id, row.to_id));
  }
}
