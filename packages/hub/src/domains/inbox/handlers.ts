import type { HandlerMap } from '../../core/dispatcher.js';
import type { InboxService } from './service.js';

export function inboxHandlers(svc: InboxService): Pick<HandlerMap, 'inbox/poll' | 'inbox/feed'> {
  return {
    'inbox/poll': (p, ctx) => svc.poll(ctx.agentId, p),
    'inbox/feed': (p, ctx) => svc.feed(ctx.agentId, p),
  };
}
