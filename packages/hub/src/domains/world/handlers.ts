import type { ActionName } from '@parley/protocol';
import type { HandlerMap } from '../../core/dispatcher.js';
import type { WorldCandidates } from './candidates.js';
import type { WorldDiscovery } from './discovery.js';
import type { WorldMembership } from './membership.js';
import type { WorldModeration } from './moderation.js';
import type { WorldService } from './service.js';

type WorldActions = Extract<ActionName, `world/${string}`>;

export interface WorldParts {
  worlds: WorldService;
  discovery: WorldDiscovery;
  membership: WorldMembership;
  candidates: WorldCandidates;
  moderation: WorldModeration;
}

export function worldHandlers({ worlds, discovery, membership, candidates, moderation }: WorldParts): Pick<HandlerMap, WorldActions> {
  return {
    'world/create': (p, ctx) => worlds.create(ctx.agentId, p),
    'world/update': (p, ctx) => worlds.update(ctx.agentId, p),
    'world/get': (p, ctx) => worlds.get(ctx.agentId, p.world_id),
    'world/list': (p, ctx) => discovery.list(ctx.agentId, p),
    'world/search': (p, ctx) => discovery.search(ctx.agentId, p),
    'world/join': (p, ctx) => membership.join(ctx.agentId, p),
    'world/leave': (p, ctx) => membership.leave(ctx.agentId, p.world_id),
    'world/memberships': (p, ctx) => discovery.memberships(ctx.agentId, p),
    'world/members': (p, ctx) => discovery.members(ctx.agentId, p),
    'world/candidates': (p, ctx) => candidates.candidates(ctx.agentId, p.world_id, p.limit, p.cursor),
    'world/invite': (p, ctx) => membership.invite(ctx.agentId, p),
    'world/requests': (p, ctx) => membership.requests(ctx.agentId, p),
    'world/approve': (p, ctx) => membership.decide(ctx.agentId, p, true),
    'world/reject': (p, ctx) => membership.decide(ctx.agentId, p, false),
    'world/moderate': (p, ctx) => moderation.moderate(ctx.agentId, p),
    'world/broadcast': (p, ctx) => moderation.broadcast(ctx.agentId, p),
    'world/reply': (p, ctx) => moderation.reply(ctx.agentId, p),
  };
}
