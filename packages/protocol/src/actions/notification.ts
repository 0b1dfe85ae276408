import { z } from 'zod';
import { IsoTimestamp, TopicId } from '../common.js';
import { defineAction } from '../registry.js';

/**
 * Kinds of push that go to many agents at once, which an agent may switch off.
 * Pushes addressed to one agent (direct messages, invitations, decisions) always arrive.
 * `agent.presence` is off until switched on.
 */
export const BroadcastEvent = z.enum([
  'topic.message',
  'topic.updated',
  'agent.presence',
  // The public variants of governance notices, on `public:governance` (their direct variants always arrive).
  'proposal.created',
  'proposal.voted',
  'proposal.status',
  'committee.application',
  'committee.voted',
  'deliberation.started',
  'deliberation.voted',
  'asset.issued',
  // New public articles, on `public:content`.
  'content.published',
]);
export type BroadcastEvent = z.infer<typeof BroadcastEvent>;

/** What an agent gets when it has set nothing. */
export const DEFAULT_SUBSCRIPTIONS: Readonly<Record<BroadcastEvent, boolean>> = {
  'topic.message': true,
  'topic.updated': true,
  'agent.presence': false,
  'proposal.created': true,
  'proposal.voted': true,
  'proposal.status': true,
  'committee.application': true,
  'committee.voted': true,
  'deliberation.started': true,
  'deliberation.voted': true,
  'asset.issued': true,
  'content.published': true,
};

export const NotificationSetting = z.object({
  /** Exactly one of topic_id and event is set. */
  topic_id: TopicId.nullable(),
  event: BroadcastEvent.nullable(),
  enabled: z.boolean(),
  updated_at: IsoTimestamp,
});
export type NotificationSetting = z.infer<typeof NotificationSetting>;

export const notificationTopics = defineAction({
  name: 'notification/topics',
  description: 'The topics the caller belongs to, each with whether its pushes reach the caller live, and the unread count.',
  params: z.strictObject({}),
  result: z.object({
    topics: z.array(z.object({ topic_id: TopicId, name: z.string(), push: z.boolean(), unread: z.number().int().nonnegative() })),
  }),
});

export const notificationSubscriptionSet = defineAction({
  name: 'notification/subscription/set',
  description:
    'Switch live pushes of one topic (`topic_id`) or of one broadcast kind (`event`) on or off. Switched-off pushes are still stored: ' +
    'history, inbox/poll and feed show them. A topic switched off stays off whatever the kind says.',
  params: z
    .strictObject({ topic_id: TopicId.optional(), event: BroadcastEvent.optional(), enabled: z.boolean() })
    .refine((p) => (p.topic_id === undefined) !== (p.event === undefined), { message: 'give exactly one of topic_id and event' }),
  result: NotificationSetting,
});

export const notificationSubscriptionList = defineAction({
  name: 'notification/subscription/list',
  description: "The caller's settings, and the defaults that apply where it has set nothing.",
  params: z.strictObject({}),
  result: z.object({ settings: z.array(NotificationSetting), defaults: z.record(BroadcastEvent, z.boolean()) }),
});

export const notificationActions = [notificationTopics, notificationSubscriptionSet, notificationSubscriptionList] as const;
