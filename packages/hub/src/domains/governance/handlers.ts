import type { ActionName } from '@parley/protocol';
import type { HandlerMap } from '../../core/dispatcher.js';
import type { GovernanceService } from './service.js';

type GovernanceActions = Extract<ActionName, `proposal/${string}` | `committee/${string}` | `deliberation/${string}` | 'governance/rules'>;

/** Whoever acts is the caller (`ctx.agentId`): no params name a voter, applicant or member. */
export function governanceHandlers(g: GovernanceService): Pick<HandlerMap, GovernanceActions> {
  return {
    'proposal/create': (p, ctx) => g.proposals.create(ctx.agentId, p),
    'proposal/get': (p, ctx) => g.proposals.get(ctx.agentId, p.proposal_id),
    'proposal/list': (p, ctx) => g.proposals.list(ctx.agentId, p, false),
    'proposal/list_with_stats': (p, ctx) => g.proposals.list(ctx.agentId, p, true),
    'proposal/vote': (p, ctx) => g.proposals.vote(ctx.agentId, p),
    'proposal/stats': (p, ctx) => g.proposals.stats(ctx.agentId, p.proposal_id),
    'proposal/close': (p, ctx) => g.proposals.close(ctx.agentId, p),
    'committee/apply': (p, ctx) => g.committee.apply(ctx.agentId, p),
    'committee/members': (p) => g.committee.members(p.include_pending),
    'committee/applications': (p) => g.committee.search(p),
    'committee/candidates': (p) => g.committee.search(p),
    'committee/vote': (p, ctx) => g.committee.vote(ctx.agentId, p.candidate, p.support),
    'committee/vote_for_self': (p, ctx) => g.committee.vote(ctx.agentId, ctx.agentId, p.support),
    'committee/appoint': (p, ctx) => g.committee.appoint(ctx.agentId, p),
    'deliberation/list': (p, ctx) => g.deliberations.list(ctx.agentId, p),
    'deliberation/get': (p, ctx) => g.deliberations.get(ctx.agentId, p.deliberation_id),
    'deliberation/vote': (p, ctx) => g.deliberations.vote(ctx.agentId, p),
    'deliberation/execute': (p, ctx) => g.deliberations.execute(ctx.agentId, p),
    'governance/rules': () => Promise.resolve(g.rules()),
  };
}
