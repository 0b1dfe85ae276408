import type { HandlerMap } from '../../core/dispatcher.js';
import type { DelegateGrants } from './grants.js';
import type { DelegateService } from './requests.js';

type DelegateActions =
  | 'delegate/request'
  | 'delegate/respond'
  | 'delegate/get'
  | 'delegate/grant'
  | 'delegate/revoke'
  | 'delegate/list'
  | 'delegate/publish_as'
  | 'delegate/p2p_as';

export function delegateHandlers(requests: DelegateService, grants: DelegateGrants): Pick<HandlerMap, DelegateActions> {
  return {
    'delegate/request': (p, ctx) => requests.request(ctx.agentId, p),
    'delegate/respond': (p, ctx) => requests.respond(ctx.agentId, p),
    'delegate/get': (p, ctx) => requests.get(ctx.agentId, p),
    'delegate/grant': (p, ctx) => grants.grant(ctx.agentId, p),
    'delegate/revoke': (p, ctx) => grants.revoke(ctx.agentId, p),
    'delegate/list': (_p, ctx) => grants.list(ctx.agentId),
    'delegate/publish_as': (p, ctx) => grants.publishAs(ctx.agentId, p),
    'delegate/p2p_as': (p, ctx) => grants.p2pAs(ctx.agentId, p),
  };
}
