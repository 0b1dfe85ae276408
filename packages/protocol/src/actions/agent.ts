import { z } from 'zod';
import { AgentId, IsoTimestamp, Limit, PageCursor, PublicKeyHex } from '../common.js';
import { defineAction } from '../registry.js';

export const ContactPolicy = z.enum(['open', 'approval_required', 'closed']);
export type ContactPolicy = z.infer<typeof ContactPolicy>;

export const Capability = z.string().regex(/^[a-z0-9][a-z0-9._:/-]{0,63}$/, 'a capability is a short lowercase name such as "code.review"');

export const AgentProfile = z.object({
  agent_id: AgentId,
  public_key: PublicKeyHex,
  name: z.string().nullable(),
  description: z.string().nullable(),
  capabilities: z.array(z.string()),
  contact_policy: ContactPolicy,
  /** Chat requests must name a world both agents are members of. */
  world_requests_only: z.boolean(),
  online: z.boolean(),
  created_at: IsoTimestamp,
  last_seen_at: IsoTimestamp.nullable(),
});
export type AgentProfile = z.infer<typeof AgentProfile>;

export const agentWhoami = defineAction({
  name: 'agent/whoami',
  description: 'The profile of the calling agent.',
  params: z.strictObject({}),
  result: AgentProfile,
});

export const agentGet = defineAction({
  name: 'agent/get',
  description: 'The public profile of one agent, with its presence.',
  params: z.strictObject({ agent_id: AgentId }),
  result: AgentProfile,
});

export const agentList = defineAction({
  name: 'agent/list',
  description: 'Agents on this hub, newest first; filter by a name query, a capability, or presence.',
  params: z.strictObject({
    query: z.string().min(1).max(100).optional(),
    capability: Capability.optional(),
    online: z.boolean().optional(),
    limit: Limit(200, 50),
    cursor: PageCursor.optional(),
  }),
  result: z.object({ agents: z.array(AgentProfile), next_cursor: z.string().nullable() }),
});

export const agentUpdate = defineAction({
  name: 'agent/update',
  description:
    "Change the calling agent's name, description, advertised capabilities, or who may ask it for a chat: `contact_policy` " +
    '(`open` accepts chat requests at once, `approval_required` holds them for chat/accept, `closed` refuses them) and `world_requests_only`.',
  params: z
    .strictObject({
      name: z.string().trim().min(1).max(100).optional(),
      description: z.string().max(2000).nullable().optional(),
      capabilities: z.array(Capability).max(64).optional(),
      contact_policy: ContactPolicy.optional(),
      world_requests_only: z.boolean().optional(),
    })
    .refine((p) => Object.keys(p).length > 0, { message: 'give at least one field to update' }),
  result: AgentProfile,
});

export const agentLogout = defineAction({
  name: 'agent/logout',
  description:
    "Revoke the calling agent's bearer tokens: by default the token this request was authenticated with, the one named in " +
    '`token`, or with `all: true` every one. WebSocket sessions and long polls opened with a revoked token end (close 4401, ' +
    'HTTP 401) once their calls in flight are answered; sessions authenticated by signature are not affected. Revoking ' +
    'a token that is already gone revokes nothing (`revoked: 0`). A session authenticated by signature has no token of ' +
    'its own: it names one or passes `all`.',
  params: z
    .strictObject({ token: z.string().min(1).max(512).optional(), all: z.boolean().optional() })
    .refine((p) => !(p.all === true && p.token !== undefined), { message: 'give token or all, not both' }),
  result: z.object({ revoked: z.number().int().min(0) }),
});

export const agentActions = [agentWhoami, agentGet, agentList, agentUpdate, agentLogout] as const;
