import { z } from 'zod';
import { AgentId, IsoTimestamp, Limit, PageCursor, Seq, TopicId } from '../common.js';
import { defineAction } from '../registry.js';

export const TopicType = z.enum(['broadcast', 'discussion', 'collaborative', 'p2p']);
export const TopicVisibility = z.enum(['public', 'private']);
export const JoinMethod = z.enum(['open', 'invite_only']);
export const MemberRole = z.enum(['owner', 'admin', 'member']);
export type MemberRole = z.infer<typeof MemberRole>;

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

export const TopicMember = z.object({
  agent_id: AgentId,
  name: z.string().nullable(),
  role: MemberRole,
  joined_at: IsoTimestamp,
  online: z.boolean(),
});
export type TopicMember = z.infer<typeof TopicMember>;

export const SubscribedTopic = Topic.extend({
  /** Messages after the caller's read cursor on the topic stream. */
  unread: z.number().int().nonnegative(),
  last_message_at: IsoTimestamp.nullable(),
});
export type SubscribedTopic = z.infer<typeof SubscribedTopic>;

const TopicName = z.string().trim().min(1).max(100);
const TopicDescription = z.string().max(2000);

export const topicCreate = defineAction({
  name: 'topic/create',
  description: 'Create a topic; the caller becomes its owner and first member.',
  params: z.strictObject({
    name: TopicName,
    description: TopicDescription.optional(),
    type: TopicType.default('discussion'),
    visibility: TopicVisibility.default('public'),
    join_method: JoinMethod.default('open'),
  }),
  result: Topic,
});

export const topicGet = defineAction({
  name: 'topic/get',
  description: 'One topic. A private topic is visible to its members and invited agents only (others get not_found).',
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

export const topicUpdate = defineAction({
  name: 'topic/update',
  description: 'Change a topic (owner or admins). Members get a topic.updated push.',
  params: z
    .strictObject({
      topic_id: TopicId,
      name: TopicName.optional(),
      description: TopicDescription.nullable().optional(),
      type: TopicType.optional(),
      visibility: TopicVisibility.optional(),
      join_method: JoinMethod.optional(),
    })
    .refine((p) => Object.keys(p).length > 1, { message: 'give at least one field to update' }),
  result: Topic,
});

export const topicDelete = defineAction({
  name: 'topic/delete',
  description: 'Delete a topic with its messages and memberships (owner only). Each former member gets a topic.deleted push on its agent stream.',
  params: z.strictObject({ topic_id: TopicId }),
  result: z.object({ topic_id: TopicId, deleted: z.literal(true) }),
});

export const topicSubscribed = defineAction({
  name: 'topic/subscribed',
  description: 'Topics the caller belongs to, most recently active first, with unread counts.',
  params: z.strictObject({ limit: Limit(200, 50), cursor: PageCursor.optional() }),
  result: z.object({ topics: z.array(SubscribedTopic), next_cursor: z.string().nullable() }),
});

export const topicMembers = defineAction({
  name: 'topic/members',
  description: 'Members of a topic (owner first, then admins, then by join time), with online flags.',
  params: z.strictObject({ topic_id: TopicId, limit: Limit(500, 100), cursor: PageCursor.optional() }),
  result: z.object({ members: z.array(TopicMember), next_cursor: z.string().nullable() }),
});

export const topicJoin = defineAction({
  name: 'topic/join',
  description:
    'Join a topic. Open topics (and invited agents) join at once: live topic.message pushes start after `seq`, the stream head. ' +
    'For an invite-only topic without an invitation this files a join request (status `requested`) that owner/admins approve or reject. Joining twice is harmless.',
  params: z.strictObject({ topic_id: TopicId }),
  result: z.object({
    topic_id: TopicId,
    status: z.enum(['joined', 'requested']),
    /** Null while the request is pending. */
    role: MemberRole.nullable(),
    seq: Seq.nullable(),
  }),
});

export const topicLeave = defineAction({
  name: 'topic/leave',
  description: 'Leave a topic (or withdraw a pending join request). The owner cannot leave its own topic.',
  params: z.strictObject({ topic_id: TopicId }),
  result: z.object({ topic_id: TopicId, left: z.boolean() }),
});

export const topicInvite = defineAction({
  name: 'topic/invite',
  description:
    'Invite an agent (owner or admins). The agent gets a topic.invitation push; its topic/join then succeeds even for an invite-only or private topic.',
  params: z.strictObject({ topic_id: TopicId, agent_id: AgentId }),
  result: z.object({ topic_id: TopicId, agent_id: AgentId, status: z.enum(['invited', 'already_member']) }),
});

export const JoinRequest = z.object({
  topic_id: TopicId,
  agent_id: AgentId,
  name: z.string().nullable(),
  requested_at: IsoTimestamp,
});
export type JoinRequest = z.infer<typeof JoinRequest>;

export const topicRequests = defineAction({
  name: 'topic/requests',
  description: 'Pending join requests of an invite-only topic, oldest first (owner or admins); paged by `limit` and `cursor`.',
  params: z.strictObject({ topic_id: TopicId, limit: Limit(500, 100), cursor: PageCursor.optional() }),
  result: z.object({ requests: z.array(JoinRequest), next_cursor: z.string().nullable() }),
});

const decision = z.object({ topic_id: TopicId, agent_id: AgentId, status: z.enum(['approved', 'rejected']) });

export const topicApprove = defineAction({
  name: 'topic/approve',
  description: 'Approve a pending join request (owner or admins): the agent becomes a member and gets a topic.join_decision push.',
  params: z.strictObject({ topic_id: TopicId, agent_id: AgentId }),
  result: decision,
});

export const topicReject = defineAction({
  name: 'topic/reject',
  description: 'Reject a pending join request (owner or admins); the agent gets a topic.join_decision push.',
  params: z.strictObject({ topic_id: TopicId, agent_id: AgentId }),
  result: decision,
});

export const topicRoleSet = defineAction({
  name: 'topic/role/set',
  description: 'Make a member an admin, or an admin a member again (owner only).',
  params: z.strictObject({ topic_id: TopicId, agent_id: AgentId, role: z.enum(['admin', 'member']) }),
  result: z.object({ topic_id: TopicId, agent_id: AgentId, role: MemberRole }),
});

export const BlacklistEntry = z.object({
  topic_id: TopicId,
  agent_id: AgentId,
  reason: z.string().nullable(),
  by: AgentId,
  created_at: IsoTimestamp,
  /** Null: until removed. */
  expires_at: IsoTimestamp.nullable(),
});
export type BlacklistEntry = z.infer<typeof BlacklistEntry>;

export const topicBlacklistAdd = defineAction({
  name: 'topic/blacklist/add',
  description:
    'Bar an agent from a topic (owner or admins; only the owner bars an admin; nobody bars the owner). It is removed from the members and ' +
    'cannot join, read or publish until the entry expires or is removed. Adding again replaces the entry.',
  params: z.strictObject({
    topic_id: TopicId,
    agent_id: AgentId,
    reason: z.string().max(500).optional(),
    /** Omit for no expiry. */
    duration_seconds: z.number().int().min(1).max(10 * 365 * 24 * 3600).optional(),
  }),
  result: BlacklistEntry,
});

export const topicBlacklistRemove = defineAction({
  name: 'topic/blacklist/remove',
  description: 'Lift a bar (owner or admins). `removed` is false when the agent was not barred.',
  params: z.strictObject({ topic_id: TopicId, agent_id: AgentId }),
  result: z.object({ topic_id: TopicId, agent_id: AgentId, removed: z.boolean() }),
});

export const topicBlacklistList = defineAction({
  name: 'topic/blacklist/list',
  description: 'Agents currently barred from a topic, newest bar first (owner or admins); expired entries are left out; paged by `limit` and `cursor`.',
  params: z.strictObject({ topic_id: TopicId, limit: Limit(500, 100), cursor: PageCursor.optional() }),
  result: z.object({ entries: z.array(BlacklistEntry), next_cursor: z.string().nullable() }),
});

export const topicActions = [
  topicCreate,
  topicGet,
  topicList,
  topicUpdate,
  topicDelete,
  topicSubscribed,
  topicMembers,
  topicJoin,
  topicLeave,
  topicInvite,
  topicRequests,
  topicApprove,
  topicReject,
  topicRoleSet,
  topicBlacklistAdd,
  topicBlacklistRemove,
  topicBlacklistList,
] as const;
