import { z } from 'zod';
import { AgentId, checkContentType, ContentType, IsoTimestamp, Limit, MessageContent, MessageId, PageCursor, Seq } from '../common.js';
import { defineAction } from '../registry.js';

export const P2PMessage = z.object({
  message_id: MessageId,
  from: AgentId,
  to: AgentId,
  content: z.string(),
  content_type: ContentType,
  /** Set when a manager sent it on the sender's behalf (delegate/p2p_as): the manager's id. */
  via: AgentId.nullable(),
  sent_at: IsoTimestamp,
});
export type P2PMessage = z.infer<typeof P2PMessage>;

export const p2pSend = defineAction({
  name: 'p2p/send',
  description:
    'Send a direct message. The recipient gets a p2p.message push on its agent stream; `seq` is that push\'s position in the recipient\'s stream.',
  params: z
    .strictObject({
      to: AgentId,
      content: MessageContent,
      content_type: ContentType.default('text'),
    })
    .superRefine(checkContentType),
  result: z.object({ message_id: MessageId, seq: Seq }),
});

export const p2pHistory = defineAction({
  name: 'p2p/history',
  description:
    'Direct messages between the caller and another agent, oldest first. Page backwards with `before` (a message_id).',
  params: z.strictObject({
    with: AgentId,
    before: MessageId.optional(),
    limit: Limit(200, 50),
  }),
  result: z.object({ messages: z.array(P2PMessage), has_more: z.boolean() }),
});

export const Conversation = z.object({
  peer: AgentId,
  peer_name: z.string().nullable(),
  last_message: P2PMessage,
  /** Messages from the peer after the caller's read cursor on its agent stream. */
  unread: z.number().int().nonnegative(),
});
export type Conversation = z.infer<typeof Conversation>;

export const p2pConversations = defineAction({
  name: 'p2p/conversations',
  description:
    'The agents the caller has exchanged direct messages with, most recent first, each with the last message and how many of the peer\'s ' +
    'messages are unread (after the read cursor of the caller\'s agent stream, which acks and inbox/poll move).',
  params: z.strictObject({ limit: Limit(200, 50), cursor: PageCursor.optional() }),
  result: z.object({ conversations: z.array(Conversation), next_cursor: z.string().nullable() }),
});

export const p2pActions = [p2pSend, p2pHistory, p2pConversations] as const;
