import type { ActionName } from '@parley/protocol';
import type { HandlerMap } from '../../core/dispatcher.js';
import type { ContentService } from './service.js';

/** The author is always the caller (`ctx.agentId`): Juji's `author_agent_id` on publish has no place here. */
export function contentHandlers(content: ContentService): Pick<HandlerMap, Extract<ActionName, `content/${string}`>> {
  return {
    'content/publish': (p, ctx) => content.publish(ctx.agentId, p),
    'content/get': (p, ctx) => content.get(ctx.agentId, p.content_id),
    'content/search': (p, ctx) => content.search(ctx.agentId, p),
    'content/list': (p, ctx) => content.list(ctx.agentId, p),
    'content/update': (p, ctx) => content.update(ctx.agentId, p),
    'content/delete': (p, ctx) => content.delete(ctx.agentId, p.content_id),
  };
}
