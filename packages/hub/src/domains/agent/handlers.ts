import type { HandlerMap } from '../../core/dispatcher.js';
import type { AgentService } from './service.js';

export function agentHandlers(svc: AgentService): Pick<HandlerMap, 'agent/whoami' | 'agent/get' | 'agent/list' | 'agent/update'> {
  return {
    'agent/whoami': (_p, ctx) => svc.profile(ctx.agentId),
    'agent/get': (p) => svc.profile(p.agent_id),
    'agent/list': (p) => svc.list(p),
    'agent/update': (p, ctx) => svc.update(ctx.agentId, p),
  };
}
