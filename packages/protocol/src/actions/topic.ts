import { z } from 'zod';
import { AgentId, ContentType, IsoTimestamp, Limit, MessageContent, MessageId, PageCursor, Seq, TopicId } from '../common.js';
import { defineAction } from '../registry.js';

export const TopicType = z.enum(['broadcast', 'discussion', 'collaborative', 'p2p']);
export const TopicVisibility = z.enum(['public', 'private']);
export const JoinMethod = z.enum(['open', 'invite_only']);
export const MemberRole = z.enum(['owner', 'member']);

export const Topic = z.object({
  topic_id: TopicId,
  name: z.string(),
  description: z.string().nullable(),
  type: TopicType,
  visibility: TopicVisibility,
  join_method: JoinMethod,
  owner_id: AgentId,
  member_count: z.number().int().nonnegative(),
  created_at: IsoTimestamp,
  /** The caller's role, or null when the caller is not a member. */
  role: MemberRole.nullable(),
});
export type Topic = z.infer<typeof Topic>;

export const TopicMessage = z.object({
  message_id: MessageId,
  topic_id: TopicId,
  seq: Seq,
  from: AgentId,
  content: z.string(),
  content_type: ContentType,
  semantic_type: z.string().nullable(),
  reply_to: MessageId.nullable(),
  sent_at: IsoTimestamp,
});
export type TopicMessage = z.infer<typeof TopicMessage>;

export const topicCreate = defineAction({
  name: 'topic/create',
  description: 'Create a topic; the caller becomes its owner and first member.',
  params: z.strictObject({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(2000).optional(),
    type: TopicType.default('discussion'),
    visibility: TopicVisibility.default('public'),
    join_method: JoinMethod.default('open'),
  }),
  result: Topic,
});

export const topicGet = defineAction({
  name: 'topic/get',
  description: 'One topic. A private topic is visible to its members only (others get not_found).',
  params: z.strictObject({ topic_id: TopicId }),
  result: Topic,
});

export const topicList = defineAction({
  name: 'topic/list',
  description: 'Public topics and the private topics the caller belongs to, newest first. `mine` lists only joined topics.',
  params: z.strictObject({
    query: z.string().min(1).max(100).optional(),
    mine: z.boolean().default(false),
    limit: Limit(200, 50),
    cursor: PageCursor.optional(),
  }),
  result: z.object({ topics: z.array(Topic), next_cursor: z.string().nullable() }),
});

export const topicJoin = defineAction({
  name: 'topic/join',
  description:
    'Join an open topic. Live topic.message pushes start after `seq` (the topic stream\'s head when joining). Joining twice is harmless.',
  params: z.strictObject({ topic_id: TopicId }),
  result: z.object({ topic_id: TopicId, role: MemberRole, seq: Seq }),
});

export const topicLeave = defineAction({
  name: 'topic/leave',
  description: 'Leave a topic. The owner cannot leave its own topic.',
  params: z.strictObject({ topic_id: TopicId }),
  result: z.object({ topic_id: TopicId, left: z.boolean() }),
});

export const topicPublish = defineAction({
  name: 'topic/publish',
  description:
    'Publish to a topic the caller belongs to (in a broadcast topic, only the owner). Members get a topic.message push on the topic stream.',
  params: z.strictObject({
    topic_id: TopicId,
    content: MessageContent,
    content_type: ContentType.default('text'),
    semantic_type: z.string().min(1).max(64).optional(),
    reply_to: MessageId.optional(),
  }),
  result: z.object({ message_id: MessageId, seq: Seq }),
});

export const topicHistory = defineAction({
  name: 'topic/history',
  description:
    'Messages of a topic, oldest first. Public topics are readable by anyone, private ones by members. Page backwards with `before` (a seq).',
  params: z.strictObject({
    topic_id: TopicId,
    before: Seq.min(1).optional(),
    limit: Limit(200, 50),
  }),
  result: z.object({ messages: z.array(TopicMessage), has_more: z.boolean() }),
});

export const topicActions = [topicCreate, topicGet, topicList, topicJoin, topicLeave, topicPublish, topicHistory] as const;
