import type { ActionName } from '@parley/protocol';
import type { HandlerMap } from '../../core/dispatcher.js';
import type { TopicMessages } from './messages.js';
import type { TopicModeration } from './moderation.js';
import type { TopicService } from './service.js';

type TopicActions = Extract<ActionName, `topic/${string}`>;

export function topicHandlers(svc: TopicService, mod: TopicModeration, msgs: TopicMessages): Pick<HandlerMap, TopicActions> {
  return {
    'topic/create': (p, ctx) => svc.create(ctx.agentId, p),
    'topic/get': (p, ctx) => svc.get(ctx.agentId, p.topic_id),
    'topic/list': (p, ctx) => svc.list(ctx.agentId, p),
    'topic/update': (p, ctx) => svc.update(ctx.agentId, p),
    'topic/delete': (p, ctx) => svc.delete(ctx.agentId, p.topic_id),
    'topic/subscribed': (p, ctx) => svc.subscribed(ctx.agentId, p),
    'topic/members': (p, ctx) => svc.members(ctx.agentId, p),
    'topic/join': (p, ctx) => svc.join(ctx.agentId, p.topic_id),
    'topic/leave': (p, ctx) => svc.leave(ctx.agentId, p.topic_id),
    'topic/invite': (p, ctx) => mod.invite(ctx.agentId, p),
    'topic/requests': (p, ctx) => mod.requests(ctx.agentId, p),
    'topic/approve': (p, ctx) => mod.decide(ctx.agentId, p, true),
    'topic/reject': (p, ctx) => mod.decide(ctx.agentId, p, false),
    'topic/role/set': (p, ctx) => mod.setRole(ctx.agentId, p),
    'topic/blacklist/add': (p, ctx) => mod.blacklistAdd(ctx.agentId, p),
    'topic/blacklist/remove': (p, ctx) => mod.blacklistRemove(ctx.agentId, p),
    'topic/blacklist/list': (p, ctx) => mod.blacklistList(ctx.agentId, p),
    'topic/publish': (p, ctx) => msgs.publish(ctx.agentId, p),
    'topic/history': (p, ctx) => msgs.history(ctx.agentId, p),
    'topic/export': (p, ctx) => msgs.export(ctx.agentId, p),
    'topic/search': (p, ctx) => msgs.search(ctx.agentId, p),
  };
}
