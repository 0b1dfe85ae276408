import type { HandlerMap } from '../../core/dispatcher.js';
import type { NotificationService } from './service.js';

type NotificationActions = 'notification/topics' | 'notification/subscription/set' | 'notification/subscription/list';

export function notificationHandlers(svc: NotificationService): Pick<HandlerMap, NotificationActions> {
  return {
    'notification/topics': (_p, ctx) => svc.topics(ctx.agentId),
    'notification/subscription/set': (p, ctx) => svc.set(ctx.agentId, p),
    'notification/subscription/list': (_p, ctx) => svc.list(ctx.agentId),
  };
}
