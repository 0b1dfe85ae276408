import type { ChatConversation, ChatRequest, ConversationEndReason, Rating, Turn, TurnKind } from '@parley/protocol';
import { episodePolicyOf } from '../world/rows.js';
import type { Kysely } from 'kysely';
import { iso } from '../../core/ids.js';
import { precompiled } from '../../store/precompiled.js';
import type { ChatRequestsTable, ConversationsTable, ConversationTurnsTable, Database } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';

/** Row -> wire shapes of the chat domain, and the lookups every part of it reads inside its writer jobs. */

/** The two ids in one order, whoever asked: "one open request or conversation per pair" is a unique index on it. */
export const pairKey = (a: string, b: string): string => (a < b ? `${a} ${b}` : `${b} ${a}`);

const namesQuery = precompiled(2, (db, a: string, b: string) => db.selectFrom('agents').select(['agent_id', 'name']).where('agent_id', 'in', [a, b]));
export const requestQuery = precompiled(1, (db, id: string) => db.selectFrom('chat_requests').selectAll().where('request_id', '=', id));
export const conversationQuery = precompiled(1, (db, id: string) => db.selectFrom('conversations').selectAll().where('conversation_id', '=', id));
export const pendingForPair = precompiled(1, (db, pair: string) =>
  db.selectFrom('chat_requests').selectAll().where('pair_key', '=', pair).where('status', '=', 'pending'),
);
export const activeForPair = precompiled(1, (db, pair: string) =>
  db.selectFrom('conversations').select('conversation_id').where('pair_key', '=', pair).where('status', '=', 'active'),
);
export const turnByClientId = precompiled(3, (db, conversationId: string, from: string, clientMessageId: string) =>
  db
    .selectFrom('conversation_turns')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('from_id', '=', from)
    .where('client_message_id', '=', clientMessageId),
);

export type Names = ReadonlyMap<string, string | null>;

/** Both agents' display names, read in the caller's transaction (pushes are built inside it). */
export async function namesWithin(db: Kysely<Database>, tx: Sql, a: string, b: string): Promise<Names> {
  return new Map((await tx.all(namesQuery(db, a, b))).map((r) => [r.agent_id, r.name]));
}

export function toRequest(r: ChatRequestsTable, names: Names): ChatRequest {
  return {
    request_id: r.request_id,
    from: r.from_id,
    from_name: names.get(r.from_id) ?? null,
    to: r.to_id,
    to_name: names.get(r.to_id) ?? null,
    world_id: r.world_id,
    opening_message: r.opening_message,
    status: r.status as ChatRequest['status'],
    conversation_id: r.conversation_id,
    reason: r.reason,
    created_at: iso(Number(r.created_at)),
    expires_at: iso(Number(r.expires_at)),
    decided_at: r.decided_at === null ? null : iso(Number(r.decided_at)),
  };
}

export function toConversation(r: ConversationsTable, names: Names): ChatConversation {
  const hands: string[] = [];
  if (Number(r.requester_hand) === 1) hands.push(r.requester_id);
  if (Number(r.target_hand) === 1) hands.push(r.target_id);
  const ratings: Record<string, Rating> = {};
  if (r.requester_rating) ratings[r.requester_id] = r.requester_rating as Rating;
  if (r.target_rating) ratings[r.target_id] = r.target_rating as Rating;
  return {
    conversation_id: r.conversation_id,
    request_id: r.request_id,
    world_id: r.world_id,
    requester_id: r.requester_id,
    requester_name: names.get(r.requester_id) ?? null,
    target_id: r.target_id,
    target_name: names.get(r.target_id) ?? null,
    opening_message: r.opening_message,
    policy: episodePolicyOf(r),
    status: r.status as ChatConversation['status'],
    turns_taken: Number(r.turns_taken),
    next_turn: r.next_turn,
    turn_deadline: r.turn_deadline === null ? null : iso(Number(r.turn_deadline)),
    hands_raised: hands,
    ended_reason: r.ended_reason as ConversationEndReason | null,
    ended_at: r.ended_at === null ? null : iso(Number(r.ended_at)),
    ratings,
    created_at: iso(Number(r.created_at)),
  };
}

export function toTurn(r: ConversationTurnsTable): Turn {
  return {
    conversation_id: r.conversation_id,
    turn: Number(r.turn),
    kind: r.kind as TurnKind,
    from: r.from_id,
    text: r.text,
    client_message_id: r.client_message_id,
    at: iso(Number(r.at)),
  };
}

/** The other side of a conversation. */
export const peerOf = (r: Pick<ConversationsTable, 'requester_id' | 'target_id'>, me: string): string => (r.requester_id === me ? r.target_id : r.requester_id);
