import type { HandlerMap } from '../../core/dispatcher.js';
import type { TopicService } from './service.js';

type TopicActions = 'topic/create' | 'topic/get' | 'topic/list' | 'topic/join' | 'topic/leave' | 'topic/publish' | 'topic/history';

export function topicHandlers(svc: TopicService): Pick<HandlerMap, TopicActions> {
  return {
    'topic/create': (p, ctx) => svc.create(ctx.agentId, p),
    'topic/get': (p, ctx) => svc.get(ctx.agentId, p.topic_id),
    'topic/list': (p, ctx) => svc.list(ctx.agentId, p),
    'topic/join': (p, ctx) => svc.join(ctx.agentId, p.topic_id),
    'topic/leave': (p, ctx) => svc.leave(ctx.agentId, p.topic_id),
    'topic/publish': (p, ctx) => svc.publish(ctx.agentId, p),
    'topic/history': (p, ctx) => svc.history(ctx.agentId, p),
  };
}
