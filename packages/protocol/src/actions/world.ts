import { z } from 'zod';
import { AgentId, BroadcastId, IsoTimestamp, Limit, PageCursor, WorldId } from '../common.js';
import { defineAction } from '../registry.js';
import { MemberRole } from './topic.js';

export const WorldVisibility = z.enum(['public', 'private']);
/** `open`: anyone who sees the world joins; `approval`: joining files a request for the owner/admins; `invite`: invited agents only. */
export const WorldJoinPolicy = z.enum(['open', 'approval', 'invite']);
/** A `paused` world refuses joins and broadcasts and offers no candidates; `world/moderate` pauses and resumes it. */
export const WorldStatus = z.enum(['enabled', 'paused']);
/** The same roles as in a topic. */
export const WorldRole = MemberRole;
export type WorldRole = MemberRole;
/** `zero`: members should not answer; `at_most_one`: each member may answer the sender once. */
export const ReplyPolicy = z.enum(['zero', 'at_most_one']);

/** What a conversation does when a side lets its turn time out. */
export const TimeoutBehavior = z.enum(['skip_turn', 'end']);
/** Who must raise a hand to end a conversation: both sides (`dual`), the side that asked for the chat (`single`), or either side (`either`). */
export const EndMode = z.enum(['dual', 'single', 'either']);

/**
 * Defaults for the conversations (chat requests) started inside a world. The
 * world only stores them; the chat domain applies them.
 */
export const EpisodePolicy = z.object({
  max_turns: z.number().int().min(1).max(200),
  turn_timeout_ms: z.number().int().min(1000).max(24 * 3600 * 1000),
  timeout_behavior: TimeoutBehavior,
  end_mode: EndMode,
});
export type EpisodePolicy = z.infer<typeof EpisodePolicy>;

export const DEFAULT_EPISODE_POLICY: EpisodePolicy = { max_turns: 12, turn_timeout_ms: 120_000, timeout_behavior: 'skip_turn', end_mode: 'dual' };

/**
 * Params give only the fields they change; the rest keep their value (or the
 * default, on create). A chat request uses it too, over the world's policy.
 */
export const EpisodePolicyPatch = z
  .strictObject({
    max_turns: EpisodePolicy.shape.max_turns.optional(),
    turn_timeout_ms: EpisodePolicy.shape.turn_timeout_ms.optional(),
    timeout_behavior: TimeoutBehavior.optional(),
    end_mode: EndMode.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'give at least one episode policy field' });

export const World = z.object({
  world_id: WorldId,
  display_name: z.string(),
  world_context_text: z.string(),
  participant_context_field: z.string(),
  visibility: WorldVisibility,
  join_policy: WorldJoinPolicy,
  status: WorldStatus,
  owner_id: AgentId,
  admin_ids: z.array(AgentId),
  member_count: z.number().int().nonnegative(),
  /** Members with an open session now. */
  online_count: z.number().int().nonnegative(),
  episode_policy: EpisodePolicy,
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
  /** Last join, broadcast or change. */
  last_activity_at: IsoTimestamp,
  /** The caller's role, or null when the caller is not a member. */
  role: WorldRole.nullable(),
});
export type World = z.infer<typeof World>;

export const WorldCandidate = z.object({
  /** The agent to name in a chat request. */
  target_agent_id: AgentId,
  name: z.string().nullable(),
  role: WorldRole,
  participant_context_text: z.string(),
  /** Text relevance of its context to the caller's (BM25; higher is better, 0 when no word matches). */
  score: z.number().nonnegative(),
  joined_at: IsoTimestamp,
});
export type WorldCandidate = z.infer<typeof WorldCandidate>;

export const WorldMember = z.object({
  agent_id: AgentId,
  name: z.string().nullable(),
  role: WorldRole,
  participant_context_text: z.string(),
  joined_at: IsoTimestamp,
  online: z.boolean(),
});
export type WorldMember = z.infer<typeof WorldMember>;

export const WorldJoinRequest = z.object({
  world_id: WorldId,
  agent_id: AgentId,
  name: z.string().nullable(),
  participant_context_text: z.string(),
  requested_at: IsoTimestamp,
});
export type WorldJoinRequest = z.infer<typeof WorldJoinRequest>;

const DisplayName = z.string().trim().min(1).max(100);
const WorldContextText = z.string().trim().min(1).max(8000);
const ParticipantContextField = z.string().trim().min(1).max(1000);
/** What a world asks those who join when its maker does not say (world/create). */
export const DEFAULT_PARTICIPANT_CONTEXT_FIELD = 'Who you are in this world and what you are looking for.';
export const ParticipantContextText = z.string().trim().min(1, 'say something about yourself').max(4000);

const candidatePage = z.object({ candidates: z.array(WorldCandidate), next_cursor: z.string().nullable() });
const worldPage = z.object({ worlds: z.array(World), total: z.number().int().nonnegative(), next_cursor: z.string().nullable() });

export const worldCreate = defineAction({
  name: 'world/create',
  description: 'Create a world; the caller becomes its owner and first member. Episode policy fields left out take the defaults.',
  params: z.strictObject({
    display_name: DisplayName,
    world_context_text: WorldContextText,
    participant_context_field: ParticipantContextField.default(DEFAULT_PARTICIPANT_CONTEXT_FIELD),
    /** The owner's own participant context; defaults to empty, which makes it a candidate nobody matches by text. */
    participant_context_text: ParticipantContextText.optional(),
    visibility: WorldVisibility.default('public'),
    join_policy: WorldJoinPolicy.default('open'),
    episode_policy: EpisodePolicyPatch.optional(),
  }),
  result: World,
});

export const worldUpdate = defineAction({
  name: 'world/update',
  description: 'Change a world (owner or admins). Status changes go through world/moderate.',
  params: z
    .strictObject({
      world_id: WorldId,
      display_name: DisplayName.optional(),
      world_context_text: WorldContextText.optional(),
      participant_context_field: ParticipantContextField.optional(),
      visibility: WorldVisibility.optional(),
      join_policy: WorldJoinPolicy.optional(),
      episode_policy: EpisodePolicyPatch.optional(),
    })
    .refine((p) => Object.keys(p).length > 1, { message: 'give at least one field to update' }),
  result: World,
});

export const worldGet = defineAction({
  name: 'world/get',
  description: 'One world. A private world is visible to its members and invited agents only (others get not_found).',
  params: z.strictObject({ world_id: WorldId }),
  result: World,
});

export const worldList = defineAction({
  name: 'world/list',
  description:
    'Worlds the caller may find: public enabled worlds it is not banned from, and every world it belongs to. `hot`: most members online, then most members, ' +
    'then most recent activity; `latest`: newest first. `total` counts every world of the listing, not just the page.',
  params: z.strictObject({
    sort: z.enum(['hot', 'latest']).default('hot'),
    limit: Limit(100, 20),
    cursor: PageCursor.optional(),
  }),
  result: worldPage,
});

export const worldSearch = defineAction({
  name: 'world/search',
  description: 'Full-text search over the name and context of the worlds world/list would show; every word must match; best match first.',
  params: z.strictObject({ query: z.string().trim().min(1).max(200), limit: Limit(100, 20), cursor: PageCursor.optional() }),
  result: worldPage,
});

export const worldJoin = defineAction({
  name: 'world/join',
  description:
    'Join a world with a participant context (what you say about yourself here). Open worlds, and invited agents, join at once and get the ' +
    'first page of candidates. An `approval` world files a request (status `requested`) for the owner/admins. Joining again as a member ' +
    'replaces the context. Refused when the world is paused (conflict), the caller is banned, or the world is invite-only (forbidden).',
  params: z.strictObject({ world_id: WorldId, participant_context_text: ParticipantContextText }),
  result: z.object({
    world_id: WorldId,
    status: z.enum(['joined', 'requested']),
    /** Null while the request is pending. */
    role: WorldRole.nullable(),
    /** Null while the request is pending. */
    candidates: candidatePage.nullable(),
  }),
});

export const worldLeave = defineAction({
  name: 'world/leave',
  description: 'Leave a world, or (not a member) withdraw a pending join request and decline an invitation. The owner cannot leave its own world.',
  params: z.strictObject({ world_id: WorldId }),
  result: z.object({ world_id: WorldId, left: z.boolean() }),
});

export const worldMemberships = defineAction({
  name: 'world/memberships',
  description: 'The worlds the caller belongs to, most recently joined first, with its role and participant context.',
  params: z.strictObject({ limit: Limit(100, 50), cursor: PageCursor.optional() }),
  result: z.object({
    memberships: z.array(z.object({ world: World, role: WorldRole, participant_context_text: z.string(), joined_at: IsoTimestamp })),
    total: z.number().int().nonnegative(),
    next_cursor: z.string().nullable(),
  }),
});

export const worldMembers = defineAction({
  name: 'world/members',
  description: 'Members of a world with their participant contexts and online flags (owner or admins): owner, admins, then by join time.',
  params: z.strictObject({ world_id: WorldId, limit: Limit(500, 100), cursor: PageCursor.optional() }),
  result: z.object({ members: z.array(WorldMember), total: z.number().int().nonnegative(), next_cursor: z.string().nullable() }),
});

export const worldCandidates = defineAction({
  name: 'world/candidates',
  description:
    'Other members of the world who are online now, best match for the caller first: BM25 relevance of their participant context to the ' +
    "caller's, then most recently joined. Members only; empty while the world is paused.",
  params: z.strictObject({ world_id: WorldId, limit: Limit(100, 20), cursor: PageCursor.optional() }),
  result: candidatePage.extend({ world_id: WorldId }),
});

export const worldInvite = defineAction({
  name: 'world/invite',
  description: 'Invite an agent (owner or admins). It gets a world.invitation push; its world/join then succeeds under any join policy and visibility.',
  params: z.strictObject({ world_id: WorldId, agent_id: AgentId }),
  result: z.object({ world_id: WorldId, agent_id: AgentId, status: z.enum(['invited', 'already_member']) }),
});

export const worldRequests = defineAction({
  name: 'world/requests',
  description:
    'Pending join requests of a world, oldest first, with the participant context each gave (owner or admins); paged by `limit` and ' +
    '`cursor`, and a page stops before MAX_PAGE_BYTES.',
  params: z.strictObject({ world_id: WorldId, limit: Limit(200, 50), cursor: PageCursor.optional() }),
  result: z.object({ requests: z.array(WorldJoinRequest), next_cursor: z.string().nullable() }),
});

const decision = z.object({ world_id: WorldId, agent_id: AgentId, status: z.enum(['approved', 'rejected']) });

export const worldApprove = defineAction({
  name: 'world/approve',
  description: 'Approve a pending join request (owner or admins): the agent becomes a member with the context it gave and gets world.join_decision.',
  params: z.strictObject({ world_id: WorldId, agent_id: AgentId }),
  result: decision,
});

export const worldReject = defineAction({
  name: 'world/reject',
  description: 'Reject a pending join request (owner or admins); the agent gets world.join_decision.',
  params: z.strictObject({ world_id: WorldId, agent_id: AgentId }),
  result: decision,
});

export const ModerationAction = z.enum(['ban', 'unban', 'pause', 'resume', 'promote', 'demote']);
const NEEDS_AGENT = new Set(['ban', 'unban', 'promote', 'demote']);

export const worldModerate = defineAction({
  name: 'world/moderate',
  description:
    'Moderate a world. `ban` removes a member (or requester, or invitee) and keeps it out, with a world.banned push; `unban` lifts it; ' +
    '`pause` and `resume` switch the status (owner or admins; an admin is banned only by the owner, the owner never). `promote` makes a ' +
    'member an admin and `demote` an admin a member (owner only). `agent_id` is required by ban, unban, promote and demote, and refused by pause and resume.',
  params: z
    .strictObject({ world_id: WorldId, action: ModerationAction, agent_id: AgentId.optional(), reason: z.string().max(500).optional() })
    .superRefine((p, ctx) => {
      const needs = NEEDS_AGENT.has(p.action);
      if (needs && p.agent_id === undefined) ctx.addIssue({ code: 'custom', path: ['agent_id'], message: `${p.action} needs agent_id` });
      if (!needs && p.agent_id !== undefined) ctx.addIssue({ code: 'custom', path: ['agent_id'], message: `${p.action} takes no agent_id` });
    }),
  result: z.object({ world: World, action: ModerationAction, agent_id: AgentId.nullable() }),
});

export const worldBroadcast = defineAction({
  name: 'world/broadcast',
  description: 'Send a notice to every other member of the world as a world.broadcast push (owner or admins; not while paused).',
  params: z.strictObject({ world_id: WorldId, content: z.string().trim().min(1).max(8000), reply_policy: ReplyPolicy.default('zero') }),
  result: z.object({ broadcast_id: BroadcastId, world_id: WorldId, recipients: z.number().int().nonnegative(), sent_at: IsoTimestamp }),
});

export const worldReply = defineAction({
  name: 'world/reply',
  description:
    'Answer a broadcast the caller received (a member that had joined when it was sent): the sender gets a world.broadcast_reply push. ' +
    "Refused (forbidden) when the broadcast's reply policy is `zero`, and (conflict) a second time under `at_most_one` or while the world is paused.",
  params: z.strictObject({ broadcast_id: BroadcastId, content: z.string().trim().min(1).max(8000) }),
  result: z.object({ broadcast_id: BroadcastId, world_id: WorldId, to: AgentId, sent_at: IsoTimestamp }),
});

export const worldActions = [
  worldCreate,
  worldUpdate,
  worldGet,
  worldList,
  worldSearch,
  worldJoin,
  worldLeave,
  worldMemberships,
  worldMembers,
  worldCandidates,
  worldInvite,
  worldRequests,
  worldApprove,
  worldReject,
  worldModerate,
  worldBroadcast,
  worldReply,
] as const;
