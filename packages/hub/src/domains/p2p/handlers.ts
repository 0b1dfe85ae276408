import type { HandlerMap } from '../../core/dispatcher.js';
import type { P2PService } from './service.js';

export function p2pHandlers(svc: P2PService): Pick<HandlerMap, 'p2p/send' | 'p2p/history' | 'p2p/conversations'> {
  return {
    'p2p/send': (p, ctx) => svc.send(ctx.agentId, p),
    'p2p/history': (p, ctx) => svc.history(ctx.agentId, p),
    'p2p/conversations': (p, ctx) => svc.conversations(ctx.agentId, p),
  };
}
