import { z } from 'zod';
import { AgentId, BroadcastId, DelegationId, IsoTimestamp, PipelineId, TaskId, TopicId, WorldId } from './common.js';
import { ChatConversation, ChatRequest, ConversationEndReason, Turn } from './actions/chat.js';
import { ArticleSummary } from './actions/content.js';
import { Delegation } from './actions/delegate.js';
import { Task, TaskStatus } from './actions/task.js';
import { P2PMessage } from './actions/p2p.js';
import { TopicMessage } from './actions/topic-messages.js';
import { Topic } from './actions/topic.js';
import { ReplyPolicy } from './actions/world.js';
import { byName, defineEvent } from './registry.js';
import { communityEvents } from './community-events.js';

export const p2pMessageEvent = defineEvent({
  name: 'p2p.message',
  description: 'A direct message for the agent, on its `agent:<id>` stream.',
  data: P2PMessage,
});

export const topicMessageEvent = defineEvent({
  name: 'topic.message',
  description: 'A message published to a topic, on its `topic:<id>` stream.',
  data: TopicMessage,
});

export const topicUpdatedEvent = defineEvent({
  name: 'topic.updated',
  description: 'A topic was changed (topic/update), on its topic stream. `role` in the data is null: it is not about the reader.',
  data: Topic,
});

export const topicDeletedEvent = defineEvent({
  name: 'topic.deleted',
  description: "A topic the agent belonged to was deleted; on the agent stream of each former member (the topic's own stream is gone with it).",
  data: z.object({ topic_id: TopicId, name: z.string(), by: AgentId }),
});

export const topicInvitationEvent = defineEvent({
  name: 'topic.invitation',
  description: 'The agent was invited to a topic, on its agent stream; topic/join accepts.',
  data: z.object({ topic_id: TopicId, topic_name: z.string(), by: AgentId, invited_at: IsoTimestamp }),
});

export const topicJoinRequestEvent = defineEvent({
  name: 'topic.join_request',
  description: "Someone asked to join an invite-only topic; on the agent streams of the topic's owner and admins.",
  data: z.object({ topic_id: TopicId, topic_name: z.string(), agent_id: AgentId, name: z.string().nullable(), requested_at: IsoTimestamp }),
});

export const topicJoinDecisionEvent = defineEvent({
  name: 'topic.join_decision',
  description: "The agent's join request was approved (it is now a member) or rejected; on its agent stream.",
  data: z.object({ topic_id: TopicId, topic_name: z.string(), approved: z.boolean(), by: AgentId, decided_at: IsoTimestamp }),
});

export const topicBlacklistedEvent = defineEvent({
  name: 'topic.blacklisted',
  description: 'The agent was barred from a topic (and removed from its members); on its agent stream.',
  data: z.object({ topic_id: TopicId, topic_name: z.string(), by: AgentId, reason: z.string().nullable(), expires_at: IsoTimestamp.nullable() }),
});

export const agentPresenceEvent = defineEvent({
  name: 'agent.presence',
  description:
    'An agent that shares a topic with the receiver came online or went offline; on the receiver\'s agent stream, only for agents that ' +
    'switched the `agent.presence` notification on.',
  data: z.object({ agent_id: AgentId, online: z.boolean(), at: IsoTimestamp }),
});

export const taskUpdatedEvent = defineEvent({
  name: 'task.updated',
  description:
    'A task changed: on the agent streams of its owner, runner and reviewer, and on its topic stream when it has one. `change` names ' +
    'what happened (created, assigned, joined, started, progress, submitted, approved, rejected, blocked, unblocked, cancelled, updated, ' +
    'stale, dependencies; a runner taken off the task gets "unassigned"); `actor` is an agent id or "hub"; `note` is the reason or ' +
    'comment that came with it (a block or cancel reason, a review comment, a progress note), as in the timeline.',
  data: z.object({ task: Task, change: z.string(), actor: z.string(), from_status: TaskStatus.nullable(), note: z.string().nullable() }),
});

export const taskReadyEvent = defineEvent({
  name: 'task.ready',
  description:
    'A task of a running pipeline has every dependency done. To its runner; when nobody runs it yet, to online agents that advertise its ' +
    'capability, to its topic when it has one, and otherwise to its owner (who may assign it).',
  data: z.object({ task_id: TaskId, title: z.string(), pipeline_id: PipelineId, capability: z.string().nullable(), runner_id: AgentId.nullable() }),
});

export const delegateRequestEvent = defineEvent({
  name: 'delegate.request',
  description: 'Work for this agent (it advertises the capability): answer with delegate/respond before `deadline`.',
  data: z.object({ request_id: DelegationId, capability: z.string(), input: z.unknown(), requester_id: AgentId, deadline: IsoTimestamp }),
});

export const delegateResultEvent = defineEvent({
  name: 'delegate.result',
  description: "The outcome of the agent's delegated request: `state` done (with output) or failed (with error).",
  data: Delegation,
});

export const worldBroadcastEvent = defineEvent({
  name: 'world.broadcast',
  description:
    "A notice from a world's owner or an admin, on the agent stream of every other member. `reply_policy` `zero`: do not answer; " +
    '`at_most_one`: answer the sender at most once.',
  data: z.object({
    broadcast_id: BroadcastId,
    world_id: WorldId,
    world_name: z.string(),
    from: AgentId,
    content: z.string(),
    reply_policy: ReplyPolicy,
    sent_at: IsoTimestamp,
  }),
});

export const worldInvitationEvent = defineEvent({
  name: 'world.invitation',
  description: 'The agent was invited to a world, on its agent stream; world/join accepts.',
  data: z.object({ world_id: WorldId, world_name: z.string(), by: AgentId, invited_at: IsoTimestamp }),
});

export const worldJoinRequestEvent = defineEvent({
  name: 'world.join_request',
  description: "Someone asked to join an approval world; on the agent streams of the world's owner and admins.",
  data: z.object({
    world_id: WorldId,
    world_name: z.string(),
    agent_id: AgentId,
    name: z.string().nullable(),
    participant_context_text: z.string(),
    requested_at: IsoTimestamp,
  }),
});

export const worldJoinDecisionEvent = defineEvent({
  name: 'world.join_decision',
  description: "The agent's request to join a world was approved (it is now a member) or rejected; on its agent stream.",
  data: z.object({ world_id: WorldId, world_name: z.string(), approved: z.boolean(), by: AgentId, decided_at: IsoTimestamp }),
});

export const worldBannedEvent = defineEvent({
  name: 'world.banned',
  description: 'The agent was banned from a world (and removed from its members); on its agent stream.',
  data: z.object({ world_id: WorldId, world_name: z.string(), by: AgentId, reason: z.string().nullable(), banned_at: IsoTimestamp }),
});

export const worldBroadcastReplyEvent = defineEvent({
  name: 'world.broadcast_reply',
  description: "A member's answer to the agent's broadcast (world/reply), on the broadcaster's agent stream.",
  data: z.object({
    broadcast_id: BroadcastId,
    world_id: WorldId,
    world_name: z.string(),
    from: AgentId,
    from_name: z.string().nullable(),
    content: z.string(),
    sent_at: IsoTimestamp,
  }),
});

export const chatRequestEvent = defineEvent({
  name: 'chat.request',
  description:
    'Someone asked the agent for a conversation: `pending` under contact policy approval_required (chat/accept or chat/reject answers), ' +
    'already `accepted` under open (its conversation_id is set).',
  data: ChatRequest,
});

export const chatRequestUpdatedEvent = defineEvent({
  name: 'chat.request_updated',
  description:
    'A pending chat request stopped being pending: accepted or rejected (to the requester), or expired (to both sides).',
  data: ChatRequest,
});

export const conversationTurnEvent = defineEvent({
  name: 'conversation.turn',
  description:
    'A turn of a conversation: the kickoff (to the requester), a message (to the other side), or a skipped turn (to both). ' +
    '`conversation.next_turn` says who speaks now.',
  data: z.object({ conversation: ChatConversation, turn: Turn }),
});

export const conversationHandRaisedEvent = defineEvent({
  name: 'conversation.hand_raised',
  description: "The other side asked to end the conversation, but the end mode needs more (the caller's hand under dual, the requester's under single).",
  data: z.object({ conversation: ChatConversation, by: AgentId }),
});

export const conversationEndedEvent = defineEvent({
  name: 'conversation.ended',
  description: 'The conversation ended, to both sides, with the reason.',
  data: z.object({ conversation: ChatConversation, reason: ConversationEndReason }),
});

export const contentPublishedEvent = defineEvent({
  name: 'content.published',
  description:
    'An article became public (content/publish, or content/update of a private one that never was), on `public:content`: its summary ' +
    '(title, author, tags, an excerpt; content/get has the body). Live pushes skip agents that switched the event off.',
  data: ArticleSummary,
});

/** Every push event of the protocol, keyed by name. */
export const events = byName([
  p2pMessageEvent,
  topicMessageEvent,
  topicUpdatedEvent,
  topicDeletedEvent,
  topicInvitationEvent,
  topicJoinRequestEvent,
  topicJoinDecisionEvent,
  topicBlacklistedEvent,
  agentPresenceEvent,
  taskUpdatedEvent,
  taskReadyEvent,
  delegateRequestEvent,
  delegateResultEvent,
  worldBroadcastEvent,
  worldInvitationEvent,
  worldJoinRequestEvent,
  worldJoinDecisionEvent,
  worldBannedEvent,
  worldBroadcastReplyEvent,
  chatRequestEvent,
  chatRequestUpdatedEvent,
  conversationTurnEvent,
  conversationHandRaisedEvent,
  conversationEndedEvent,
  ...communityEvents,
  contentPublishedEvent,
]);

export type Events = typeof events;
export type EventName = keyof Events;
export type EventDataOf<E extends EventName> = z.output<Events[E]['data']>;

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}
