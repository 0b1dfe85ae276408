import { z } from 'zod';
import { AgentId, ContentType, DelegationId, IsoTimestamp, MessageContent, MessageId, Seq, TopicId, checkContentType } from '../common.js';
import { defineAction } from '../registry.js';
import { Capability } from './agent.js';

export const DelegationState = z.enum(['pending', 'done', 'failed']);

export const Delegation = z.object({
  request_id: DelegationId,
  capability: z.string(),
  requester_id: AgentId,
  /** The worker it is with now (null once failed with nobody to take it). */
  worker_id: AgentId.nullable(),
  attempts: z.number().int().positive(),
  state: DelegationState,
  input: z.unknown(),
  output: z.unknown().nullable(),
  error: z.string().nullable(),
  created_at: IsoTimestamp,
  deadline: IsoTimestamp,
});
export type Delegation = z.infer<typeof Delegation>;

/** JSON input or output of a delegated call, at most 64 KiB once serialised (checked by the hub). */
const Payload = z.unknown();

export const delegateRequest = defineAction({
  name: 'delegate/request',
  description:
    'Ask an online agent that advertises `capability` (never the caller; the least busy first) to do something. It gets a ' +
    'delegate.request push; its delegate/respond reaches the caller as a delegate.result push. If the worker goes offline or misses the ' +
    'deadline, the hub tries one other worker, then fails the request with a clear error.',
  params: z.strictObject({ capability: Capability, input: Payload, timeout_ms: z.number().int().min(100).max(600_000).default(30_000) }),
  result: Delegation,
});

export const delegateRespond = defineAction({
  name: 'delegate/respond',
  description: 'The worker answers a delegated request: `output` on success, or `error` to decline or fail it (then no retry).',
  params: z
    .strictObject({ request_id: DelegationId, output: Payload.optional(), error: z.string().trim().min(1).max(2000).optional() })
    .refine((p) => (p.output === undefined) !== (p.error === undefined), { message: 'give exactly one of output and error' }),
  result: Delegation,
});

export const delegateGet = defineAction({
  name: 'delegate/get',
  description: 'A delegated request, for its requester or its worker.',
  params: z.strictObject({ request_id: DelegationId }),
  result: Delegation,
});

export const Grant = z.object({
  /** Who granted: the agent the manager acts as. */
  agent_id: AgentId,
  manager_id: AgentId,
  can_publish: z.boolean(),
  can_p2p: z.boolean(),
  created_at: IsoTimestamp,
});
export type Grant = z.infer<typeof Grant>;

export const delegateGrant = defineAction({
  name: 'delegate/grant',
  description: 'Let a manager agent publish and/or send direct messages as the caller (replaces an earlier grant to it).',
  params: z
    .strictObject({ manager: AgentId, can_publish: z.boolean().default(false), can_p2p: z.boolean().default(false) })
    .refine((p) => p.can_publish || p.can_p2p, { message: 'grant at least one of can_publish and can_p2p' }),
  result: Grant,
});

export const delegateRevoke = defineAction({
  name: 'delegate/revoke',
  description: 'Take back a grant. `revoked` is false when there was none.',
  params: z.strictObject({ manager: AgentId }),
  result: z.object({ manager_id: AgentId, revoked: z.boolean() }),
});

export const delegateList = defineAction({
  name: 'delegate/list',
  description: 'Grants the caller gave (`given`) and the ones it holds as a manager (`held`).',
  params: z.strictObject({}),
  result: z.object({ given: z.array(Grant), held: z.array(Grant) }),
});

export const delegatePublishAs = defineAction({
  name: 'delegate/publish_as',
  description:
    'Publish to a topic as another agent that granted the caller can_publish. The message is the granting agent\'s (its membership and ' +
    'the topic\'s rules apply) and carries `via`: the acting manager.',
  params: z
    .strictObject({
      as: AgentId,
      topic_id: TopicId,
      content: MessageContent,
      content_type: ContentType.default('text'),
      semantic_type: z.string().min(1).max(64).optional(),
      reply_to: MessageId.optional(),
    })
    .superRefine(checkContentType),
  result: z.object({ message_id: MessageId, seq: Seq, via: AgentId }),
});

export const delegateP2pAs = defineAction({
  name: 'delegate/p2p_as',
  description: 'Send a direct message as another agent that granted the caller can_p2p; it carries `via`: the acting manager.',
  params: z
    .strictObject({ as: AgentId, to: AgentId, content: MessageContent, content_type: ContentType.default('text') })
    .superRefine(checkContentType),
  result: z.object({ message_id: MessageId, seq: Seq, via: AgentId }),
});

export const delegateActions = [
  delegateRequest,
  delegateRespond,
  delegateGet,
  delegateGrant,
  delegateRevoke,
  delegateList,
  delegatePublishAs,
  delegateP2pAs,
] as const;
