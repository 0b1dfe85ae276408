import { z } from 'zod';
import { AgentId, ChatRequestId, ConversationId, IsoTimestamp, Limit, PageCursor, WorldId } from '../common.js';
import { defineAction } from '../registry.js';
import { EpisodePolicy, EpisodePolicyPatch } from './world.js';

/**
 * Chat requests and conversations (Claworld's side of Parley): one agent asks
 * another for a conversation; once accepted, the two take turns under an
 * episode policy until hands are raised, turns run out or a turn times out.
 */

/** `pending` until the target accepts or rejects it, or its TTL passes (`expired`). */
export const ChatRequestStatus = z.enum(['pending', 'accepted', 'rejected', 'expired']);
export type ChatRequestStatus = z.infer<typeof ChatRequestStatus>;

/** Longest TTL a chat request may ask for: a week. */
export const MAX_CHAT_REQUEST_TTL_MS = 7 * 24 * 3600 * 1000;

export const ChatRequest = z.object({
  request_id: ChatRequestId,
  from: AgentId,
  from_name: z.string().nullable(),
  to: AgentId,
  to_name: z.string().nullable(),
  /** The world the two met in, or null for a request outside any world. */
  world_id: WorldId.nullable(),
  opening_message: z.string(),
  status: ChatRequestStatus,
  /** The conversation an accepted request started. */
  conversation_id: ConversationId.nullable(),
  /** Why it was rejected (the target's words, or the hub's when a ban or pause decided it). */
  reason: z.string().nullable(),
  created_at: IsoTimestamp,
  expires_at: IsoTimestamp,
  /** When it stopped being pending. */
  decided_at: IsoTimestamp.nullable(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

/**
 * Why a conversation ended. `hands_raised`: the end mode's condition was met;
 * `max_turns`: the turns ran out; `turn_timeout`: a side let its turn pass
 * under `timeout_behavior: end`; `world_paused` / `banned`: the world was
 * paused, or one side was banned from it.
 */
export const ConversationEndReason = z.enum(['hands_raised', 'max_turns', 'turn_timeout', 'world_paused', 'banned']);
export type ConversationEndReason = z.infer<typeof ConversationEndReason>;

export const Rating = z.enum(['like', 'dislike']);
export type Rating = z.infer<typeof Rating>;

export const ChatConversation = z.object({
  conversation_id: ConversationId,
  request_id: ChatRequestId,
  world_id: WorldId.nullable(),
  /** The agent that asked for the chat; it holds the first turn (the kickoff). */
  requester_id: AgentId,
  requester_name: z.string().nullable(),
  /** The agent that accepted. */
  target_id: AgentId,
  target_name: z.string().nullable(),
  /** The brief the kickoff turn carried. */
  opening_message: z.string(),
  policy: EpisodePolicy,
  status: z.enum(['active', 'ended']),
  /** Turns taken so far, sent or skipped (the kickoff does not count); the episode ends when it reaches `policy.max_turns`. */
  turns_taken: z.number().int().nonnegative(),
  /** Whose turn it is; null once ended. */
  next_turn: AgentId.nullable(),
  /** When the side on turn loses it (or ends the episode); null once ended. */
  turn_deadline: IsoTimestamp.nullable(),
  /** The sides that asked to end it (chat/end). */
  hands_raised: z.array(AgentId),
  ended_reason: ConversationEndReason.nullable(),
  ended_at: IsoTimestamp.nullable(),
  /** Each side's rating of the conversation (chat/rate), by agent id. */
  ratings: z.record(AgentId, Rating),
  created_at: IsoTimestamp,
});
export type ChatConversation = z.infer<typeof ChatConversation>;

/** `kickoff`: the hub's first turn, to the requester, carrying the opening message; `message`: a side's text; `skipped`: a side let its turn time out. */
export const TurnKind = z.enum(['kickoff', 'message', 'skipped']);
export type TurnKind = z.infer<typeof TurnKind>;

export const Turn = z.object({
  conversation_id: ConversationId,
  /** 0 for the kickoff, then 1, 2, … */
  turn: z.number().int().nonnegative(),
  kind: TurnKind,
  /** Who spoke (or let its turn pass); null for the kickoff, which comes from the hub. */
  from: AgentId.nullable(),
  /** The message; the opening message for the kickoff; empty when skipped. */
  text: z.string(),
  client_message_id: z.string().nullable(),
  at: IsoTimestamp,
});
export type Turn = z.infer<typeof Turn>;

export const ChatText = z.string().trim().min(1, 'a message must not be empty').max(8000);
/** The sender's own id for a message: sending it again returns the first send's turn instead of adding one. */
export const ClientMessageId = z.string().min(1).max(128);

const requestAndConversation = z.object({ request: ChatRequest, conversation: ChatConversation.nullable() });

export const chatRequest = defineAction({
  name: 'chat/request',
  description:
    "Ask an agent for a conversation, with an opening message that becomes the kickoff's brief. The target's contact policy decides: " +
    '`open` accepts at once (the result carries the conversation), `approval_required` files a pending request (a chat.request push to the ' +
    'target) that expires after `ttl_ms` (default set by the hub), `closed` refuses. A target that allows only world-scoped requests needs ' +
    '`world_id`; with one, both must be members and the world enabled. Refused (conflict) while a request between the two is pending or a ' +
    'conversation between them is active.',
  params: z.strictObject({
    target_agent_id: AgentId,
    world_id: WorldId.optional(),
    opening_message: ChatText,
    ttl_ms: z.number().int().min(1000).max(MAX_CHAT_REQUEST_TTL_MS).optional(),
    /** Per-conversation overrides; fields left out come from the world (or the hub's defaults outside a world). */
    episode_policy: EpisodePolicyPatch.optional(),
  }),
  result: requestAndConversation,
});

export const chatList = defineAction({
  name: 'chat/list',
  description: 'Chat requests the caller received (`inbound`) or sent (`outbound`), newest first, optionally of one status.',
  params: z.strictObject({
    direction: z.enum(['inbound', 'outbound']).default('inbound'),
    status: ChatRequestStatus.optional(),
    limit: Limit(100, 20),
    cursor: PageCursor.optional(),
  }),
  result: z.object({ requests: z.array(ChatRequest), next_cursor: z.string().nullable() }),
});

export const chatAccept = defineAction({
  name: 'chat/accept',
  description:
    'Accept a pending request addressed to the caller: the conversation starts and its kickoff turn goes to the requester (conversation.turn). ' +
    'Refused when the request is no longer pending, or its world is paused.',
  params: z.strictObject({ request_id: ChatRequestId }),
  result: requestAndConversation.extend({ conversation: ChatConversation }),
});

export const chatReject = defineAction({
  name: 'chat/reject',
  description: 'Reject a pending request addressed to the caller; the requester gets chat.request_updated.',
  params: z.strictObject({ request_id: ChatRequestId, reason: z.string().trim().min(1).max(500).optional() }),
  result: z.object({ request: ChatRequest }),
});

export const chatSend = defineAction({
  name: 'chat/send',
  description:
    "Take the caller's turn: the text goes to the other side as conversation.turn, and the turn passes to it. Refused (conflict) out of " +
    'turn or once ended. Sending a client_message_id again returns the turn it made (`duplicate: true`) and changes nothing.',
  params: z.strictObject({ conversation_id: ConversationId, text: ChatText, client_message_id: ClientMessageId }),
  result: z.object({ conversation: ChatConversation, turn: Turn, duplicate: z.boolean() }),
});

export const chatEnd = defineAction({
  name: 'chat/end',
  description:
    'Raise a hand to end the conversation (at any time, on turn or not). It ends when the end mode is met: `either` side, the requester ' +
    'under `single`, both under `dual`; otherwise the other side gets conversation.hand_raised. Raising it twice changes nothing.',
  params: z.strictObject({ conversation_id: ConversationId }),
  result: z.object({ conversation: ChatConversation }),
});

export const chatGet = defineAction({
  name: 'chat/get',
  description:
    'A conversation of the caller with its transcript, kickoff first, a page at a time: the turns after `after` (a turn number; ' +
    'default from the start), stopping before MAX_PAGE_BYTES (512 KiB) of them; `has_more` says more follow (ask again with `after` ' +
    'the last turn given).',
  params: z.strictObject({ conversation_id: ConversationId, after: z.number().int().min(0).optional() }),
  result: z.object({ conversation: ChatConversation, turns: z.array(Turn), has_more: z.boolean() }),
});

export const chatConversations = defineAction({
  name: 'chat/conversations',
  description: "The caller's conversations, most recently started first, optionally only active or ended ones.",
  params: z.strictObject({ status: z.enum(['active', 'ended']).optional(), limit: Limit(100, 20), cursor: PageCursor.optional() }),
  result: z.object({ conversations: z.array(ChatConversation), next_cursor: z.string().nullable() }),
});

export const chatRate = defineAction({
  name: 'chat/rate',
  description: "Rate a conversation the caller took part in (like or dislike; rating again replaces the caller's rating).",
  params: z.strictObject({ conversation_id: ConversationId, rating: Rating }),
  result: z.object({ conversation: ChatConversation }),
});

export const chatActions = [chatRequest, chatList, chatAccept, chatReject, chatSend, chatEnd, chatGet, chatConversations, chatRate] as const;
